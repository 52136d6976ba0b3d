-- Issue 6: care visits to older people in special difficulty (探访关爱) and
-- mandatory reports of suspected abuse (强制报告). Large tables carry the
-- county code and the region path (DESIGN §3).

-- Per-region rules: which group is visited and how often (package visitrules).
CREATE TABLE carevisit_rules (
	id          {{.ID}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	grp         TEXT NOT NULL,
	per_month   INTEGER NOT NULL CHECK (per_month BETWEEN 1 AND 8),
	min_age     INTEGER NOT NULL DEFAULT 0,
	valid_from  {{.Date}} NOT NULL,
	valid_to    {{.Date}},
	source      TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX carevisit_rules_path ON carevisit_rules (region_path);

-- Who visits: a user, or a named volunteer / association member without an account.
CREATE TABLE carevisit_visitors (
	id          {{.ID}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('worker', 'volunteer', 'association', 'other')),
	user_id     BIGINT UNIQUE REFERENCES users (id),
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX carevisit_visitors_scope ON carevisit_visitors (region_path, id);

-- The standing plan: each person's visitor, carried from month to month.
CREATE TABLE carevisit_plan (
	person_id   BIGINT PRIMARY KEY REFERENCES people (id),
	county_code TEXT NOT NULL,
	visitor_id  BIGINT NOT NULL REFERENCES carevisit_visitors (id),
	per_month   INTEGER NOT NULL DEFAULT 0,
	updated_by  TEXT NOT NULL,
	updated_at  {{.Time}} NOT NULL
);
CREATE INDEX carevisit_plan_visitor ON carevisit_plan (visitor_id);

-- A month's list, computed from the register per county. visits counts the
-- month's visits; a target with visits < per_month is on the alert list.
CREATE TABLE carevisit_targets (
	month       TEXT NOT NULL,
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	region_path {{.Path}} NOT NULL,
	groups      TEXT NOT NULL,
	per_month   INTEGER NOT NULL,
	visitor_id  BIGINT REFERENCES carevisit_visitors (id),
	visits      INTEGER NOT NULL DEFAULT 0,
	last_visit  {{.Date}},
	PRIMARY KEY (month, person_id)
);
-- Lists, the alert list and the rate roll-up walk this index in region order
-- and read the counts from it.
CREATE INDEX carevisit_targets_scope ON carevisit_targets (month, region_path, person_id, per_month, visits);
CREATE INDEX carevisit_targets_county ON carevisit_targets (month, county_code, person_id);
CREATE INDEX carevisit_targets_visitor ON carevisit_targets (visitor_id, month, region_path, person_id);

-- The month's counts per residence node (mostly villages), kept with the
-- targets (a refresh recounts its part; a visit adds to its node), so the
-- rate dashboard reads a row per village instead of a row per person.
CREATE TABLE carevisit_tallies (
	month        TEXT NOT NULL,
	region_path  {{.Path}} NOT NULL,
	targets      INTEGER NOT NULL,
	visited      INTEGER NOT NULL,
	at_least_one INTEGER NOT NULL,
	PRIMARY KEY (month, region_path)
);

-- When each county's list for a month was computed, and on which day's facts.
-- The row is also the lock that orders a refresh and the visits of the month.
CREATE TABLE carevisit_months (
	county_code TEXT NOT NULL,
	month       TEXT NOT NULL,
	ref_day     {{.Date}},
	targets     INTEGER NOT NULL DEFAULT 0,
	computed_at {{.Time}},
	locks       INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (county_code, month)
);

CREATE TABLE carevisit_visits (
	id           {{.ID}},
	person_id    BIGINT NOT NULL REFERENCES people (id),
	county_code  TEXT NOT NULL,
	region_path  {{.Path}} NOT NULL,
	month        TEXT NOT NULL,
	visit_date   {{.Date}} NOT NULL,
	mode         TEXT NOT NULL CHECK (mode IN ('in_person', 'phone', 'video')),
	visitor_id   BIGINT REFERENCES carevisit_visitors (id),
	visitor_name TEXT NOT NULL,
	health       TEXT NOT NULL,
	health_note  TEXT NOT NULL DEFAULT '',
	hazards      TEXT NOT NULL DEFAULT '',
	hazard_note  TEXT NOT NULL DEFAULT '',
	needs        TEXT NOT NULL DEFAULT '',
	needs_note   TEXT NOT NULL DEFAULT '',
	note         TEXT NOT NULL DEFAULT '',
	lat          DOUBLE PRECISION,
	lng          DOUBLE PRECISION,
	request_key  TEXT,
	recorded_by  BIGINT REFERENCES users (id),
	recorded_name TEXT NOT NULL,
	created_at   {{.Time}} NOT NULL,
	UNIQUE (recorded_name, request_key)
);
CREATE INDEX carevisit_visits_person ON carevisit_visits (person_id, visit_date, id);
CREATE INDEX carevisit_visits_scope ON carevisit_visits (region_path, id);
CREATE INDEX carevisit_visits_month ON carevisit_visits (month, region_path, person_id);

CREATE TABLE carevisit_photos (
	id           {{.ID}},
	visit_id     BIGINT NOT NULL REFERENCES carevisit_visits (id),
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL CHECK (size > 0 AND size <= 524288),
	data         {{.Blob}} NOT NULL
);
CREATE INDEX carevisit_photos_visit ON carevisit_photos (visit_id);

CREATE TABLE carevisit_followups (
	id          {{.ID}},
	visit_id    BIGINT NOT NULL REFERENCES carevisit_visits (id),
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	region_path {{.Path}} NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('service_request', 'referral', 'assessment')),
	detail      TEXT NOT NULL,
	referred_to TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL CHECK (state IN ('open', 'in_progress', 'done', 'cancelled')),
	note        TEXT NOT NULL DEFAULT '',
	created_by  TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL,
	updated_at  {{.Time}} NOT NULL
);
CREATE INDEX carevisit_followups_scope ON carevisit_followups (region_path, id);
CREATE INDEX carevisit_followups_person ON carevisit_followups (person_id, id);

-- Month-end reminders; rkey makes each (month, stage, visitor or region) once.
CREATE TABLE carevisit_reminders (
	id          {{.ID}},
	rkey        TEXT NOT NULL UNIQUE,
	month       TEXT NOT NULL,
	stage       INTEGER NOT NULL,
	visitor_id  BIGINT REFERENCES carevisit_visitors (id),
	user_id     BIGINT REFERENCES users (id),
	region_code TEXT NOT NULL,
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	pending     INTEGER NOT NULL,
	zh          TEXT NOT NULL,
	en          TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX carevisit_reminders_user ON carevisit_reminders (user_id, id);
CREATE INDEX carevisit_reminders_scope ON carevisit_reminders (region_path, id);

-- Mandatory reports (湘潭 第三章第六节4). The tracking code is kept only as a
-- keyed hash; the reporter's phone is sealed like every phone.
CREATE TABLE abuse_reports (
	id               {{.ID}},
	code_hash        TEXT NOT NULL UNIQUE,
	region_code      TEXT NOT NULL REFERENCES regions (code),
	region_path      {{.Path}} NOT NULL,
	county_code      TEXT NOT NULL,
	elder_name       TEXT NOT NULL,
	person_id        BIGINT REFERENCES people (id),
	place            TEXT NOT NULL,
	kinds            TEXT NOT NULL,
	description      TEXT NOT NULL,
	occurred_on      {{.Date}},
	reporter_name    TEXT NOT NULL DEFAULT '',
	contact_sealed   {{.Blob}},
	contact_masked   TEXT NOT NULL DEFAULT '',
	anonymous        BOOLEAN NOT NULL DEFAULT FALSE,
	state            TEXT NOT NULL CHECK (state IN ('received', 'assigned', 'investigating', 'concluded')),
	assignee_id      BIGINT REFERENCES users (id),
	outcome          TEXT NOT NULL DEFAULT '',
	conclusion       TEXT NOT NULL DEFAULT '',
	submitted_by     BIGINT REFERENCES users (id),
	client_key       TEXT NOT NULL,
	created_at       {{.Time}} NOT NULL,
	updated_at       {{.Time}} NOT NULL
);
CREATE INDEX abuse_reports_scope ON abuse_reports (region_path, id);
CREATE INDEX abuse_reports_client ON abuse_reports (client_key, created_at);

CREATE TABLE abuse_report_steps (
	id        {{.ID}},
	report_id BIGINT NOT NULL REFERENCES abuse_reports (id),
	state     TEXT NOT NULL,
	note      TEXT NOT NULL DEFAULT '',
	by_name   TEXT NOT NULL,
	at        {{.Time}} NOT NULL
);
CREATE INDEX abuse_report_steps_report ON abuse_report_steps (report_id, id);
