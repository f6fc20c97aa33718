-- TargetTracking PostgreSQL schema, version 10: the same table and column names as on SQLite and MariaDB, so the store
-- maps one schema instead of a set of names per database. Runs with search_path set to the store's schema.
--
-- Renaming in place keeps every row, index, constraint, trigger and grant (they follow the table, not its name), and
-- the append-only guards stay on the history throughout: the migration's transaction holds each table locked until
-- the commit, so nobody sees a half-renamed schema. A host on an earlier version cannot work on the renamed tables:
-- upgrade the hosts together with this migration.

ALTER TABLE history RENAME TO target_history;
ALTER TABLE operations RENAME TO target_operations;
ALTER TABLE operation_items RENAME TO target_operation_items;
ALTER TABLE operation_failures RENAME TO target_operation_failures;
ALTER TABLE stays RENAME TO target_stays;
ALTER TABLE feed_clock RENAME TO target_feed_clock;
ALTER TABLE target_operations RENAME COLUMN cursor TO cursor_id;

-- Indexes, constraints and triggers begin with their table's name, as everywhere else in this schema (and as
-- PostgreSQL names the implicit ones): a name that still said "history_" would send a reader to a table that is gone.
-- Each new table name is the old one behind "target_", so each such name takes the same prefix. A loop rather than a
-- list: it also catches the implicit names, whose set depends on the server version (PostgreSQL 18 names NOT NULL
-- constraints). Renaming a constraint renames the index behind it too, so indexes come after constraints.
DO $$
DECLARE
    old text;
    tbl regclass;
    object_name text;
BEGIN
    FOREACH old IN ARRAY ARRAY['history', 'operations', 'operation_items', 'operation_failures', 'stays', 'feed_clock'] LOOP
        tbl := ('target_' || old)::regclass;
        FOR object_name IN SELECT conname FROM pg_constraint WHERE conrelid = tbl AND conname LIKE old || '\_%' LOOP
            EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', tbl, object_name, 'target_' || object_name);
        END LOOP;
        FOR object_name IN SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
                           WHERE i.indrelid = tbl AND c.relname LIKE old || '\_%' LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', object_name, 'target_' || object_name);
        END LOOP;
        FOR object_name IN SELECT tgname FROM pg_trigger WHERE tgrelid = tbl AND NOT tgisinternal AND tgname LIKE old || '\_%' LOOP
            EXECUTE format('ALTER TRIGGER %I ON %s RENAME TO %I', object_name, tbl, 'target_' || object_name);
        END LOOP;
    END LOOP;
END;
$$;

ALTER SEQUENCE operation_failures_seq_seq RENAME TO target_operation_failures_seq_seq;

-- The history's trigger functions are named after it too. A rename keeps the owner, SECURITY DEFINER, the pinned
-- search_path and the grants, and the triggers call the functions by identity, not by name.
ALTER FUNCTION history_append_only() RENAME TO target_history_append_only;
ALTER FUNCTION history_feed_stamp() RENAME TO target_history_feed_stamp;

-- PL/pgSQL resolves table names when a body runs, so the two bodies that name a renamed table are written again with
-- the new names, otherwise unchanged (0004, 0008). target_history_append_only names no table (it asks the trigger for
-- its table) and stays as it is. CREATE OR REPLACE keeps the owner and the grants (EXECUTE revoked from PUBLIC, and
-- on delete_targets_purging_history granted to the application role where the purge policy is used); SECURITY
-- DEFINER and SET search_path FROM CURRENT are restated because a replacement takes its attributes from this text, and
-- the current search_path here is the one they were created with (the store's schema, then pg_temp).
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
    DELETE FROM target_history WHERE target_id = ANY (gone);
    PERFORM set_config('targettracking.history_purge', 'off', true);
    RETURN cardinality(gone);
END;
$$;

CREATE OR REPLACE FUNCTION target_history_feed_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    setting text := 'targettracking.feed_seq_' || TG_RELID::text;
    current_seq text := current_setting(setting, true);
BEGIN
    IF current_seq IS NULL OR current_seq = '' THEN
        UPDATE target_feed_clock SET seq = seq + 1 RETURNING seq::text INTO current_seq;
        PERFORM set_config(setting, current_seq, true);
        PERFORM pg_notify('targettracking_feed', TG_TABLE_SCHEMA);
    END IF;
    NEW.feed_seq := current_seq::bigint;
    RETURN NEW;
END;
$$;

-- The stays table is filled here rather than in 0009, which created it under its old name: the store fills it by the
-- table's current name. A schema that was already at version 9 has it filled and kept up to date; the one definition
-- of a stay computes the same rows again, reading the whole history once: on a large history, the longest part of
-- this migration (every rename before it changes the catalog only).
-- targettracking:backfill-stays (the store fills the table here from the existing history, by the one definition of a stay)
