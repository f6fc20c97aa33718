-- TargetTracking SQLite schema, version 9: the stays table.
--
-- One row per stay of a target in a status, derived from the history: the reports aggregate it instead of recomputing
-- every stay from the whole history with window functions on each run (docs/reports.md, "The stays table"). The write
-- path keeps it in the unit of work's transaction: it recomputes the stays of each target it writes a Created,
-- StatusChanged, Repaired or Deleted entry for. Times are whole microseconds since 1970-01-01 UTC, as the reports use.
-- A new table: target_history and its append-only triggers (0004/0005) are untouched.
CREATE TABLE target_stays (
    target_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL, -- the version of the entry that began the stay
    status          TEXT,
    entered_us      INTEGER NOT NULL,
    exited_us       INTEGER,          -- NULL while open
    next_status     TEXT,             -- the status it moved to; NULL while open or when the target was deleted
    ended_by_delete INTEGER NOT NULL,
    PRIMARY KEY (target_id, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX ix_target_stays_open ON target_stays (status, entered_us) WHERE exited_us IS NULL;
CREATE INDEX ix_target_stays_exited ON target_stays (exited_us);
CREATE INDEX ix_target_stays_entered ON target_stays (entered_us);
-- A cohort report finds the targets first created in its period from their Created entries.
CREATE INDEX ix_target_history_created ON target_history (occurred_at, target_id) WHERE action = 'Created';

-- targettracking:backfill-stays (the store fills the table here from the existing history, by the one definition of a stay)
