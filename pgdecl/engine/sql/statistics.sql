-- Extended statistics objects (CREATE STATISTICS): quoted name, definition, statistics target
-- (-1: the default) and comment.
SELECT quote_ident(n.nspname) || '.' || quote_ident(s.stxname), pg_get_statisticsobjdef(s.oid),
       coalesce(s.stxstattarget, -1)::int, obj_description(s.oid, 'pg_statistic_ext')
  FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_statistic_ext'::regclass AND e.objid = s.oid
                                               AND e.deptype = 'e')
