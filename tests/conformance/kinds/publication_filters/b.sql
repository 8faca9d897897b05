CREATE TABLE public.accounts (id bigint PRIMARY KEY, active boolean NOT NULL DEFAULT true, region text);
-- row filters PostgreSQL gives back without parentheses (a column, a function call): the plan's
-- CREATE/ALTER PUBLICATION must put them back, as pg_dump does
CREATE PUBLICATION active_accounts FOR TABLE public.accounts WHERE (active);
CREATE PUBLICATION regional FOR TABLE public.accounts (id, region) WHERE (starts_with(region, 'eu'));
