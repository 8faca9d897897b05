-- overloaded functions and procedures: one overload dropped (the others stay), a changed argument
-- default and return type (drop and create), a procedure body changed
CREATE TABLE public.log (id bigserial PRIMARY KEY, msg text);
CREATE FUNCTION public.area(r float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$SELECT pi() * r * r$$;
CREATE FUNCTION public.area(w float8, h float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$SELECT w * h$$;
CREATE FUNCTION public.greet(name text, greeting text DEFAULT 'hi') RETURNS text LANGUAGE sql
    AS $$SELECT greeting || ' ' || name$$;
CREATE FUNCTION public.total(n int) RETURNS bigint LANGUAGE sql AS $$SELECT n::bigint$$;
CREATE PROCEDURE public.note(msg text) LANGUAGE sql AS $$INSERT INTO public.log (msg) VALUES (upper(msg))$$;
CREATE PROCEDURE public.note(msg text, times int) LANGUAGE sql AS $$INSERT INTO public.log (msg) SELECT msg FROM generate_series(1, times)$$;
CREATE PROCEDURE public.note(times int) LANGUAGE sql AS $$INSERT INTO public.log (msg) SELECT 'x' FROM generate_series(1, times)$$;
