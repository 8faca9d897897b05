-- the referenced key is a unique index, not a unique constraint
CREATE TABLE public.countries (id bigint PRIMARY KEY, code text NOT NULL);
CREATE UNIQUE INDEX countries_code ON public.countries (code);
CREATE TABLE public.cities (id bigint PRIMARY KEY, country_code text NOT NULL REFERENCES public.countries (code));
