-- TargetTracking MariaDB/MySQL schema, version 16: why a target was lost. Every statement is idempotent: MariaDB commits
-- each DDL statement on its own, so a script cut short is completed by running it again.
--
-- A move into a closed-lost status records the reason code it gave (one of PipelineOptions.LostReasons, as configured) in
-- its history entry; its free text goes in the entry's note. NULL on every other entry. A tracked operation keeps the
-- reason it was started with, so every batch records the same one.
ALTER TABLE target_history ADD COLUMN IF NOT EXISTS reason VARCHAR(64) NULL;

ALTER TABLE target_operations
    ADD COLUMN IF NOT EXISTS reason      VARCHAR(64) NULL,
    ADD COLUMN IF NOT EXISTS reason_note TEXT        NULL;
