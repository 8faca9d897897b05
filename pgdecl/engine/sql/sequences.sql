-- Sequence options: (quoted name, type, start, increment, min, max, cache, cycle).
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename),
       data_type::text, start_value, increment_by, min_value, max_value, cache_size, cycle
  FROM pg_sequences WHERE schemaname NOT IN ('pgdecl')
