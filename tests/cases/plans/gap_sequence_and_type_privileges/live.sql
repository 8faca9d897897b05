DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_app') THEN CREATE ROLE gap_app; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
CREATE SEQUENCE public.invoice_number;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.invoice_number TO gap_app;
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE DOMAIN public.cents AS bigint;
