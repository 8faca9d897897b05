CREATE TABLE public.people (
  id bigint PRIMARY KEY,
  first_name text NOT NULL,
  last_name text NOT NULL,
  full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED
);
CREATE INDEX people_full_name_idx ON public.people (full_name);
COMMENT ON COLUMN public.people.full_name IS 'Shown in lists.';
INSERT INTO public.people VALUES (1, 'Ada', 'Lovelace');
