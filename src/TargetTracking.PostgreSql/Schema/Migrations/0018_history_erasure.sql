-- TargetTracking PostgreSQL schema, version 18: erasure of personal data that keeps the proof (docs/ledger.md, "Erasure").
-- Runs with search_path set to the store's schema, inside the migration's own transaction.
--
-- History becomes updatable the way it is deletable (version 4): only by the owner, inside a SECURITY DEFINER function of
-- the store that marks its own transaction; the one that updates is erase_history below, and it changes personal fields
-- only. The application role has no UPDATE on history at all (docs/adapters-postgresql.md).
CREATE OR REPLACE FUNCTION target_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' AND current_setting('targettracking.history_purge', true) = 'on'
        OR TG_OP = 'UPDATE' AND current_setting('targettracking.history_erase', true) = 'on')
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'TargetTracking history is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

-- The record of each erasure (who, when, why, whose data, how many entries and targets changed) and the entries it
-- changed, by which verification takes an erased entry's sealed personal hash. The erased actor's id is not kept. Only
-- erase_history writes them; nobody updates them; they go only with their tenant (delete_tenant, under the purge mark).
CREATE TABLE erasures (
    tenant_id       text        NOT NULL CONSTRAINT erasures_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    id              uuid        NOT NULL,
    erased_at       timestamptz NOT NULL,
    reason          text        NOT NULL,
    actor_id        text,
    actor_name      text,
    correlation_id  text        NOT NULL,
    client_address  text,
    user_agent      text,
    subject         text        NOT NULL,
    target_id       uuid,
    entries         bigint      NOT NULL,
    targets         bigint      NOT NULL,
    CONSTRAINT erasures_pkey PRIMARY KEY (tenant_id, id)
);

CREATE TABLE erased_entries (
    tenant_id   text NOT NULL CONSTRAINT erased_entries_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    entry_id    uuid NOT NULL,
    erasure_id  uuid NOT NULL,
    CONSTRAINT erased_entries_pkey PRIMARY KEY (tenant_id, entry_id, erasure_id)
);

CREATE FUNCTION erasures_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('targettracking.history_purge', true) = 'on'
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'TargetTracking erasures are append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON erasures
FOR EACH ROW EXECUTE FUNCTION erasures_append_only();
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures
FOR EACH STATEMENT EXECUTE FUNCTION erasures_append_only();
CREATE TRIGGER erased_entries_append_only BEFORE UPDATE OR DELETE ON erased_entries
FOR EACH ROW EXECUTE FUNCTION erasures_append_only();
CREATE TRIGGER erased_entries_no_truncate BEFORE TRUNCATE ON erased_entries
FOR EACH STATEMENT EXECUTE FUNCTION erasures_append_only();

ALTER TABLE erasures ENABLE ROW LEVEL SECURITY;
CREATE POLICY erasures_tenant_isolation ON erasures
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));
ALTER TABLE erased_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY erased_entries_tenant_isolation ON erased_entries
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));

-- Erases an actor's personal fields from the transaction's tenant's history (p_erased_actor: every entry the actor wrote
-- loses its actor id and name, client address, user agent and note; every owner that is the actor becomes null), lists
-- the changed entries, and records the erasure, in one call. The target rows (owner, name, description) are the store's
-- to write, in the same transaction, before the call (p_targets says how many changed). Nobody may call it until granted
-- (the same grant as the purge: docs/adapters-postgresql.md).
CREATE FUNCTION erase_history(
    p_id uuid, p_erased_at timestamptz, p_reason text, p_actor_id text, p_actor_name text, p_correlation_id text,
    p_client_address text, p_user_agent text, p_subject text, p_target_id uuid, p_targets bigint, p_erased_actor text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    tenant text := current_setting('targettracking.tenant');
    erased bigint := 0;
BEGIN
    IF p_erased_actor IS NOT NULL THEN
        INSERT INTO erased_entries (tenant_id, entry_id, erasure_id)
        SELECT tenant, h.id, p_id FROM target_history AS h
        WHERE h.tenant_id = tenant AND (h.actor_id = p_erased_actor OR h.old_owner_id = p_erased_actor OR h.new_owner_id = p_erased_actor);
        GET DIAGNOSTICS erased = ROW_COUNT;
        PERFORM set_config('targettracking.history_erase', 'on', true);
        UPDATE target_history SET
            actor_name     = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE actor_name END,
            client_address = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE client_address END,
            user_agent     = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE user_agent END,
            note           = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE note END,
            old_owner_id   = CASE WHEN old_owner_id = p_erased_actor THEN NULL ELSE old_owner_id END,
            new_owner_id   = CASE WHEN new_owner_id = p_erased_actor THEN NULL ELSE new_owner_id END,
            actor_id       = CASE WHEN actor_id = p_erased_actor THEN NULL ELSE actor_id END
        WHERE tenant_id = tenant AND (actor_id = p_erased_actor OR old_owner_id = p_erased_actor OR new_owner_id = p_erased_actor);
        PERFORM set_config('targettracking.history_erase', 'off', true);
    END IF;
    INSERT INTO erasures (tenant_id, id, erased_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, subject, target_id, entries, targets)
    VALUES (tenant, p_id, p_erased_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, p_subject, p_target_id, erased, p_targets);
    RETURN erased;
END;
$$;
REVOKE ALL ON FUNCTION erase_history(uuid, timestamptz, text, text, text, text, text, text, text, uuid, bigint, text) FROM PUBLIC;

-- A tenant's deletion takes its erasures too (they name the tenant's people: the erasers). The rest as in version 14.
CREATE OR REPLACE FUNCTION delete_tenant(
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
    DELETE FROM erased_entries WHERE tenant_id = tenant;
    DELETE FROM erasures WHERE tenant_id = tenant;
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
    DELETE FROM ledger_seals WHERE tenant_id = tenant;
    DELETE FROM ledger_heads WHERE tenant_id = tenant;
    INSERT INTO tenant_deletions (tenant_id, id, deleted_at, reason, actor_id, actor_name, correlation_id, client_address, user_agent, targets, target_history_entries)
    VALUES (tenant, p_id, p_deleted_at, p_reason, p_actor_id, p_actor_name, p_correlation_id, p_client_address, p_user_agent, deleted_targets, deleted_history_entries);
END;
$$;
