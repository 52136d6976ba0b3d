package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// These tests run the listener against real brokers: the Mosquitto at
// 127.0.0.1:1883 (CI runs one; skipped with a message when it does not
// answer) and the embedded broker. Each test uses its own topic prefix and
// client id, so tests running at once on one Mosquitto do not see each other.

const mosquittoAddr = "127.0.0.1:1883"

type rig struct {
	t      *testing.T
	db     *sqldb.DB
	svc    *sqldb.AlarmService
	cfg    Config
	topics Topics
	// connect signs a device in: serial and password (the embedded broker checks them).
	addr    string
	secrets map[string]string
	l       *Listener
}

func brokers(t *testing.T, run func(t *testing.T, r *rig)) {
	t.Run("mosquitto", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", mosquittoAddr, time.Second)
		if err != nil {
			t.Skipf("Mosquitto does not answer at %s (%v): start it (apt-get install mosquitto) to run this test; CI has it", mosquittoAddr, err)
		}
		c.Close()
		r := newRig(t)
		r.addr = mosquittoAddr
		r.cfg.URL = "tcp://" + mosquittoAddr
		run(t, r)
	})
	t.Run("embedded", func(t *testing.T) {
		r := newRig(t)
		b, err := NewEmbedded("127.0.0.1:0", r.svc, r.svc, r.topics, quietLog())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		r.addr = b.Addr()
		r.cfg.URL = "tcp://" + b.Addr()
		r.cfg.User, r.cfg.Password = b.ListenerCredentials()
		run(t, r)
	})
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testWriter struct{}

func (testWriter) Write(p []byte) (int, error) { return len(p), nil }

var seq atomic.Int64

func newRig(t *testing.T) *rig {
	db := tk.NewDB(t)
	svc := sqldb.NewAlarmService(db)
	id := fmt.Sprintf("%d-%d", time.Now().UnixNano(), seq.Add(1))
	r := &rig{t: t, db: db, svc: svc, topics: Topics{Prefix: "yltest-" + id + "/v1"}, secrets: map[string]string{}}
	r.cfg = Config{ClientID: "yltest-" + id, Topics: r.topics, SessionExpiry: 5 * time.Minute, Logger: quietLog()}
	return r
}

func (r *rig) device(serial string) {
	r.t.Helper()
	d := &yanglao.Device{Serial: serial, Kind: yanglao.DeviceSOS, Vendor: "测试厂商", RegionCode: tk.VillageA1}
	secret, err := r.svc.CreateDevice(tk.System(), d)
	if err != nil {
		r.t.Fatal(err)
	}
	r.secrets[serial] = secret
}

func (r *rig) start() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := Start(ctx, r.cfg, r.svc)
	if err != nil {
		r.t.Fatal(err)
	}
	r.l = l
	r.t.Cleanup(func() {
		if r.l == l {
			l.Stop()
		}
	})
}

// publish sends payload on topic as device serial, QoS 1, and waits for the broker's PUBACK.
func (r *rig) publish(serial, topic, payload string) {
	r.t.Helper()
	conn, err := net.DialTimeout("tcp", r.addr, 2*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn, ClientID: "dev-" + serial + fmt.Sprint(seq.Add(1))})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cp := &paho.Connect{KeepAlive: 30, ClientID: c.ClientID(), CleanStart: true}
	if s, ok := r.secrets[serial]; ok {
		cp.Username, cp.UsernameFlag, cp.Password, cp.PasswordFlag = serial, true, []byte(s), true
	}
	if ca, err := c.Connect(ctx, cp); err != nil {
		r.t.Fatalf("device %s connect: %v %+v", serial, err, ca)
	}
	defer c.Disconnect(&paho.Disconnect{})
	c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(payload)}) // a refusal is a reason code; the test checks the outcome
}

func event(id, typ string) string {
	return fmt.Sprintf(`{"id": %q, "type": %q, "at": %q, "battery": 87}`, id, typ, time.Now().UTC().Format(time.RFC3339Nano))
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (r *rig) cases() []*yanglao.Case {
	r.t.Helper()
	cs, _, err := r.svc.Cases(tk.System(), yanglao.CaseFilter{})
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

func (r *rig) rejected() []*yanglao.RejectedEvent {
	r.t.Helper()
	rs, _, err := r.svc.RejectedEvents(tk.System(), yanglao.Page{})
	if err != nil {
		r.t.Fatal(err)
	}
	return rs
}

func TestDuplicateEventOneCase(t *testing.T) {
	brokers(t, func(t *testing.T, r *rig) {
		r.device("SOS-1")
		r.start()
		for range 3 {
			r.publish("SOS-1", r.topics.Events("SOS-1"), event("ev-1", "sos"))
		}
		waitFor(t, "three deliveries", func() bool { return r.l.Received.Load() == 3 })
		if cs := r.cases(); len(cs) != 1 || cs[0].EventID != "ev-1" || cs[0].Status != yanglao.CaseReceived {
			t.Fatalf("cases after the same event three times: %+v", cs)
		}
	})
}

// TestKilledListenerLosesNothing kills the listener after it received an
// event — once before the commit, once after — and starts a new one on the
// same session: each event ends as exactly one case.
func TestKilledListenerLosesNothing(t *testing.T) {
	for _, committed := range []bool{false, true} {
		t.Run(fmt.Sprintf("committed=%v", committed), func(t *testing.T) {
			brokers(t, func(t *testing.T, r *rig) {
				r.device("SOS-2")
				var crashed atomic.Bool
				killAt := make(chan struct{})
				r.cfg.crash = func(c bool) bool {
					if c == committed && crashed.CompareAndSwap(false, true) {
						close(killAt)
						return true
					}
					return false
				}
				r.start()
				r.publish("SOS-2", r.topics.Events("SOS-2"), event("ev-kill", "fall"))
				<-killAt
				first := r.l
				r.l = nil
				first.Kill()
				if n := len(r.cases()); committed != (n == 1) {
					t.Fatalf("before restart: %d cases, committed=%v", n, committed)
				}
				r.start() // same client id: the broker redelivers the unacknowledged event
				waitFor(t, "redelivery", func() bool { return r.l.Received.Load() == 1 })
				if cs := r.cases(); len(cs) != 1 || cs[0].EventID != "ev-kill" {
					t.Fatalf("after restart: %+v", cs)
				}
			})
		})
	}
}

// TestEventsWhileListenerDown: events published while the platform is away
// are delivered when it comes back (persistent session).
func TestEventsWhileListenerDown(t *testing.T) {
	brokers(t, func(t *testing.T, r *rig) {
		r.device("SOS-3")
		r.start()
		r.l.Stop()
		r.l = nil
		for i := range 5 {
			r.publish("SOS-3", r.topics.Events("SOS-3"), event(fmt.Sprint("down-", i), "sos"))
		}
		r.start()
		waitFor(t, "queued events", func() bool { return len(r.cases()) == 5 })
	})
}

func TestBadMessagesRejected(t *testing.T) {
	brokers(t, func(t *testing.T, r *rig) {
		r.device("SOS-4")
		r.device("SOS-5")
		r.start()
		r.publish("SOS-4", r.topics.Events("SOS-4"), `{"id": "x", "type": "sos", "at": "yesterday"}`)
		r.publish("SOS-4", r.topics.Events("SOS-4"), `not json at all`)
		r.publish("SOS-4", r.topics.Events("SOS-4"), `{"id": "y", "type": "explode", "at": "2026-03-14T08:00:00+08:00"}`)
		// SOS-4 publishing on SOS-5's topic: the embedded broker refuses it by
		// its credentials; on Mosquitto the listener sees the payload's serial disagree.
		r.publish("SOS-4", r.topics.Events("SOS-5"), `{"serial": "SOS-4", "id": "z", "type": "sos", "at": "2026-03-14T08:00:00+08:00"}`)
		if r.cfg.User == "" {
			// An unknown device: only an open broker lets it publish at all.
			r.publish("GHOST-1", r.topics.Events("GHOST-1"), event("g", "sos"))
		}
		want := 4
		if r.cfg.User == "" {
			want = 5
		}
		waitFor(t, "rejections", func() bool { return len(r.rejected()) == want })
		// The listener is still alive: a good event after the bad ones makes a case.
		r.publish("SOS-4", r.topics.Events("SOS-4"), event("good", "sos"))
		waitFor(t, "the good event", func() bool { return len(r.cases()) == 1 })
		if cs := r.cases(); cs[0].EventID != "good" || cs[0].Serial != "SOS-4" {
			t.Fatalf("case: %+v", cs[0])
		}
		fields := map[string]bool{}
		for _, e := range r.rejected() {
			fields[e.Reason] = true
		}
		if len(fields) < 3 {
			t.Errorf("rejections should say why, got %v", fields)
		}
	})
}
