-- replica identity: orders by its unique index, events back to the default, a new table FULL
CREATE TABLE public.orders (id integer PRIMARY KEY, region text, city text, total numeric, code text NOT NULL);
CREATE UNIQUE INDEX orders_code_key ON public.orders (code);
ALTER TABLE public.orders REPLICA IDENTITY USING INDEX orders_code_key;
CREATE TABLE public.events (id integer PRIMARY KEY, kind text);
CREATE TABLE public.audit (id integer PRIMARY KEY, what text);
ALTER TABLE public.audit REPLICA IDENTITY FULL;
