CREATE TABLE public.orders (id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'new');
CREATE TABLE public.order_log (order_id bigint, what text);
CREATE RULE orders_log_insert AS ON INSERT TO public.orders DO ALSO INSERT INTO public.order_log VALUES (new.id, 'insert');
CREATE RULE orders_no_delete AS ON DELETE TO public.orders DO INSTEAD NOTHING;
