-- TargetTracking PostgreSQL schema, version 16: the ledger (docs/ledger.md). Runs with search_path set to the store's
-- schema, inside the migration's own transaction.
--
-- A sealer seals committed history entries after their commit, in commit order (the change feed's order), one hash chain
-- per tenant: the write path gains no column, trigger or statement. ledger_heads holds each chain's head (how many entries
-- are sealed, the chain hash there, the feed position of the newest sealed entry) and the lease of the one sealer that
-- extends it; ledger_seals one row per sealed entry. Hashes are 64 lowercase hex digits.
CREATE TABLE ledger_heads (
    tenant_id      text        NOT NULL CONSTRAINT ledger_heads_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    position       bigint      NOT NULL,
    hash           text        NOT NULL,
    sealed_through text,
    sealed_at      timestamptz,
    lease_owner    text,
    lease_until    timestamptz,
    CONSTRAINT ledger_heads_pkey PRIMARY KEY (tenant_id)
);

CREATE TABLE ledger_seals (
    tenant_id     text   NOT NULL CONSTRAINT ledger_seals_tenant_id_check CHECK (tenant_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    position      bigint NOT NULL,
    entry_id      uuid   NOT NULL,
    personal_hash text   NOT NULL,
    hash          text   NOT NULL,
    CONSTRAINT ledger_seals_pkey PRIMARY KEY (tenant_id, position),
    CONSTRAINT ledger_seals_entry_key UNIQUE (tenant_id, entry_id)
);

-- Row-level security as on every table since version 12: the application role sees its transaction's tenant only.
ALTER TABLE ledger_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_heads_tenant_isolation ON ledger_heads
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));
ALTER TABLE ledger_seals ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_seals_tenant_isolation ON ledger_seals
    USING (tenant_id = current_setting('targettracking.tenant', true)) WITH CHECK (tenant_id = current_setting('targettracking.tenant', true));
