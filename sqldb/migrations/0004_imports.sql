-- Import jobs of the register (issue 3, item 3): people files and data-exchange
-- feeds of deaths and moves. A job is durable: its counters and resume point
-- (last_row) commit in the same transaction as each batch of rows, so a job
-- killed midway is resumed from the last whole batch by uploading the same file.

CREATE TABLE imports (
	id            {{.ID}},
	kind          TEXT NOT NULL,              -- people, deaths, moves
	mode          TEXT NOT NULL,              -- all_or_nothing, valid_rows
	format        TEXT NOT NULL,              -- csv, xlsx
	file_name     TEXT NOT NULL DEFAULT '',
	file_sha256   TEXT NOT NULL,
	user_id       BIGINT REFERENCES users (id),
	username      TEXT NOT NULL,
	region_path   {{.Path}} NOT NULL DEFAULT '', -- the importer's region: who else may read the job
	status        TEXT NOT NULL,              -- running, done, rejected, failed, interrupted
	phase         TEXT NOT NULL DEFAULT '',   -- checking (all-or-nothing first pass), writing
	rows_total    INTEGER NOT NULL DEFAULT 0,
	rows_done     INTEGER NOT NULL DEFAULT 0,
	last_row      INTEGER NOT NULL DEFAULT 0, -- resume point: rows up to here are committed
	rows_created  INTEGER NOT NULL DEFAULT 0,
	rows_updated  INTEGER NOT NULL DEFAULT 0,
	rows_same     INTEGER NOT NULL DEFAULT 0,
	rows_rejected INTEGER NOT NULL DEFAULT 0,
	error         TEXT NOT NULL DEFAULT '',
	started_at    {{.Time}} NOT NULL,
	heartbeat_at  {{.Time}} NOT NULL,
	runner        TEXT NOT NULL DEFAULT '',   -- the process running it, to tell a dead job from a live one
	finished_at   {{.Time}}
);
CREATE INDEX imports_file ON imports (file_sha256, status);
CREATE INDEX imports_scope ON imports (region_path, id);
CREATE INDEX imports_user ON imports (user_id, id);

-- The rejected rows of a job: row number, column and reason (Chinese, then English).
CREATE TABLE import_rejects (
	import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	row_no    INTEGER NOT NULL,
	field     TEXT NOT NULL,
	message   TEXT NOT NULL,
	PRIMARY KEY (import_id, row_no)
);
