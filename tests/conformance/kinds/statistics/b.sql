-- statistics: one changed (made again), one dropped, one new with a target and a comment;
CREATE TABLE public.orders (id integer PRIMARY KEY, region text, city text, total numeric, code text NOT NULL);
CREATE UNIQUE INDEX orders_code_key ON public.orders (code);
CREATE STATISTICS public.orders_geo (dependencies, ndistinct) ON region, city FROM public.orders;
CREATE STATISTICS public.orders_mcv (mcv) ON city, total FROM public.orders;
ALTER STATISTICS public.orders_mcv SET STATISTICS 500;
COMMENT ON STATISTICS public.orders_mcv IS 'city and total together';
CREATE TABLE public.events (id integer PRIMARY KEY, kind text);
CREATE TABLE public.audit (id integer PRIMARY KEY, what text);
