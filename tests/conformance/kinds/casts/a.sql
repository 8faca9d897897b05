CREATE SCHEMA util;
CREATE TYPE public.pair AS (a integer, b integer);
CREATE FUNCTION util.pair_text(p public.pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p.a || ',' || p.b $$;
CREATE FUNCTION util.pair_sum(p public.pair) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT p.a + p.b $$;
CREATE CAST (public.pair AS text) WITH FUNCTION util.pair_text(public.pair);
CREATE CAST (public.pair AS integer) WITH FUNCTION util.pair_sum(public.pair) AS ASSIGNMENT;
CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
