-- TargetTracking MariaDB/MySQL schema, version 4: reserved for the append-only guards of branch 'trust' (issue 10).
-- A placeholder that changes nothing, so that version 5 can be numbered on this branch. Remove it when the real
-- 0004 lands: two scripts numbered 4 make every store refuse to start.
SELECT 1;
