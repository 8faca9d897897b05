CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb);
INSERT INTO public.events VALUES (1, 'a', '{}');
