-- Aggregates of the user's schemas: qualified name, identity arguments, and the parts of CREATE
-- AGGREGATE (functions qualified, the state type formatted, options that are not the default).
SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname), pg_get_function_identity_arguments(p.oid),
       a.aggkind::text, a.aggnumdirectargs,
       a.aggtransfn::regproc::text, format_type(a.aggtranstype, NULL),
       nullif(a.aggfinalfn, 0)::regproc::text, a.aggfinalextra, a.aggfinalmodify::text,
       nullif(a.aggcombinefn, 0)::regproc::text, nullif(a.aggserialfn, 0)::regproc::text,
       nullif(a.aggdeserialfn, 0)::regproc::text, a.agginitval, nullif(a.aggsortop, 0)::regoperator::text,
       nullif(a.aggtransspace, 0), p.proparallel::text
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                                               AND e.deptype = 'e')
