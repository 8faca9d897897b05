CREATE TABLE public.sales (id bigint PRIMARY KEY, amount integer NOT NULL);
CREATE MATERIALIZED VIEW public.sales_summary AS SELECT id, amount, amount * 2 AS doubled FROM public.sales;
CREATE UNIQUE INDEX sales_summary_id ON public.sales_summary (id);
COMMENT ON INDEX public.sales_summary_id IS 'lets REFRESH ... CONCURRENTLY work';
COMMENT ON MATERIALIZED VIEW public.sales_summary IS 'per sale';
