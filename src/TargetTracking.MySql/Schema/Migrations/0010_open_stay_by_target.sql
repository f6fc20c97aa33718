-- TargetTracking MariaDB/MySQL schema, version 10: a target's open stay, found by the target.
--
-- The write path no longer recomputes a target's stays from its whole history (which also scanned the whole stays
-- table here, through a dependent JSON_TABLE subquery): a status change closes the target's open stay and inserts the
-- next (docs/reports.md, "The stays table"). MariaDB has no partial index; NULLs come first in this one, so the open stay
-- of a target is one seek. Idempotent, as every script here (DDL commits on its own).
CREATE INDEX IF NOT EXISTS ix_target_stays_open_by_target ON target_stays (target_id, exited_us);
