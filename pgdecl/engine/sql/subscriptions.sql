-- Subscriptions of the current database: name, owner, enabled, binary, streaming, two-phase, disable on
-- error, slot name, synchronous_commit, publications and the connection string. The conninfo placeholder is filled
-- in by pgdecl.engine.kinds.subscriptions: the connection string WITH ANY PASSWORD TAKEN OUT ON THE
-- SERVER (pgdecl never reads nor prints a subscription's password), or NULL for a role that may not
-- read subconninfo (superusers only), which then is not compared.
SELECT s.subname::text, pg_get_userbyid(s.subowner), s.subenabled, s.subbinary, s.substream,
       s.subtwophasestate <> 'd', s.subdisableonerr, s.subslotname::text, s.subsynccommit,
       to_json(s.subpublications), {conninfo}
  FROM pg_catalog.pg_subscription s
 WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY 1
