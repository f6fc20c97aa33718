-- TargetTracking MariaDB/MySQL schema, version 2: history is append-only in the database too.
-- UPDATE is always refused (so is INSERT … ON DUPLICATE KEY UPDATE of an existing entry); DELETE (and REPLACE of an
-- existing entry, which deletes it first) only while the deleting connection holds a purge permit, which the
-- PurgeHistory delete policy inserts, uses and removes inside its own transaction. Every statement is idempotent.

CREATE TABLE IF NOT EXISTS target_history_purge_permit (
    connection_id BIGINT UNSIGNED NOT NULL,
    CONSTRAINT target_history_purge_permit_pkey PRIMARY KEY (connection_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- Triggers do not fire on TRUNCATE, but InnoDB refuses to truncate a table that a foreign key references
-- (error 1701). This table stays empty; it exists only for that reference.
CREATE TABLE IF NOT EXISTS target_history_truncate_guard (
    history_id BINARY(16) NULL,
    CONSTRAINT target_history_truncate_guard_fk FOREIGN KEY (history_id) REFERENCES target_history (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TRIGGER IF NOT EXISTS target_history_refuse_update
BEFORE UPDATE ON target_history
FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'target_history is append-only: entries cannot be updated';

CREATE TRIGGER IF NOT EXISTS target_history_refuse_delete
BEFORE DELETE ON target_history
FOR EACH ROW
BEGIN
    IF NOT EXISTS (SELECT 1 FROM target_history_purge_permit WHERE connection_id = CONNECTION_ID()) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'target_history is append-only: entries are deleted only by the purge policy';
    END IF;
END;
