-- Fewer index insertions per imported person (issue 3: 1 M people in under 60 s).
--
-- Only assessed people have a grade, and an import creates people without one:
-- partial indexes hold just the assessed. The searches that use them say
-- grade = ? or grade_valid_until IS NOT NULL, which both databases match to the
-- index's WHERE.
DROP INDEX people_grade_cover;
CREATE INDEX people_grade_cover ON people (grade, id, grade_valid_until) WHERE grade IS NOT NULL;
DROP INDEX people_grade_due;
CREATE INDEX people_grade_due ON people (grade_valid_until, id) WHERE grade_valid_until IS NOT NULL;
{{if not .Postgres}}
-- SQLite keeps a table with a non-integer primary key as a rowid b-tree plus an
-- index for the key: person_phones (phone_hash, person_id) and audit_log
-- (BIGINT id) each cost one b-tree more per row than they need. The same tables,
-- stored by their key.
CREATE TABLE person_phones_by_key (
	person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	phone_hash TEXT NOT NULL,
	PRIMARY KEY (phone_hash, person_id)
) WITHOUT ROWID;
INSERT INTO person_phones_by_key (person_id, phone_hash) SELECT person_id, phone_hash FROM person_phones;
DROP TABLE person_phones;
ALTER TABLE person_phones_by_key RENAME TO person_phones;
CREATE INDEX person_phones_person ON person_phones (person_id);

CREATE TABLE audit_log_by_id (
	id        INTEGER PRIMARY KEY,
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
INSERT INTO audit_log_by_id SELECT id, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_by_id RENAME TO audit_log;
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
{{end}}

-- Indexes (and on PostgreSQL foreign keys) a large import into a (nearly) empty
-- register dropped to build them once after loading (sqldb/bulk.go,
-- deferIndexes): their definitions, so that a killed import's are rebuilt at
-- the next start. Dropping and
-- recording commit together; so do rebuilding and forgetting.
CREATE TABLE deferred_indexes (
	name       TEXT PRIMARY KEY,
	ddl        TEXT NOT NULL,
	import_id  BIGINT NOT NULL,
	dropped_at {{.Time}} NOT NULL
);
