-- old rows break both rules: the constraints hold for new rows only (NOT VALID), and stay so
CREATE TABLE public.accounts (id bigint PRIMARY KEY);
CREATE TABLE public.payments (id bigint PRIMARY KEY, amount integer NOT NULL, account_id bigint);
ALTER TABLE public.payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_account_fkey FOREIGN KEY (account_id) REFERENCES public.accounts (id) NOT VALID;
