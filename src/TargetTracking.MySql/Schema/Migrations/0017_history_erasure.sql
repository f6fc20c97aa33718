-- TargetTracking MariaDB/MySQL schema, version 17: erasure of personal data that keeps the proof (docs/ledger.md,
-- "Erasure"). Every statement is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is
-- completed by running it again.
--
-- History becomes updatable the way it is deletable (version 2): only while the connection holds the permit, which only
-- the store's definer procedures insert (version 4); the one that updates is targettracking_erase_history below, and it
-- changes personal fields only. The run-time user has no UPDATE on history at all (docs/adapters-mysql.md).
DROP TRIGGER IF EXISTS target_history_refuse_update;
CREATE TRIGGER IF NOT EXISTS target_history_refuse_update
BEFORE UPDATE ON target_history
FOR EACH ROW
BEGIN
    IF NOT EXISTS (SELECT 1 FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID()) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'target_history is append-only: entries cannot be updated';
    END IF;
END;

-- The record of each erasure (who, when, why, whose data, how many entries and targets changed) and the entries it
-- changed, by which verification takes an erased entry's sealed personal hash. The erased actor's id is not kept. Only
-- the procedure writes them; nobody updates them; they go only with their tenant (under the permit).
CREATE TABLE IF NOT EXISTS erasures (
    tenant_id       VARCHAR(64)  NOT NULL,
    id              BINARY(16)   NOT NULL,
    erased_at       DATETIME(6)  NOT NULL,
    reason          TEXT         NOT NULL,
    actor_id        VARCHAR(512) NULL,
    actor_name      VARCHAR(512) NULL,
    correlation_id  VARCHAR(512) NOT NULL,
    client_address  VARCHAR(512) NULL,
    user_agent      VARCHAR(512) NULL,
    subject         VARCHAR(16)  NOT NULL,
    target_id       BINARY(16)   NULL,
    entries         BIGINT       NOT NULL,
    targets         BIGINT       NOT NULL,
    CONSTRAINT erasures_pkey PRIMARY KEY (tenant_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE IF NOT EXISTS erased_entries (
    tenant_id   VARCHAR(64) NOT NULL,
    entry_id    BINARY(16)  NOT NULL,
    erasure_id  BINARY(16)  NOT NULL,
    CONSTRAINT erased_entries_pkey PRIMARY KEY (tenant_id, entry_id, erasure_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TRIGGER IF NOT EXISTS erasures_refuse_update
BEFORE UPDATE ON erasures FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'erasures is append-only: records cannot be updated';

CREATE TRIGGER IF NOT EXISTS erasures_refuse_delete
BEFORE DELETE ON erasures FOR EACH ROW
BEGIN
    IF NOT EXISTS (SELECT 1 FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID()) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'erasures is append-only: records are deleted only with their tenant';
    END IF;
END;

CREATE TRIGGER IF NOT EXISTS erased_entries_refuse_update
BEFORE UPDATE ON erased_entries FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'erased_entries is append-only: records cannot be updated';

CREATE TRIGGER IF NOT EXISTS erased_entries_refuse_delete
BEFORE DELETE ON erased_entries FOR EACH ROW
BEGIN
    IF NOT EXISTS (SELECT 1 FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID()) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'erased_entries is append-only: records are deleted only with their tenant';
    END IF;
END;

-- Erases an actor's personal fields from one tenant's history (p_erased_actor: every entry the actor wrote loses its actor
-- id and name, client address, user agent and note; every owner that is the actor becomes null), lists the changed entries,
-- and records the erasure, in one call. The target rows are the store's to write, in the same transaction, before the call
-- (p_targets says how many changed). SQL SECURITY DEFINER: the run-time user gets EXECUTE on it only where purges are
-- allowed (docs/adapters-mysql.md). The assignments run left to right on the updated row, so actor_id goes last.
DROP PROCEDURE IF EXISTS targettracking_erase_history;
CREATE PROCEDURE IF NOT EXISTS targettracking_erase_history(
    IN tenant VARCHAR(64), IN p_id BINARY(16), IN p_erased_at DATETIME(6), IN p_reason TEXT, IN p_actor_id VARCHAR(512),
    IN p_actor_name VARCHAR(512), IN p_correlation_id VARCHAR(512), IN p_client_address VARCHAR(512), IN p_user_agent VARCHAR(512),
    IN p_subject VARCHAR(16), IN p_target_id BINARY(16), IN p_targets BIGINT, IN p_erased_actor VARCHAR(512))
    MODIFIES SQL DATA
    SQL SECURITY DEFINER
BEGIN
    DECLARE erased BIGINT DEFAULT 0;
    IF p_erased_actor IS NOT NULL THEN
        INSERT INTO erased_entries (tenant_id, entry_id, erasure_id)
        SELECT tenant, h.id, p_id FROM target_history AS h
        WHERE h.tenant_id = tenant AND (h.actor_id = p_erased_actor OR h.old_owner_id = p_erased_actor OR h.new_owner_id = p_erased_actor);
        SET erased = ROW_COUNT();
        INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID());
        UPDATE target_history SET
            actor_name     = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE actor_name END,
            client_address = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE client_address END,
            user_agent     = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE user_agent END,
            note           = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE note END,
            old_owner_id   = CASE WHEN old_owner_id = p_erased_actor THEN NULL ELSE old_owner_id END,
            new_owner_id   = CASE WHEN new_owner_id = p_erased_actor THEN NULL ELSE new_owner_id END,
            actor_id       = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE actor_id END
        WHERE tenant_id = tenant AND (actor_id = p_erased_actor OR old_owner_id = p_erased_actor OR new_owner_id = p_erased_actor);
        DELETE FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID();
    END IF;
    INSERT INTO erasures (tenant_id, id, erased_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, subject, target_id, entries, targets)
    VALUES (tenant, p_id, p_erased_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, p_subject, p_target_id, erased, p_targets);
    SELECT erased;
END;

-- A tenant's deletion takes its erasures too (they name the tenant's people: the erasers). The rest as in version 13.
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
    DELETE FROM erased_entries WHERE tenant_id = tenant;
    DELETE FROM erasures WHERE tenant_id = tenant;
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
    DELETE FROM ledger_seals WHERE tenant_id = tenant;
    DELETE FROM ledger_heads WHERE tenant_id = tenant;
    INSERT INTO tenant_deletions (tenant_id, id, deleted_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, targets, target_history_entries)
    VALUES (tenant, p_id, p_deleted_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, deleted_targets, deleted_history_entries);
    SELECT deleted_targets, deleted_history_entries;
END;
