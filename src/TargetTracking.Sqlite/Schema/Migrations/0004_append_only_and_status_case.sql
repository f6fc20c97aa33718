-- TargetTracking SQLite schema, version 4.

-- Statuses match ignoring case, stored data included (a status renamed only in case still finds the targets stored
-- before): filters compare UPPER(status), and Not Set as UPPER(status) IS NULL, both served by this index.
DROP INDEX IF EXISTS ix_targets_status;
CREATE INDEX IF NOT EXISTS ix_targets_status_upper ON targets (upper(status));

-- History is append-only against any SQL client, not only against the store:
--
-- 1. INSERT OR REPLACE, REPLACE INTO and upserts meeting an existing entry. REPLACE deletes the old row without firing
--    delete triggers (unless the client turned recursive_triggers on), so the guard is a BEFORE INSERT trigger that
--    refuses any insert meeting an entry (same id, or same target and version) before a conflict clause can act.
--    An upsert's DO UPDATE is refused by it too, and by target_history_refuse_update.
DROP TRIGGER IF EXISTS target_history_refuse_overwrite;
CREATE TRIGGER target_history_refuse_overwrite
BEFORE INSERT ON target_history
WHEN EXISTS (SELECT 1 FROM target_history WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM target_history WHERE target_id = NEW.target_id AND version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: an entry cannot be replaced or upserted');
END;

-- 2. DELETE. Until now a row in history_purge_permit let any client delete. Now a delete goes through only while the
--    SQL function targettracking_history_purge_permit() answers 1. No database has that function: the store registers
--    it on its own connection for the one statement of a purge (DeletePolicy.PurgeHistory) and withdraws it after.
--    A plain SQL client's DELETE fails (no such function); the store's other statements are refused as append-only.
DROP TRIGGER IF EXISTS target_history_refuse_delete;
CREATE TRIGGER target_history_refuse_delete
BEFORE DELETE ON target_history
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries are deleted only by the purge policy');
END;

DROP TABLE IF EXISTS history_purge_permit;

-- Not covered, because SQLite has no roles: whoever can write the file can drop these triggers, define the function in
-- their own program, or edit the file. Protect the file with file-system permissions (docs/adapters-sqlite.md).
