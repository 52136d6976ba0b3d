package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server-sent events for the operator board. The alarm service calls
// PublishCase after every commit that creates or changes a case; each open
// stream reads the case back as its own signed-in user (so the data layer's
// scope decides who sees it) and sends the board's row for it.

// caseHub fans case ids out to the open streams of this process.
type caseHub struct {
	mu     sync.Mutex
	subs   map[chan int64]struct{}
	closed chan struct{}
	once   sync.Once
}

func newCaseHub() *caseHub {
	return &caseHub{subs: map[chan int64]struct{}{}, closed: make(chan struct{})}
}

// subscribe returns a channel of case ids; a slow reader loses ids, and is
// told to reload (lost) rather than stall the alarm path.
func (h *caseHub) subscribe() chan int64 {
	ch := make(chan int64, 512)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *caseHub) unsubscribe(ch chan int64) {
	h.mu.Lock()
	delete(h.subs, ch)
	h.mu.Unlock()
}

// lost is the id a stream gets when its buffer overflowed.
const lost = -1

func (h *caseHub) publish(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- id:
		default:
			// Full: drop the oldest and mark the stream as behind.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- lost:
			default:
			}
		}
	}
}

// close ends every stream (server shutdown: Shutdown waits for streams that
// never go idle otherwise).
func (h *caseHub) close() { h.once.Do(func() { close(h.closed) }) }

// PublishCase tells the open boards that a case was created or changed.
func (s *Server) PublishCase(id int64) { s.hub.publish(id) }

// sseKeepAlive is how often an idle stream sends a comment, so proxies and
// the browser see it alive and a dead client is noticed.
const sseKeepAlive = 15 * time.Second

// pageAlarmStream is the board's event stream: "case" events carry the row's
// HTML; "resync" asks the page to reload after the stream fell behind.
func (s *Server) pageAlarmStream(w http.ResponseWriter, r *http.Request) error {
	if err := s.canSeeBoard(r); err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	ch := s.hub.subscribe()
	defer s.hub.unsubscribe(ch)
	// The server's WriteTimeout (120 s) would cut the stream: each write gets
	// its own deadline instead.
	write := func(b []byte) error {
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write([]byte("retry: 2000\n: connected\n\n")); err != nil {
		return nil
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.hub.closed:
			return nil
		case <-tick.C:
			if write([]byte(": keep-alive\n\n")) != nil {
				return nil
			}
		case id := <-ch:
			var msg []byte
			if id == lost {
				msg = []byte("event: resync\ndata: reload\n\n")
			} else {
				row, ok := s.caseRowHTML(r, id)
				if !ok {
					continue // out of the user's scope, or gone
				}
				msg = fmt.Appendf(nil, "event: case\nid: %d\ndata: %s\n\n", id, row)
			}
			if write(msg) != nil {
				return nil
			}
		}
	}
}

// caseRowHTML renders the board row of a case as the stream's user sees it,
// on one line (an SSE data line ends at a newline).
func (s *Server) caseRowHTML(r *http.Request, id int64) ([]byte, bool) {
	c, _, err := s.Alarms.Case(r.Context(), id)
	if err != nil {
		return nil, false
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, "alarm_row", s.alarmRow(r, c)); err != nil {
		s.log.Error("render alarm row", "err", err)
		return nil, false
	}
	return []byte(strings.NewReplacer("\r", " ", "\n", " ").Replace(buf.String())), true
}
