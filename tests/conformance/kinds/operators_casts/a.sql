CREATE SCHEMA util;
CREATE TYPE public.pair AS (a integer, b integer);
CREATE FUNCTION util.add(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + y $$;
CREATE FUNCTION util.sub(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x - y $$;
CREATE FUNCTION util.pair_text(p public.pair) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p.a || ',' || p.b $$;
CREATE FUNCTION util.pair_sum(p public.pair) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT p.a + p.b $$;

-- kept as it is, changed, and dropped
CREATE OPERATOR util.## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add, COMMUTATOR = OPERATOR(util.##));
CREATE OPERATOR util.#- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add);
CREATE OPERATOR util.#! (RIGHTARG = integer, FUNCTION = pg_catalog.int4abs);
COMMENT ON OPERATOR util.## (integer, integer) IS 'adds';

CREATE CAST (public.pair AS text) WITH FUNCTION util.pair_text(public.pair);
CREATE CAST (public.pair AS integer) WITH FUNCTION util.pair_sum(public.pair) AS ASSIGNMENT;

CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
