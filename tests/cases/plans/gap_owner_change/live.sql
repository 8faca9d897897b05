DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_owner') THEN CREATE ROLE gap_owner; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric NOT NULL);
GRANT SELECT ON billing.invoices TO gap_reader;
CREATE VIEW billing.invoice_totals AS SELECT sum(total) AS total FROM billing.invoices;
CREATE SEQUENCE billing.invoice_number;
CREATE FUNCTION billing.next_invoice_number() RETURNS bigint LANGUAGE sql AS $$SELECT nextval('billing.invoice_number')$$;
CREATE TYPE billing.invoice_state AS ENUM ('draft', 'sent');
