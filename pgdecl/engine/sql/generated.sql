-- Stored generated columns: their expression and definition, and what depends on the column
-- (indexes and constraints PostgreSQL drops with it; anything else stops a DROP COLUMN).
SELECT 'COLUMN ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname),
       n.nspname || '.' || c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname,
       quote_ident(a.attname), pg_get_expr(ad.adbin, ad.adrelid), format_type(a.atttypid, a.atttypmod), a.attnotnull,
       (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE co.oid = a.attcollation AND a.attcollation <> ty.typcollation),
       coalesce((SELECT json_agg(json_build_array(i.relname, pg_get_indexdef(i.oid)) ORDER BY i.relname)
                   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                  WHERE x.indrelid = c.oid
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = c.oid)
                    AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.oid
                                   AND d.refobjid = c.oid AND d.refobjsubid = a.attnum)), '[]'),
       coalesce((SELECT json_agg(json_build_array(k.conname, pg_get_constraintdef(k.oid)) ORDER BY k.conname)
                   FROM pg_constraint k WHERE k.conrelid = c.oid AND a.attnum = ANY(k.conkey)), '[]'),
       coalesce((SELECT json_agg(DISTINCT coalesce(rn.nspname || '.' || rc.relname, pg_describe_object(d.classid, d.objid, d.objsubid)))
                   FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
                   LEFT JOIN pg_class rc ON rc.oid = r.ev_class LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                  WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum
                    AND d.deptype = 'n'), '[]')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND a.attgenerated = 's' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
