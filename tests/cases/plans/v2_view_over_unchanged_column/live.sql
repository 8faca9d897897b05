CREATE TABLE public.items (id bigint PRIMARY KEY, name text NOT NULL, price integer NOT NULL, note varchar(20));
CREATE VIEW public.item_names AS SELECT id, name FROM public.items;
CREATE VIEW public.item_notes AS SELECT id, note FROM public.items;
CREATE VIEW public.named_notes AS SELECT n.id, n.name FROM public.item_names n;
INSERT INTO public.items VALUES (1, 'a', 10, 'x');
