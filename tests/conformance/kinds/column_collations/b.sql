-- a column's collation: on a new table (migra's CREATE TABLE left every collation out), on a new
-- column, and changed on a live one
CREATE TABLE public.t (id integer PRIMARY KEY, name text COLLATE "C", code varchar(10) COLLATE "POSIX" NOT NULL DEFAULT '');
CREATE TABLE public.u (id integer PRIMARY KEY, label text COLLATE "C" NOT NULL, note text);
