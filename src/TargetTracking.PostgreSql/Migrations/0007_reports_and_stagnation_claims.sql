-- Version 7: pipeline reports and the stagnation monitor.
-- Reports read each target's status entries in version order (history_target_version_key serves that order); the
-- operations report reads the entries of tracked operations by time, and operations by creation time.
CREATE INDEX history_operation_ix ON history (operation_id, occurred_at) WHERE operation_id IS NOT NULL;
CREATE INDEX operations_created_at_ix ON operations (created_at, id);

-- The stagnation monitor notifies a stay once, across restarts and host instances: a host claims a stay by inserting
-- its row; the key (target, stay start) lets exactly one insert win. No foreign key: a claim outlives nothing it needs.
CREATE TABLE stagnation_claims (
    target_id       uuid        NOT NULL,
    stay_started_at timestamptz NOT NULL,
    status          text,
    claimed_at      timestamptz NOT NULL,
    CONSTRAINT stagnation_claims_pkey PRIMARY KEY (target_id, stay_started_at)
);
