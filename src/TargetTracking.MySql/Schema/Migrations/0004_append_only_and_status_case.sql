-- TargetTracking MariaDB/MySQL schema, version 4: a purge no plain session can switch on, and statuses that match
-- ignoring case.
--
-- Statuses match ignoring case, stored data included (a status renamed only in case still finds the targets stored
-- before). Status filters compare UPPER(status); MariaDB cannot index that
-- expression, so it is kept in an indexed generated column the filters read, and Not Set is status_upper IS NULL.
-- STORED, not VIRTUAL: with a VIRTUAL column the index and the row disagreed after multi-table UPDATEs (a count by
-- the index found a target that the page, reading the row, did not), which the model-based test caught.
-- Every statement is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed
-- by running it again.

ALTER TABLE targets ADD COLUMN IF NOT EXISTS status_upper VARCHAR(64) AS (UPPER(status)) STORED;
CREATE INDEX IF NOT EXISTS ix_targets_status_upper ON targets (status_upper);
DROP INDEX IF EXISTS ix_targets_status ON targets;

-- History is deleted only while the deleting connection holds a purge permit (version 2). Until now the store inserted
-- the permit itself, so any user allowed to insert into target_history_purge_permit could switch the purge on for its
-- own connection and delete history. Now only this procedure does: SQL SECURITY DEFINER, it runs with the rights of
-- the user that ran the migrations, and the store's run-time user gets EXECUTE on it (where the PurgeHistory policy is
-- used) but no right at all on the permit table (docs/adapters-mysql.md). It deletes targets, each at its expected
-- version, and the history of exactly those, in one call: history never goes on its own, nor for a target deleted
-- earlier. A count that differs from the targets given is refused (the store's row locks make it unreachable).
CREATE PROCEDURE IF NOT EXISTS targettracking_delete_targets_purging_history(IN targets_json LONGTEXT)
    MODIFIES SQL DATA
    SQL SECURITY DEFINER
BEGIN
    INSERT INTO target_history_purge_permit (connection_id) VALUES (CONNECTION_ID());
    DELETE h FROM JSON_TABLE(targets_json, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.id = UNHEX(v.id) AND t.version = v.expected
        STRAIGHT_JOIN target_history AS h ON h.target_id = t.id;
    DELETE FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID();
    DELETE t FROM JSON_TABLE(targets_json, '$[*]' COLUMNS (id CHAR(32) PATH '$[0]', expected BIGINT PATH '$[1]')) AS v
        STRAIGHT_JOIN targets AS t FORCE INDEX (PRIMARY) ON t.id = UNHEX(v.id) AND t.version = v.expected;
    IF ROW_COUNT() <> JSON_LENGTH(targets_json) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'targettracking_delete_targets_purging_history: a target was not at its expected version';
    END IF;
END;
