CREATE TABLE public.events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL);
CREATE INDEX events_at_idx ON public.events (at);
CREATE INDEX events_kind_idx ON public.events (kind);
ALTER TABLE public.events CLUSTER ON events_at_idx;

CREATE TABLE public.notes (id integer PRIMARY KEY, body text);
ALTER TABLE public.notes CLUSTER ON notes_pkey;

CREATE TABLE public.logs (id integer PRIMARY KEY, line text);
CREATE INDEX logs_line_idx ON public.logs (line);
ALTER TABLE public.logs CLUSTER ON logs_line_idx;

CREATE MATERIALIZED VIEW public.kinds AS SELECT DISTINCT kind FROM public.events;
CREATE UNIQUE INDEX kinds_kind ON public.kinds (kind);
