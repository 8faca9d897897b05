CREATE TABLE public.click_events (
    target text NOT NULL,
    CONSTRAINT click_events_kind_check CHECK (kind = 'click')
) INHERITS (public.events);
CREATE TABLE public.audit_events () INHERITS (public.events);
ALTER TABLE public.audit_events ALTER COLUMN kind SET DEFAULT 'audit';
ALTER TABLE public.audit_events ALTER COLUMN payload SET NOT NULL;
