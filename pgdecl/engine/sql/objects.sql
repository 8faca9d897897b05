-- Every object with an owner and privileges: (name, object as GRANT names it, ALTER ... OWNER TO
-- keyword, pg_default_acl kind, schema, owner, tied to a table (sequences of identity/serial
-- columns follow their table's owner), ACL entries [grantee, privilege, grantable], and the privileges
-- revoked from the owner itself).
SELECT n.nspname || '.' || c.relname,
       CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       CASE c.relkind WHEN 'S' THEN 'S' ELSE 'r' END, n.nspname, pg_get_userbyid(c.relowner),
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')),
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) FROM aclexplode(coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) x), '[]'),
       coalesce((SELECT json_agg(x.privilege_type ORDER BY x.privilege_type) FROM aclexplode(acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)) x WHERE c.relacl IS NOT NULL AND x.grantee = c.relowner AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) y WHERE y.grantee = c.relowner AND y.privilege_type = x.privilege_type)), '[]')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT n.nspname || '.' || p.proname,
       CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || quote_ident(n.nspname) || '.'
       || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, 'f', n.nspname, pg_get_userbyid(p.proowner), false,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) FROM aclexplode(coalesce(p.proacl, acldefault(('f')::"char", p.proowner))) x), '[]'),
       coalesce((SELECT json_agg(x.privilege_type ORDER BY x.privilege_type) FROM aclexplode(acldefault(('f')::"char", p.proowner)) x WHERE p.proacl IS NOT NULL AND x.grantee = p.proowner AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) y WHERE y.grantee = p.proowner AND y.privilege_type = x.privilege_type)), '[]')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT n.nspname || '.' || t.typname,
       CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, 'T', n.nspname, pg_get_userbyid(t.typowner), false,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) FROM aclexplode(coalesce(t.typacl, acldefault(('T')::"char", t.typowner))) x), '[]'),
       coalesce((SELECT json_agg(x.privilege_type ORDER BY x.privilege_type) FROM aclexplode(acldefault(('T')::"char", t.typowner)) x WHERE t.typacl IS NOT NULL AND x.grantee = t.typowner AND NOT EXISTS (SELECT 1 FROM aclexplode(t.typacl) y WHERE y.grantee = t.typowner AND y.privilege_type = x.privilege_type)), '[]')
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
   AND (t.typtype IN ('e', 'd', 'r')
        OR t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
UNION ALL
SELECT n.nspname, 'SCHEMA ' || quote_ident(n.nspname), 'SCHEMA', 'n', n.nspname, pg_get_userbyid(n.nspowner), false,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable)) FROM aclexplode(coalesce(n.nspacl, acldefault(('n')::"char", n.nspowner))) x), '[]'),
       coalesce((SELECT json_agg(x.privilege_type ORDER BY x.privilege_type) FROM aclexplode(acldefault(('n')::"char", n.nspowner)) x WHERE n.nspacl IS NOT NULL AND x.grantee = n.nspowner AND NOT EXISTS (SELECT 1 FROM aclexplode(n.nspacl) y WHERE y.grantee = n.nspowner AND y.privilege_type = x.privilege_type)), '[]')
  FROM pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid AND e.deptype = 'e')
