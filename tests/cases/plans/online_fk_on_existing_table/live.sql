CREATE TABLE public.users (id bigint PRIMARY KEY);
CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);
INSERT INTO public.users VALUES (1);
INSERT INTO public.orders VALUES (10, 1);
