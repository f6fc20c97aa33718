-- TargetTracking SQLite schema, version 2: indexes for every query, and the append-only guards on history.

-- Sorts: each ends with id, the tie-breaker, so a page is one index range.
CREATE INDEX ix_targets_name       ON targets (name, id);
CREATE INDEX ix_targets_created_at ON targets (created_at, id);
CREATE INDEX ix_targets_updated_at ON targets (updated_at, id);
CREATE INDEX ix_targets_status     ON targets (status);

-- The market filter: market_norm = @market.
CREATE INDEX ix_target_markets_market ON target_markets (market_norm, target_id);

-- A target's history newest first (keyset on version), and the feed by (occurred_at, id).
CREATE UNIQUE INDEX ux_target_history_target_version ON target_history (target_id, version);
CREATE INDEX ix_target_history_feed ON target_history (occurred_at, id);

-- History is append-only. The purge policy (DeletePolicy.PurgeHistory) is the one way to delete entries:
-- it inserts the single permit row, deletes, and removes the permit, all in its own transaction.
CREATE TABLE history_purge_permit (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1)
) STRICT;

CREATE TRIGGER target_history_refuse_update
BEFORE UPDATE ON target_history
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries cannot be updated');
END;

CREATE TRIGGER target_history_refuse_delete
BEFORE DELETE ON target_history
WHEN NOT EXISTS (SELECT 1 FROM history_purge_permit)
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries are deleted only by the purge policy');
END;
