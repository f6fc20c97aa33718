-- TargetTracking SQLite schema, version 5: the integrity repair's entries.
-- History may hold 'Repaired' entries and carries a note (what a repair found wrong and did). SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt (create, copy, drop, rename) inside the migration's
-- transaction, and its indexes and append-only guards are created again exactly as before. DROP TABLE fires no
-- trigger (SQLite drops a table's triggers before its implicit DELETE), so no guard is switched off to do it.
-- Every trigger and index on target_history must be re-created here: MigrationTests compares them before and after.

CREATE TABLE target_history_v5 (
    id             TEXT    NOT NULL PRIMARY KEY,
    target_id      TEXT    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted', 'Repaired')),
    old_status     TEXT,
    new_status     TEXT,
    version        INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT,
    correlation_id TEXT    NOT NULL,
    operation_id   TEXT,
    client_address TEXT,
    user_agent     TEXT,
    note           TEXT
) STRICT;

INSERT INTO target_history_v5 (id, target_id, action, old_status, new_status, version, occurred_at,
                               actor_id, actor_name, correlation_id, operation_id, client_address, user_agent)
SELECT id, target_id, action, old_status, new_status, version, occurred_at,
       actor_id, actor_name, correlation_id, operation_id, client_address, user_agent
FROM target_history;

DROP TABLE target_history;
ALTER TABLE target_history_v5 RENAME TO target_history;

CREATE UNIQUE INDEX ux_target_history_target_version ON target_history (target_id, version);
CREATE INDEX ix_target_history_feed ON target_history (occurred_at, id);

CREATE TRIGGER target_history_refuse_update
BEFORE UPDATE ON target_history
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries cannot be updated');
END;

-- The guards of version 4: no insert may meet an entry (REPLACE, upserts), and a delete passes only while the purge
-- permit function, which only the store's purge defines on its own connection, says so.
CREATE TRIGGER target_history_refuse_overwrite
BEFORE INSERT ON target_history
WHEN EXISTS (SELECT 1 FROM target_history WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM target_history WHERE target_id = NEW.target_id AND version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: an entry cannot be replaced or upserted');
END;

CREATE TRIGGER target_history_refuse_delete
BEFORE DELETE ON target_history
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries are deleted only by the purge policy');
END;
