CREATE DOMAIN public.quantity AS integer DEFAULT 0 CONSTRAINT quantity_check CHECK (VALUE >= 0)
  CONSTRAINT quantity_small CHECK (VALUE < 1000);
CREATE DOMAIN public.sku AS text CONSTRAINT sku_upper CHECK (VALUE = upper(VALUE));
CREATE TABLE public.stock (id bigint PRIMARY KEY, qty public.quantity, sku public.sku);
INSERT INTO public.stock VALUES (1, 5, 'AB-1');
