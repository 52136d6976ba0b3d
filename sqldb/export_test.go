package sqldb

import (
	"context"
	"database/sql"
	"io/fs"
)

// ExecForTest lets tests tamper with the database directly.
func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.rebind(q), args...)
}

// MigrationFilesForTest holds the embedded migrations (migrations/NNNN_name.sql).
var MigrationFilesForTest fs.FS = migrationFS

// MigrateFilesForTest applies the migrations in fsys as Migrate applies the embedded ones.
func (db *DB) MigrateFilesForTest(ctx context.Context, fsys fs.FS) (int, error) {
	return db.migrate(ctx, fsys)
}
