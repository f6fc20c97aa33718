-- TargetTracking SQLite schema, version 10: a target's open stay, found by the target.
--
-- The write path no longer recomputes a target's stays from its whole history: a status change closes the target's
-- open stay and inserts the next (docs/reports.md, "The stays table"). This index finds the one open stay of a target
-- without reading its closed ones, so a change costs the same on a target's first change and its ten-thousandth.
CREATE INDEX ix_target_stays_open_by_target ON target_stays (target_id) WHERE exited_us IS NULL;
