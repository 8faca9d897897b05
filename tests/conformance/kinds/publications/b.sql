CREATE SCHEMA reporting;
CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL, region text);
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers);
CREATE TABLE reporting.daily (day date PRIMARY KEY, total numeric);
-- a column list and a row filter, only inserts and updates
CREATE PUBLICATION to_warehouse FOR TABLE public.customers (id, region) WHERE (region IS NOT NULL), public.orders
    WITH (publish = 'insert, update');
CREATE PUBLICATION reports FOR TABLES IN SCHEMA reporting;
