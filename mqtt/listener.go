// Package mqtt is the device adapter (DESIGN §3): it receives device messages
// from an MQTT broker — one embedded in serve, or an external one such as
// Mosquitto — decodes them and calls the alarm service. It has no SQL.
//
// Exactly once (DESIGN §6): the listener subscribes with QoS 1 on a persistent
// session (clean start false, a session expiry), and acknowledges a message
// only after the service has committed it. A process killed between receipt
// and commit never acknowledged, so the broker delivers the message again; a
// process killed between commit and acknowledgement gets it again too, and the
// service's unique (device, event id) makes that redelivery no second case.
package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/yanglao/yanglao"
)

// Sink is what the listener calls: the alarm service.
type Sink interface {
	Ingest(ctx context.Context, ev *yanglao.DeviceEvent, via string) (*yanglao.IngestResult, error)
	Reject(ctx context.Context, via, topic, serial, reason string, payload []byte) error
}

// BatchSink is a sink that stores many events in one transaction (group
// commit); the listener uses it when the sink has it.
type BatchSink interface {
	IngestBatch(ctx context.Context, evs []*yanglao.DeviceEvent, via string) ([]*yanglao.IngestResult, []error, error)
}

// maxBatch bounds a group commit: the messages already waiting, up to this many.
const maxBatch = 64

// Topics is the topic scheme: {prefix}/devices/{serial}/events (docs/mqtt.md).
type Topics struct {
	Prefix string // "yanglao/v1" unless a test isolates itself on a shared broker
}

func (t Topics) prefix() string {
	if t.Prefix == "" {
		return "yanglao/v1"
	}
	return t.Prefix
}

// Events is the topic of a device's events.
func (t Topics) Events(serial string) string { return t.prefix() + "/devices/" + serial + "/events" }

// Filter is the subscription covering every device.
func (t Topics) Filter() string { return t.prefix() + "/devices/+/events" }

// Serial returns the device serial a topic names.
func (t Topics) Serial(topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, t.prefix()+"/devices/")
	if !ok {
		return "", false
	}
	serial, ok := strings.CutSuffix(rest, "/events")
	if !ok || yanglao.CheckSerial("serial", serial) != nil {
		return "", false
	}
	return serial, true
}

// Config configures a listener.
type Config struct {
	URL      string // tcp://host:1883 (user:password@ in the URL for a broker that asks)
	User     string // overrides the URL's user
	Password string
	ClientID string // stable across restarts: the broker keeps the session under it
	Topics   Topics
	// SessionExpiry is how long the broker keeps the session (and queues events)
	// while the listener is away.
	SessionExpiry time.Duration
	Logger        *slog.Logger

	// crash, in tests, is called before (false) and after (true) the service
	// commits; returning true stops the handler there without acknowledging,
	// as if the process had been killed at that point.
	crash func(committed bool) bool
}

// Listener receives device events and hands them to the sink.
type Listener struct {
	cfg  Config
	sink Sink
	log  *slog.Logger
	cm   *autopaho.ConnectionManager
	stop context.CancelFunc
	done chan struct{}

	work      chan work
	stopBatch context.CancelFunc
	batchDone chan struct{}

	Received atomic.Int64 // messages handled (acknowledged)
	Rejected atomic.Int64 // of which refused
	up       chan struct{}
	upOnce   atomic.Bool
}

// Start connects to the broker and subscribes; it returns once the first
// subscription is made or ctx ends. It keeps reconnecting until Stop.
func Start(ctx context.Context, cfg Config, sink Sink) (*Listener, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("MQTT URL: %w", err)
	}
	if u.Scheme == "tcp" {
		u.Scheme = "mqtt"
	}
	if cfg.User == "" && u.User != nil {
		cfg.User = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	u.User = nil
	if cfg.ClientID == "" {
		cfg.ClientID = "yanglao-alarms"
	}
	if cfg.SessionExpiry == 0 {
		cfg.SessionExpiry = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Listener{cfg: cfg, sink: sink, log: cfg.Logger.With("component", "mqtt"), done: make(chan struct{}), up: make(chan struct{})}
	runCtx, stop := context.WithCancel(context.Background())
	l.stop = stop
	pc := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         uint32(cfg.SessionExpiry / time.Second),
		ConnectUsername:               cfg.User,
		ConnectPassword:               []byte(cfg.Password),
		ReconnectBackoff:              autopaho.NewConstantBackoff(time.Second),
		ConnectTimeout:                5 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, ack *paho.Connack) {
			if ack.SessionPresent {
				// The broker kept our session, subscription included. (Subscribing
				// again could collide with the packet ids of its redeliveries.)
				l.listening(u.Host)
				return
			}
			go func() {
				// A broker that lost the session (restarted without persistence)
				// has lost the subscription too: subscribe on every new session.
				sctx, cancel := context.WithTimeout(runCtx, 10*time.Second)
				defer cancel()
				if _, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: cfg.Topics.Filter(), QoS: 1}}}); err != nil {
					l.log.Error("mqtt: subscribe failed", "err", err)
					return
				}
				l.listening(u.Host)
			}()
		},
		OnConnectError: func(err error) { l.log.Warn("mqtt: connect failed", "broker", u.Host, "err", err) },
		ClientConfig: paho.ClientConfig{
			ClientID:                   cfg.ClientID,
			EnableManualAcknowledgment: true,
			SendAcksInterval:           10 * time.Millisecond,
			OnClientError:              func(err error) { l.log.Warn("mqtt: client error", "err", err) },
		},
	}
	// The handler decodes; a refused message is acknowledged once its refusal
	// is recorded, a good one goes to the batcher, which acknowledges it after
	// its transaction commits. paho sends acknowledgements in arrival order.
	l.work = make(chan work, 4096)
	batchCtx, stopBatch := context.WithCancel(context.Background())
	l.stopBatch, l.batchDone = stopBatch, make(chan struct{})
	go l.batcher(batchCtx)
	pc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
		ev, ack := l.decode(runCtx, pr.Packet)
		switch {
		case ev != nil:
			select {
			case l.work <- work{p: pr.Packet, c: pr.Client, ev: ev}:
			case <-runCtx.Done():
			}
		case ack:
			l.ack(pr.Client, pr.Packet)
		}
		return true, nil
	}}
	l.cm, err = autopaho.NewConnection(runCtx, pc)
	if err != nil {
		stopBatch()
		stop()
		return nil, err
	}
	go func() {
		<-l.cm.Done()
		close(l.done)
	}()
	select {
	case <-l.up:
		return l, nil
	case <-ctx.Done():
		l.Stop()
		return nil, ctx.Err()
	}
}

func (l *Listener) listening(host string) {
	if l.upOnce.CompareAndSwap(false, true) {
		close(l.up)
	}
	l.log.Info("mqtt: listening", "broker", host, "topic", l.cfg.Topics.Filter())
}

// Stop disconnects. Messages received and not yet committed stay unacknowledged,
// so the broker delivers them again to the next listener on this session.
func (l *Listener) Stop() {
	l.stopBatch() // the batch in hand commits and is acknowledged; the rest waits for redelivery
	<-l.batchDone
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.cm.Disconnect(dctx)
	l.stop()
	<-l.done
}

// Kill drops the connection without a word, as a killed process would.
func (l *Listener) Kill() {
	l.stop()
	l.stopBatch()
	<-l.done
	<-l.batchDone
}

type work struct {
	p  *paho.Publish
	c  *paho.Client
	ev *yanglao.DeviceEvent
}

// decode checks a message's topic and payload. A bad one is refused (its
// refusal recorded) and reported as to be acknowledged; a good one is returned.
func (l *Listener) decode(ctx context.Context, p *paho.Publish) (*yanglao.DeviceEvent, bool) {
	serial, ok := l.cfg.Topics.Serial(p.Topic)
	if !ok {
		return nil, l.reject(ctx, p.Topic, "", "主题不符合 {prefix}/devices/{serial}/events (topic does not match {prefix}/devices/{serial}/events)", p.Payload)
	}
	ev, err := yanglao.ParseEvent(serial, p.Payload)
	if err != nil {
		return nil, l.reject(ctx, p.Topic, serial, yanglao.ErrorMessage(err)+" field="+yanglao.ErrorField(err), p.Payload)
	}
	return ev, false
}

func (l *Listener) ack(c *paho.Client, p *paho.Publish) {
	if err := c.Ack(p); err != nil {
		l.log.Warn("mqtt: ack", "err", err)
	}
}

// batcher takes the events waiting (up to maxBatch) and stores them in one
// transaction, then acknowledges each. It stops when ctx ends.
func (l *Listener) batcher(ctx context.Context) {
	defer close(l.batchDone)
	for {
		var batch []work
		select {
		case w := <-l.work:
			batch = append(batch, w)
		case <-ctx.Done():
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case w := <-l.work:
				batch = append(batch, w)
			default:
				break fill
			}
		}
		if !l.process(ctx, batch) {
			return
		}
	}
}

// process stores a batch, retrying a database failure until it succeeds or
// the listener stops (then nothing is acknowledged), and acknowledges each
// event after the commit — a refused one after its refusal is recorded.
func (l *Listener) process(ctx context.Context, batch []work) bool {
	if l.cfg.crash != nil && l.cfg.crash(false) {
		return false
	}
	evs := make([]*yanglao.DeviceEvent, len(batch))
	for i, w := range batch {
		evs[i] = w.ev
	}
	var errs []error
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		var err error
		if errs, err = l.ingest(evs); err == nil {
			break
		}
		l.log.Error("mqtt: events not stored, retrying", "events", len(evs), "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	if l.cfg.crash != nil && l.cfg.crash(true) {
		return false
	}
	for i, w := range batch {
		if errs[i] != nil {
			if !l.reject(ctx, w.p.Topic, w.ev.Serial, yanglao.ErrorMessage(errs[i]), w.p.Payload) {
				return false
			}
		} else {
			l.Received.Add(1)
		}
		l.ack(w.c, w.p)
	}
	return true
}

// ingest stores events through the sink: in one transaction when it can; each
// event's refusal in errs, a failure of the whole in err.
func (l *Listener) ingest(evs []*yanglao.DeviceEvent) (errs []error, err error) {
	sys := systemContext()
	if bs, ok := l.sink.(BatchSink); ok {
		_, errs, err = bs.IngestBatch(sys, evs, "mqtt")
		return errs, err
	}
	errs = make([]error, len(evs))
	for i, ev := range evs {
		if _, err := l.sink.Ingest(sys, ev, "mqtt"); err != nil {
			if yanglao.ErrorCode(err) == yanglao.EINTERNAL {
				return nil, err // events before it are stored; their redelivery is a duplicate
			}
			errs[i] = err
		}
	}
	return errs, nil
}

func (l *Listener) reject(ctx context.Context, topic, serial, reason string, payload []byte) bool {
	l.log.Warn("mqtt: event rejected", "topic", topic, "serial", serial, "reason", reason)
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		err := l.sink.Reject(systemContext(), "mqtt", topic, serial, reason, payload)
		if err == nil {
			break
		}
		l.log.Error("mqtt: rejected event not stored, retrying", "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	l.Rejected.Add(1)
	l.Received.Add(1)
	return true
}

func systemContext() context.Context {
	return yanglao.NewContextWithActor(context.Background(), yanglao.SystemActor("mqtt"))
}
