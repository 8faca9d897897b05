-- overloaded functions and procedures: same name, different signatures
CREATE TABLE public.log (id bigserial PRIMARY KEY, msg text);
CREATE FUNCTION public.area(r float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$SELECT pi() * r * r$$;
CREATE FUNCTION public.area(w float8, h float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$SELECT w * h$$;
CREATE FUNCTION public.area(w int, h int) RETURNS int LANGUAGE sql IMMUTABLE AS $$SELECT w * h$$;
CREATE FUNCTION public.greet(name text, greeting text DEFAULT 'hello') RETURNS text LANGUAGE sql
    AS $$SELECT greeting || ' ' || name$$;
CREATE FUNCTION public.total(n int) RETURNS int LANGUAGE sql AS $$SELECT n$$;
CREATE PROCEDURE public.note(msg text) LANGUAGE sql AS $$INSERT INTO public.log (msg) VALUES (msg)$$;
CREATE PROCEDURE public.note(msg text, times int) LANGUAGE sql AS $$INSERT INTO public.log (msg) SELECT msg FROM generate_series(1, times)$$;
