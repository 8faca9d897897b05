CREATE TYPE public.order_status AS ENUM ('pending', 'paid');
CREATE TABLE public.orders (id bigint PRIMARY KEY, status public.order_status NOT NULL DEFAULT 'pending');
INSERT INTO public.orders VALUES (1, 'paid');
