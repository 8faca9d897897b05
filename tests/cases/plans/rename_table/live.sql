CREATE TABLE public.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CONSTRAINT users_email_check CHECK (email LIKE '%@%'),
    name text NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_name_idx ON public.users (name);
COMMENT ON TABLE public.users IS 'People who buy things.';
COMMENT ON COLUMN public.users.email IS 'Where receipts go.';
