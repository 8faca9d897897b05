-- storage parameters and a column's statistics target are kept by the plan
CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01);
ALTER TABLE public.events ALTER COLUMN kind SET STATISTICS 500;
