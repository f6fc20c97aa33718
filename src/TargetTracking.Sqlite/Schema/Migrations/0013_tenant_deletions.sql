-- TargetTracking SQLite schema, version 13: deleting a tenant.
--
-- The hierarchy's history becomes deletable the way the targets' history is: only while the purge permit function, which
-- only the store's purge defines on its own connection and only while its statements run, answers 1 (version 4). The
-- one purge that deletes it is the deletion of a whole tenant.
DROP TRIGGER hierarchy_history_refuse_delete;
CREATE TRIGGER hierarchy_history_refuse_delete
BEFORE DELETE ON hierarchy_history
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'hierarchy_history is append-only: entries are deleted only with their tenant');
END;

-- The record of each deleted tenant, outside the tenant's data: who deleted it, when, why, and how many targets and
-- history entries went. Append-only, with no purge: it outlives the tenant. Times are microseconds since 1970 UTC.
CREATE TABLE tenant_deletions (
    tenant_id       TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id              TEXT    NOT NULL,
    deleted_at      INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT,
    correlation_id  TEXT    NOT NULL,
    client_address  TEXT,
    user_agent      TEXT,
    targets         INTEGER NOT NULL,
    target_history_entries INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER tenant_deletions_refuse_update
BEFORE UPDATE ON tenant_deletions
BEGIN
    SELECT RAISE(ABORT, 'tenant_deletions is append-only: records cannot be updated');
END;

CREATE TRIGGER tenant_deletions_refuse_delete
BEFORE DELETE ON tenant_deletions
BEGIN
    SELECT RAISE(ABORT, 'tenant_deletions is append-only: records cannot be deleted');
END;
