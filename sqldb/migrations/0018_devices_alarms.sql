-- Issue 6: home devices of 家庭养老床位 and emergency alarms (Chenzhou §2, §13).

-- A device, bound to the person it protects and to the address it is installed
-- at. silent_after = last heartbeat + 3 intervals: the silence scan reads one
-- index range. silent_case_id / battery_case_id hold the open technical case,
-- so a scan every second raises it once.
CREATE TABLE devices (
	id                {{.ID}},
	serial            TEXT NOT NULL UNIQUE,
	kind              TEXT NOT NULL,
	vendor            TEXT NOT NULL,
	secret_hash       TEXT NOT NULL,
	person_id         BIGINT REFERENCES people (id),
	address           TEXT NOT NULL DEFAULT '',
	region_code       TEXT NOT NULL REFERENCES regions (code),
	region_path       {{.Path}} NOT NULL,
	county_code       TEXT NOT NULL,
	heartbeat_seconds INTEGER NOT NULL,
	battery           INTEGER,
	last_seen         {{.Time}},
	silent_after      {{.Time}} NOT NULL,
	silent_case_id    BIGINT,
	battery_case_id   BIGINT,
	active            BOOLEAN NOT NULL DEFAULT TRUE,
	created_at        {{.Time}} NOT NULL,
	updated_at        {{.Time}} NOT NULL
);
CREATE INDEX devices_scope ON devices (region_path, id);
CREATE INDEX devices_person ON devices (person_id);
CREATE INDEX devices_silent ON devices (silent_after, id);
CREATE INDEX devices_battery ON devices (battery, id);

-- One case per alarm. UNIQUE (device_id, event_id) is what makes an event
-- delivered twice (QoS 1 redelivery, a device re-sending) one case. escalate_at
-- is stored so escalation holds across a restart.
CREATE TABLE alarm_cases (
	id            {{.ID}},
	device_id     BIGINT NOT NULL REFERENCES devices (id),
	event_id      TEXT NOT NULL,
	event_type    TEXT NOT NULL,
	technical     BOOLEAN NOT NULL DEFAULT FALSE,
	person_id     BIGINT REFERENCES people (id),
	address       TEXT NOT NULL DEFAULT '',
	region_code   TEXT NOT NULL,
	region_path   {{.Path}} NOT NULL,
	county_code   TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'dispatched', 'arrived', 'closed')),
	level         INTEGER NOT NULL DEFAULT 0,
	occurred_at   {{.Time}} NOT NULL,
	received_at   {{.Time}} NOT NULL,
	escalate_at   {{.Time}},
	ack_at        {{.Time}},
	ack_by        TEXT NOT NULL DEFAULT '',
	dispatched_at {{.Time}},
	responder     TEXT NOT NULL DEFAULT '',
	arrived_at    {{.Time}},
	closed_at     {{.Time}},
	outcome       TEXT NOT NULL DEFAULT '',
	note          TEXT NOT NULL DEFAULT '',
	detail        TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 1,
	UNIQUE (device_id, event_id)
);
CREATE INDEX alarm_cases_scope ON alarm_cases (region_path, id);
CREATE INDEX alarm_cases_open ON alarm_cases (status, id);
CREATE INDEX alarm_cases_due ON alarm_cases (escalate_at) WHERE escalate_at IS NOT NULL;
CREATE INDEX alarm_cases_month ON alarm_cases (county_code, received_at);

-- Every step of a case, timed.
CREATE TABLE alarm_steps (
	id       {{.ID}},
	case_id  BIGINT NOT NULL REFERENCES alarm_cases (id),
	at       {{.Time}} NOT NULL,
	step     TEXT NOT NULL,
	username TEXT NOT NULL,
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alarm_steps_case ON alarm_steps (case_id, id);

-- A region's escalation chain; a case uses the chain of its nearest region that has one.
CREATE TABLE escalation_steps (
	region_code   TEXT NOT NULL REFERENCES regions (code),
	region_path   {{.Path}} NOT NULL,
	level         INTEGER NOT NULL,
	name          TEXT NOT NULL,
	contact       TEXT NOT NULL DEFAULT '',
	after_seconds INTEGER NOT NULL,
	PRIMARY KEY (region_path, level)
);

-- Messages refused: malformed, unknown device, wrong topic.
CREATE TABLE rejected_events (
	id      {{.ID}},
	at      {{.Time}} NOT NULL,
	via     TEXT NOT NULL,
	topic   TEXT NOT NULL DEFAULT '',
	serial  TEXT NOT NULL DEFAULT '',
	reason  TEXT NOT NULL,
	payload TEXT NOT NULL DEFAULT ''
);
