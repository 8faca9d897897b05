CREATE FUNCTION public.add_pair(acc numeric[], v numeric) RETURNS numeric[] LANGUAGE sql IMMUTABLE
    AS $$SELECT ARRAY[acc[1] + v, acc[2] + 1]$$;
CREATE FUNCTION public.pair_avg(acc numeric[]) RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$SELECT CASE WHEN acc[2] = 0 THEN NULL ELSE acc[1] / acc[2] END$$;
CREATE FUNCTION public.pair_sum(acc numeric[]) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$SELECT acc[1]$$;
-- the final function and the parallel safety change; a new aggregate over a new function
CREATE AGGREGATE public.my_avg(numeric) (SFUNC = public.add_pair, STYPE = numeric[], FINALFUNC = public.pair_sum,
    INITCOND = '{0,0}', PARALLEL = SAFE);
CREATE AGGREGATE public.my_total(numeric) (SFUNC = public.add_pair, STYPE = numeric[], FINALFUNC = public.pair_sum,
    INITCOND = '{0,0}');
CREATE VIEW public.totals AS SELECT public.my_total(x) AS total FROM (VALUES (1::numeric), (2)) v(x);
