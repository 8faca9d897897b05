GRANT SELECT (id, email, name), UPDATE (name) ON public.users TO gap_app;
GRANT SELECT (id) ON public.users TO gap_reader;
GRANT SELECT (name) ON public.users TO gap_reader WITH GRANT OPTION;
