CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'warehouse.internal', dbname 'dw', port '5432');
CREATE SERVER legacy FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'legacy.internal', dbname 'old');
CREATE USER MAPPING FOR PUBLIC SERVER warehouse OPTIONS (user 'reader');
CREATE SCHEMA remote;
CREATE FOREIGN TABLE remote.sales (id bigint NOT NULL, amount numeric, note text OPTIONS (column_name 'remark'))
    SERVER warehouse OPTIONS (schema_name 'public', table_name 'sales');
CREATE FOREIGN TABLE remote.old_orders (id bigint) SERVER legacy;
