-- Publications: name, all tables, published actions, via root, and the tables (with column lists and
-- row filters) and schemas they publish.
SELECT p.pubname::text, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,
       coalesce((SELECT json_agg(json_build_array(
                         quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                         (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                            FROM pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)),
                         pg_get_expr(pr.prqual, pr.prrelid)) ORDER BY n.nspname, c.relname)
                   FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE pr.prpubid = p.oid), '[]'),
       coalesce((SELECT json_agg(quote_ident(n.nspname) ORDER BY n.nspname)
                   FROM pg_publication_namespace pn JOIN pg_namespace n ON n.oid = pn.pnnspid
                  WHERE pn.pnpubid = p.oid), '[]')
  FROM pg_publication p
