-- Event triggers: name, event, function (qualified), tags, enabled state (O, D, R, A).
SELECT e.evtname::text, e.evtevent::text, quote_ident(n.nspname) || '.' || quote_ident(p.proname),
       coalesce(e.evttags, '{}'::text[]), e.evtenabled::text
  FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_event_trigger'::regclass
                                               AND x.objid = e.oid AND x.deptype = 'e')
