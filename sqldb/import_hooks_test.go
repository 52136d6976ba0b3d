package sqldb

import (
	"github.com/yanglao/yanglao"
	"time"

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
