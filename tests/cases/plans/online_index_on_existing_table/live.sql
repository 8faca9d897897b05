CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL, old_col text);
CREATE INDEX users_old_col_idx ON public.users (old_col);
INSERT INTO public.users VALUES (1, 'a@example.com', 'x');
