-- Version 5: the integrity repair's entries. History may hold 'Repaired' entries (action is text: nothing to
-- change) and carries a note: what a repair found wrong and what it did. Adding a nullable column rewrites no
-- row and leaves the append-only triggers as they are.

ALTER TABLE history ADD COLUMN note text;
