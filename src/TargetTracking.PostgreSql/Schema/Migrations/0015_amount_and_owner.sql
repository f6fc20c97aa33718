-- TargetTracking PostgreSQL schema, version 15: a target's amount and owner, audited in its history. Runs with
-- search_path set to the store's schema, inside the migration's own transaction.
--
-- An amount is a bigint count of ten-thousandths of its currency (Money.Scale = 4, up to 922337203685477.5807): exact,
-- sortable and summable on every store alike, never a float. The currency is the ISO 4217 code, upper case. Both are
-- set or neither; the core checks every rule first (TargetRules), these constraints only repeat them. History keeps the
-- amount and owner before and after on Updated entries (after only on Created), NULL on every other entry.
ALTER TABLE targets
    ADD COLUMN amount_units bigint,
    ADD COLUMN currency     text,
    ADD COLUMN owner_id     text,
    ADD CONSTRAINT targets_amount_check CHECK (amount_units >= 0),
    ADD CONSTRAINT targets_currency_check CHECK ((amount_units IS NULL) = (currency IS NULL) AND currency ~ '^[A-Z]{3}$');

-- "My targets": the owner filter, within the tenant.
CREATE INDEX targets_owner_ix ON targets (tenant_id, owner_id);

ALTER TABLE target_history
    ADD COLUMN old_amount_units bigint,
    ADD COLUMN old_currency     text,
    ADD COLUMN new_amount_units bigint,
    ADD COLUMN new_currency     text,
    ADD COLUMN old_owner_id     text,
    ADD COLUMN new_owner_id     text;
