CREATE SCHEMA util;
CREATE FUNCTION util.add(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + y $$;
CREATE FUNCTION util.sub(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x - y $$;

CREATE OPERATOR util.## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add, COMMUTATOR = OPERATOR(util.##));
-- now subtracts
CREATE OPERATOR util.#- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.sub);
-- new, over a new function
CREATE FUNCTION util.mul(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * y $$;
CREATE OPERATOR util.#* (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.mul, COMMUTATOR = OPERATOR(util.#*));
COMMENT ON OPERATOR util.## (integer, integer) IS 'adds two integers';

-- a view using an operator
CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
CREATE VIEW public.tv AS SELECT id, v OPERATOR(util.##) 1 AS next FROM public.t;
