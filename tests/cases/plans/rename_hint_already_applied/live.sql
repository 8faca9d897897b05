CREATE TABLE public.customers (
    id bigint PRIMARY KEY,
    full_name text NOT NULL
);
