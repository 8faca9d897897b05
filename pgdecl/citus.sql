-- pgdecl.citus: the distributed and reference tables of a Citus coordinator (pg_dist_partition)
-- kind: distributed (hash) | reference | local (a Citus local table: plain as far as the specs go)
SELECT n.nspname || '.' || c.relname AS name,
       CASE WHEN p.partmethod = 'h' THEN 'distributed'
            WHEN p.partmethod = 'n' AND p.repmodel = 't' THEN 'reference'
            ELSE 'local' END AS kind,
       CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column_name,
       p.colocationid,
       (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid)::int AS shard_count,
       (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
         WHERE p.partmethod = 'h' AND a.attrelid = p.logicalrelid
           AND a.attname = column_to_column_name(p.logicalrelid, p.partkey)) AS column_type
  FROM pg_dist_partition p
  JOIN pg_class c ON c.oid = p.logicalrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 ORDER BY 1
