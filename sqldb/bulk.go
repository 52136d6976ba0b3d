package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/yanglao/yanglao"
)

// bulkTx is a write transaction on a connection of its own, so that rows can be
// loaded with COPY on PostgreSQL (through the pgx connection under database/sql)
// and with prepared multi-row INSERTs on SQLite, inside the same transaction as
// the ordinary statements of the batch.
type bulkTx struct {
	*Tx
	conn    *sql.Conn
	stmts   map[string]*sql.Stmt
	done    bool
	pending []func() // applied to in-memory state once the transaction commits
}

func (db *DB) beginBulk(ctx context.Context) (*bulkTx, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if db.Dialect == SQLite {
		// SQLite compiles a multi-row INSERT into a table with foreign keys or
		// an ABORT conflict rule to keep a statement journal, which costs more
		// than the rows themselves. Batches write only rows whose references
		// the importer has resolved (regions through placePerson, people it has
		// just inserted), so checks are off for the batch — the pragma only
		// takes effect outside a transaction, and is restored on release — and
		// inserts use OR FAIL. Any failure still rolls back the whole batch.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			conn.Close()
			return nil, err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		db.releaseBulk(conn)
		return nil, err
	}
	return &bulkTx{Tx: &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, conn: conn, stmts: map[string]*sql.Stmt{}}, nil
}

// tuneForBulk gives SQLite's writer connection a page cache that holds the
// indexes a large import touches at random (the id hash, names, phones), maps
// the file for reading, and checkpoints the WAL in larger steps (up to 200 MB
// of WAL, so index pages rewritten by consecutive transactions are copied to
// the database once); the returned func puts the defaults back. It does
// nothing on PostgreSQL.
func (db *DB) tuneForBulk(ctx context.Context) func() {
	if db.Dialect != SQLite {
		return func() {}
	}
	set := func(pragmas ...string) {
		for _, p := range pragmas {
			db.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA "+p)
		}
	}
	// threads: the sorts that build deferred indexes at the end use the second core.
	set("cache_size = -524288", "mmap_size = 4294967296", "wal_autocheckpoint = 50000", "threads = 2")
	return func() { set("cache_size = -32000", "mmap_size = 0", "wal_autocheckpoint = 1000", "threads = 0") }
}

// analyzeRegister refreshes PostgreSQL's statistics of the register's tables
// while an import grows them: planned for the tiny tables they were, the
// batch's lookups by citizen ID and of statuses would scan whole tables.
// Imports call it each time the rows they created have grown fourfold. SQLite
// plans by its indexes without statistics and needs nothing.
func (db *DB) analyzeRegister(ctx context.Context) {
	if db.Dialect == Postgres {
		db.write.ExecContext(ctx, `ANALYZE people, person_statuses`)
	}
}

// releaseBulk restores the connection's foreign-key checks and returns it to the pool.
func (db *DB) releaseBulk(conn *sql.Conn) {
	if db.Dialect == SQLite {
		if _, err := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // never reuse a connection without them
		}
	}
	conn.Close()
}

func (b *bulkTx) commit() error {
	b.done = true
	err := b.Tx.Commit()
	b.db.releaseBulk(b.conn)
	if err == nil {
		for _, f := range b.pending {
			f()
		}
	}
	return err
}

// rollback ends the transaction unless it was committed; safe to call twice.
func (b *bulkTx) rollback() {
	if b.done {
		return
	}
	b.done = true
	b.Tx.Rollback()
	b.db.releaseBulk(b.conn)
}

// prepared returns a statement prepared once per transaction.
func (b *bulkTx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := b.stmts[query]; ok {
		return st, nil
	}
	st, err := b.Tx.PrepareContext(ctx, b.db.rebind(query))
	if err != nil {
		return nil, err
	}
	b.stmts[query] = st
	return st, nil
}

// insertRows appends rows to table: COPY on PostgreSQL; on SQLite, INSERTs of
// up to 400 rows each, prepared once per shape.
func (b *bulkTx) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if b.db.Dialect == Postgres {
		return b.conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("bulk insert: unexpected driver connection %T", dc)
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
	}
	per := min(400, 30000/len(cols))
	one := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	head := "INSERT OR FAIL INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		q := head + strings.Repeat(one+", ", len(chunk)-1) + one
		st, err := b.prepared(ctx, q)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// dateArg is a civil date as a bulk-insert value: text on SQLite (as Date.Value
// stores it), a time on PostgreSQL's binary COPY. The zero date is NULL.
func (b *bulkTx) dateArg(d yanglao.Date) any { return b.db.dateArg(d) }

func (db *DB) dateArg(d yanglao.Date) any {
	if d.IsZero() {
		return nil
	}
	if db.Dialect == Postgres {
		return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	}
	return d.String()
}

// nextIDs reserves n ids of table's identity column.
func (b *bulkTx) nextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if b.db.Dialect == Postgres {
		rows, err := b.Query(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	// SQLite: the write lock is held from BEGIN (IMMEDIATE), so MAX+1… is ours.
	var last int64
	if err := b.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&last); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, last+int64(i))
	}
	return ids, nil
}

// auditEntry is one entry for auditMany.
type auditEntry struct{ action, entity, entityID, detail string }

// auditMany appends entries to the hash chain in one go: it reserves their ids
// from audit_head (taking its row lock, as tx.audit does), chains the hashes in
// memory and bulk-inserts them.
func (b *bulkTx) auditMany(ctx context.Context, entries []auditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	a := yanglao.ActorFromContext(ctx)
	var userID *int64
	username, ip := "anonymous", ""
	if a != nil {
		username, ip = a.Username, a.IP
		if a.UserID != 0 {
			id := a.UserID
			userID = &id
		}
		if username == "" {
			username = "anonymous"
		}
	}
	var last int64
	var prev string
	if err := b.QueryRow(ctx, `UPDATE audit_head SET last_id = last_id + ? WHERE id = 1 RETURNING last_id, last_hash`, len(entries)).
		Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	first := last - int64(len(entries)) + 1
	rows := make([][]any, len(entries))
	hs := newAuditHasher()
	at, uid, un, ipv := any(b.now), any(userID), any(username), any(ip)
	for i, en := range entries {
		e := &yanglao.AuditEntry{ID: first + int64(i), At: b.now, UserID: userID, Username: username, Action: en.action,
			Entity: en.entity, EntityID: en.entityID, Detail: en.detail, IP: ip, PrevHash: prev}
		e.Hash = hs.hash(e)
		prev = e.Hash
		rows[i] = []any{e.ID, at, uid, un, e.Action, e.Entity, e.EntityID, e.Detail, ipv, e.PrevHash, e.Hash}
	}
	if err := b.insertRows(ctx, "audit_log", []string{"id", "at", "user_id", "username", "action", "entity", "entity_id", "detail", "ip", "prev_hash", "hash"}, rows); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	_, err := b.Exec(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, prev)
	return err
}

// auditHasher computes auditHash — the same bytes hashed the same way — without
// fmt, for the many entries of a bulk import. TestAuditHasher holds them equal.
type auditHasher struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

func newAuditHasher() *auditHasher { return &auditHasher{h: sha256.New()} }

func (a *auditHasher) hash(e *yanglao.AuditEntry) string {
	uid := ""
	if e.UserID != nil {
		uid = strconv.FormatInt(*e.UserID, 10)
	}
	b := a.buf[:0]
	for _, f := range [...]string{e.PrevHash, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), uid,
		e.Username, e.Action, e.Entity, e.EntityID, e.Detail, e.IP} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
		b = append(b, ';')
	}
	a.buf = b
	a.h.Reset()
	a.h.Write(b)
	a.sum = a.h.Sum(a.sum[:0])
	return hex.EncodeToString(a.sum)
}

// isUniqueViolation reports a unique-constraint failure, which a bulk batch
// answers by retrying (someone registered the same person meanwhile).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// inList returns "?, ?, …" for n values.
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Deferred indexes. Inserting a million people into the people table's
// secondary indexes costs most of an import's time: each row lands at a random
// place in four of them. Building an index once over the loaded table sorts
// instead, several times faster. So a large import into a register that holds
// few people yet drops these indexes, loads, and builds them again. The
// definitions are read from the database's own catalogue and recorded in
// deferred_indexes in the transaction that drops them, so an import killed
// midway leaves a record from which the next start (Migrate) or the next
// import rebuilds them. The unique citizen-ID index is never dropped: it keeps
// people unique while loading. While they are missing, searches of the
// register scan the table: acceptable during a first load, which is why it
// is done only when the file is large and the register small.
var (
	deferrableIndexes = []string{"people_scope", "people_name", "people_birth", "people_dup"}
	// deferIndexesMin is the smallest file (in rows) worth it; a variable for tests.
	deferIndexesMin = 100_000
)

// indexDDL returns the statement that creates the named index, "" when there is none.
func (tx *Tx) indexDDL(ctx context.Context, name string) (string, error) {
	q := `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`
	if tx.db.Dialect == Postgres {
		q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
	}
	var ddl sql.NullString
	err := tx.QueryRow(ctx, q, name).Scan(&ddl)
	if isNoRows(err) {
		return "", nil
	}
	return ddl.String, err
}

// deferIndexes drops the deferrable indexes for import job importID, recording them.
func (db *DB) deferIndexes(ctx context.Context, importID int64) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, name := range deferrableIndexes {
		ddl, err := tx.indexDDL(ctx, name)
		if err != nil {
			return err
		}
		if ddl == "" {
			continue // dropped already (recorded then)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deferred_indexes (name, ddl, import_id, dropped_at) VALUES (?, ?, ?, ?)`,
			name, ddl, importID, tx.now); err != nil {
			return err
		}
		if _, err := tx.Tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}
	if db.Dialect == Postgres {
		// PostgreSQL checks a foreign key row by row with a query of its own
		// (some 10 µs each, three per person: residence, household, phone);
		// added back, a foreign key is checked in one join over the table.
		// SQLite's bulk batches run with foreign keys off already.
		type fk struct{ name, table, def string }
		fks, err := queryAll(ctx, tx, func(r scanner) (fk, error) {
			var f fk
			err := r.Scan(&f.name, &f.table, &f.def)
			return f, err
		}, `SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE contype = 'f' AND conrelid IN ('people'::regclass, 'person_phones'::regclass) ORDER BY conname`)
		if err != nil {
			return err
		}
		for _, f := range fks {
			if _, err := tx.Exec(ctx, `INSERT INTO deferred_indexes (name, ddl, import_id, dropped_at) VALUES (?, ?, ?, ?)`,
				f.name, "ALTER TABLE "+f.table+" ADD CONSTRAINT "+f.name+" "+f.def, importID, tx.now); err != nil {
				return err
			}
			if _, err := tx.Tx.ExecContext(ctx, "ALTER TABLE "+f.table+" DROP CONSTRAINT "+f.name); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// restoreDeferredIndexes builds every recorded index again, each in the
// transaction that forgets it. It does nothing when none is recorded.
func (db *DB) restoreDeferredIndexes(ctx context.Context) error {
	type rec struct{ name, ddl string }
	var recs []rec
	rows, err := db.write.QueryContext(ctx, `SELECT name, ddl FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.name, &r.ddl); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	start := time.Now()
	defer func() {
		if len(recs) > 0 {
			slog.InfoContext(ctx, "rebuilt what an import deferred", slog.Int("indexes_and_keys", len(recs)), slog.Duration("took", time.Since(start)))
		}
	}()
	for _, r := range recs {
		err := db.restoreDeferred(ctx, r.name, r.ddl)
		if err != nil && strings.HasPrefix(r.ddl, "ALTER TABLE") {
			// Rows that break the foreign key came in meanwhile: keep the key
			// for new rows (NOT VALID) and say so, rather than fail every start.
			slog.ErrorContext(ctx, "foreign key not valid for existing rows after an import", slog.String("constraint", r.name), slog.String("err", err.Error()))
			err = db.restoreDeferred(ctx, r.name, r.ddl+" NOT VALID")
		}
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", r.name, err)
		}
	}
	return nil
}

// restoreDeferred runs one recorded statement and forgets it, in one transaction.
func (db *DB) restoreDeferred(ctx context.Context, name, ddl string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var have string
	if strings.HasPrefix(ddl, "ALTER TABLE") {
		var n int
		err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_constraint WHERE conname = ?`, name).Scan(&n)
		if n > 0 {
			have = "yes"
		}
	} else {
		have, err = tx.indexDDL(ctx, name)
	}
	if err != nil {
		return err
	}
	if have == "" {
		if db.Dialect == Postgres {
			// Sort in memory: the default 64 MB spills a million keys to disk.
			if _, err := tx.Tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
				return err
			}
		}
		if _, err := tx.Tx.ExecContext(ctx, ddl); err != nil { // the catalogue's own text: not rebound
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, name); err != nil {
		return err
	}
	return tx.Commit()
}
