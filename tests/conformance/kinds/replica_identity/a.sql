CREATE TABLE public.orders (id integer PRIMARY KEY, region text, city text, total numeric, code text NOT NULL);
CREATE UNIQUE INDEX orders_code_key ON public.orders (code);
ALTER TABLE public.orders REPLICA IDENTITY FULL;
CREATE TABLE public.events (id integer PRIMARY KEY, kind text);
ALTER TABLE public.events REPLICA IDENTITY NOTHING;
