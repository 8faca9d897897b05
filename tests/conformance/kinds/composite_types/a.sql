-- composite types changed in place (ALTER TYPE ADD/DROP/ALTER ATTRIBUTE), one used by a table column
CREATE TYPE public.address AS (street text, city text, note text);
CREATE TYPE public.dims AS (w int, h int);
CREATE TYPE public.gone AS (a int);
CREATE TABLE public.customers (id bigint PRIMARY KEY, home public.address);
