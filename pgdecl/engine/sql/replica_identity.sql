-- Tables whose replica identity is not the default: quoted name, relkind, identity (f, n, i), and the
-- index (bare, quoted) for USING INDEX.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, c.relreplident::text,
       (SELECT quote_ident(ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisreplident)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm') AND c.relreplident <> 'd'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
