-- a chain across kinds: domain -> composite type -> function -> table default, check and policy -> view
CREATE SCHEMA billing;
CREATE DOMAIN billing.cents AS bigint CHECK (VALUE >= 0);
CREATE TYPE billing.money_pair AS (net billing.cents, gross billing.cents);
CREATE FUNCTION billing.gross(p billing.money_pair) RETURNS billing.cents LANGUAGE sql IMMUTABLE AS 'SELECT (p).gross';
CREATE FUNCTION billing.current_tenant() RETURNS bigint LANGUAGE sql STABLE AS $$SELECT nullif(current_setting('app.tenant', true), '')::bigint$$;
CREATE TABLE billing.invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant bigint NOT NULL DEFAULT billing.current_tenant(),
    amounts billing.money_pair NOT NULL,
    CHECK (billing.gross(amounts) >= (amounts).net)
);
ALTER TABLE billing.invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON billing.invoices USING (tenant = billing.current_tenant());
CREATE VIEW billing.invoice_totals AS SELECT tenant, sum(billing.gross(amounts)) AS gross FROM billing.invoices GROUP BY tenant;
CREATE VIEW billing.big_tenants AS SELECT tenant FROM billing.invoice_totals WHERE gross > 1000;
