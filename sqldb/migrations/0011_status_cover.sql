-- Status searches drive from this index (kind, then person in id order) and
-- check the dates in it, without fetching each status row.
CREATE INDEX person_statuses_kind_cover ON person_statuses (kind, person_id, start_date, end_date);
DROP INDEX person_statuses_kind;
