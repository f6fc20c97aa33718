-- TargetTracking PostgreSQL schema, version 19: when a change took effect (docs/pipeline.md, "When it really happened").
-- Runs with search_path set to the store's schema, inside the migration's own transaction.
--
-- A status change may be backdated: the entry keeps when it was recorded (occurred_at) and when it took effect
-- (effective_at). Every entry written from this version on fills it; entries written before are NULL and took effect when
-- recorded (reads take occurred_at). The target's status_changed_at holds the effective time of its latest status change:
-- the bound a later backdated change may not go before, which the one-statement status change checks in the same WHERE as
-- the version. No rewrite of history: the column is added, never filled in (a catalog-only change, however long the table).
ALTER TABLE target_history
    ADD COLUMN effective_at timestamptz,
    ADD CONSTRAINT target_history_effective_at_check CHECK (effective_at <= occurred_at);

-- A tracked operation may move its targets effective at one time before it started.
ALTER TABLE target_operations ADD COLUMN effective_at timestamptz;
