-- TargetTracking SQLite schema, version 12: webhooks.
--
-- One row per webhook subscription and tenant: the change feed position after the last event the subscriber took (or
-- that went to the dead letters), the retry state of the event it is stuck on, and the lease of the one sender that works
-- it. Every write of the row is fenced by the lease (owner and end), so two host instances never post one subscription's
-- events at once. Times are microseconds since 1970 UTC, as in every table.
CREATE TABLE webhook_subscriptions (
    tenant_id       TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    subscription_id TEXT    NOT NULL,
    feed_position   TEXT,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER,
    PRIMARY KEY (tenant_id, subscription_id)
) STRICT, WITHOUT ROWID;

-- The events a subscriber did not take after every attempt, kept with the body as posted until the host replays or
-- drops them; oldest first.
CREATE TABLE webhook_dead_letters (
    tenant_id       TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    subscription_id TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    target_id       TEXT    NOT NULL,
    feed_position   TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    dead_at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id, event_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX ix_webhook_dead_letters_order ON webhook_dead_letters (tenant_id, subscription_id, dead_at, event_id);
