-- Version 6: reserved for the hierarchy of branch 'hierarchy' (issue 12). A placeholder that changes nothing, so
-- that version 7 can be numbered on this branch. Remove it when the real 0006 lands: two scripts numbered 6 make
-- every store refuse to start.
SELECT 1;
