-- functions in raw SQL that the YAML table's default and check call: created before the table
CREATE SEQUENCE public.document_codes START 1000;
CREATE FUNCTION public.next_code() RETURNS text LANGUAGE sql VOLATILE
    AS $$SELECT 'DOC-' || nextval('public.document_codes')$$;
CREATE FUNCTION public.valid_code(c text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$SELECT c ~ '^DOC-[0-9]+$'$$;
