CREATE TABLE public.users (id bigint PRIMARY KEY, email text, legacy_flag boolean);
