-- TargetTracking SQLite schema, version 4.

-- Statuses match ignoring case, stored data included (a status renamed only in case still finds the targets stored
-- before): filters compare UPPER(status), and Not Set as UPPER(status) IS NULL, both served by this index.
DROP INDEX IF EXISTS ix_targets_status;
CREATE INDEX ix_targets_status_upper ON targets (upper(status));
