-- Searching by assessment grade walks this index in id order (the register's
-- keyset for status and grade searches) instead of sorting every match.
CREATE INDEX people_grade ON people (grade, id);
