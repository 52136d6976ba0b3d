package sqldb

import (
	"context"
	"database/sql"
)

// ExecForTest lets tests tamper with the database directly.
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.rebind(q), args...)
}
