-- Foreign servers, user mappings and foreign tables of the user's schemas, as JSON rows:
-- kind, key, data.
SELECT 'server', quote_ident(s.srvname),
       json_build_object('fdw', quote_ident(w.fdwname), 'type', s.srvtype, 'version', s.srvversion,
                         'options', coalesce(s.srvoptions, '{}'))
  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
 WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_foreign_server'::regclass
                                               AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
-- (pg_user_mappings, not the catalog: any role may read it; options show only to those allowed)
SELECT 'mapping', CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(um.usename) END || ' SERVER '
                  || quote_ident(um.srvname),
       json_build_object('options', coalesce(um.umoptions, '{}'))
  FROM pg_user_mappings um
UNION ALL
SELECT 'table', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       json_build_object(
         'server', quote_ident(s.srvname), 'options', coalesce(ft.ftoptions, '{}'),
         'columns', coalesce((SELECT json_agg(json_build_array(
                                  quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                  pg_get_expr(d.adbin, d.adrelid), coalesce(a.attfdwoptions, '{}'))
                                  ORDER BY a.attnum)
                                FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid
                                                                            AND d.adnum = a.attnum
                               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'))
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
