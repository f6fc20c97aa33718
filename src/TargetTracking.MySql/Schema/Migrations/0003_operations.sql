-- TargetTracking MariaDB/MySQL schema, version 3: tracked bulk operations. Every statement is idempotent.
-- Removing an operation under the retention policy removes its items and failures with it; history is untouched.

CREATE TABLE IF NOT EXISTS target_operations (
    id               VARCHAR(100) NOT NULL,
    status           VARCHAR(16)  NOT NULL,
    target_status    VARCHAR(64)  NULL,
    selection        MEDIUMTEXT   NOT NULL,
    total            BIGINT       NOT NULL,
    processed        BIGINT       NOT NULL,
    succeeded        BIGINT       NOT NULL,
    failed           BIGINT       NOT NULL,
    batch_size       INT          NOT NULL,
    current_batch    BIGINT       NOT NULL,
    cursor_id        BINARY(16)   NULL,
    created_at       DATETIME(6)  NOT NULL,
    started_at       DATETIME(6)  NULL,
    last_updated_at  DATETIME(6)  NOT NULL,
    completed_at     DATETIME(6)  NULL,
    error            TEXT         NULL,
    retry_count      INT          NOT NULL,
    max_retries      INT          NOT NULL,
    cancel_requested BOOLEAN      NOT NULL,
    actor_id         VARCHAR(512) NULL,
    actor_name       VARCHAR(512) NULL,
    client_address   VARCHAR(512) NULL,
    user_agent       VARCHAR(512) NULL,
    CONSTRAINT target_operations_pkey PRIMARY KEY (id),
    CONSTRAINT target_operations_status_check CHECK (status IN ('Pending', 'Processing', 'Completed', 'Failed', 'Cancelled')),
    -- The runner's search: operations in some statuses, oldest update first; retention by end time.
    INDEX ix_target_operations_status (status, last_updated_at, id),
    INDEX ix_target_operations_completed_at (completed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- The selection fixed when the operation starts, streamed in target id order by keyset.
CREATE TABLE IF NOT EXISTS target_operation_items (
    operation_id VARCHAR(100) NOT NULL,
    target_id    BINARY(16)   NOT NULL,
    CONSTRAINT target_operation_items_pkey PRIMARY KEY (operation_id, target_id),
    CONSTRAINT target_operation_items_operation_fk FOREIGN KEY (operation_id) REFERENCES target_operations (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE IF NOT EXISTS target_operation_failures (
    seq          BIGINT       NOT NULL AUTO_INCREMENT,
    operation_id VARCHAR(100) NOT NULL,
    target_id    BINARY(16)   NOT NULL,
    code         VARCHAR(255) NOT NULL,
    message      TEXT         NOT NULL,
    occurred_at  DATETIME(6)  NOT NULL,
    CONSTRAINT target_operation_failures_pkey PRIMARY KEY (seq),
    INDEX ix_target_operation_failures (operation_id, target_id, seq),
    CONSTRAINT target_operation_failures_operation_fk FOREIGN KEY (operation_id) REFERENCES target_operations (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
