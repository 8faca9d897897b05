CREATE TEXT SEARCH DICTIONARY public.english_stem_nostop (TEMPLATE = snowball, LANGUAGE = english);
CREATE TEXT SEARCH DICTIONARY public.old_simple (TEMPLATE = simple);
CREATE TEXT SEARCH CONFIGURATION public.docs (COPY = english);
ALTER TEXT SEARCH CONFIGURATION public.docs ALTER MAPPING FOR asciiword WITH public.english_stem_nostop;
CREATE TEXT SEARCH CONFIGURATION public.retired (COPY = simple);
CREATE TABLE public.documents (id bigint PRIMARY KEY, body text NOT NULL);
CREATE INDEX documents_search ON public.documents USING gin (to_tsvector('public.docs'::regconfig, body));
