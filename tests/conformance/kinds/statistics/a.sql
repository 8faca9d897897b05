CREATE TABLE public.orders (id integer PRIMARY KEY, region text, city text, total numeric, code text NOT NULL);
CREATE UNIQUE INDEX orders_code_key ON public.orders (code);
CREATE STATISTICS public.orders_geo (dependencies) ON region, city FROM public.orders;
CREATE STATISTICS public.orders_gone (ndistinct) ON region, total FROM public.orders;
CREATE TABLE public.events (id integer PRIMARY KEY, kind text);
