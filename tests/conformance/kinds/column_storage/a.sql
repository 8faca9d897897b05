CREATE TABLE public.docs (id integer PRIMARY KEY, body text, raw bytea, meta jsonb);
ALTER TABLE public.docs ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE public.docs ALTER COLUMN raw SET COMPRESSION pglz;
CREATE TABLE public.old (id integer PRIMARY KEY, note text COMPRESSION pglz);
