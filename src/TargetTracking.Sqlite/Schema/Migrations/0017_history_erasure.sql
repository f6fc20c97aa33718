-- TargetTracking SQLite schema, version 17: erasure of personal data that keeps the proof (docs/ledger.md, "Erasure").
--
-- History becomes updatable the way it is deletable (version 4): only while the permit function, which only the store's
-- privileged paths define on their own connection and only while their statements run, answers 1. The one that updates
-- is the erasure, and it changes personal fields only.
DROP TRIGGER target_history_refuse_update;
CREATE TRIGGER target_history_refuse_update
BEFORE UPDATE ON target_history
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries cannot be updated');
END;

-- The record of each erasure (who, when, why, whose data, how many entries and targets changed) and the entries it
-- changed, by which verification takes an erased entry's sealed personal hash. The erased actor's id is not kept.
-- Append-only; they go only with their tenant. Times are microseconds since 1970 UTC.
CREATE TABLE erasures (
    tenant_id       TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id              TEXT    NOT NULL,
    erased_at       INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    actor_id        TEXT,
    actor_name      TEXT,
    correlation_id  TEXT    NOT NULL,
    client_address  TEXT,
    user_agent      TEXT,
    subject         TEXT    NOT NULL,
    target_id       TEXT,
    entries         INTEGER NOT NULL,
    targets         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE erased_entries (
    tenant_id   TEXT NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    entry_id    TEXT NOT NULL,
    erasure_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entry_id, erasure_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER erasures_refuse_update
BEFORE UPDATE ON erasures
BEGIN
    SELECT RAISE(ABORT, 'erasures is append-only: records cannot be updated');
END;

CREATE TRIGGER erasures_refuse_delete
BEFORE DELETE ON erasures
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'erasures is append-only: records are deleted only with their tenant');
END;

CREATE TRIGGER erased_entries_refuse_update
BEFORE UPDATE ON erased_entries
BEGIN
    SELECT RAISE(ABORT, 'erased_entries is append-only: records cannot be updated');
END;

CREATE TRIGGER erased_entries_refuse_delete
BEFORE DELETE ON erased_entries
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'erased_entries is append-only: records are deleted only with their tenant');
END;
