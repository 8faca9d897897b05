-- The catalog queries of `pgdecl import`, one per `-- name:` section (pgdecl/importer/queries.py loads them).
-- @not_ext(catalog, oid)@ stands for: the object is not a member of an extension.
-- `-- uncovered: <kind>` sections list the objects of a kind the importer does not cover, by name.

-- name: SCHEMAS_SQL
SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner), obj_description(n.oid, 'pg_namespace')
  FROM pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgdecl') AND n.nspname NOT LIKE 'pg\_%%'
   AND @not_ext(pg_namespace, n.oid)@
 ORDER BY n.nspname

-- name: EXTENSIONS_SQL
SELECT e.oid, e.extname, n.nspname, e.extversion, a.default_version
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_available_extensions a ON a.name = e.extname
 ORDER BY e.extname

-- name: EXTENSION_USERS_SQL
SELECT DISTINCT x.refobjid FROM pg_depend d JOIN pg_depend x
    ON x.classid = d.refclassid AND x.objid = d.refobjid AND x.deptype = 'e'
 WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384

-- name: TYPES_SQL
SELECT t.oid, n.nspname, t.typname, t.typtype, t.typrelid, t.typelem, t.typarray, t.typbasetype,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, t.typdefault,
       t.typcollation <> coalesce((SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype), 0),
       obj_description(t.oid, 'pg_type'), pg_get_userbyid(t.typowner),
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                                            ORDER BY e.enumsortorder) END,
       (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND @not_ext(pg_type, t.oid)@
   AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
 ORDER BY n.nspname, t.typname

-- name: RELATIONS_SQL
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity,
       c.relforcerowsecurity, c.relreplident, c.relispartition, c.reloftype <> 0,
       (SELECT a.amname FROM pg_am a WHERE a.oid = c.relam), c.reltablespace <> 0,
       obj_description(c.oid, 'pg_class'), pg_get_userbyid(c.relowner),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       ARRAY(SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
       c.relispopulated, CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND @not_ext(pg_class, c.oid)@
 ORDER BY n.nspname, c.relname

-- name: COLUMNS_SQL
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
       a.attgenerated, pg_get_expr(d.adbin, d.adrelid), d.oid, a.attislocal, a.attinhcount,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       CASE WHEN a.attcollation <> t.typcollation THEN cn.nspname END,
       col_description(a.attrelid, a.attnum), a.attstorage <> t.typstorage, a.attstorage,
       a.attstattarget, a.attcompression, a.attoptions, a.atttypid
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE a.attrelid = ANY(%(rels)s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum

-- name: CONSTRAINTS_SQL
SELECT co.oid, co.conname, co.contype, co.conrelid, co.contypid, co.conkey::int2[], co.confkey::int2[],
       co.confrelid, co.confupdtype, co.confdeltype, co.confmatchtype, co.condeferrable, co.condeferred,
       co.convalidated, co.conislocal, co.connoinherit, co.conindid, co.conparentid,
       pg_get_constraintdef(co.oid), obj_description(co.oid, 'pg_constraint'),
       co.confdelsetcols IS NOT NULL AND cardinality(co.confdelsetcols) > 0
  FROM pg_constraint co
 WHERE co.conrelid = ANY(%(rels)s) OR co.contypid = ANY(%(types)s)
 ORDER BY co.conname, co.oid

-- name: INDEXES_SQL
SELECT i.indexrelid, i.indrelid, c.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indnullsnotdistinct,
       i.indnkeyatts, i.indkey::int2[], am.amname, pg_get_expr(i.indpred, i.indrelid), c.reloptions,
       c.reltablespace <> 0, obj_description(c.oid, 'pg_class'), i.indisvalid,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                  AND k.contype IN ('p', 'u', 'x')),
       (SELECT h.inhparent FROM pg_inherits h WHERE h.inhrelid = i.indexrelid), c.relkind, i.indisclustered
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
 WHERE i.indrelid = ANY(%(rels)s)
 ORDER BY c.relname

-- name: TRIGGERS_SQL
SELECT tg.oid, tg.tgrelid, tg.tgname, tg.tgtype, tg.tgenabled, tg.tgconstraint <> 0, tg.tgnargs, tg.tgargs,
       tg.tgattr::int2[], tg.tgoldtable IS NOT NULL OR tg.tgnewtable IS NOT NULL, tg.tgparentid <> 0,
       pg_get_triggerdef(tg.oid), tg.tgfoid, p.proname, pn.nspname, obj_description(tg.oid, 'pg_trigger'),
       tg.tgqual IS NOT NULL
  FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
 WHERE NOT tg.tgisinternal AND tg.tgrelid = ANY(%(rels)s)
 ORDER BY tg.tgname

-- name: POLICIES_SQL
SELECT pol.oid, pol.polrelid, pol.polname, pol.polcmd, pol.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(pol.polroles) r ORDER BY 1),
       pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid),
       obj_description(pol.oid, 'pg_policy')
  FROM pg_policy pol WHERE pol.polrelid = ANY(%(rels)s)
 ORDER BY pol.polname

-- name: FUNCTIONS_SQL
SELECT p.oid, n.nspname, p.proname, p.prokind, l.lanname, pg_get_function_arguments(p.oid),
       pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), p.prosrc, p.probin,
       p.provolatile, p.proisstrict, p.prosecdef, p.proparallel, p.proconfig, p.procost, p.prorows,
       p.proleakproof, p.proretset, p.prosupport <> 0, p.prosqlbody IS NOT NULL,
       obj_description(p.oid, 'pg_proc'), pg_get_userbyid(p.proowner),
       count(*) OVER (PARTITION BY n.nspname, p.proname),
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE n.nspname = ANY(%(schemas)s) AND @not_ext(pg_proc, p.oid)@
   AND NOT EXISTS (SELECT 1 FROM pg_depend di WHERE di.classid = 'pg_proc'::regclass AND di.objid = p.oid
                      AND di.deptype = 'i')  -- range and multirange constructors come with their type
 ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)

-- name: AGGREGATES_SQL
SELECT a.aggfnoid::oid, a.aggkind, a.aggtransfn::text, format_type(a.aggtranstype, NULL),
       CASE WHEN a.aggfinalfn::oid <> 0 THEN a.aggfinalfn::text END,
       CASE WHEN a.aggcombinefn::oid <> 0 THEN a.aggcombinefn::text END, a.agginitval,
       CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END, a.aggtransspace, a.aggfinalextra,
       a.aggmtransfn::oid <> 0, a.aggserialfn::oid <> 0, a.aggfinalmodify, p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE a.aggfnoid::oid = ANY(%(fns)s)

-- name: ACL_SQL
SELECT o.oid, x.src, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
  FROM (SELECT c.oid, c.relacl AS acl, c.relowner AS owner,
               CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char" AS kind, c.relnamespace AS nsp,
               CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END::"char" AS defkind
          FROM pg_class c WHERE c.oid = ANY(%(rels)s)
        UNION ALL SELECT p.oid, p.proacl, p.proowner, 'f', p.pronamespace, 'f' FROM pg_proc p WHERE p.oid = ANY(%(fns)s)
        UNION ALL SELECT t.oid, t.typacl, t.typowner, 'T', t.typnamespace, 'T' FROM pg_type t WHERE t.oid = ANY(%(types)s)
        UNION ALL SELECT n.oid, n.nspacl, n.nspowner, 'n', 0, 'n' FROM pg_namespace n WHERE n.oid = ANY(%(nsps)s)) o,
       LATERAL (SELECT 'have' AS src, * FROM aclexplode(coalesce(o.acl, acldefault(o.kind, o.owner)))
                -- 'late': what an object made after the default privileges (raw SQL is loaded after
                -- them) gets: the owner's global default privileges (else the built-in ones) plus
                -- its default privileges in the object's schema
                UNION ALL SELECT 'default', * FROM aclexplode(acldefault(o.kind, o.owner))
                UNION SELECT 'late', * FROM aclexplode(coalesce(
                    (SELECT d.defaclacl FROM pg_default_acl d WHERE d.defaclrole = o.owner
                        AND d.defaclnamespace = 0 AND d.defaclobjtype = o.defkind), acldefault(o.kind, o.owner)))
                UNION SELECT 'late', a.* FROM pg_default_acl d, aclexplode(d.defaclacl) a
                 WHERE d.defaclrole = o.owner AND d.defaclnamespace = o.nsp AND o.nsp <> 0
                   AND d.defaclobjtype = o.defkind) x
 ORDER BY 1, 2, 3, 4

-- name: COLUMN_ACL_SQL
SELECT a.attrelid, a.attname, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
       x.privilege_type, x.is_grantable
  FROM pg_attribute a, LATERAL aclexplode(a.attacl) x
 WHERE a.attrelid = ANY(%(rels)s) AND a.attacl IS NOT NULL AND NOT a.attisdropped
 ORDER BY 1, 2, 3, 4

-- name: DEFAULT_ACL_SQL
SELECT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, x.src,
       CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END, x.privilege_type, x.is_grantable
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,
       LATERAL (SELECT 'have' AS src, * FROM aclexplode(d.defaclacl)
                UNION ALL SELECT 'default', * FROM aclexplode(
                    acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' WHEN 'f' THEN 'f' WHEN 'T' THEN 'T'
                                                    WHEN 'n' THEN 'n' ELSE 'r' END::"char", d.defaclrole))
                 WHERE d.defaclnamespace = 0) x
 WHERE d.defaclnamespace = 0 OR n.nspname = ANY(%(schemas)s)
 ORDER BY 1, 2, 3, 4, 5, 6

-- name: ROLES_SQL
SELECT r.rolname, r.rolcanlogin, r.rolinherit, r.rolbypassrls, r.rolsuper, r.rolcreatedb, r.rolcreaterole,
       r.rolreplication, r.rolconnlimit <> -1 OR r.rolvaliduntil IS NOT NULL OR r.rolconfig IS NOT NULL,
       shobj_description(r.oid, 'pg_authid'),
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid ORDER BY g.rolname)
  FROM pg_roles r WHERE r.rolname = ANY(%(roles)s)

-- name: DEPENDS_SQL
SELECT d.classid::regclass::text, d.objid, d.objsubid, d.refclassid::regclass::text, d.refobjid, d.refobjsubid,
       d.deptype
  FROM pg_depend d
 WHERE d.deptype IN ('n', 'a', 'P', 'S', 'i') AND d.objid >= 16384 AND d.refobjid >= 16384

-- name: COLLATIONS_SQL
SELECT c.oid, n.nspname, c.collname, to_jsonb(c), obj_description(c.oid, 'pg_collation')
  FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND @not_ext(pg_collation, c.oid)@
 ORDER BY n.nspname, c.collname

-- name: RULES_SQL
SELECT r.oid, r.ev_class, r.rulename, pg_get_ruledef(r.oid), obj_description(r.oid, 'pg_rewrite')
  FROM pg_rewrite r WHERE r.ev_class = ANY(%(rels)s) AND r.rulename <> '_RETURN'
 ORDER BY r.rulename

-- name: STATISTICS_SQL
SELECT s.oid, n.nspname, s.stxname, pg_get_statisticsobjdef(s.oid), obj_description(s.oid, 'pg_statistic_ext')
  FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
 WHERE n.nspname = ANY(%(schemas)s) AND @not_ext(pg_statistic_ext, s.oid)@
 ORDER BY n.nspname, s.stxname

-- name: EVENT_TRIGGERS_SQL
SELECT e.oid, e.evtname, e.evtevent, e.evtenabled, e.evttags, p.oid, n.nspname, p.proname,
       obj_description(e.oid, 'pg_event_trigger')
  FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE @not_ext(pg_event_trigger, e.oid)@
 ORDER BY e.evtname

-- name: SEQUENCE_OPTIONS_SQL
SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache,
       s.seqcycle
  FROM pg_sequence s WHERE s.seqrelid = ANY(%(rels)s)

-- name: COMPOSITE_COLUMNS_SQL
SELECT t.oid, a.attname, format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attcollation <> ty.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE t.oid = ANY(%(types)s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY t.oid, a.attnum

-- name: RANGES_SQL
SELECT r.rngtypid, format_type(r.rngsubtype, NULL),
       (SELECT quote_ident(n.nspname) || '.' || quote_ident(o.opcname) FROM pg_opclass o
          JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE o.oid = r.rngsubopc AND NOT o.opcdefault),
       (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.collname) FROM pg_collation c
          JOIN pg_namespace n ON n.oid = c.collnamespace
         WHERE c.oid = r.rngcollation AND r.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype)),
       nullif(r.rngcanonical, 0)::regproc::text, nullif(r.rngsubdiff, 0)::regproc::text,
       format_type(r.rngmultitypid, NULL)
  FROM pg_range r WHERE r.rngtypid = ANY(%(types)s)

-- name: DOMAIN_COLLATION_SQL
SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(c.collname)
  FROM pg_type t JOIN pg_collation c ON c.oid = t.typcollation JOIN pg_namespace n ON n.oid = c.collnamespace
 WHERE t.oid = ANY(%(types)s)

-- uncovered: operator class
SELECT n.nspname || '.' || o.opcname FROM pg_opclass o JOIN pg_namespace n
                          ON n.oid = o.opcnamespace WHERE n.nspname = ANY(%(schemas)s)
                          AND @not_ext(pg_opclass, o.oid)@

-- uncovered: operator family
SELECT n.nspname || '.' || o.opfname FROM pg_opfamily o JOIN pg_namespace n
                           ON n.oid = o.opfnamespace WHERE n.nspname = ANY(%(schemas)s)
                           AND @not_ext(pg_opfamily, o.oid)@

-- uncovered: conversion
SELECT n.nspname || '.' || c.conname FROM pg_conversion c JOIN pg_namespace n
                      ON n.oid = c.connamespace WHERE n.nspname = ANY(%(schemas)s)
                      AND @not_ext(pg_conversion, c.oid)@

-- uncovered: foreign data wrapper
SELECT w.fdwname FROM pg_foreign_data_wrapper w
                                WHERE @not_ext(pg_foreign_data_wrapper, w.oid)@

-- uncovered: language
SELECT l.lanname FROM pg_language l WHERE l.oid >= 16384
                    AND @not_ext(pg_language, l.oid)@
