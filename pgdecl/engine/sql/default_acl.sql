-- Default privileges: (role, schema or '' for the role's global ones, object kind, entries).
SELECT pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), d.defaclobjtype::text,
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable)) FROM aclexplode(d.defaclacl) x), '[]')
  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
 WHERE n.nspname IS NULL OR n.nspname <> 'pgdecl'
