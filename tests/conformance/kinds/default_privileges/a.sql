-- default privilege edge cases: grant options, the owner revoking its own defaults (global rows, so
-- objects made afterwards lack the owner's privileges), defaults for another role (FOR ROLE)
CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO schemainspect_test_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE ON SEQUENCES TO schemainspect_test_role WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE schemainspect_test_role IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;
CREATE TABLE app.items (id bigint PRIMARY KEY);
