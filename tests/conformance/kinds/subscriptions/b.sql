-- subscriptions, planned without a publisher (connect = false); `keep` has a password in its
-- connection string, which the plan never reads nor prints and the live subscription keeps
CREATE TABLE public.items (id bigint PRIMARY KEY, name text);
CREATE SUBSCRIPTION keep CONNECTION 'host=localhost port=1 dbname=upstream user=repl password=s3cret-pw'
    PUBLICATION pub_a, pub_c WITH (connect = false, slot_name = 'keep_slot', streaming = true,
                                   synchronous_commit = 'off', disable_on_error = true);
CREATE SUBSCRIPTION moved CONNECTION 'host=db2.example port=1 dbname=upstream'
    PUBLICATION pub_b WITH (connect = false, slot_name = NONE);
CREATE SUBSCRIPTION fresh CONNECTION 'host=localhost port=1 dbname=other'
    PUBLICATION pub_c WITH (connect = false, slot_name = NONE, two_phase = true);
