-- TargetTracking MariaDB/MySQL schema, version 9: the stays table. Every statement is idempotent (DDL commits on its
-- own here; the backfill that follows empties the table before it fills it).
--
-- One row per stay of a target in a status, derived from the history: the reports aggregate it instead of recomputing
-- every stay from the whole history with window functions on each run (docs/reports.md, "The stays table"). The write
-- path keeps it in the unit of work's transaction: it recomputes the stays of each target it writes a Created,
-- StatusChanged, Repaired or Deleted entry for. Times are whole microseconds since 1970-01-01 UTC, as the reports use.
-- A new table: target_history and its append-only triggers (0004) are untouched.
CREATE TABLE IF NOT EXISTS target_stays (
    target_id       BINARY(16)  NOT NULL,
    version         BIGINT      NOT NULL, -- the version of the entry that began the stay
    status          VARCHAR(64) NULL,
    entered_us      BIGINT      NOT NULL,
    exited_us       BIGINT      NULL,     -- NULL while open
    next_status     VARCHAR(64) NULL,     -- the status it moved to; NULL while open or when the target was deleted
    ended_by_delete INT         NOT NULL,
    CONSTRAINT target_stays_pkey PRIMARY KEY (target_id, version),
    INDEX ix_target_stays_open (exited_us, status, entered_us),
    INDEX ix_target_stays_entered (entered_us)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
-- A cohort report finds the targets first created in its period from their Created entries.
CREATE INDEX IF NOT EXISTS ix_target_history_created ON target_history (action, occurred_at, target_id);

-- targettracking:backfill-stays (the store fills the table here from the existing history, by the one definition of a stay)
