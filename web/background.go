package web

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Background work (a large import, a payment batch) starts in a request and
// outlives it, but not the server: goBackground runs it with the request's
// values (the actor, the request id) and the server's lifetime, and
// StopBackground cancels it and waits. The services below leave cancelled work
// resumable — an import is marked interrupted and resumes when the same file
// is uploaded again; a batch resumes from its last whole page.
type background struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

func (b *background) init() {
	b.once.Do(func() { b.ctx, b.cancel = context.WithCancel(context.Background()) })
}

// goBackground runs f in its own goroutine with a context that carries the
// values of parent and ends when the server stops. After StopBackground it
// still runs f, with a context already cancelled, so f can record why it did
// not do its work.
func (s *Server) goBackground(parent context.Context, name string, f func(ctx context.Context)) {
	b := &s.bg
	b.init()
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	b.mu.Lock()
	if b.closed {
		cancel()
	} else {
		b.wg.Add(1)
	}
	closed := b.closed
	b.mu.Unlock()
	stop := context.AfterFunc(b.ctx, cancel)
	go func() {
		if !closed {
			defer b.wg.Done()
		}
		defer stop()
		defer cancel()
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(ctx, "background work panicked", slog.String("work", name), slog.Any("panic", v))
			}
		}()
		f(ctx)
	}()
}

// StopBackground cancels the background work and waits for it to return, or
// for ctx to end (then it returns ctx's error; the work may still be writing).
// Call it after the HTTP server has stopped taking requests and before the
// database closes.
func (s *Server) StopBackground(ctx context.Context) error {
	b := &s.bg
	b.init()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("background work still running"), ctx.Err())
	}
}
