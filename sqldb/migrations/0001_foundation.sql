-- Foundation: the region tree, organisations, accounts, sessions, API tokens and
-- the hash-chained audit log. Template fields: see migrate.go.

CREATE TABLE regions (
	code        TEXT PRIMARY KEY,
	parent_code TEXT,
	name        TEXT NOT NULL,
	level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	path        {{.Path}} NOT NULL UNIQUE,
	ur_code     TEXT NOT NULL DEFAULT '',
	lng         DOUBLE PRECISION,
	lat         DOUBLE PRECISION,
	placeholder BOOLEAN NOT NULL DEFAULT FALSE,
	child_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions (parent_code, code);
CREATE INDEX regions_name ON regions (name);

-- Care homes, home-care providers, canteens …: every organisation hangs on a region.
CREATE TABLE orgs (
	id          {{.ID}},
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL,
	updated_at  {{.Time}} NOT NULL
);
CREATE INDEX orgs_region_path ON orgs (region_path);

CREATE TABLE users (
	id            {{.ID}},
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL,
	region_code   TEXT NOT NULL REFERENCES regions (code),
	region_path   {{.Path}} NOT NULL,
	org_id        BIGINT REFERENCES orgs (id),
	password_hash TEXT NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  {{.Time}},
	disabled      BOOLEAN NOT NULL DEFAULT FALSE,
	created_at    {{.Time}} NOT NULL,
	updated_at    {{.Time}} NOT NULL
);
CREATE INDEX users_region_path ON users (region_path, id);
CREATE INDEX users_org ON users (org_id);

-- A session row is keyed by the SHA-256 of its cookie token; the token is never stored.
CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at {{.Time}} NOT NULL,
	last_seen  {{.Time}} NOT NULL,
	ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id           {{.ID}},
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   {{.Time}} NOT NULL,
	last_used_at {{.Time}}
);

-- Append-only, hash-chained. ids are gapless (taken from audit_head under its row
-- lock), so a deleted entry shows as a gap and an edited one as a bad hash.
CREATE TABLE audit_log (
	id        BIGINT PRIMARY KEY,
	at        {{.Time}} NOT NULL,
	user_id   BIGINT,
	username  TEXT NOT NULL,
	action    TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT '',
	ip        TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_user ON audit_log (user_id, id);

CREATE TABLE audit_head (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	last_id   BIGINT NOT NULL,
	last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');
