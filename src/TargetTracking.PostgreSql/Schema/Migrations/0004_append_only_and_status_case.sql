-- TargetTracking PostgreSQL schema, version 4. Runs with search_path set to the store's schema (then pg_temp).

-- Statuses match ignoring case, stored data included (a status renamed only in case still finds the targets stored
-- before): filters compare upper(status), and Not Set as upper(status) IS NULL, both served by this index.
DROP INDEX IF EXISTS targets_status_ix;
CREATE INDEX IF NOT EXISTS targets_status_upper_ix ON targets (upper(status));

-- History is append-only against a plain session too. Until now a session that ran
-- SET targettracking.allow_history_purge = on could delete entries wherever its role had DELETE on history.
--
-- Now a DELETE passes the trigger only inside delete_targets_purging_history below: a SECURITY DEFINER function, so it
-- runs as the role that owns the schema (the one that ran the migrations), and only while it has marked its own
-- transaction. No other role can become the owner, so no setting a session can change opens the way; with the
-- least-privilege setup (docs/adapters-postgresql.md) the application role has no DELETE, TRUNCATE or UPDATE on history
-- at all, cannot disable triggers (that takes ownership) and cannot set session_replication_role (superuser only).
-- The owner itself can always disable triggers or drop tables: keep its credentials out of the application.
CREATE OR REPLACE FUNCTION history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('targettracking.history_purge', true) = 'on'
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'TargetTracking history is append-only: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

-- The one way to erase history (DeletePolicy.PurgeHistory): deletes targets, each at its expected version, and the
-- history of exactly the targets it deleted, in one call. History never goes on its own, nor for a target deleted before.
-- search_path is pinned to this schema with pg_temp last, so a caller's temporary tables cannot stand in for the store's.
-- Nobody may call it until granted: grant EXECUTE to the application role only where the PurgeHistory policy is used.
CREATE OR REPLACE FUNCTION delete_targets_purging_history(ids uuid[], expected_versions bigint[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    gone uuid[];
BEGIN
    WITH deleted AS (
        DELETE FROM targets AS t
        USING unnest(ids, expected_versions) AS r(id, expected_version)
        WHERE t.id = r.id AND t.version = r.expected_version
        RETURNING t.id)
    SELECT coalesce(array_agg(deleted.id), '{}') INTO gone FROM deleted;
    PERFORM set_config('targettracking.history_purge', 'on', true);
    DELETE FROM history WHERE target_id = ANY (gone);
    PERFORM set_config('targettracking.history_purge', 'off', true);
    RETURN cardinality(gone);
END;
$$;

REVOKE ALL ON FUNCTION delete_targets_purging_history(uuid[], bigint[]) FROM PUBLIC;
