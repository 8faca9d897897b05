CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    name text NOT NULL CONSTRAINT users_name_check CHECK (length(name) > 0),
    CONSTRAINT users_name_key UNIQUE (name)
);
CREATE INDEX users_lower_name_idx ON public.users (lower(name));
COMMENT ON COLUMN public.users.name IS 'As printed on invoices.';
