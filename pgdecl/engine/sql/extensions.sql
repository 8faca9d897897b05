-- Extensions: (name, quoted schema, version).
SELECT e.extname, quote_ident(n.nspname), e.extversion
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
