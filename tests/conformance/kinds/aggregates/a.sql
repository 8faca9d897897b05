CREATE FUNCTION public.add_pair(acc numeric[], v numeric) RETURNS numeric[] LANGUAGE sql IMMUTABLE
    AS $$SELECT ARRAY[acc[1] + v, acc[2] + 1]$$;
CREATE FUNCTION public.pair_avg(acc numeric[]) RETURNS numeric LANGUAGE sql IMMUTABLE
    AS $$SELECT CASE WHEN acc[2] = 0 THEN NULL ELSE acc[1] / acc[2] END$$;
CREATE AGGREGATE public.my_avg(numeric) (SFUNC = public.add_pair, STYPE = numeric[], FINALFUNC = public.pair_avg, INITCOND = '{0,0}');
CREATE AGGREGATE public.old_sum(numeric) (SFUNC = numeric_add, STYPE = numeric);
