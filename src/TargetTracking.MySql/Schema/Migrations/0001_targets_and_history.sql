-- TargetTracking MariaDB/MySQL schema, version 1: targets and their history.
-- Every statement is idempotent (IF NOT EXISTS): MariaDB commits each DDL statement on its own, so a script cut
-- short is completed by running it again, and its version row is recorded right after it.
-- Ids are BINARY(16) in RFC 4122 byte order (byte order = .NET Guid order = PostgreSQL uuid order); times are
-- DATETIME(6) in UTC; text is utf8mb4 with utf8mb4_nopad_bin: code-point order and comparison, no case, accent
-- or trailing-space folding.

CREATE TABLE IF NOT EXISTS targets (
    id                BINARY(16)   NOT NULL,
    name              VARCHAR(255) NOT NULL,
    name_norm         VARCHAR(255) NOT NULL,
    description       TEXT         NULL,
    markets           JSON         NOT NULL,
    status            VARCHAR(64)  NULL,
    version           BIGINT       NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    status_changed_at DATETIME(6)  NULL,
    CONSTRAINT targets_pkey PRIMARY KEY (id),
    CONSTRAINT targets_version_check CHECK (version >= 1),
    -- Sorts: each ends with id, the tie-breaker, so a page is one index range.
    INDEX ix_targets_name (name, id),
    INDEX ix_targets_created_at (created_at, id),
    INDEX ix_targets_updated_at (updated_at, id),
    INDEX ix_targets_status (status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- One row per market of a target, normalized: what the market filter searches (market_norm = @market).
-- The ordered list itself is targets.markets (a JSON array).
CREATE TABLE IF NOT EXISTS target_markets (
    target_id   BINARY(16)   NOT NULL,
    market_norm VARCHAR(100) NOT NULL,
    CONSTRAINT target_markets_pkey PRIMARY KEY (target_id, market_norm),
    INDEX ix_target_markets_market (market_norm, target_id),
    CONSTRAINT target_markets_target_fk FOREIGN KEY (target_id) REFERENCES targets (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- History outlives its target (a Deleted entry stays), so target_id has no foreign key.
CREATE TABLE IF NOT EXISTS target_history (
    id             BINARY(16)   NOT NULL,
    target_id      BINARY(16)   NOT NULL,
    action         VARCHAR(16)  NOT NULL,
    old_status     VARCHAR(64)  NULL,
    new_status     VARCHAR(64)  NULL,
    version        BIGINT       NOT NULL,
    occurred_at    DATETIME(6)  NOT NULL,
    actor_id       VARCHAR(512) NULL,
    actor_name     VARCHAR(512) NULL,
    correlation_id VARCHAR(512) NOT NULL,
    operation_id   VARCHAR(100) NULL,
    client_address VARCHAR(512) NULL,
    user_agent     VARCHAR(512) NULL,
    CONSTRAINT target_history_pkey PRIMARY KEY (id),
    CONSTRAINT target_history_action_check CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted')),
    -- One entry per version of a target; also a target's history newest first (keyset on version).
    CONSTRAINT ux_target_history_target_version UNIQUE (target_id, version),
    -- The feed reads by (occurred_at, id).
    INDEX ix_target_history_feed (occurred_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
