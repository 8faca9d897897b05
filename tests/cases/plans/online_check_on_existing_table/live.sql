CREATE TABLE public.products (id bigint PRIMARY KEY, price numeric(12,2) NOT NULL);
INSERT INTO public.products VALUES (1, 9.99);
