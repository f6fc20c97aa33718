-- TargetTracking PostgreSQL schema, version 9: the stays table. Runs with search_path set to the store's schema.
--
-- One row per stay of a target in a status, derived from the history: the reports aggregate it instead of recomputing
-- every stay from the whole history with window functions on each run (docs/reports.md, "The stays table"). The write
-- path keeps it in the unit of work's transaction: it recomputes the stays of each target it writes a Created,
-- StatusChanged, Repaired or Deleted entry for. Times are whole microseconds since 1970-01-01 UTC, as the reports use.
-- The history stays append-only (0004): this table is derived data, rewritten for a target whenever its history grows.
CREATE TABLE stays (
    target_id       uuid    NOT NULL,
    version         bigint  NOT NULL, -- the version of the entry that began the stay
    status          text,
    entered_us      bigint  NOT NULL,
    exited_us       bigint,           -- NULL while open
    next_status     text,             -- the status it moved to; NULL while open or when the target was deleted
    ended_by_delete integer NOT NULL,
    CONSTRAINT stays_pkey PRIMARY KEY (target_id, version)
);
-- Open stays (counts now, ages, the funnel's current step); stays by exit (a period's moves and closed durations, and
-- the scope of a report: open or exited since the period began); stays by entry (entries in a period).
CREATE INDEX stays_open_ix ON stays (status, entered_us) WHERE exited_us IS NULL;
CREATE INDEX stays_exited_ix ON stays (exited_us);
CREATE INDEX stays_entered_ix ON stays (entered_us);
-- A cohort report finds the targets first created in its period from their Created entries.
CREATE INDEX history_created_ix ON history (occurred_at, target_id) WHERE action = 'Created';

-- The store fills the table from the existing history in 0010, once the table has the name the store knows it by.
