-- collations: created, dropped, one whose definition changes (made again), used by a column
CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION public.old_c (provider = libc, locale = 'C');
CREATE COLLATION public.num (provider = icu, locale = 'en-u-kn-true');
CREATE TABLE public.users (id bigint PRIMARY KEY, email text COLLATE public.ci);
