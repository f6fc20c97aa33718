-- TargetTracking PostgreSQL schema, version 17: why a target was lost. Runs with search_path set to the store's schema,
-- inside the migration's own transaction.
--
-- A move into a closed-lost status records the reason code it gave (one of PipelineOptions.LostReasons, as configured) in
-- its history entry; its free text goes in the entry's note. NULL on every other entry. A tracked operation keeps the
-- reason it was started with, so every batch records the same one.
ALTER TABLE target_history ADD COLUMN reason text;

ALTER TABLE target_operations
    ADD COLUMN reason      text,
    ADD COLUMN reason_note text;
