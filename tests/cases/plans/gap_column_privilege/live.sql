DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_app') THEN CREATE ROLE gap_app; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
CREATE TABLE public.users (id bigint PRIMARY KEY, email text, name text, password_hash text);
GRANT SELECT (id, email, name, password_hash), UPDATE (password_hash) ON public.users TO gap_app;
