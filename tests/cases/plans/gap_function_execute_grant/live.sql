DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_app') THEN CREATE ROLE gap_app; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
CREATE FUNCTION public.is_admin(user_id bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
  AS 'SELECT user_id = 1';
CREATE FUNCTION public.add_one(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT n + 1';
REVOKE EXECUTE ON FUNCTION public.add_one(integer) FROM PUBLIC;
