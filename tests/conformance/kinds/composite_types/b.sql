-- composite types changed in place (ALTER TYPE ADD/DROP/ALTER ATTRIBUTE), one used by a table column
CREATE TYPE public.address AS (street text, city text, country text COLLATE "C");
CREATE TYPE public.dims AS (w numeric(8,2), h int, d int);
CREATE TYPE public.point3 AS (x float8, y float8, z float8);
CREATE TABLE public.customers (id bigint PRIMARY KEY, home public.address);
