-- TargetTracking PostgreSQL schema, version 12: every row belongs to a tenant, and the tenant leads every key. Runs with
-- search_path set to the store's schema, inside the migration's own transaction.
--
-- Every table of the store's data gets tenant_id; the rows that exist belong to the default tenant ('default', the
-- tenant of a host that never names one). Every primary key, unique constraint, foreign key and index is rebuilt with
-- tenant_id first, so each tenant's rows are found by their own keys, and the schema can be distributed by tenant
-- (Citus can only enforce a key that contains its distribution column). The rebuild reads the catalog rather than a
-- list of names, so it follows whatever the earlier migrations named. Two indexes are not rebuilt: the GIN index of
-- the normalized markets (a text column cannot lead it; the store's filters add the tenant's key to it) and none
-- other; the change feed keeps its all-tenants index for the back office and gains one per tenant.
DO $$
DECLARE
    tbl text;
    def record;
    fks text[] := '{}';
    fk text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['targets', 'target_history', 'target_stays', 'target_operations', 'target_operation_items',
                               'target_operation_failures', 'hierarchy_items', 'outcome_links', 'hierarchy_history', 'stagnation_claims'] LOOP
        -- A constant default rewrites no row and fires no trigger (the history's append-only guards stay on); it is
        -- dropped at once, so a write that forgets the tenant fails instead of landing in the default tenant.
        EXECUTE format('ALTER TABLE %I ADD COLUMN tenant_id text NOT NULL DEFAULT %L', tbl, 'default');
        EXECUTE format('ALTER TABLE %I ALTER COLUMN tenant_id DROP DEFAULT', tbl);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (tenant_id ~ %L)', tbl, tbl || '_tenant_id_check', '^[A-Za-z0-9_.-]{1,64}$');

        -- Foreign keys go first (a key they reference cannot be dropped under them) and come back last.
        FOR def IN SELECT conname, pg_get_constraintdef(oid) AS body FROM pg_constraint WHERE conrelid = tbl::regclass AND contype = 'f' LOOP
            fks := fks || format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, def.conname,
                regexp_replace(regexp_replace(def.body, '^FOREIGN KEY \(', 'FOREIGN KEY (tenant_id, '), 'REFERENCES ([^(]+)\(', 'REFERENCES \1(tenant_id, '));
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', tbl, def.conname);
        END LOOP;
    END LOOP;

    FOREACH tbl IN ARRAY ARRAY['targets', 'target_history', 'target_stays', 'target_operations', 'target_operation_items',
                               'target_operation_failures', 'hierarchy_items', 'outcome_links', 'hierarchy_history', 'stagnation_claims'] LOOP
        FOR def IN SELECT conname, pg_get_constraintdef(oid) AS body FROM pg_constraint WHERE conrelid = tbl::regclass AND contype IN ('p', 'u') LOOP
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', tbl, def.conname);
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', tbl, def.conname, regexp_replace(def.body, '\(', '(tenant_id, '));
        END LOOP;

        FOR def IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS body
                   FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
                   WHERE i.indrelid = tbl::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
                     AND pg_get_indexdef(i.indexrelid) LIKE '%USING btree (%' LOOP
            EXECUTE format('DROP INDEX %I', def.relname);
            EXECUTE regexp_replace(def.body, 'USING btree \(', 'USING btree (tenant_id, ');
        END LOOP;
    END LOOP;

    FOREACH fk IN ARRAY fks LOOP
        EXECUTE fk;
    END LOOP;
END;
$$;

-- The all-tenants change feed of the back office reads in commit order across tenants (the per-tenant index above
-- leads with the tenant).
CREATE INDEX target_history_all_tenants_feed_ix ON target_history (feed_seq, version, id);

-- The purge deletes in the transaction's tenant only (the store sets it in every transaction; without it the call
-- fails): a SECURITY DEFINER function runs as the owner, whom no row-level security policy restricts.
CREATE OR REPLACE FUNCTION delete_targets_purging_history(ids uuid[], expected_versions bigint[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    tenant text := current_setting('targettracking.tenant');
    gone uuid[];
BEGIN
    WITH deleted AS (
        DELETE FROM targets AS t
        USING unnest(ids, expected_versions) AS r(id, expected_version)
        WHERE t.tenant_id = tenant AND t.id = r.id AND t.version = r.expected_version
        RETURNING t.id)
    SELECT coalesce(array_agg(deleted.id), '{}') INTO gone FROM deleted;
    PERFORM set_config('targettracking.history_purge', 'on', true);
    DELETE FROM target_history WHERE tenant_id = tenant AND target_id = ANY (gone);
    PERFORM set_config('targettracking.history_purge', 'off', true);
    RETURN cardinality(gone);
END;
$$;

-- Row-level security, the second line behind the keys: a role that does not own the tables (the application role of
-- the least-privilege setup) sees and writes only the rows of the tenant its transaction set with
-- set_config('targettracking.tenant', tenant, true), which the store does in every transaction and every statement
-- outside one. Without the setting it sees no row and can write none. The owner, which ran this migration, is not
-- restricted (no FORCE): it migrates, and reads across tenants for a back office.
DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['targets', 'target_history', 'target_stays', 'target_operations', 'target_operation_items',
                               'target_operation_failures', 'hierarchy_items', 'outcome_links', 'hierarchy_history', 'stagnation_claims'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = current_setting(%L, true)) WITH CHECK (tenant_id = current_setting(%L, true))',
            tbl || '_tenant_isolation', tbl, 'targettracking.tenant', 'targettracking.tenant');
    END LOOP;
END;
$$;
