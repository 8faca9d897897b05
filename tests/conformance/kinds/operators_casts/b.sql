CREATE SCHEMA util;
CREATE TYPE public.pair AS (a integer, b integer);
CREATE FUNCTION util.add(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + y $$;
CREATE FUNCTION util.sub(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x - y $$;
CREATE FUNCTION util.pair_text(p public.pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p.a || ',' || p.b $$;
CREATE FUNCTION util.pair_sum(p public.pair) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT p.a + p.b $$;

CREATE OPERATOR util.## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add, COMMUTATOR = OPERATOR(util.##));
-- now subtracts
CREATE OPERATOR util.#- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.sub);
-- new, over a new function
CREATE FUNCTION util.mul(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * y $$;
CREATE OPERATOR util.#* (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.mul, COMMUTATOR = OPERATOR(util.#*));
COMMENT ON OPERATOR util.## (integer, integer) IS 'adds two integers';

-- the text cast is kept; the integer one becomes implicit; a new one with INOUT
CREATE CAST (public.pair AS text) WITH FUNCTION util.pair_text(public.pair);
CREATE CAST (public.pair AS integer) WITH FUNCTION util.pair_sum(public.pair) AS IMPLICIT;
CREATE CAST (text AS public.pair) WITH INOUT;
COMMENT ON CAST (public.pair AS text) IS 'a,b';

-- a view using an operator and a cast
CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
CREATE VIEW public.tv AS SELECT id, v OPERATOR(util.##) 1 AS next, (ROW(id, v)::public.pair)::text AS pair FROM public.t;
