-- TargetTracking SQLite schema, version 3: tracked bulk operations.

CREATE TABLE target_operations (
    id               TEXT    NOT NULL PRIMARY KEY,
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
    user_agent       TEXT
) STRICT;

-- The runner's search: operations in some statuses, oldest update first.
CREATE INDEX ix_target_operations_status ON target_operations (status, last_updated_at, id);

-- The selection fixed when the operation starts, streamed in target id order by keyset.
CREATE TABLE target_operation_items (
    operation_id TEXT NOT NULL REFERENCES target_operations (id) ON DELETE CASCADE,
    target_id    TEXT NOT NULL,
    PRIMARY KEY (operation_id, target_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE target_operation_failures (
    operation_id TEXT    NOT NULL REFERENCES target_operations (id) ON DELETE CASCADE,
    target_id    TEXT    NOT NULL,
    code         TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    occurred_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX ix_target_operation_failures ON target_operation_failures (operation_id, target_id);
