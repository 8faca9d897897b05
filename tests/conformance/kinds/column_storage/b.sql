-- body back to its type's storage, raw's compression back to the default, meta stored MAIN with
-- pglz; a new table with EXTERNAL storage and compression set
CREATE TABLE public.docs (id integer PRIMARY KEY, body text, raw bytea, meta jsonb);
ALTER TABLE public.docs ALTER COLUMN meta SET STORAGE MAIN;
ALTER TABLE public.docs ALTER COLUMN meta SET COMPRESSION pglz;
CREATE TABLE public.old (id integer PRIMARY KEY, note text COMPRESSION pglz);
CREATE TABLE public.blobs (id integer PRIMARY KEY, data bytea COMPRESSION pglz);
ALTER TABLE public.blobs ALTER COLUMN data SET STORAGE EXTERNAL;
