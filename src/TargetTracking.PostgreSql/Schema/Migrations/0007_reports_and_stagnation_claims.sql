-- Version 7: pipeline reports and the stagnation monitor.
-- Reports read each target's status entries in version order: this covering index gives them in that order from the
-- index alone (no sort of the history, no heap visit); measured in docs/benchmarks.md (Reports). The operations report
-- reads the entries of tracked operations by time, and operations by creation time.
CREATE INDEX history_report_ix ON history (target_id, version) INCLUDE (id, action, new_status, occurred_at);
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
