-- Functions and procedures: (key schema.name(argument types), quoted schema.name, identity arguments,
-- kind, result, number of argument defaults, arguments with their defaults, definition, what else uses
-- it: views as schema.name, anything else as PostgreSQL describes it).
SELECT format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)),
       quote_ident(n.nspname) || '.' || quote_ident(p.proname), pg_get_function_identity_arguments(p.oid),
       p.prokind::text, pg_get_function_result(p.oid), p.pronargdefaults, pg_get_function_arguments(p.oid),
       pg_get_functiondef(p.oid),
       coalesce((SELECT json_agg(DISTINCT coalesce(rn.nspname || '.' || rc.relname,
                                                   pg_describe_object(d.classid, d.objid, d.objsubid)))
                   FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
                   LEFT JOIN pg_class rc ON rc.oid = r.ev_class LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                  WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid AND d.deptype = 'n'), '[]')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND p.prokind IN ('f', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
