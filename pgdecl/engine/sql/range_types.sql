-- Range types: (schema.name, quoted name, subtype, subtype operator class and collation when not the
-- subtype's default, canonical and subtype_diff functions, multirange type, columns using the range).
SELECT n.nspname || '.' || t.typname, quote_ident(n.nspname) || '.' || quote_ident(t.typname),
       format_type(r.rngsubtype, NULL),
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(oc.opcname)
          FROM pg_opclass oc JOIN pg_namespace cn ON cn.oid = oc.opcnamespace
         WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault),
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace JOIN pg_type st ON st.oid = r.rngsubtype
         WHERE co.oid = r.rngcollation AND r.rngcollation <> st.typcollation),
       CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regprocedure::text END,
       CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END,
       (SELECT quote_ident(mn.nspname) || '.' || quote_ident(mt.typname)
          FROM pg_type mt JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid),
       (SELECT count(*) FROM pg_attribute a WHERE a.atttypid IN (t.oid, r.rngmultitypid) AND NOT a.attisdropped)
  FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
