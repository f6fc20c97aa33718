-- TargetTracking SQLite schema, version 6: goals, sprints and commitments, linked to targets (outcomes) only.
-- Items relate to each other through outcome_links alone: there is no goal-sprint or goal-commitment table or column.
-- History may hold 'Linked' and 'Unlinked' entries: SQLite cannot change a CHECK constraint in place, so target_history
-- is rebuilt as version 5 did (create, copy, drop, rename inside the migration's transaction) and its indexes and
-- append-only guards are created again exactly as before. Every trigger and index on target_history must be
-- re-created here: MigrationTests compares them before and after.

CREATE TABLE target_history_v6 (
    id             TEXT    NOT NULL PRIMARY KEY,
    target_id      TEXT    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted', 'Repaired', 'Linked', 'Unlinked')),
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

INSERT INTO target_history_v6 (id, target_id, action, old_status, new_status, version, occurred_at,
                               actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note)
SELECT id, target_id, action, old_status, new_status, version, occurred_at,
       actor_id, actor_name, correlation_id, operation_id, client_address, user_agent, note
FROM target_history;

DROP TABLE target_history;
ALTER TABLE target_history_v6 RENAME TO target_history;

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

-- The hierarchy. Dates are day numbers (DateOnly.DayNumber); times are UTC ticks; ids lower-case "D" GUID text.
CREATE TABLE hierarchy_items (
    id          TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('Goal', 'Sprint', 'Commitment')),
    title       TEXT    NOT NULL,
    title_norm  TEXT    NOT NULL,
    description TEXT,
    status      TEXT,
    target_day  INTEGER,
    sprint_name TEXT,
    start_day   INTEGER,
    end_day     INTEGER,
    priority    INTEGER,
    due_day     INTEGER,
    when_day    INTEGER,
    version     INTEGER NOT NULL CHECK (version >= 1),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (id, kind),
    CHECK (end_day IS NULL OR start_day IS NULL OR end_day >= start_day)
) STRICT;

CREATE INDEX ix_hierarchy_items_kind ON hierarchy_items (kind, id);
CREATE INDEX ix_hierarchy_items_kind_status ON hierarchy_items (kind, UPPER(status));
CREATE INDEX ix_hierarchy_items_kind_when ON hierarchy_items (kind, when_day);

-- No ON DELETE CASCADE: the core removes links itself, each with an Unlinked entry, before it deletes either side.
CREATE TABLE outcome_links (
    target_id TEXT NOT NULL REFERENCES targets (id),
    item_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    PRIMARY KEY (target_id, item_id),
    FOREIGN KEY (item_id, kind) REFERENCES hierarchy_items (id, kind)
) STRICT, WITHOUT ROWID;

CREATE INDEX ix_outcome_links_item ON outcome_links (item_id, target_id);

CREATE TABLE hierarchy_history (
    id             TEXT    NOT NULL PRIMARY KEY,
    item_id        TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted')),
    old_status     TEXT,
    new_status     TEXT,
    version        INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT,
    correlation_id TEXT    NOT NULL,
    UNIQUE (item_id, version)
) STRICT;

CREATE TRIGGER hierarchy_history_refuse_update
BEFORE UPDATE ON hierarchy_history
BEGIN
    SELECT RAISE(ABORT, 'hierarchy_history is append-only: entries cannot be updated');
END;

CREATE TRIGGER hierarchy_history_refuse_delete
BEFORE DELETE ON hierarchy_history
BEGIN
    SELECT RAISE(ABORT, 'hierarchy_history is append-only: entries cannot be deleted');
END;
