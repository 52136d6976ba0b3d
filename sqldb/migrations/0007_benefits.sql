-- Issue 4: the basic service list per region, its parameters, entitlements,
-- applications, and monthly payment batches. Months are 'YYYY-MM' text;
-- money is integer fen. Every large table carries its county code.

-- One row per version of an item in one region's list. A region without its
-- own row for a code inherits the nearest ancestor's (Chenzhou §1: a county
-- list contains every city item at no lower level).
CREATE TABLE benefit_items (
	id              {{.ID}},
	region_code     TEXT NOT NULL REFERENCES regions (code),
	region_path     {{.Path}} NOT NULL,
	code            TEXT NOT NULL,
	version         INTEGER NOT NULL,
	item_json       TEXT NOT NULL,           -- benefits.Item as published (names, texts, source, rules)
	valid_from      {{.Date}} NOT NULL,
	valid_to        {{.Date}},               -- inclusive; NULL while open
	created_by      TEXT NOT NULL,
	created_at      {{.Time}} NOT NULL,
	UNIQUE (region_code, code, version)
);
CREATE INDEX benefit_items_region ON benefit_items (region_path, code);

-- Per-region dated parameters such as the 低保 standard (fen per month).
CREATE TABLE benefit_params (
	id          {{.ID}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	name        TEXT NOT NULL,
	valid_from  {{.Date}} NOT NULL,
	valid_to    {{.Date}},
	fen         BIGINT NOT NULL CHECK (fen >= 0),
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX benefit_params_region ON benefit_params (region_path, name, valid_from);

-- What a person is entitled to, from a month and (once ended) to a month.
-- Silent granting (免申请) and approved applications (依申请) both land here.
CREATE TABLE entitlements (
	id           {{.ID}},
	person_id    BIGINT NOT NULL REFERENCES people (id),
	county_code  TEXT NOT NULL,
	region_path  {{.Path}} NOT NULL,          -- the person's residence path when granted, for scope
	item_code    TEXT NOT NULL,
	from_month   TEXT NOT NULL,
	to_month     TEXT,                         -- inclusive; NULL while open
	source       TEXT NOT NULL CHECK (source IN ('silent', 'application')),
	application_id BIGINT,
	end_reason   TEXT NOT NULL DEFAULT '',
	created_at   {{.Time}} NOT NULL,
	ended_at     {{.Time}},
	UNIQUE (person_id, item_code, from_month)
);
CREATE INDEX entitlements_scope ON entitlements (region_path, item_code);
CREATE INDEX entitlements_open ON entitlements (county_code, item_code, to_month);

-- Applications for 依申请 items: made by one person, decided by another (maker-checker).
CREATE TABLE benefit_applications (
	id            {{.ID}},
	person_id     BIGINT NOT NULL REFERENCES people (id),
	county_code   TEXT NOT NULL,
	region_path   {{.Path}} NOT NULL,
	item_code     TEXT NOT NULL,
	from_month    TEXT NOT NULL,
	reason        TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'withdrawn')),
	applied_by    BIGINT NOT NULL REFERENCES users (id),
	decided_by    BIGINT REFERENCES users (id),
	decision_note TEXT NOT NULL DEFAULT '',
	created_at    {{.Time}} NOT NULL,
	decided_at    {{.Time}},
	CHECK (decided_by IS NULL OR decided_by <> applied_by)
);
CREATE INDEX benefit_applications_scope ON benefit_applications (region_path, status, id);

-- A monthly payment batch for one region. One per region and month: two runs
-- started at once meet on this constraint and yield one batch.
CREATE TABLE payment_batches (
	id           {{.ID}},
	region_code  TEXT NOT NULL REFERENCES regions (code),
	region_path  {{.Path}} NOT NULL,
	month        TEXT NOT NULL,
	status       TEXT NOT NULL CHECK (status IN ('running', 'computed', 'approved', 'exported', 'reconciled')),
	run_by       BIGINT REFERENCES users (id),
	approved_by  BIGINT REFERENCES users (id),
	lines        INTEGER NOT NULL DEFAULT 0,
	total_fen    BIGINT NOT NULL DEFAULT 0,
	progress     INTEGER NOT NULL DEFAULT 0,   -- people done, for the progress bar
	created_at   {{.Time}} NOT NULL,
	computed_at  {{.Time}},
	approved_at  {{.Time}},
	UNIQUE (region_code, month),
	CHECK (approved_by IS NULL OR run_by IS NULL OR approved_by <> run_by)
);

-- A line pays (or, for a correction, recovers) one item of one person for one
-- month. The unique key is what makes "paid exactly once" a database fact:
-- re-running or resuming a killed batch can only insert what is missing.
CREATE TABLE payment_lines (
	id          {{.ID}},
	batch_id    BIGINT NOT NULL REFERENCES payment_batches (id),
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	region_path {{.Path}} NOT NULL,
	item_code   TEXT NOT NULL,
	for_month   TEXT NOT NULL,                 -- the month the money is for
	kind        TEXT NOT NULL CHECK (kind IN ('regular', 'arrears', 'recovery')),
	amount_fen  BIGINT NOT NULL,               -- negative for a recovery
	status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'held', 'paid', 'failed')),
	hold_reason TEXT NOT NULL DEFAULT '',
	bank_ref    TEXT NOT NULL DEFAULT '',
	created_at  {{.Time}} NOT NULL,
	UNIQUE (person_id, item_code, for_month, kind, batch_id)
);
CREATE UNIQUE INDEX payment_lines_once ON payment_lines (person_id, item_code, for_month) WHERE kind = 'regular';
CREATE INDEX payment_lines_batch ON payment_lines (batch_id, id);
