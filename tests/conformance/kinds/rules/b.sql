CREATE TABLE public.orders (id bigint PRIMARY KEY, status text NOT NULL DEFAULT 'new');
CREATE TABLE public.order_log (order_id bigint, what text);
CREATE RULE orders_log_insert AS ON INSERT TO public.orders DO ALSO INSERT INTO public.order_log VALUES (new.id, 'created');
CREATE RULE orders_log_update AS ON UPDATE TO public.orders WHERE old.status <> new.status
    DO ALSO INSERT INTO public.order_log VALUES (new.id, new.status);
