-- Capability assessments per GB/T 42195-2022 (issue 3, item 4). One row per
-- assessment; the scores are computed by package assess when the row is written,
-- never taken from the client. people.grade and people.grade_valid_until hold
-- the final grade of each person's latest assessment, the one every module reads
-- (mutual recognition).

CREATE TABLE assessments (
	id                {{.ID}},
	person_id         BIGINT NOT NULL REFERENCES people (id),
	county_code       TEXT NOT NULL,
	assessed_on       {{.Date}} NOT NULL,
	reason            TEXT NOT NULL DEFAULT '',
	assessor_id       BIGINT REFERENCES users (id),
	assessor_name     TEXT NOT NULL,
	co_assessor       TEXT NOT NULL DEFAULT '',
	place             TEXT NOT NULL DEFAULT '',
	note              TEXT NOT NULL DEFAULT '',
	answers           TEXT NOT NULL,              -- JSON: item code → score
	adjustments       TEXT NOT NULL,              -- JSON: coma, dementia, mental_disorder, risk_events
	total             INTEGER NOT NULL CHECK (total BETWEEN 0 AND 90),
	self_care         INTEGER NOT NULL CHECK (self_care BETWEEN 0 AND 32),
	motor             INTEGER NOT NULL CHECK (motor BETWEEN 0 AND 15),
	mental            INTEGER NOT NULL CHECK (mental BETWEEN 0 AND 28),
	perception_social INTEGER NOT NULL CHECK (perception_social BETWEEN 0 AND 15),
	preliminary_grade INTEGER NOT NULL CHECK (preliminary_grade BETWEEN 0 AND 4),
	final_grade       INTEGER NOT NULL CHECK (final_grade BETWEEN 0 AND 4),
	reasons           TEXT NOT NULL DEFAULT '[]', -- JSON: why the final grade differs
	valid_until       {{.Date}} NOT NULL,
	request_key       TEXT,                       -- idempotency: a form posted twice makes one row
	created_at        {{.Time}} NOT NULL,
	UNIQUE (person_id, request_key)
);
CREATE INDEX assessments_person ON assessments (person_id, assessed_on, id);
CREATE INDEX assessments_county ON assessments (county_code, assessed_on);

-- The reassessment worklist walks people by the end of their latest grade's validity.
CREATE INDEX people_grade_due ON people (grade_valid_until, id);
