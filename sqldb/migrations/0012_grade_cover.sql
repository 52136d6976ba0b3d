-- A grade search asks for people with a grade still valid today, in id order.
-- With the validity date in the index both databases walk it in order and
-- check the date there (PostgreSQL otherwise ANDed two bitmaps: 173 ms at 1 M).
CREATE INDEX people_grade_cover ON people (grade, id, grade_valid_until);
DROP INDEX people_grade;
