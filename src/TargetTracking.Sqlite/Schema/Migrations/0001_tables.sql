-- TargetTracking SQLite schema, version 1: the tables.
-- Ids are lower-case "D" GUID text (text order = .NET Guid order); times are INTEGER UTC ticks.

CREATE TABLE targets (
    id                TEXT    NOT NULL PRIMARY KEY,
    name              TEXT    NOT NULL,
    name_norm         TEXT    NOT NULL,
    description       TEXT,
    markets           TEXT    NOT NULL,
    status            TEXT,
    version           INTEGER NOT NULL CHECK (version >= 1),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_changed_at INTEGER
) STRICT;

-- One row per market of a target, normalized: what the market filter searches.
-- The ordered list itself is targets.markets (a JSON array).
CREATE TABLE target_markets (
    target_id   TEXT NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    market_norm TEXT NOT NULL,
    PRIMARY KEY (target_id, market_norm)
) STRICT, WITHOUT ROWID;

-- History outlives its target, so target_id has no foreign key.
CREATE TABLE target_history (
    id             TEXT    NOT NULL PRIMARY KEY,
    target_id      TEXT    NOT NULL,
    action         TEXT    NOT NULL CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted')),
    old_status     TEXT,
    new_status     TEXT,
    version        INTEGER NOT NULL,
    occurred_at    INTEGER NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT,
    correlation_id TEXT    NOT NULL,
    operation_id   TEXT,
    client_address TEXT,
    user_agent     TEXT
) STRICT;
