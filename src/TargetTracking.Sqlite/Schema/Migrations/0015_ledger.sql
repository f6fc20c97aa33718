-- TargetTracking SQLite schema, version 15: the ledger (docs/ledger.md).
--
-- A sealer seals committed history entries after their commit, in commit order (the change feed's order), one hash chain
-- per tenant: the write path gains no column, trigger or statement. ledger_heads holds each chain's head (how many entries
-- are sealed, the chain hash there, the feed position of the newest sealed entry) and the lease of the one sealer that
-- extends it; ledger_seals one row per sealed entry. Hashes are 64 lowercase hex digits; times are microseconds since
-- 1970 UTC, as in every table.
CREATE TABLE ledger_heads (
    tenant_id      TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    position       INTEGER NOT NULL,
    hash           TEXT    NOT NULL,
    sealed_through TEXT,
    sealed_at      INTEGER,
    lease_owner    TEXT,
    lease_until    INTEGER,
    PRIMARY KEY (tenant_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ledger_seals (
    tenant_id     TEXT    NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 64),
    position      INTEGER NOT NULL,
    entry_id      TEXT    NOT NULL,
    personal_hash TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, position),
    UNIQUE (tenant_id, entry_id)
) STRICT, WITHOUT ROWID;
