CREATE TABLE public.payments (id bigint PRIMARY KEY, amount integer NOT NULL, account_id bigint);
CREATE TABLE public.accounts (id bigint PRIMARY KEY);
INSERT INTO public.payments VALUES (1, -5, 42);
