-- subscriptions, planned without a publisher (connect = false); `keep` has a password in its
-- connection string, which the plan never reads nor prints and the live subscription keeps
CREATE TABLE public.items (id bigint PRIMARY KEY, name text);
CREATE SUBSCRIPTION keep CONNECTION 'host=localhost port=1 dbname=upstream user=repl password=s3cret-pw'
    PUBLICATION pub_a WITH (connect = false, slot_name = NONE);
CREATE SUBSCRIPTION moved CONNECTION 'host=db1.example port=1 dbname=upstream'
    PUBLICATION pub_a, pub_b WITH (connect = false, slot_name = NONE, binary = true);
CREATE SUBSCRIPTION gone CONNECTION 'host=localhost port=1 dbname=upstream'
    PUBLICATION pub_a WITH (connect = false, slot_name = NONE);
