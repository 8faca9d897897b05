-- The dependency graph of a database's own objects: one row per pg_depend edge between two user
-- objects (normal and extension-member edges: an automatic one never blocks a drop), each end named as pgdecl.engine.ops.ObjectId
-- names it (kind, schema, name). A view's rewrite rule stands for the view; a column default for its
-- column; a table's row type (and any array type) for its element; a domain constraint for its domain.
WITH ids AS (
    SELECT 'pg_class'::regclass AS classid, c.oid AS objid, 0 AS objsubid,
           CASE c.relkind WHEN 'c' THEN 'type' ELSE 'relation' END AS kind, n.nspname AS schema,
           c.relname::text AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid >= 16384
    UNION ALL
    SELECT 'pg_class'::regclass, c.oid, a.attnum, CASE c.relkind WHEN 'c' THEN 'type' ELSE 'column' END,
           n.nspname, CASE c.relkind WHEN 'c' THEN c.relname::text ELSE c.relname || '.' || a.attname END
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid >= 16384 AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, 0,
           CASE WHEN coalesce(r.oid, 0) <> 0 AND r.relkind <> 'c' THEN 'relation' ELSE 'type' END,
           coalesce(rn.nspname, en.nspname, n.nspname),
           coalesce(r.relname, e.typname, t.typname)::text
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A' AND e.typarray = t.oid
      LEFT JOIN pg_namespace en ON en.oid = e.typnamespace
      LEFT JOIN pg_class r ON r.oid = coalesce(nullif(e.typrelid, 0), t.typrelid)
      LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
     WHERE t.oid >= 16384
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid, 0, 'function', n.nspname, p.proname::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid >= 16384
    UNION ALL
    SELECT 'pg_constraint'::regclass, co.oid, 0,
           CASE WHEN co.conrelid <> 0 THEN 'constraint' ELSE 'type' END, n.nspname,
           CASE WHEN co.conrelid <> 0 THEN c.relname || '.' || co.conname ELSE t.typname::text END
      FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
      LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid
     WHERE co.oid >= 16384
    UNION ALL
    SELECT 'pg_rewrite'::regclass, rw.oid, 0, 'relation', n.nspname, c.relname::text
      FROM pg_rewrite rw JOIN pg_class c ON c.oid = rw.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE rw.oid >= 16384
    UNION ALL
    SELECT 'pg_attrdef'::regclass, ad.oid, 0, 'column', n.nspname, c.relname || '.' || a.attname
      FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
     WHERE ad.oid >= 16384
    UNION ALL
    SELECT 'pg_trigger'::regclass, tg.oid, 0, 'trigger', n.nspname, c.relname || '.' || tg.tgname
      FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE tg.oid >= 16384
    UNION ALL
    SELECT 'pg_policy'::regclass, pol.oid, 0, 'policy', n.nspname, c.relname || '.' || pol.polname
      FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    UNION ALL
    SELECT 'pg_namespace'::regclass, n.oid, 0, 'schema', '', n.nspname::text
      FROM pg_namespace n WHERE n.oid >= 16384 OR n.nspname = 'public'
    UNION ALL
    SELECT 'pg_extension'::regclass, x.oid, 0, 'extension', '', x.extname::text FROM pg_extension x
    UNION ALL
    SELECT 'pg_ts_config'::regclass, c.oid, 0, 'tsconfig', n.nspname, c.cfgname::text
      FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE c.oid >= 16384
    UNION ALL
    SELECT 'pg_ts_dict'::regclass, d.oid, 0, 'tsdictionary', n.nspname, d.dictname::text
      FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE d.oid >= 16384
    UNION ALL
    SELECT 'pg_collation'::regclass, c.oid, 0, 'collation', n.nspname, c.collname::text
      FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE c.oid >= 16384
    UNION ALL
    SELECT 'pg_event_trigger'::regclass, e.oid, 0, 'event_trigger', '', e.evtname::text FROM pg_event_trigger e
    UNION ALL
    SELECT 'pg_publication'::regclass, p.oid, 0, 'publication', '', p.pubname::text FROM pg_publication p
    UNION ALL
    SELECT 'pg_operator'::regclass, o.oid, 0, 'operator', n.nspname, o.oprname::text
      FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid >= 16384
    UNION ALL
    SELECT 'pg_cast'::regclass, c.oid, 0, 'cast', '',
           (SELECT CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN e.typname || '[]' ELSE t.typname END
              FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem WHERE t.oid = c.castsource)
           || ' AS ' ||
           (SELECT CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN e.typname || '[]' ELSE t.typname END
              FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem WHERE t.oid = c.casttarget)
      FROM pg_cast c WHERE c.oid >= 16384
)
SELECT DISTINCT o.kind, o.schema, o.name, r.kind, r.schema, r.name, d.deptype::text
  FROM pg_depend d
  JOIN ids o ON o.classid = d.classid AND o.objid = d.objid AND o.objsubid = d.objsubid
  JOIN ids r ON r.classid = d.refclassid AND r.objid = d.refobjid AND r.objsubid = d.refobjsubid
 WHERE d.deptype IN ('n', 'e')
   AND (o.kind, o.schema, o.name) IS DISTINCT FROM (r.kind, r.schema, r.name)
