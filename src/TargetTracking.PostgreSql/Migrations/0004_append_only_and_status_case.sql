-- TargetTracking PostgreSQL schema, version 4. Runs with search_path set to the store's schema (then pg_temp).

-- Statuses match ignoring case, stored data included (a status renamed only in case still finds the targets stored
-- before): filters compare upper(status), and Not Set as upper(status) IS NULL, both served by this index.
DROP INDEX IF EXISTS targets_status_ix;
CREATE INDEX targets_status_upper_ix ON targets (upper(status));
