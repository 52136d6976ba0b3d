// Package sqldb is the only package that speaks SQL. One code path serves SQLite
// (modernc.org/sqlite, pure Go) and PostgreSQL (pgx through database/sql): queries
// are written with ? placeholders and rebound for PostgreSQL, and the few DDL
// differences live in the migration templates.
//
// Transactions follow benbjohnson/wtf: an exported service method owns its
// transaction; lowercase helpers take *Tx; the transaction carries "now".
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/yanglao/yanglao"
)

// Dialect names the database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a connection to one database. On SQLite there is ONE writer connection
// beside a pool of readers, so writers queue in Go instead of failing with
// SQLITE_BUSY; on PostgreSQL both are the same pool.
type DB struct {
	write   *sql.DB
	read    *sql.DB
	Dialect Dialect
	DSN     string

	// Now is the clock; tests replace it.
	Now func() time.Time

	rebound sync.Map // query text → PostgreSQL text
}

// Open connects to dsn: a postgres:// URL, or a SQLite file path ("" means
// ./data/yanglao.db). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{DSN: dsn, Now: time.Now}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.Dialect = Postgres
		if db.write, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(16)
		db.write.SetMaxIdleConns(16)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	} else {
		db.Dialect = SQLite
		if err := db.openSQLite(dsn); err != nil {
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.Dialect, err)
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	if path == "" {
		path = filepath.Join("data", "yanglao.db")
	}
	path = strings.TrimPrefix(path, "sqlite://")
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
	}
	// WAL lets readers run beside the writer; IMMEDIATE transactions take the write
	// lock at BEGIN so two writers never deadlock upgrading a read lock.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)",
		"synchronous(NORMAL)", "cache_size(-32000)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	var err error
	if db.write, err = sql.Open("sqlite", "file:"+path+"?"+wq.Encode()); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	q.Add("_pragma", "query_only(1)")
	if db.read, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
		return err
	}
	db.read.SetMaxOpenConns(4)
	db.read.SetMaxIdleConns(4)
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Ping checks the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx is a write or read transaction that carries the time it started, so every
// row it writes agrees on "now".
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
}

// BeginTx starts a write transaction.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// BeginRead starts a read-only transaction on the reader pool.
func (db *DB) BeginRead(ctx context.Context) (*Tx, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.Dialect == Postgres})
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond)}, nil
}

// Exec, Query and QueryRow take ? placeholders on both databases.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

// Now is the transaction's clock.
func (tx *Tx) Now() time.Time { return tx.now }

// insertID runs an INSERT … RETURNING id on both databases.
func (tx *Tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// rebind turns ? into $1, $2 … for PostgreSQL, skipping quoted text. Results are cached.
func (db *DB) rebind(q string) string {
	if db.Dialect != Postgres {
		return q
	}
	if v, ok := db.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n, quote := 0, byte(0)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	db.rebound.Store(q, b.String())
	return b.String()
}

// like escapes s for a LIKE pattern with ESCAPE '\'.
func like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// pathRange returns the half-open range of paths under root, so subtree tests use
// a B-tree index on both databases (LIKE 'x%' does not on SQLite by default).
func pathRange(root string) (lo, hi string) { return root, root + "\x7f" }

// isNoRows reports whether err is the driver's "no rows".
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// notFound turns sql.ErrNoRows into the domain error, naming the thing in both languages.
func notFound(err error, zh, en string) error {
	if isNoRows(err) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "%s不存在 (%s not found)", zh, en)
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// cutPage trims a list fetched with LIMIT page+1 and returns the cursor of the
// next page ("" on the last page).
func cutPage[T any](rows []T, limit int, key func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[len(rows)-1])
}

// afterID parses a numeric keyset cursor.
func afterID(after string) (int64, error) {
	id, err := strconv.ParseInt(after, 10, 64)
	if err != nil || id < 0 {
		return 0, yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
	}
	return id, nil
}

// listByID is the shape of every scoped list in id order: the filter's WHERE
// terms, the keyset cursor, one page plus one row, and the next cursor.
// selectFrom is "SELECT cols FROM table".
func listByID[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), id func(T) int64,
	selectFrom string, where []string, args []any, page yanglao.Page) ([]T, string, error) {
	page = page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "id > ?"), append(args, after)
	}
	tx, err := db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scan, selectFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(v T) string { return strconv.FormatInt(id(v), 10) })
	return out, next, nil
}

// unindexed keeps SQLite's planner from driving a query by col's index (unary
// + is a no-op that hides the column from index selection). Used where another
// index serves the ORDER BY and col only filters. PostgreSQL plans from its own
// statistics, so the column is left as it is.
func (db *DB) unindexed(col string) string {
	if db.Dialect == SQLite {
		return "+" + col
	}
	return col
}
