CREATE TABLE public.accounts (id bigint PRIMARY KEY);
CREATE TABLE public.events (
  id bigint NOT NULL,
  account_id bigint NOT NULL REFERENCES public.accounts (id) ON DELETE CASCADE,
  created_at date NOT NULL,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX events_account_id_idx ON public.events (account_id);
CREATE TABLE public.events_2023 PARTITION OF public.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
CREATE TABLE public.events_old PARTITION OF public.events FOR VALUES FROM (MINVALUE) TO ('2023-01-01');
INSERT INTO public.accounts VALUES (1);
INSERT INTO public.events VALUES (1, 1, '2022-05-01'), (2, 1, '2023-05-01'), (3, 1, '2024-05-01'), (4, 1, '2025-05-01');
