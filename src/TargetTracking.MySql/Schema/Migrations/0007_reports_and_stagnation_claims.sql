-- TargetTracking MariaDB/MySQL schema, version 7: pipeline reports and the stagnation monitor. Every statement is
-- idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed by running it again.
-- Reports read each target's status entries in version order: this covering index (InnoDB adds the primary key, id)
-- gives them in that order from the index alone. The operations report reads the entries of tracked operations by
-- time, and operations by creation time.
CREATE INDEX IF NOT EXISTS ix_target_history_report ON target_history (target_id, version, action, new_status, occurred_at);
CREATE INDEX IF NOT EXISTS ix_target_history_operation ON target_history (operation_id, occurred_at);
CREATE INDEX IF NOT EXISTS ix_target_operations_created_at ON target_operations (created_at, id);

-- The stagnation monitor notifies a stay once, across restarts and host instances: a host claims a stay by inserting
-- its row; the key (target, stay start) lets exactly one insert win.
CREATE TABLE IF NOT EXISTS stagnation_claims (
    target_id       BINARY(16)  NOT NULL,
    stay_started_at DATETIME(6) NOT NULL,
    status          VARCHAR(64) NULL,
    claimed_at      DATETIME(6) NOT NULL,
    CONSTRAINT stagnation_claims_pkey PRIMARY KEY (target_id, stay_started_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
