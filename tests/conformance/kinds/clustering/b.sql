-- events: clustered on another index (in place: both indexes stay); notes: no longer clustered;
-- logs: its clustered index is changed (swapped in) and stays the one it is clustered on;
-- kinds: a materialized view clustered on its unique index; audit: a new table clustered on a new index
CREATE TABLE public.events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL);
CREATE INDEX events_at_idx ON public.events (at);
CREATE INDEX events_kind_idx ON public.events (kind);
ALTER TABLE public.events CLUSTER ON events_kind_idx;

CREATE TABLE public.notes (id integer PRIMARY KEY, body text);

CREATE TABLE public.logs (id integer PRIMARY KEY, line text);
CREATE INDEX logs_line_idx ON public.logs (line DESC);
ALTER TABLE public.logs CLUSTER ON logs_line_idx;

CREATE MATERIALIZED VIEW public.kinds AS SELECT DISTINCT kind FROM public.events;
CREATE UNIQUE INDEX kinds_kind ON public.kinds (kind);
ALTER MATERIALIZED VIEW public.kinds CLUSTER ON kinds_kind;

CREATE TABLE public.audit (id integer PRIMARY KEY, at timestamptz);
CREATE INDEX audit_at_idx ON public.audit (at);
ALTER TABLE public.audit CLUSTER ON audit_at_idx;
