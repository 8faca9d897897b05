CREATE TABLE public.counter (id integer PRIMARY KEY, n integer NOT NULL);
