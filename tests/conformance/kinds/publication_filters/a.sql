CREATE TABLE public.accounts (id bigint PRIMARY KEY, active boolean NOT NULL DEFAULT true, region text);
CREATE PUBLICATION active_accounts FOR TABLE public.accounts;
