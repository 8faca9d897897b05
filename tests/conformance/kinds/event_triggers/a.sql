CREATE FUNCTION public.note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE 'ddl'; END$$;
CREATE EVENT TRIGGER note_create ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.note_ddl();
CREATE EVENT TRIGGER note_drop ON sql_drop EXECUTE FUNCTION public.note_ddl();
