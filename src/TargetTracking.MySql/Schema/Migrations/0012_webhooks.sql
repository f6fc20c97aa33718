-- TargetTracking MariaDB/MySQL schema, version 12: webhooks. Every statement is idempotent: MariaDB commits each DDL
-- statement on its own, so a script cut short is completed by running it again.
--
-- One row per webhook subscription and tenant: the change feed position after the last event the subscriber took (or
-- that went to the dead letters), the retry state of the event it is stuck on, and the lease of the one sender that works
-- it. Every write of the row is fenced by the lease (owner and end), so two host instances never post one subscription's
-- events at once.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    tenant_id       VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(64)  NOT NULL,
    feed_position   VARCHAR(200) NULL,
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NULL,
    last_error      TEXT         NULL,
    lease_owner     VARCHAR(200) NULL,
    lease_until     DATETIME(6)  NULL,
    CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (tenant_id, subscription_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- The events a subscriber did not take after every attempt, kept with the body as posted until the host replays or
-- drops them; oldest first.
CREATE TABLE IF NOT EXISTS webhook_dead_letters (
    tenant_id       VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(64)  NOT NULL,
    event_id        BINARY(16)   NOT NULL,
    target_id       BINARY(16)   NOT NULL,
    feed_position   VARCHAR(200) NOT NULL,
    body            MEDIUMTEXT   NOT NULL,
    attempts        INT          NOT NULL,
    last_error      TEXT         NULL,
    dead_at         DATETIME(6)  NOT NULL,
    CONSTRAINT webhook_dead_letters_pkey PRIMARY KEY (tenant_id, subscription_id, event_id),
    INDEX ix_webhook_dead_letters_order (tenant_id, subscription_id, dead_at, event_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
