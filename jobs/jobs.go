// Package jobs runs declared periodic tasks. It holds no SQL: a Store (sqldb's
// JobStore) records each run under a key that names its period, and the
// store's unique key is what makes a daily job run once a day even across
// restarts and across two processes that both try (DESIGN §6).
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/yanglao/yanglao"
)

// Store records runs. Claim starts run (name, key) and reports whether this
// caller owns it: false when the run is done, or running and younger than
// stale (a run older than that is presumed killed and is taken over).
type Store interface {
	Claim(ctx context.Context, name, key string, stale time.Duration) (bool, error)
	Finish(ctx context.Context, name, key string, err error, detail string) error
}

// Job is a task run once per day at or after Hour (Asia/Shanghai).
type Job struct {
	Name string
	Hour int // 0–23
	// Run does the day's work; detail is recorded with the run.
	Run func(ctx context.Context, day yanglao.Date) (detail string, err error)
	// Stale is how long a running claim is honoured; default one hour.
	Stale time.Duration
}

// Scheduler runs jobs in one goroutine.
type Scheduler struct {
	Store Store
	Jobs  []Job
	Log   *slog.Logger
	Every time.Duration    // how often to look; default one minute
	Now   func() time.Time // the clock; tests replace it

}

// Daily is the run key of a daily job for day.
func Daily(day yanglao.Date) string { return day.String() }

// Tick runs every job due at now that no one has run for its day yet, and
// returns what it ran.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) []string {
	var ran []string
	local := now.In(yanglao.Shanghai)
	day := yanglao.DateOf(now)
	for _, j := range s.Jobs {
		if local.Hour() < j.Hour {
			continue
		}
		stale := j.Stale
		if stale <= 0 {
			stale = time.Hour
		}
		key := Daily(day)
		ok, err := s.Store.Claim(ctx, j.Name, key, stale)
		if err != nil {
			s.log().Error("job claim", "job", j.Name, "key", key, "err", err)
			continue
		}
		if !ok {
			continue
		}
		jctx := yanglao.NewContextWithActor(ctx, yanglao.SystemActor("job:"+j.Name))
		start := time.Now()
		detail, err := safeRun(jctx, j, day)
		if ferr := s.Store.Finish(ctx, j.Name, key, err, detail); ferr != nil {
			s.log().Error("job finish", "job", j.Name, "err", ferr)
		}
		if err != nil {
			s.log().Error("job failed", "job", j.Name, "key", key, "err", err, "took", time.Since(start))
		} else {
			s.log().Info("job done", "job", j.Name, "key", key, "detail", detail, "took", time.Since(start).Round(time.Millisecond))
		}
		ran = append(ran, j.Name)
	}
	return ran
}

func safeRun(ctx context.Context, j Job, day yanglao.Date) (detail string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx, day)
}

// Start ticks until ctx ends; it returns at once and runs in the background.
// The returned channel closes when the scheduler has stopped (after a job in
// progress returns), so a shutting-down process can wait for it.
func (s *Scheduler) Start(ctx context.Context) <-chan struct{} {
	every := s.Every
	if every <= 0 {
		every = time.Minute
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Tick(ctx, now())
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Tick(ctx, now())
			}
		}
	}()
	return done
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
