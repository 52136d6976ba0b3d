package sqldb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/jobs"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// A daily job runs once per day, whichever of two processes (two stores on
// one database) ticks first, and again after it failed.
func TestDailyJobRunsOncePerDay(t *testing.T) {
	db := tk.NewDB(t)
	runs := 0
	fail := true
	job := jobs.Job{Name: "test.daily", Hour: 1, Run: func(ctx context.Context, day yanglao.Date) (string, error) {
		runs++
		if fail {
			fail = false
			return "", errors.New("boom")
		}
		return "ok", nil
	}}
	a := &jobs.Scheduler{Store: sqldb.NewJobStore(db), Jobs: []jobs.Job{job}}
	b := &jobs.Scheduler{Store: sqldb.NewJobStore(db), Jobs: []jobs.Job{job}}
	early := time.Date(2026, 3, 14, 0, 30, 0, 0, yanglao.Shanghai)
	if ran := a.Tick(context.Background(), early); len(ran) != 0 {
		t.Errorf("ran before its hour: %v", ran)
	}
	at := time.Date(2026, 3, 14, 2, 0, 0, 0, yanglao.Shanghai)
	a.Tick(context.Background(), at) // fails
	b.Tick(context.Background(), at) // retries the failed run
	a.Tick(context.Background(), at) // done: nothing
	b.Tick(context.Background(), at.Add(time.Hour))
	if runs != 2 {
		t.Errorf("runs on one day: %d, want 2 (a failure and its retry)", runs)
	}
	a.Tick(context.Background(), at.Add(24*time.Hour))
	if runs != 3 {
		t.Errorf("runs after the next day: %d, want 3", runs)
	}
	last, err := sqldb.NewJobStore(db).LastRuns(context.Background(), "test.daily", 5)
	if err != nil || len(last) != 2 || last[0].Key != "2026-03-15" || last[1].Status != "done" {
		t.Errorf("recorded runs: %+v %v", last, err)
	}
}
