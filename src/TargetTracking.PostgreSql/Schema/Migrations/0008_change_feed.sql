-- TargetTracking PostgreSQL schema, version 8: the change feed. Runs with search_path set to the store's schema.
--
-- Entries are stamped with a commit sequence that is safe against units of work committing out of order: the first
-- entry a transaction writes advances the one-row feed_clock (a row lock held until that transaction ends) and every
-- entry of the transaction takes the new value. A later sequence can only be taken after the earlier holder has
-- committed or rolled back, so once a reader sees sequence N, every sequence below N is committed or gone for good: a
-- reader that moves past a position never skips an entry. (occurred_at, taken before the commit, is not such an order.)
-- The lock is held from the first history insert to the commit; the write session inserts history last, and with
-- PostgreSQL it sends the insert together with its COMMIT, so the lock lasts one round trip at most.
--
-- Adding a column with a constant default rewrites no row and leaves the append-only triggers as they are. Entries
-- written before this migration keep sequence 0 and come first in the feed.

CREATE TABLE IF NOT EXISTS feed_clock (
    singleton boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint  NOT NULL
);
INSERT INTO feed_clock (singleton, seq) VALUES (true, 0) ON CONFLICT DO NOTHING;

ALTER TABLE history ADD COLUMN IF NOT EXISTS feed_seq bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS history_feed_seq_ix ON history (feed_seq, version, id);

-- SECURITY DEFINER: the application role needs no grant on feed_clock, and cannot write it directly. The transaction's
-- sequence is kept in a transaction-local setting named after the table, so only its first entry touches the clock. A
-- notification per transaction wakes subscriptions (LISTEN targettracking_feed); it is a hint only, delivered at commit.
CREATE OR REPLACE FUNCTION history_feed_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    setting text := 'targettracking.feed_seq_' || TG_RELID::text;
    current_seq text := current_setting(setting, true);
BEGIN
    IF current_seq IS NULL OR current_seq = '' THEN
        UPDATE feed_clock SET seq = seq + 1 RETURNING seq::text INTO current_seq;
        PERFORM set_config(setting, current_seq, true);
        PERFORM pg_notify('targettracking_feed', TG_TABLE_SCHEMA);
    END IF;
    NEW.feed_seq := current_seq::bigint;
    RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION history_feed_stamp() FROM PUBLIC;

DROP TRIGGER IF EXISTS history_feed_stamp ON history;
CREATE TRIGGER history_feed_stamp BEFORE INSERT ON history FOR EACH ROW EXECUTE FUNCTION history_feed_stamp();
