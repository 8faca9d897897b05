CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL);
-- both definitions change: each new index is built before the old one goes
CREATE INDEX orders_customer ON public.orders (customer_id, placed_at DESC);
CREATE UNIQUE INDEX orders_customer_placed ON public.orders (customer_id, placed_at) INCLUDE (id);
COMMENT ON INDEX public.orders_customer IS 'by customer, newest first';
