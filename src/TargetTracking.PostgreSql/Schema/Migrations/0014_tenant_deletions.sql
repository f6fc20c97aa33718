-- TargetTracking PostgreSQL schema, version 14: deleting a tenant. Runs with search_path set to the store's schema,
-- inside the migration's own transaction.
--
-- The hierarchy's history becomes deletable the way the targets' history is (version 4): only by the owner, inside a
-- SECURITY DEFINER function of the store that marks its own transaction; the one that does is delete_tenant below.
CREATE OR REPLACE FUNCTION hierarchy_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('targettracking.history_purge', true) = 'on'
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'TargetTracking hierarchy history is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- The record of each deleted tenant, outside the tenant's data: who deleted it, when, why, and how many targets and
-- history entries went. Only delete_tenant writes it; nobody updates, deletes or truncates it. Row-level security as on
-- every table: the application role reads the records of its transaction's tenant only.
CREATE TABLE tenant_deletions (
    tenant_id       text        NOT NULL CONSTRAINT tenant_deletions_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    id              uuid        NOT NULL,
    deleted_at      timestamptz NOT NULL,
    reason          text        NOT NULL,
    actor_id        text,
    actor_name      text,
    correlation_id  text        NOT NULL,
    client_address  text,
    user_agent      text,
    targets         bigint      NOT NULL,
    target_history_entries bigint      NOT NULL,
    CONSTRAINT tenant_deletions_pkey PRIMARY KEY (tenant_id, id)
);

CREATE FUNCTION tenant_deletions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TargetTracking tenant deletions are append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER tenant_deletions_append_only BEFORE UPDATE OR DELETE ON tenant_deletions
FOR EACH ROW EXECUTE FUNCTION tenant_deletions_append_only();
CREATE TRIGGER tenant_deletions_no_truncate BEFORE TRUNCATE ON tenant_deletions
FOR EACH STATEMENT EXECUTE FUNCTION tenant_deletions_append_only();

ALTER TABLE tenant_deletions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_deletions_tenant_isolation ON tenant_deletions
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));

-- Deletes every row of the transaction's tenant (the store sets it in every transaction; without it the call fails),
-- children first, the history of targets and of the hierarchy under the purge mark, and records the deletion, in one
-- call: a tenant never goes without its record. Nobody may call it until granted (the same grant as the purge of a
-- target's history: docs/adapters-postgresql.md). A table added later that holds tenant rows is added here by its
-- migration; a test compares this list with the catalog.
CREATE FUNCTION delete_tenant(
    p_id uuid, p_deleted_at timestamptz, p_reason text, p_actor_id text, p_actor_name text, p_correlation_id text,
    p_client_address text, p_user_agent text, OUT deleted_targets bigint, OUT deleted_history_entries bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    tenant text := current_setting('targettracking.tenant');
BEGIN
    DELETE FROM outcome_links WHERE tenant_id = tenant;
    DELETE FROM target_stays WHERE tenant_id = tenant;
    PERFORM set_config('targettracking.history_purge', 'on', true);
    DELETE FROM target_history WHERE tenant_id = tenant;
    GET DIAGNOSTICS deleted_history_entries = ROW_COUNT;
    DELETE FROM hierarchy_history WHERE tenant_id = tenant;
    PERFORM set_config('targettracking.history_purge', 'off', true);
    DELETE FROM target_operation_failures WHERE tenant_id = tenant;
    DELETE FROM target_operation_items WHERE tenant_id = tenant;
    DELETE FROM target_operations WHERE tenant_id = tenant;
    DELETE FROM hierarchy_items WHERE tenant_id = tenant;
    DELETE FROM targets WHERE tenant_id = tenant;
    GET DIAGNOSTICS deleted_targets = ROW_COUNT;
    DELETE FROM stagnation_claims WHERE tenant_id = tenant;
    DELETE FROM webhook_dead_letters WHERE tenant_id = tenant;
    DELETE FROM webhook_subscriptions WHERE tenant_id = tenant;
    -- The tenant's hash chain (the ledger's tables, created by a later migration of the same release: the routine
    -- names them only when it runs).
    DELETE FROM ledger_seals WHERE tenant_id = tenant;
    DELETE FROM ledger_heads WHERE tenant_id = tenant;
    INSERT INTO tenant_deletions (tenant_id, id, deleted_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, targets, target_history_entries)
    VALUES (tenant, p_id, p_deleted_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, deleted_targets, deleted_history_entries);
END;
$$;
REVOKE ALL ON FUNCTION delete_tenant(uuid, timestamptz, text, text, text, text, text, text) FROM PUBLIC;
