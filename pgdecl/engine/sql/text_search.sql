-- Text search dictionaries and configurations of the user's schemas: kind, quoted name, template or
-- parser (quoted), init options (dictionaries) or token mappings [[alias, [dict, ...]], ...].
SELECT 'dictionary', quote_ident(n.nspname) || '.' || quote_ident(d.dictname),
       quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname), d.dictinitoption, NULL::json
  FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
  JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_dict'::regclass AND e.objid = d.oid
                                               AND e.deptype = 'e')
UNION ALL
SELECT 'configuration', quote_ident(n.nspname) || '.' || quote_ident(c.cfgname),
       quote_ident(pn.nspname) || '.' || quote_ident(p.prsname), NULL,
       coalesce((SELECT json_agg(json_build_array(tt.alias, m.dicts) ORDER BY tt.alias)
                   FROM (SELECT mm.maptokentype,
                                json_agg(quote_ident(dn.nspname) || '.' || quote_ident(dd.dictname)
                                         ORDER BY mm.mapseqno) AS dicts
                           FROM pg_ts_config_map mm JOIN pg_ts_dict dd ON dd.oid = mm.mapdict
                           JOIN pg_namespace dn ON dn.oid = dd.dictnamespace
                          WHERE mm.mapcfg = c.oid GROUP BY mm.maptokentype) m
                   JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype), '[]')
  FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
  JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_ts_config'::regclass AND e.objid = c.oid
                                               AND e.deptype = 'e')
