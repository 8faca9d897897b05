-- Columns a child table only inherits (attislocal = false; partitions left out): its default and
-- NOT NULL, and those of its parents.
SELECT n.nspname || '.' || c.relname, a.attname, pg_get_expr(ad.adbin, ad.adrelid), a.attnotnull,
       coalesce((SELECT json_agg(pg_get_expr(pd.adbin, pd.adrelid))
                   FROM pg_inherits i JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                   LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                  WHERE i.inhrelid = c.oid), '[]'),
       coalesce((SELECT bool_or(pa.attnotnull)
                   FROM pg_inherits i JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                  WHERE i.inhrelid = c.oid), false)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%' AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attislocal
   AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY 1, a.attnum
