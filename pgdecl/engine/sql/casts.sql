-- User-defined casts (not extension members, not those a type makes for itself): key `source AS
-- target`, the function (regprocedure text) or method, and the context.
SELECT format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL),
       json_build_object(
         'source', format_type(c.castsource, NULL), 'target', format_type(c.casttarget, NULL),
         'function', CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END,
         'method', c.castmethod::text, 'context', c.castcontext::text,
         'comment', obj_description(c.oid, 'pg_cast'))
  FROM pg_cast c
 WHERE c.oid >= 16384
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_cast'::regclass AND e.objid = c.oid
                                               AND e.deptype IN ('e', 'i'))
