DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_app') THEN CREATE ROLE gap_app; END IF; END$$;
DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_reader') THEN CREATE ROLE gap_reader; END IF; END$$;
CREATE TABLE public.articles (id bigint PRIMARY KEY, title text);
GRANT SELECT, INSERT ON public.articles TO gap_app WITH GRANT OPTION;
CREATE MATERIALIZED VIEW public.article_counts AS SELECT count(*) AS n FROM public.articles;
