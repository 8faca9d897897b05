CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL);
CREATE INDEX orders_customer ON public.orders (customer_id);
CREATE UNIQUE INDEX orders_customer_placed ON public.orders (customer_id, placed_at);
COMMENT ON INDEX public.orders_customer IS 'by customer';
INSERT INTO public.orders VALUES (1, 1, now());
