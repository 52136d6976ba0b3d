-- The register of older people (issue 3). Citizen IDs, phones and contacts are
-- sealed (AES-GCM) and found through keyed hashes; every large table carries its
-- county code, the future sharding key (DESIGN §3).

CREATE TABLE people (
	id               {{.ID}},
	county_code      TEXT NOT NULL,
	residence_code   TEXT NOT NULL REFERENCES regions (code),
	residence_path   {{.Path}} NOT NULL,
	household_code   TEXT REFERENCES regions (code),
	name             {{.Path}} NOT NULL,
	sex              TEXT NOT NULL CHECK (sex IN ('M', 'F')),
	birth_date       {{.Date}} NOT NULL,
	id_hash          TEXT NOT NULL UNIQUE,
	id_sealed        {{.Blob}} NOT NULL,
	id_masked        TEXT NOT NULL,
	phones_sealed    {{.Blob}},
	phones_masked    TEXT NOT NULL DEFAULT '',
	ethnicity        TEXT NOT NULL DEFAULT '',
	address          TEXT NOT NULL DEFAULT '',
	lng              DOUBLE PRECISION,
	lat              DOUBLE PRECISION,
	living           TEXT NOT NULL DEFAULT '',
	disability_cert  TEXT NOT NULL DEFAULT '',
	disability_grade INTEGER NOT NULL DEFAULT 0,
	chronic          TEXT NOT NULL DEFAULT '',
	contacts_sealed  {{.Blob}},
	life_status      TEXT NOT NULL DEFAULT 'alive',
	death_date       {{.Date}},
	moved_out_date   {{.Date}},
	moved_to         TEXT NOT NULL DEFAULT '',
	grade            INTEGER,
	grade_valid_until {{.Date}},
	version          INTEGER NOT NULL DEFAULT 1,
	created_at       {{.Time}} NOT NULL,
	updated_at       {{.Time}} NOT NULL
);
CREATE INDEX people_scope ON people (residence_path, id);
CREATE INDEX people_name ON people (name, id);
CREATE INDEX people_birth ON people (birth_date, id);
CREATE INDEX people_dup ON people (county_code, name, birth_date);

CREATE TABLE person_phones (
	person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	phone_hash TEXT NOT NULL,
	PRIMARY KEY (phone_hash, person_id)
);

CREATE TABLE person_statuses (
	id          {{.ID}},
	person_id   BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	county_code TEXT NOT NULL,
	kind        TEXT NOT NULL,
	source      TEXT NOT NULL,
	start_date  {{.Date}} NOT NULL,
	end_date    {{.Date}},
	note        TEXT NOT NULL DEFAULT '',
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX person_statuses_person ON person_statuses (person_id, kind);
CREATE INDEX person_statuses_kind ON person_statuses (kind, person_id);

-- Same name and birth date in one county: flagged for a person to review.
CREATE TABLE person_reviews (
	id          {{.ID}},
	person_id   BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	other_id    BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	county_code TEXT NOT NULL,
	reason      TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL,
	resolved_at {{.Time}},
	UNIQUE (person_id, other_id)
);

-- Outbox of life events (death, moving away) for the modules that react to them.
CREATE TABLE life_events (
	id          {{.ID}},
	kind        TEXT NOT NULL,
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	event_date  {{.Date}} NOT NULL,
	at          {{.Time}} NOT NULL,
	UNIQUE (person_id, kind, event_date)
);
