CREATE DOMAIN public.percent AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE public.discounts (id bigint PRIMARY KEY, rate public.percent);
INSERT INTO public.discounts VALUES (1, 12.5);
