-- Issue 4: a durable record of periodic jobs, cursors for jobs that consume an
-- outbox, and the notices silent granting leaves for the responsible workers.

-- One row per run of a periodic job. run_key names the period ("2026-03-14"
-- for a daily job): the UNIQUE key makes a daily job run once per day, across
-- restarts and across two processes that both try.
CREATE TABLE job_runs (
	id          {{.ID}},
	name        TEXT NOT NULL,
	run_key     TEXT NOT NULL,
	started_at  {{.Time}} NOT NULL,
	finished_at {{.Time}},
	status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
	detail      TEXT NOT NULL DEFAULT '',
	UNIQUE (name, run_key)
);

-- A job's position in a feed it consumes, e.g. the last life_events id seen.
CREATE TABLE job_cursors (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at {{.Time}} NOT NULL
);

-- What silent granting did, for the workers of the person's region.
CREATE TABLE benefit_notices (
	id             {{.ID}},
	region_code    TEXT NOT NULL,
	region_path    {{.Path}} NOT NULL,
	county_code    TEXT NOT NULL,
	person_id      BIGINT NOT NULL REFERENCES people (id),
	item_code      TEXT NOT NULL,
	kind           TEXT NOT NULL CHECK (kind IN ('granted', 'ended')),
	entitlement_id BIGINT NOT NULL REFERENCES entitlements (id),
	zh             TEXT NOT NULL,
	en             TEXT NOT NULL,
	created_at     {{.Time}} NOT NULL,
	UNIQUE (entitlement_id, kind)
);
CREATE INDEX benefit_notices_scope ON benefit_notices (region_path, id);
CREATE INDEX entitlements_person ON entitlements (person_id, item_code);
