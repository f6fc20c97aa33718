-- TargetTracking MariaDB/MySQL schema, version 6: goals, sprints and commitments, linked to targets (outcomes) only.
-- Items relate to each other through outcome_links alone. History may hold 'Linked' and 'Unlinked' entries. Every
-- statement is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed by
-- running it again.

ALTER TABLE target_history DROP CONSTRAINT IF EXISTS target_history_action_check;
ALTER TABLE target_history ADD CONSTRAINT target_history_action_check CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted', 'Repaired', 'Linked', 'Unlinked'));

CREATE TABLE IF NOT EXISTS hierarchy_items (
    id          BINARY(16)   NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    title       VARCHAR(255) NOT NULL,
    title_norm  VARCHAR(255) NOT NULL,
    description TEXT         NULL,
    status      VARCHAR(64)  NULL,
    target_day  INT          NULL,
    sprint_name VARCHAR(100) NULL,
    start_day   INT          NULL,
    end_day     INT          NULL,
    priority    INT          NULL,
    due_day     INT          NULL,
    when_day    INT          NULL,
    version     BIGINT       NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    CONSTRAINT hierarchy_items_pkey PRIMARY KEY (id),
    CONSTRAINT hierarchy_items_id_kind_key UNIQUE (id, kind),
    CONSTRAINT hierarchy_items_kind_check CHECK (kind IN ('Goal', 'Sprint', 'Commitment')),
    CONSTRAINT hierarchy_items_version_check CHECK (version >= 1),
    CONSTRAINT hierarchy_items_sprint_dates_check CHECK (end_day IS NULL OR start_day IS NULL OR end_day >= start_day),
    INDEX ix_hierarchy_items_kind (kind, id),
    INDEX ix_hierarchy_items_kind_status (kind, status),
    INDEX ix_hierarchy_items_kind_when (kind, when_day)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- No ON DELETE CASCADE: the core removes links itself, each with an Unlinked entry, before it deletes either side.
CREATE TABLE IF NOT EXISTS outcome_links (
    target_id BINARY(16)  NOT NULL,
    item_id   BINARY(16)  NOT NULL,
    kind      VARCHAR(16) NOT NULL,
    CONSTRAINT outcome_links_pkey PRIMARY KEY (target_id, item_id),
    INDEX ix_outcome_links_item (item_id, target_id),
    INDEX ix_outcome_links_item_kind (item_id, kind),
    CONSTRAINT outcome_links_target_fk FOREIGN KEY (target_id) REFERENCES targets (id),
    CONSTRAINT outcome_links_item_fk FOREIGN KEY (item_id, kind) REFERENCES hierarchy_items (id, kind)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE IF NOT EXISTS hierarchy_history (
    id             BINARY(16)   NOT NULL,
    item_id        BINARY(16)   NOT NULL,
    kind           VARCHAR(16)  NOT NULL,
    action         VARCHAR(16)  NOT NULL,
    old_status     VARCHAR(64)  NULL,
    new_status     VARCHAR(64)  NULL,
    version        BIGINT       NOT NULL,
    occurred_at    DATETIME(6)  NOT NULL,
    actor_id       VARCHAR(512) NULL,
    actor_name     VARCHAR(512) NULL,
    correlation_id VARCHAR(512) NOT NULL,
    CONSTRAINT hierarchy_history_pkey PRIMARY KEY (id),
    CONSTRAINT hierarchy_history_action_check CHECK (action IN ('Created', 'StatusChanged', 'Updated', 'Deleted')),
    CONSTRAINT ux_hierarchy_history_item_version UNIQUE (item_id, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TRIGGER IF NOT EXISTS hierarchy_history_refuse_update
BEFORE UPDATE ON hierarchy_history FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hierarchy_history is append-only: entries cannot be updated';

CREATE TRIGGER IF NOT EXISTS hierarchy_history_refuse_delete
BEFORE DELETE ON hierarchy_history FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hierarchy_history is append-only: entries cannot be deleted';
