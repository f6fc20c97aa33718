-- TargetTracking MariaDB/MySQL schema, version 5: the integrity repair's entries. History may hold 'Repaired'
-- entries and carries a note (what a repair found wrong and did). Every statement is idempotent: MariaDB commits
-- each DDL statement on its own, so a script cut short is completed by running it again. ALTER TABLE keeps the
-- table's append-only triggers.

ALTER TABLE target_history ADD COLUMN IF NOT EXISTS note TEXT NULL;
ALTER TABLE target_history DROP CONSTRAINT IF EXISTS target_history_action_check;
ALTER TABLE target_history ADD CONSTRAINT target_history_action_check CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted', 'Repaired'));
