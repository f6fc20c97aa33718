-- TargetTracking PostgreSQL schema, version 13: webhooks. Runs with search_path set to the store's schema, inside the
-- migration's own transaction.
--
-- One row per webhook subscription and tenant: the change feed position after the last event the subscriber took (or
-- that went to the dead letters), the retry state of the event it is stuck on, and the lease of the one sender that works
-- it. Every write of the row is fenced by the lease (owner and end), so two host instances never post one subscription's
-- events at once. The subscriptions themselves (URL, secret, filters) are the host's configuration, not rows.
CREATE TABLE webhook_subscriptions (
    tenant_id       text        NOT NULL CONSTRAINT webhook_subscriptions_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    subscription_id text        NOT NULL,
    feed_position   text,
    attempts        integer     NOT NULL,
    next_attempt_at timestamptz,
    last_error      text,
    lease_owner     text,
    lease_until     timestamptz,
    CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (tenant_id, subscription_id)
);

-- The events a subscriber did not take after every attempt, kept with the body as posted until the host replays or
-- drops them; oldest first.
CREATE TABLE webhook_dead_letters (
    tenant_id       text        NOT NULL CONSTRAINT webhook_dead_letters_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    subscription_id text        NOT NULL,
    event_id        uuid        NOT NULL,
    target_id       uuid        NOT NULL,
    feed_position   text        NOT NULL,
    body            text        NOT NULL,
    attempts        integer     NOT NULL,
    last_error      text,
    dead_at         timestamptz NOT NULL,
    CONSTRAINT webhook_dead_letters_pkey PRIMARY KEY (tenant_id, subscription_id, event_id)
);
CREATE INDEX webhook_dead_letters_order_ix ON webhook_dead_letters (tenant_id, subscription_id, dead_at, event_id);

-- Row-level security as on every table since version 12: the application role sees its transaction's tenant only.
ALTER TABLE webhook_subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_subscriptions_tenant_isolation ON webhook_subscriptions
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));
ALTER TABLE webhook_dead_letters ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_dead_letters_tenant_isolation ON webhook_dead_letters
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));
