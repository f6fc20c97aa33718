-- TargetTracking MariaDB/MySQL schema, version 8: the change feed. Every statement is idempotent.
--
-- Entries are stamped with a commit sequence that is safe against units of work committing out of order: each entry
-- advances the one-row target_feed_clock under InnoDB's row lock, held until its transaction ends, and takes the new
-- value. A later sequence can only be taken after the earlier holder has committed or rolled back, so once a reader
-- sees sequence N, every sequence below N is committed or gone for good: a reader that moves past a position never
-- skips an entry. (occurred_at, taken before the commit, is not such an order; reading only below the oldest running
-- transaction of information_schema.innodb_trx was rejected: it needs the PROCESS privilege and scans every transaction.)
-- The write session inserts history last, so the lock is held from the history insert to the commit.
--
-- The trigger runs with its definer's rights: the application user needs no grant on the clock. ADD COLUMN with a
-- constant default keeps the table's append-only triggers; entries written before keep sequence 0 and come first.

CREATE TABLE IF NOT EXISTS target_feed_clock (
    singleton TINYINT NOT NULL,
    seq       BIGINT  NOT NULL,
    CONSTRAINT target_feed_clock_pkey PRIMARY KEY (singleton),
    CONSTRAINT target_feed_clock_singleton CHECK (singleton = 1)
) ENGINE = InnoDB;
INSERT IGNORE INTO target_feed_clock (singleton, seq) VALUES (1, 0);

ALTER TABLE target_history ADD COLUMN IF NOT EXISTS feed_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS target_history_feed_seq_ix ON target_history (feed_seq, version, id);

CREATE TRIGGER IF NOT EXISTS target_history_feed_stamp
BEFORE INSERT ON target_history
FOR EACH ROW
BEGIN
    DECLARE stamped BIGINT;
    UPDATE target_feed_clock SET seq = seq + 1 WHERE singleton = 1;
    SELECT seq INTO stamped FROM target_feed_clock WHERE singleton = 1;
    SET NEW.feed_seq = stamped;
END;
