-- TargetTracking SQLite schema, version 18: when a change took effect (docs/pipeline.md, "When it really happened").
--
-- A status change may be backdated: the entry keeps when it was recorded (occurred_at) and when it took effect
-- (effective_at), both in microseconds since the epoch. Every entry written from this version on fills it; entries written
-- before are NULL and took effect when recorded (reads take occurred_at). The target's status_changed_at holds the
-- effective time of its latest status change: the bound a later backdated change may not go before, checked by the core
-- against the row it locked. No rewrite of history: the column is added, never filled in.
ALTER TABLE target_history ADD COLUMN effective_at INTEGER CHECK (effective_at <= occurred_at);

-- A tracked operation may move its targets effective at one time before it started.
ALTER TABLE target_operations ADD COLUMN effective_at INTEGER;
