-- TargetTracking SQLite schema, version 14: a target's amount and owner, audited in its history.
--
-- An amount is an INTEGER count of ten-thousandths of its currency (Money.Scale = 4, up to 922337203685477.5807): exact,
-- sortable and summable on every store alike, never a REAL. The currency is the ISO 4217 code, upper case. The core
-- checks every rule first (TargetRules); these constraints only repeat them. History keeps the amount and owner before
-- and after on Updated entries (after only on Created), NULL on every other entry.
ALTER TABLE targets ADD COLUMN amount_units INTEGER CHECK (amount_units >= 0);
ALTER TABLE targets ADD COLUMN currency TEXT CHECK ((amount_units IS NULL) = (currency IS NULL) AND length(currency) = 3 AND currency = upper(currency));
ALTER TABLE targets ADD COLUMN owner_id TEXT;

-- "My targets": the owner filter, within the tenant.
CREATE INDEX targets_owner_ix ON targets (tenant_id, owner_id);

ALTER TABLE target_history ADD COLUMN old_amount_units INTEGER;
ALTER TABLE target_history ADD COLUMN old_currency TEXT;
ALTER TABLE target_history ADD COLUMN new_amount_units INTEGER;
ALTER TABLE target_history ADD COLUMN new_currency TEXT;
ALTER TABLE target_history ADD COLUMN old_owner_id TEXT;
ALTER TABLE target_history ADD COLUMN new_owner_id TEXT;
