package sqldb

import (
	"context"
	"database/sql"
)

// QueryRowForTest reads the database directly, bypassing services and scope.
// For tests in other packages only (the web tests count audit rows with it).
func (db *DB) QueryRowForTest(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.rebind(q), args...)
}
