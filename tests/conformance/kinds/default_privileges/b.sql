-- default privilege edge cases: grant options, the owner revoking its own defaults (global rows, so
-- objects made afterwards lack the owner's privileges), defaults for another role (FOR ROLE)
CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO schemainspect_test_role WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE ON SEQUENCES TO schemainspect_test_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT EXECUTE ON FUNCTIONS TO schemainspect_test_role;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM postgres;
ALTER DEFAULT PRIVILEGES FOR ROLE schemainspect_test_role REVOKE USAGE ON TYPES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE schemainspect_test_role IN SCHEMA app GRANT INSERT ON TABLES TO PUBLIC;
CREATE TABLE app.items (id bigint PRIMARY KEY);
