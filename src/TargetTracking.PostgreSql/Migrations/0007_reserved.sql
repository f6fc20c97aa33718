-- Reserved: migration 0007 belongs to another branch in flight (0006 hierarchy, issue 12; 0007 reports, issue 13).
-- The merge replaces this placeholder with that branch's script. It changes nothing.
SELECT 1;
