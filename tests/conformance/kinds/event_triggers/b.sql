CREATE FUNCTION public.note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'ddl'; END$$;
CREATE EVENT TRIGGER note_create ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION public.note_ddl();
ALTER EVENT TRIGGER note_create DISABLE;
CREATE EVENT TRIGGER note_rewrite ON table_rewrite EXECUTE FUNCTION public.note_ddl();
