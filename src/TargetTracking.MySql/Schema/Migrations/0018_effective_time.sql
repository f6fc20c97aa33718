-- TargetTracking MariaDB/MySQL schema, version 18: when a change took effect (docs/pipeline.md, "When it really happened").
-- Every statement is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed by
-- running it again.
--
-- A status change may be backdated: the entry keeps when it was recorded (occurred_at) and when it took effect
-- (effective_at). Every entry written from this version on fills it; entries written before are NULL and took effect when
-- recorded (reads take occurred_at). The target's status_changed_at holds the effective time of its latest status change:
-- the bound a later backdated change may not go before. No rewrite of history: the column is added, never filled in.
ALTER TABLE target_history ADD COLUMN IF NOT EXISTS effective_at DATETIME(6) NULL;
ALTER TABLE target_history DROP CONSTRAINT IF EXISTS target_history_effective_at_check;
ALTER TABLE target_history ADD CONSTRAINT target_history_effective_at_check CHECK (effective_at <= occurred_at);

-- A tracked operation may move its targets effective at one time before it started.
ALTER TABLE target_operations ADD COLUMN IF NOT EXISTS effective_at DATETIME(6) NULL;
