-- TargetTracking MariaDB/MySQL schema, version 11: every row belongs to a tenant, and the tenant leads every key.
-- The rows that exist belong to the default tenant ('default', the tenant of a host that never names one); the column's
-- default is dropped once they have it, so a write that forgets the tenant fails instead of landing in the default
-- tenant. Every primary key, unique key, foreign key and index is rebuilt with tenant_id first. DDL commits on its own
-- here, so every step can run again after a failure part way: foreign keys go first (a key they reference cannot change
-- under them) and come back last.
-- The purge procedure takes the tenant now: re-run the grants of the application role after this migration
-- (MySqlDialect.Grants), as dropping a procedure drops the privileges on it.

ALTER TABLE target_markets DROP FOREIGN KEY IF EXISTS target_markets_target_fk;
ALTER TABLE outcome_links DROP FOREIGN KEY IF EXISTS outcome_links_target_fk;
ALTER TABLE outcome_links DROP FOREIGN KEY IF EXISTS outcome_links_item_fk;
ALTER TABLE target_operation_items DROP FOREIGN KEY IF EXISTS target_operation_items_operation_fk;
ALTER TABLE target_operation_failures DROP FOREIGN KEY IF EXISTS target_operation_failures_operation_fk;
ALTER TABLE target_history_truncate_guard DROP FOREIGN KEY IF EXISTS target_history_truncate_guard_fk;
-- The index InnoDB made for that key outlives it, and would take the name of the new one.
ALTER TABLE target_history_truncate_guard DROP INDEX IF EXISTS target_history_truncate_guard_fk;

ALTER TABLE targets ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE targets ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, id),
    DROP INDEX IF EXISTS ix_targets_name, ADD INDEX ix_targets_name (tenant_id, name, id),
    DROP INDEX IF EXISTS ix_targets_created_at, ADD INDEX ix_targets_created_at (tenant_id, created_at, id),
    DROP INDEX IF EXISTS ix_targets_updated_at, ADD INDEX ix_targets_updated_at (tenant_id, updated_at, id),
    DROP INDEX IF EXISTS ix_targets_status_upper, ADD INDEX ix_targets_status_upper (tenant_id, status_upper);

ALTER TABLE target_markets ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_markets ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, target_id, market_norm),
    DROP INDEX IF EXISTS ix_target_markets_market, ADD INDEX ix_target_markets_market (tenant_id, market_norm, target_id);

ALTER TABLE target_history ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_history ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, id),
    DROP INDEX IF EXISTS ux_target_history_target_version, ADD CONSTRAINT ux_target_history_target_version UNIQUE (tenant_id, target_id, version),
    DROP INDEX IF EXISTS ix_target_history_feed, ADD INDEX ix_target_history_feed (tenant_id, occurred_at, id),
    DROP INDEX IF EXISTS ix_target_history_report, ADD INDEX ix_target_history_report (tenant_id, target_id, version, action, new_status, occurred_at),
    DROP INDEX IF EXISTS ix_target_history_operation, ADD INDEX ix_target_history_operation (tenant_id, operation_id, occurred_at),
    DROP INDEX IF EXISTS target_history_feed_seq_ix, ADD INDEX target_history_feed_seq_ix (tenant_id, feed_seq, version, id),
    DROP INDEX IF EXISTS target_history_all_tenants_feed_ix, ADD INDEX target_history_all_tenants_feed_ix (feed_seq, version, id),
    DROP INDEX IF EXISTS ix_target_history_created, ADD INDEX ix_target_history_created (tenant_id, action, occurred_at, target_id);

ALTER TABLE target_history_truncate_guard ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;

ALTER TABLE target_operations ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_operations ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, id),
    DROP INDEX IF EXISTS ix_target_operations_status, ADD INDEX ix_target_operations_status (tenant_id, status, last_updated_at, id),
    DROP INDEX IF EXISTS ix_target_operations_completed_at, ADD INDEX ix_target_operations_completed_at (tenant_id, completed_at),
    DROP INDEX IF EXISTS ix_target_operations_created_at, ADD INDEX ix_target_operations_created_at (tenant_id, created_at, id);

ALTER TABLE target_operation_items ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_operation_items ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, operation_id, target_id);

-- The identity that orders an operation's failures must lead an index of its own (InnoDB), besides the tenant's key.
ALTER TABLE target_operation_failures ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_operation_failures ALTER COLUMN tenant_id DROP DEFAULT,
    ADD INDEX IF NOT EXISTS ix_target_operation_failures_seq (seq);
ALTER TABLE target_operation_failures
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, seq),
    DROP INDEX IF EXISTS ix_target_operation_failures, ADD INDEX ix_target_operation_failures (tenant_id, operation_id, target_id, seq);

ALTER TABLE hierarchy_items ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE hierarchy_items ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, id),
    DROP INDEX IF EXISTS hierarchy_items_id_kind_key, ADD CONSTRAINT hierarchy_items_id_kind_key UNIQUE (tenant_id, id, kind),
    DROP INDEX IF EXISTS ix_hierarchy_items_kind, ADD INDEX ix_hierarchy_items_kind (tenant_id, kind, id),
    DROP INDEX IF EXISTS ix_hierarchy_items_kind_status, ADD INDEX ix_hierarchy_items_kind_status (tenant_id, kind, status),
    DROP INDEX IF EXISTS ix_hierarchy_items_kind_when, ADD INDEX ix_hierarchy_items_kind_when (tenant_id, kind, when_day);

ALTER TABLE outcome_links ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE outcome_links ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, target_id, item_id),
    DROP INDEX IF EXISTS ix_outcome_links_item, ADD INDEX ix_outcome_links_item (tenant_id, item_id, target_id),
    DROP INDEX IF EXISTS ix_outcome_links_item_kind, ADD INDEX ix_outcome_links_item_kind (tenant_id, item_id, kind);

ALTER TABLE hierarchy_history ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE hierarchy_history ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, id),
    DROP INDEX IF EXISTS ux_hierarchy_history_item_version, ADD CONSTRAINT ux_hierarchy_history_item_version UNIQUE (tenant_id, item_id, version);

ALTER TABLE stagnation_claims ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE stagnation_claims ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, target_id, stay_started_at);

ALTER TABLE target_stays ADD COLUMN IF NOT EXISTS tenant_id VARCHAR(64) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE target_stays ALTER COLUMN tenant_id DROP DEFAULT,
    DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, target_id, version),
    DROP INDEX IF EXISTS ix_target_stays_open, ADD INDEX ix_target_stays_open (tenant_id, exited_us, status, entered_us),
    DROP INDEX IF EXISTS ix_target_stays_entered, ADD INDEX ix_target_stays_entered (tenant_id, entered_us),
    DROP INDEX IF EXISTS ix_target_stays_open_by_target, ADD INDEX ix_target_stays_open_by_target (tenant_id, target_id, exited_us);

ALTER TABLE target_markets ADD CONSTRAINT target_markets_target_fk FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE outcome_links ADD CONSTRAINT outcome_links_target_fk FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id);
ALTER TABLE outcome_links ADD CONSTRAINT outcome_links_item_fk FOREIGN KEY (tenant_id, item_id, kind) REFERENCES hierarchy_items (tenant_id, id, kind);
ALTER TABLE target_operation_items ADD CONSTRAINT target_operation_items_operation_fk FOREIGN KEY (tenant_id, operation_id) REFERENCES target_operations (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE target_operation_failures ADD CONSTRAINT target_operation_failures_operation_fk FOREIGN KEY (tenant_id, operation_id) REFERENCES target_operations (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE target_history_truncate_guard ADD CONSTRAINT target_history_truncate_guard_fk FOREIGN KEY (tenant_id, history_id) REFERENCES target_history (tenant_id, id);

-- The one way to erase history, now in one tenant: the targets of that tenant at their expected versions, and the
-- history of exactly those.
DROP PROCEDURE IF EXISTS targettracking_delete_targets_purging_history;
CREATE PROCEDURE IF NOT EXISTS targettracking_delete_targets_purging_history(IN tenant VARCHAR(64), IN targets_json LONGTEXT)
    MODIFIES SQL DATA
    SQL SECURITY DEFINER
BEGIN
    INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID());
    DELETE h FROM JSON_TABLE(targets_json, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = tenant AND t.id = UNHEX(v.id) AND t.version = v.expected
        STRAIGHT_JOIN target_history AS h ON h.tenant_id = t.tenant_id AND h.target_id = t.id;
    DELETE FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID();
    DELETE t FROM JSON_TABLE(targets_json, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.tenant_id = tenant AND t.id = UNHEX(v.id) AND t.version = v.expected;
    IF ROW_COUNT() <> JSON_LENGTH(targets_json) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'targettracking_delete_targets_purging_history: a target was not at its expected version';
    END IF;
END;
