package sqldb

import (
	"context"
	"time"
)

// JobStore records runs of periodic jobs (package jobs) in job_runs, and the
// cursors of jobs that consume a feed in job_cursors.
type JobStore struct{ db *DB }

func NewJobStore(db *DB) *JobStore { return &JobStore{db: db} }

// Claim starts run (name, key). The UNIQUE (name, run_key) key decides between
// two processes; a run left 'running' for longer than stale, or 'failed', is
// taken over.
func (s *JobStore) Claim(ctx context.Context, name, key string, stale time.Duration) (bool, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.Exec(ctx, `INSERT INTO job_runs (name, run_key, started_at, status) VALUES (?, ?, ?, 'running')
		ON CONFLICT (name, run_key) DO NOTHING`, name, key, tx.now)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, tx.Commit()
	}
	res, err = tx.Exec(ctx, `UPDATE job_runs SET started_at = ?, status = 'running', finished_at = NULL
		WHERE name = ? AND run_key = ? AND (status = 'failed' OR status = 'running' AND started_at < ?)`,
		tx.now, name, key, tx.now.Add(-stale))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, tx.Commit()
}

// Finish records the outcome of a claimed run.
func (s *JobStore) Finish(ctx context.Context, name, key string, runErr error, detail string) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	status := "done"
	if runErr != nil {
		status, detail = "failed", runErr.Error()
	}
	if _, err := tx.Exec(ctx, `UPDATE job_runs SET finished_at = ?, status = ?, detail = ? WHERE name = ? AND run_key = ?`,
		tx.now, status, detail, name, key); err != nil {
		return err
	}
	return tx.Commit()
}

// JobRun is one recorded run.
type JobRun struct {
	Name, Key, Status, Detail string
	StartedAt                 time.Time
}

// LastRuns lists the latest runs of a job, newest first.
func (s *JobStore) LastRuns(ctx context.Context, name string, n int) ([]JobRun, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return queryAll(ctx, tx, func(r scanner) (JobRun, error) {
		var j JobRun
		err := r.Scan(&j.Name, &j.Key, &j.Status, &j.Detail, &j.StartedAt)
		return j, err
	}, `SELECT name, run_key, status, detail, started_at FROM job_runs WHERE name = ? ORDER BY id DESC LIMIT ?`, name, n)
}

// cursor reads a job cursor inside tx ("" when unset).
func (tx *Tx) cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := tx.QueryRow(ctx, `SELECT value FROM job_cursors WHERE name = ?`, name).Scan(&v)
	if isNoRows(err) {
		return "", nil
	}
	return v, err
}

// setCursor moves a job cursor inside tx, so it commits with the work it covers.
func (tx *Tx) setCursor(ctx context.Context, name, value string) error {
	_, err := tx.Exec(ctx, `INSERT INTO job_cursors (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, tx.now)
	return err
}
