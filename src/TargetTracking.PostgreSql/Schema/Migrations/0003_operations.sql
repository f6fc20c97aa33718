-- Tracked bulk operations: the operation's row (progress, cursor, status), its fixed selection of
-- target ids (streamed by keyset in id order), and the failed items. Removing an operation under the
-- retention policy removes its items and failures with it; history is untouched.

CREATE TABLE operations (
    id               text        NOT NULL,
    status           text        NOT NULL,
    target_status    text,
    selection        text        NOT NULL,
    total            bigint      NOT NULL,
    processed        bigint      NOT NULL,
    succeeded        bigint      NOT NULL,
    failed           bigint      NOT NULL,
    batch_size       integer     NOT NULL,
    current_batch    bigint      NOT NULL,
    cursor           uuid,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    last_updated_at  timestamptz NOT NULL,
    completed_at     timestamptz,
    error            text,
    retry_count      integer     NOT NULL,
    max_retries      integer     NOT NULL,
    cancel_requested boolean     NOT NULL,
    actor_id         text,
    actor_name       text,
    client_address   text,
    user_agent       text,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);

-- The runner looks for pending and interrupted operations, oldest update first; retention by end time.
CREATE INDEX operations_status_ix ON operations (status, last_updated_at);
CREATE INDEX operations_completed_at_ix ON operations (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE operation_items (
    operation_id text NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    target_id    uuid NOT NULL,
    CONSTRAINT operation_items_pkey PRIMARY KEY (operation_id, target_id)
);

CREATE TABLE operation_failures (
    operation_id text        NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    target_id    uuid        NOT NULL,
    code         text        NOT NULL,
    message      text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    CONSTRAINT operation_failures_pkey PRIMARY KEY (operation_id, target_id, seq)
);
