CREATE SCHEMA util;
CREATE FUNCTION util.add(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + y $$;
CREATE FUNCTION util.sub(x integer, y integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x - y $$;

-- kept as it is, changed, and dropped
CREATE OPERATOR util.## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add, COMMUTATOR = OPERATOR(util.##));
CREATE OPERATOR util.#- (LEFTARG = integer, RIGHTARG = integer, FUNCTION = util.add);
CREATE OPERATOR util.#! (RIGHTARG = integer, FUNCTION = pg_catalog.int4abs);
COMMENT ON OPERATOR util.## (integer, integer) IS 'adds';


CREATE TABLE public.t (id integer PRIMARY KEY, v integer);
