-- Rewrite rules other than views' own: table, rule name, CREATE RULE statement.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), r.rulename::text, pg_get_ruledef(r.oid)
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_rewrite'::regclass AND e.objid = r.oid
                                               AND e.deptype = 'e')
