-- TargetTracking SQLite schema, version 11: every row belongs to a tenant, and the tenant leads every key.
-- The rows that exist belong to the default tenant ('default', the tenant of a host that never names one). SQLite cannot
-- change a primary key in place, so each table is built anew with tenant_id first in every key, filled from the old
-- one, and renamed over it (as 0005 did for the history); the old tables go children first, so no foreign key cascades,
-- and renaming a new table rewrites the foreign keys that name it. Indexes and the history's append-only triggers are
-- created again on the new tables. Runs in the migration's transaction: all or nothing.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE targets_v11 (
    tenant_id         TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id                TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    name_norm         TEXT    NOT NULL,
    description       TEXT,
    markets           TEXT    NOT NULL,
    status            TEXT,
    version           INTEGER NOT NULL CHECK (version >= 1),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_changed_at INTEGER,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE target_markets_v11 (
    tenant_id   TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    market_norm TEXT NOT NULL,
    PRIMARY KEY (tenant_id, target_id, market_norm),
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets_v11 (tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE target_history_v11 (
    tenant_id      TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id             TEXT    NOT NULL,
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
    note           TEXT,
    feed_seq       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE target_operations_v11 (
    tenant_id        TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id               TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Failed', 'Cancelled')),
    target_status    TEXT,
    selection        TEXT    NOT NULL,
    total            INTEGER NOT NULL,
    processed        INTEGER NOT NULL,
    succeeded        INTEGER NOT NULL,
    failed           INTEGER NOT NULL,
    batch_size       INTEGER NOT NULL,
    current_batch    INTEGER NOT NULL,
    cursor_id        TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    last_updated_at  INTEGER NOT NULL,
    completed_at     INTEGER,
    error            TEXT,
    retry_count      INTEGER NOT NULL,
    max_retries      INTEGER NOT NULL,
    cancel_requested INTEGER NOT NULL CHECK (cancel_requested IN (0, 1)),
    actor_id         TEXT,
    actor_name       TEXT,
    client_address   TEXT,
    user_agent       TEXT,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE target_operation_items_v11 (
    tenant_id    TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, operation_id, target_id),
    FOREIGN KEY (tenant_id, operation_id) REFERENCES target_operations_v11 (tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE target_operation_failures_v11 (
    tenant_id    TEXT    NOT NULL,
    operation_id TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    code         TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    occurred_at  INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, operation_id) REFERENCES target_operations_v11 (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE hierarchy_items_v11 (
    tenant_id   TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id          TEXT    NOT NULL,
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
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, id, kind),
    CHECK (end_day IS NULL OR start_day IS NULL OR end_day >= start_day)
) STRICT;

CREATE TABLE outcome_links_v11 (
    tenant_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, target_id, item_id),
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets_v11 (tenant_id, id),
    FOREIGN KEY (tenant_id, item_id, kind) REFERENCES hierarchy_items_v11 (tenant_id, id, kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE hierarchy_history_v11 (
    tenant_id      TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    id             TEXT    NOT NULL,
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
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, item_id, version)
) STRICT;

CREATE TABLE stagnation_claims_v11 (
    tenant_id       TEXT    NOT NULL,
    target_id       TEXT    NOT NULL,
    stay_started_at INTEGER NOT NULL,
    status          TEXT,
    claimed_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, target_id, stay_started_at)
) STRICT, WITHOUT ROWID;

CREATE TABLE target_stays_v11 (
    tenant_id       TEXT    NOT NULL,
    target_id       TEXT    NOT NULL,
    version         INTEGER NOT NULL, -- the version of the entry that began the stay
    status          TEXT,
    entered_us      INTEGER NOT NULL,
    exited_us       INTEGER,          -- NULL while open
    next_status     TEXT,             -- the status it moved to; NULL while open or when the target was deleted
    ended_by_delete INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, target_id, version)
) STRICT, WITHOUT ROWID;

-- Parents before children; every row to the default tenant. An operation's failures keep their order (rowid).
INSERT INTO targets_v11 SELECT 'default', id, name, name_norm, description, markets, status, version, created_at, updated_at, status_changed_at FROM targets;
INSERT INTO target_markets_v11 SELECT 'default', target_id, market_norm FROM target_markets;
INSERT INTO target_history_v11 SELECT 'default', id, target_id, action, old_status, new_status, version, occurred_at, actor_id, actor_name,
                                      correlation_id, operation_id, client_address, user_agent, note, feed_seq FROM target_history;
INSERT INTO target_operations_v11 SELECT 'default', id, status, target_status, selection, total, processed, succeeded, failed, batch_size,
                                         current_batch, cursor_id, created_at, started_at, last_updated_at, completed_at, error, retry_count,
                                         max_retries, cancel_requested, actor_id, actor_name, client_address, user_agent FROM target_operations;
INSERT INTO target_operation_items_v11 SELECT 'default', operation_id, target_id FROM target_operation_items;
INSERT INTO target_operation_failures_v11 (rowid, tenant_id, operation_id, target_id, code, message, occurred_at)
    SELECT rowid, 'default', operation_id, target_id, code, message, occurred_at FROM target_operation_failures;
INSERT INTO hierarchy_items_v11 SELECT 'default', id, kind, title, title_norm, description, status, target_day, sprint_name, start_day, end_day,
                                       priority, due_day, when_day, version, created_at, updated_at FROM hierarchy_items;
INSERT INTO outcome_links_v11 SELECT 'default', target_id, item_id, kind FROM outcome_links;
INSERT INTO hierarchy_history_v11 SELECT 'default', id, item_id, kind, action, old_status, new_status, version, occurred_at, actor_id, actor_name,
                                         correlation_id FROM hierarchy_history;
INSERT INTO stagnation_claims_v11 SELECT 'default', target_id, stay_started_at, status, claimed_at FROM stagnation_claims;
INSERT INTO target_stays_v11 SELECT 'default', target_id, version, status, entered_us, exited_us, next_status, ended_by_delete FROM target_stays;

-- Children first: no old row is left to cascade to. DROP TABLE fires no trigger, so the append-only guards let it pass.
DROP TABLE target_markets;
DROP TABLE outcome_links;
DROP TABLE target_operation_items;
DROP TABLE target_operation_failures;
DROP TABLE targets;
DROP TABLE hierarchy_items;
DROP TABLE target_operations;
DROP TABLE target_history;
DROP TABLE hierarchy_history;
DROP TABLE stagnation_claims;
DROP TABLE target_stays;

ALTER TABLE targets_v11 RENAME TO targets;
ALTER TABLE target_markets_v11 RENAME TO target_markets;
ALTER TABLE target_history_v11 RENAME TO target_history;
ALTER TABLE target_operations_v11 RENAME TO target_operations;
ALTER TABLE target_operation_items_v11 RENAME TO target_operation_items;
ALTER TABLE target_operation_failures_v11 RENAME TO target_operation_failures;
ALTER TABLE hierarchy_items_v11 RENAME TO hierarchy_items;
ALTER TABLE outcome_links_v11 RENAME TO outcome_links;
ALTER TABLE hierarchy_history_v11 RENAME TO hierarchy_history;
ALTER TABLE stagnation_claims_v11 RENAME TO stagnation_claims;
ALTER TABLE target_stays_v11 RENAME TO target_stays;

-- The indexes of 0001 to 0010, each with the tenant first. The change feed keeps an all-tenants index for the back office.
CREATE INDEX ix_targets_name ON targets (tenant_id, name, id);
CREATE INDEX ix_targets_created_at ON targets (tenant_id, created_at, id);
CREATE INDEX ix_targets_updated_at ON targets (tenant_id, updated_at, id);
CREATE INDEX ix_targets_status_upper ON targets (tenant_id, upper(status));
CREATE INDEX ix_target_markets_market ON target_markets (tenant_id, market_norm, target_id);
CREATE UNIQUE INDEX ux_target_history_target_version ON target_history (tenant_id, target_id, version);
CREATE INDEX ix_target_history_feed ON target_history (tenant_id, occurred_at, id);
CREATE INDEX ix_target_history_report ON target_history (tenant_id, target_id, version, id, action, new_status, occurred_at);
CREATE INDEX ix_target_history_operation ON target_history (tenant_id, operation_id, occurred_at) WHERE operation_id IS NOT NULL;
CREATE INDEX ix_target_history_feed_seq ON target_history (tenant_id, feed_seq, version, id);
CREATE INDEX ix_target_history_all_tenants_feed ON target_history (feed_seq, version, id);
CREATE INDEX ix_target_history_created ON target_history (tenant_id, occurred_at, target_id) WHERE action = 'Created';
CREATE INDEX ix_target_operations_status ON target_operations (tenant_id, status, last_updated_at, id);
CREATE INDEX ix_target_operations_created_at ON target_operations (tenant_id, created_at, id);
CREATE INDEX ix_target_operation_failures ON target_operation_failures (tenant_id, operation_id, target_id);
CREATE INDEX ix_hierarchy_items_kind ON hierarchy_items (tenant_id, kind, id);
CREATE INDEX ix_hierarchy_items_kind_status ON hierarchy_items (tenant_id, kind, UPPER(status));
CREATE INDEX ix_hierarchy_items_kind_when ON hierarchy_items (tenant_id, kind, when_day);
CREATE INDEX ix_outcome_links_item ON outcome_links (tenant_id, item_id, target_id);
CREATE INDEX ix_target_stays_open ON target_stays (tenant_id, status, entered_us) WHERE exited_us IS NULL;
CREATE INDEX ix_target_stays_exited ON target_stays (tenant_id, exited_us);
CREATE INDEX ix_target_stays_entered ON target_stays (tenant_id, entered_us);
CREATE INDEX ix_target_stays_open_by_target ON target_stays (tenant_id, target_id) WHERE exited_us IS NULL;

-- The append-only guards of 0004/0005 and 0006, on the new tables. An entry's id is unique in its tenant, and one
-- entry per version of a target.
CREATE TRIGGER target_history_refuse_update
BEFORE UPDATE ON target_history
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries cannot be updated');
END;

CREATE TRIGGER target_history_refuse_overwrite
BEFORE INSERT ON target_history
WHEN EXISTS (SELECT 1 FROM target_history WHERE tenant_id = NEW.tenant_id AND id = NEW.id)
  OR EXISTS (SELECT 1 FROM target_history WHERE tenant_id = NEW.tenant_id AND target_id = NEW.target_id AND version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: an entry cannot be replaced or upserted');
END;

CREATE TRIGGER target_history_refuse_delete
BEFORE DELETE ON target_history
WHEN targettracking_history_purge_permit() IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'target_history is append-only: entries are deleted only by the purge policy');
END;

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
