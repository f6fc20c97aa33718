-- TargetTracking SQLite schema, version 7: pipeline reports and the stagnation monitor. New indexes and a new table
-- only: target_history and its append-only guards are untouched.
-- Reports read each target's status entries in version order: this covering index gives them in that order from the
-- index alone. The operations report reads the entries of tracked operations by time, and operations by creation time.
CREATE INDEX ix_target_history_report ON target_history (target_id, version, id, action, new_status, occurred_at);
CREATE INDEX ix_target_history_operation ON target_history (operation_id, occurred_at) WHERE operation_id IS NOT NULL;
CREATE INDEX ix_target_operations_created_at ON target_operations (created_at, id);

-- The stagnation monitor notifies a stay once, across restarts and host instances: a host claims a stay by inserting
-- its row; the key (target, stay start) lets exactly one insert win.
CREATE TABLE stagnation_claims (
    target_id       TEXT    NOT NULL,
    stay_started_at INTEGER NOT NULL,
    status          TEXT,
    claimed_at      INTEGER NOT NULL,
    PRIMARY KEY (target_id, stay_started_at)
) STRICT, WITHOUT ROWID;
