package sqldb

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent copy of a SQLite database to path with VACUUM INTO,
// which works while the server runs. PostgreSQL is backed up with pg_dump
// (docs/operations.md); this returns an error saying so.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("PostgreSQL 请使用 pg_dump 备份 (back up PostgreSQL with pg_dump -Fc; see docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("备份文件已存在 (backup file already exists): %s", path)
	}
	_, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}
