-- The current database: (quoted name, owner, ACL entries).
SELECT quote_ident(d.datname), pg_get_userbyid(d.datdba),
       coalesce((SELECT json_agg(json_build_array(CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                                                  x.privilege_type, x.is_grantable))
                   FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) x), '[]')
  FROM pg_database d WHERE d.datname = current_database()
