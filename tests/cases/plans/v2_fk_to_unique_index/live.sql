CREATE TABLE public.countries (id bigint PRIMARY KEY, code text NOT NULL);
INSERT INTO public.countries VALUES (1, 'FR');
