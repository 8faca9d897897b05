SET check_function_bodies = false;  -- as pg_dump writes it: is_even and is_odd name each other

CREATE TABLE public.counter (id integer PRIMARY KEY, n integer NOT NULL);

-- a SQL function whose body calls one made after it (no pg_depend edge: the body is text)
CREATE FUNCTION public.a_total() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT public.b_sum() $$;
CREATE FUNCTION public.b_sum() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(n), 0) FROM public.counter $$;

-- mutual recursion: each body names the other, so no order creates both with bodies checked
CREATE FUNCTION public.is_even(i integer) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN i = 0 THEN true ELSE public.is_odd(i - 1) END $$;
CREATE FUNCTION public.is_odd(i integer) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN i = 0 THEN false ELSE public.is_even(i - 1) END $$;

-- a view over the functions
CREATE VIEW public.totals AS SELECT public.a_total() AS total, public.is_even(4) AS four_is_even;
