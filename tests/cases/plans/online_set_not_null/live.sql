CREATE TABLE public.users (id bigint PRIMARY KEY, email text);
INSERT INTO public.users VALUES (1, 'a@example.com');
