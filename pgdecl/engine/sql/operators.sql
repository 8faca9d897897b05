-- Operators of the user's schemas (not extension members): signature key, and the parts of CREATE
-- OPERATOR as regprocedure/regtype/regoperator texts.
SELECT quote_ident(n.nspname) || '.' || o.oprname
         || '(' || coalesce(format_type(o.oprleft, NULL), 'NONE') || ', '
         || coalesce(format_type(o.oprright, NULL), 'NONE') || ')',
       json_build_object(
         'schema', quote_ident(n.nspname), 'name', o.oprname,
         'left', CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END,
         'right', CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END,
         'function', o.oprcode::regproc::text,
         'commutator', CASE WHEN o.oprcom <> 0 THEN (SELECT quote_ident(cn.nspname) || '.' || c.oprname
                                                      FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace
                                                     WHERE c.oid = o.oprcom) END,
         'negator', CASE WHEN o.oprnegate <> 0 THEN (SELECT quote_ident(cn.nspname) || '.' || c.oprname
                                                      FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace
                                                     WHERE c.oid = o.oprnegate) END,
         'restrict', CASE WHEN o.oprrest <> 0 THEN o.oprrest::regproc::text END,
         'join', CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::regproc::text END,
         'hashes', o.oprcanhash, 'merges', o.oprcanmerge,
         'comment', obj_description(o.oid, 'pg_operator'))
  FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_operator'::regclass AND e.objid = o.oid
                                               AND e.deptype = 'e')
