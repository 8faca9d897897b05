CREATE TEXT SEARCH DICTIONARY public.english_stem_nostop (TEMPLATE = snowball, LANGUAGE = english, StopWords = english);
CREATE TEXT SEARCH DICTIONARY public.names (TEMPLATE = simple, Accept = false);
CREATE TEXT SEARCH CONFIGURATION public.docs (COPY = english);
ALTER TEXT SEARCH CONFIGURATION public.docs ALTER MAPPING FOR asciiword, word WITH public.names, public.english_stem_nostop;
ALTER TEXT SEARCH CONFIGURATION public.docs DROP MAPPING FOR email, url;
CREATE TABLE public.documents (id bigint PRIMARY KEY, body text NOT NULL);
CREATE INDEX documents_search ON public.documents USING gin (to_tsvector('public.docs'::regconfig, body));
