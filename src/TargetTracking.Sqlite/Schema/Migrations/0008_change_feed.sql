-- TargetTracking SQLite schema, version 8: the change feed.
-- Entries carry the commit sequence of the unit of work that wrote them. SQLite lets one writer at a time hold the
-- database (BEGIN IMMEDIATE), so the order in which units of work take the write lock is their commit order: the write
-- session advances target_feed_clock once per unit of work, inside its transaction, and stamps its entries with the new
-- value. A reader that moves past a sequence can never meet a smaller one later. The clock never goes back, even when
-- the newest entries are purged (a rowid could be reused then).
-- The column is added in place (ALTER TABLE ADD COLUMN), so target_history keeps its append-only triggers (0004/0005).
-- Entries written before this migration keep sequence 0 and come first in the feed.

CREATE TABLE target_feed_clock (
    singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    seq       INTEGER NOT NULL
) STRICT;
INSERT INTO target_feed_clock (singleton, seq) VALUES (1, 0);

ALTER TABLE target_history ADD COLUMN feed_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ix_target_history_feed_seq ON target_history (feed_seq, version, id);
