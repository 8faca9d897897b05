-- price becomes bigint and note text: item_names (and the view on it) read neither and stay;
-- item_notes reads note and is recreated
CREATE TABLE public.items (id bigint PRIMARY KEY, name text NOT NULL, price bigint NOT NULL, note text);
CREATE VIEW public.item_names AS SELECT id, name FROM public.items;
CREATE VIEW public.item_notes AS SELECT id, note FROM public.items;
CREATE VIEW public.named_notes AS SELECT n.id, n.name FROM public.item_names n;
