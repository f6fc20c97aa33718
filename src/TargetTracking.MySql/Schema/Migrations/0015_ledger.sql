-- TargetTracking MariaDB/MySQL schema, version 15: the ledger (docs/ledger.md). Every statement is idempotent: MariaDB
-- commits each DDL statement on its own, so a script cut short is completed by running it again.
--
-- A sealer seals committed history entries after their commit, in commit order (the change feed's order), one hash chain
-- per tenant: the write path gains no column, trigger or statement. ledger_heads holds each chain's head (how many entries
-- are sealed, the chain hash there, the feed position of the newest sealed entry) and the lease of the one sealer that
-- extends it; ledger_seals one row per sealed entry. Hashes are 64 lowercase hex digits.
CREATE TABLE IF NOT EXISTS ledger_heads (
    tenant_id      VARCHAR(64)  NOT NULL,
    position       BIGINT       NOT NULL,
    hash           CHAR(64)     NOT NULL,
    sealed_through VARCHAR(200) NULL,
    sealed_at      DATETIME(6)  NULL,
    lease_owner    VARCHAR(200) NULL,
    lease_until    DATETIME(6)  NULL,
    CONSTRAINT ledger_heads_pkey PRIMARY KEY (tenant_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE IF NOT EXISTS ledger_seals (
    tenant_id     VARCHAR(64) NOT NULL,
    position      BIGINT      NOT NULL,
    entry_id      BINARY(16)  NOT NULL,
    personal_hash CHAR(64)    NOT NULL,
    hash          CHAR(64)    NOT NULL,
    CONSTRAINT ledger_seals_pkey PRIMARY KEY (tenant_id, position),
    CONSTRAINT ledger_seals_entry_key UNIQUE (tenant_id, entry_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;
