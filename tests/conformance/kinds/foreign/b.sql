CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'warehouse2.internal', dbname 'dw', fetch_size '1000');
CREATE USER MAPPING FOR PUBLIC SERVER warehouse OPTIONS (user 'analyst');
CREATE SCHEMA remote;
CREATE FOREIGN TABLE remote.sales (id bigint NOT NULL, amount numeric(12,2), note text OPTIONS (column_name 'comment'), region text)
    SERVER warehouse OPTIONS (schema_name 'sales', table_name 'sales');
CREATE VIEW remote.big_sales AS SELECT id, amount FROM remote.sales WHERE amount > 1000;
