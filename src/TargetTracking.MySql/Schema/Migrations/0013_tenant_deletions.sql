-- TargetTracking MariaDB/MySQL schema, version 13: deleting a tenant. Every statement is idempotent: MariaDB commits each
-- DDL statement on its own, so a script cut short is completed by running it again.
--
-- The hierarchy's history becomes deletable the way the targets' history is (version 2): only while the deleting
-- connection holds a purge permit, which only the store's definer procedures insert (version 4); the one that deletes
-- hierarchy history is targettracking_delete_tenant below.
DROP TRIGGER IF EXISTS hierarchy_history_refuse_delete;
CREATE TRIGGER IF NOT EXISTS hierarchy_history_refuse_delete
BEFORE DELETE ON hierarchy_history
FOR EACH ROW
BEGIN
    IF NOT EXISTS (SELECT 1 FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID()) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hierarchy_history is append-only: entries are deleted only with their tenant';
    END IF;
END;

-- The record of each deleted tenant, outside the tenant's data: who deleted it, when, why, and how many targets and
-- history entries went. Only the procedure writes it; nobody updates or deletes it.
CREATE TABLE IF NOT EXISTS tenant_deletions (
    tenant_id       VARCHAR(64)  NOT NULL,
    id              BINARY(16)   NOT NULL,
    deleted_at      DATETIME(6)  NOT NULL,
    reason          TEXT         NOT NULL,
    actor_id        VARCHAR(512) NULL,
    actor_name      VARCHAR(512) NULL,
    correlation_id  VARCHAR(512) NOT NULL,
    client_address  VARCHAR(512) NULL,
    user_agent      VARCHAR(512) NULL,
    targets         BIGINT       NOT NULL,
    target_history_entries BIGINT       NOT NULL,
    CONSTRAINT tenant_deletions_pkey PRIMARY KEY (tenant_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TRIGGER IF NOT EXISTS tenant_deletions_refuse_update
BEFORE UPDATE ON tenant_deletions FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'tenant_deletions is append-only: records cannot be updated';

CREATE TRIGGER IF NOT EXISTS tenant_deletions_refuse_delete
BEFORE DELETE ON tenant_deletions FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'tenant_deletions is append-only: records cannot be deleted';

-- Deletes every row of one tenant, children first, both histories under the purge permit, and records the deletion, in
-- one call: a tenant never goes without its record. SQL SECURITY DEFINER: the run-time user gets EXECUTE on it only where
-- purges are allowed (the same grant as the purge of a target's history: docs/adapters-mysql.md). A table added later
-- that holds tenant rows is added here by its migration; a test compares this list with the catalog.
DROP PROCEDURE IF EXISTS targettracking_delete_tenant;
CREATE PROCEDURE IF NOT EXISTS targettracking_delete_tenant(
    IN tenant VARCHAR(64), IN p_id BINARY(16), IN p_deleted_at DATETIME(6), IN p_reason TEXT, IN p_actor_id VARCHAR(512),
    IN p_actor_name VARCHAR(512), IN p_correlation_id VARCHAR(512), IN p_client_address VARCHAR(512), IN p_user_agent VARCHAR(512))
    MODIFIES SQL DATA
    SQL SECURITY DEFINER
BEGIN
    DECLARE deleted_targets BIGINT;
    DECLARE deleted_history_entries BIGINT;
    DELETE FROM outcome_links WHERE tenant_id = tenant;
    DELETE FROM target_stays WHERE tenant_id = tenant;
    INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID());
    DELETE FROM target_history WHERE tenant_id = tenant;
    SET deleted_history_entries = ROW_COUNT();
    DELETE FROM hierarchy_history WHERE tenant_id = tenant;
    DELETE FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID();
    DELETE FROM target_operation_failures WHERE tenant_id = tenant;
    DELETE FROM target_operation_items WHERE tenant_id = tenant;
    DELETE FROM target_operations WHERE tenant_id = tenant;
    DELETE FROM hierarchy_items WHERE tenant_id = tenant;
    DELETE FROM target_markets WHERE tenant_id = tenant;
    DELETE FROM targets WHERE tenant_id = tenant;
    SET deleted_targets = ROW_COUNT();
    DELETE FROM stagnation_claims WHERE tenant_id = tenant;
    DELETE FROM webhook_dead_letters WHERE tenant_id = tenant;
    DELETE FROM webhook_subscriptions WHERE tenant_id = tenant;
    -- The tenant's hash chain (the ledger's tables, created by a later migration of the same release: the routine
    -- names them only when it runs).
    DELETE FROM ledger_seals WHERE tenant_id = tenant;
    DELETE FROM ledger_heads WHERE tenant_id = tenant;
    INSERT INTO tenant_deletions (tenant_id, id, deleted_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, targets, target_history_entries)
    VALUES (tenant, p_id, p_deleted_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, deleted_targets, deleted_history_entries);
    SELECT deleted_targets, deleted_history_entries;
END;
