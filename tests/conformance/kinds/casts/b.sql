-- the text cast is kept (with a comment); the integer one becomes implicit (made again); a new one
-- WITH INOUT; a view using a cast
CREATE SCHEMA util;
CREATE TYPE public.pair AS (a integer, b integer);
CREATE FUNCTION util.pair_text(p public.pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p.a || ',' || p.b $$;
CREATE FUNCTION util.pair_sum(p public.pair) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT p.a + p.b $$;
CREATE CAST (public.pair AS text) WITH FUNCTION util.pair_text(public.pair);
CREATE CAST (public.pair AS integer) WITH FUNCTION util.pair_sum(public.pair) AS IMPLICIT;
CREATE CAST (text AS public.pair) WITH INOUT;
COMMENT ON CAST (public.pair AS text) IS 'a,b';
CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
CREATE VIEW public.tv AS SELECT id, (ROW(id, v)::public.pair)::text AS pair FROM public.t;
