-- range types: created, dropped, and one whose subtype changes (made again: PostgreSQL cannot alter it)
CREATE TYPE public.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE public.timerange AS RANGE (subtype = time);
CREATE TYPE public.pricerange AS RANGE (subtype = float8);
CREATE TABLE public.bookings (id bigint PRIMARY KEY, during tstzrange, price public.floatrange, slot public.timerange);
