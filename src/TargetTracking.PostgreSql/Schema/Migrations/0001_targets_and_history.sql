-- Targets and their history. Runs with search_path set to the store's schema, inside the
-- migration's own transaction. Values that the core decides (versions, timestamps, normalized
-- search text) are written by the adapter; the database keeps keys and last-resort checks only.

CREATE TABLE targets (
    id                uuid        NOT NULL,
    name              text        NOT NULL,
    name_norm         text        NOT NULL,
    description       text,
    markets           text[]      NOT NULL,
    markets_norm      text[]      NOT NULL,
    status            text,
    version           bigint      NOT NULL CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    status_changed_at timestamptz,
    CONSTRAINT targets_pkey PRIMARY KEY (id)
);

-- Filters: status (Not Set is NULL), market containment, and the three sort keys with the id tie-breaker.
CREATE INDEX targets_status_ix ON targets (status);
CREATE INDEX targets_markets_norm_ix ON targets USING gin (markets_norm);
CREATE INDEX targets_name_ix ON targets ((name COLLATE "C"), id);
CREATE INDEX targets_created_at_ix ON targets (created_at, id);
CREATE INDEX targets_updated_at_ix ON targets (updated_at, id);

-- History outlives its target (a Deleted entry stays), so there is no foreign key.
CREATE TABLE history (
    id             uuid        NOT NULL PRIMARY KEY,
    target_id      uuid        NOT NULL,
    action         text        NOT NULL,
    old_status     text,
    new_status     text,
    version        bigint      NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor_id       text,
    actor_name     text,
    correlation_id text        NOT NULL,
    operation_id   text,
    client_address text,
    user_agent     text,
    -- One entry per version of a target: a last-resort check against duplicate entries.
    CONSTRAINT history_target_version_key UNIQUE (target_id, version)
);

-- A target's history newest first is served by history_target_version_key; the feed reads by time.
CREATE INDEX history_occurred_at_ix ON history (occurred_at, id);
