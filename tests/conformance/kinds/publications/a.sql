CREATE SCHEMA reporting;
CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL, region text);
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers);
CREATE TABLE reporting.daily (day date PRIMARY KEY, total numeric);
CREATE PUBLICATION to_warehouse FOR TABLE public.customers, public.orders;
CREATE PUBLICATION everything FOR ALL TABLES;
