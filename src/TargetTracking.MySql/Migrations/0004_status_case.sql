-- TargetTracking MariaDB/MySQL schema, version 4: statuses match ignoring case, stored data included (a status renamed
-- only in case still finds the targets stored before). Status filters compare UPPER(status); MariaDB cannot index that
-- expression, so it is kept in an indexed generated column the filters read, and Not Set is status_upper IS NULL.
-- STORED, not VIRTUAL: with a VIRTUAL column the index and the row disagreed after multi-table UPDATEs (a count by
-- the index found a target that the page, reading the row, did not), which the model-based test caught.
-- Every statement is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed
-- by running it again.

ALTER TABLE targets ADD COLUMN IF NOT EXISTS status_upper VARCHAR(64) AS (UPPER(status)) STORED;
CREATE INDEX IF NOT EXISTS ix_targets_status_upper ON targets (status_upper);
DROP INDEX IF EXISTS ix_targets_status ON targets;
