-- Default privileges: (role, schema or '' for the role's global ones, object kind, entries, and for a
-- global row the entries PostgreSQL's built-in default gives that role and kind: what the row's absence
-- means).
SELECT pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), d.defaclobjtype::text,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable)) FROM aclexplode(d.defaclacl) x), '[]'),
       CASE WHEN d.defaclnamespace = 0 THEN
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable))
                   FROM aclexplode(acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END,
                                              d.defaclrole)) x), '[]') END
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 WHERE n.nspname IS NULL OR n.nspname <> 'pgdecl'
