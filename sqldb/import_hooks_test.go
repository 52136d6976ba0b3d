package sqldb

import (
	"context"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
)

// SetImportForTest makes import batches small and heartbeats quick, and calls
// after once each batch has committed. The returned func restores the defaults.
func SetImportForTest(batch int, stale time.Duration, after func(*register.Job)) func() {
	b1, b2, b3, b4, s, h, a := importBatchSQLite, importBatchPostgres, feedBatch, commitSQLite, staleAfter, heartbeatEvery, afterBatch
	importBatchSQLite, importBatchPostgres, feedBatch, commitSQLite, staleAfter, heartbeatEvery, afterBatch = batch, batch, batch, batch, stale, stale/3+time.Millisecond, after
	return func() {
		importBatchSQLite, importBatchPostgres, feedBatch, commitSQLite, staleAfter, heartbeatEvery, afterBatch = b1, b2, b3, b4, s, h, a
	}
}

// ForgetRunnerForTest makes this process look like a new one (a restarted server)
// to the jobs it started.
func ForgetRunnerForTest() func() {
	old := runnerID
	runnerID = "restarted-" + old
	return func() { runnerID = old }
}

// SetImportCommitForTest makes SQLite transactions hold n rows (several batches).
func SetImportCommitForTest(n int) func() {
	old := commitSQLite
	commitSQLite = n
	return func() { commitSQLite = old }
}

// AuditHashersAgreeForTest reports whether the bulk hasher and auditHash agree on e.
func AuditHashersAgreeForTest(e *yanglao.AuditEntry) (string, string) {
	return auditHash(e), newAuditHasher().hash(e)
}

// SetDeferIndexesForTest makes imports of n rows or more load without the
// deferrable indexes (see deferIndexes).
func SetDeferIndexesForTest(n int) func() {
	old := deferIndexesMin
	deferIndexesMin = n
	return func() { deferIndexesMin = old }
}

// DeferredIndexesForTest reports the deferrable indexes (and on PostgreSQL the
// register's foreign keys) missing from db, and the number recorded as deferred.
func DeferredIndexesForTest(ctx context.Context, db *DB) (missing []string, recorded int, err error) {
	tx, err := db.BeginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	for _, name := range deferrableIndexes {
		ddl, err := tx.indexDDL(ctx, name)
		if err != nil {
			return nil, 0, err
		}
		if ddl == "" {
			missing = append(missing, name)
		}
	}
	if db.Dialect == Postgres {
		for _, fk := range []string{"people_residence_code_fkey", "people_household_code_fkey", "person_phones_person_id_fkey"} {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pg_constraint WHERE conname = ? AND convalidated`, fk).Scan(&n); err != nil {
				return nil, 0, err
			}
			if n == 0 {
				missing = append(missing, fk)
			}
		}
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM deferred_indexes`).Scan(&recorded)
	return missing, recorded, err
}
