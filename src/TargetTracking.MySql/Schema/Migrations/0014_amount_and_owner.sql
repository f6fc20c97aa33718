-- TargetTracking MariaDB/MySQL schema, version 14: a target's amount and owner, audited in its history. Every statement
-- is idempotent: MariaDB commits each DDL statement on its own, so a script cut short is completed by running it again.
--
-- An amount is a BIGINT count of ten-thousandths of its currency (Money.Scale = 4, up to 922337203685477.5807): exact,
-- sortable and summable on every store alike, never a float. The currency is the ISO 4217 code, upper case. The core
-- checks every rule first (TargetRules); these constraints only repeat them. History keeps the amount and owner before
-- and after on Updated entries (after only on Created), NULL on every other entry.
ALTER TABLE targets
    ADD COLUMN IF NOT EXISTS amount_units BIGINT       NULL,
    ADD COLUMN IF NOT EXISTS currency     CHAR(3)      NULL,
    ADD COLUMN IF NOT EXISTS owner_id     VARCHAR(256) NULL;
ALTER TABLE targets DROP CONSTRAINT IF EXISTS targets_amount_check;
ALTER TABLE targets ADD CONSTRAINT targets_amount_check
    CHECK (amount_units >= 0 AND (amount_units IS NULL) = (currency IS NULL) AND currency REGEXP '^[A-Z]{3}$');

-- "My targets": the owner filter, within the tenant.
ALTER TABLE targets ADD INDEX IF NOT EXISTS ix_targets_owner (tenant_id, owner_id);

ALTER TABLE target_history
    ADD COLUMN IF NOT EXISTS old_amount_units BIGINT       NULL,
    ADD COLUMN IF NOT EXISTS old_currency     CHAR(3)      NULL,
    ADD COLUMN IF NOT EXISTS new_amount_units BIGINT       NULL,
    ADD COLUMN IF NOT EXISTS new_currency     CHAR(3)      NULL,
    ADD COLUMN IF NOT EXISTS old_owner_id     VARCHAR(256) NULL,
    ADD COLUMN IF NOT EXISTS new_owner_id     VARCHAR(256) NULL;
