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
	pc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
		if l.handle(runCtx, pr.Packet) {
			if err := pr.Client.Ack(pr.Packet); err != nil {
				l.log.Warn("mqtt: ack", "err", err)
			}
		}
		return true, nil
	}}
	l.cm, err = autopaho.NewConnection(runCtx, pc)
	if err != nil {
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
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.cm.Disconnect(dctx)
	l.stop()
	<-l.done
}

// Kill drops the connection without a word, as a killed process would.
func (l *Listener) Kill() {
	l.stop()
	<-l.done
}

// handle processes one message and reports whether to acknowledge it: after
// the commit, or after a refusal is recorded. A database failure is retried
// until it succeeds or the listener stops (then it stays unacknowledged).
func (l *Listener) handle(ctx context.Context, p *paho.Publish) bool {
	sys := systemContext()
	serial, ok := l.cfg.Topics.Serial(p.Topic)
	if !ok {
		return l.reject(ctx, p.Topic, "", "主题不符合 {prefix}/devices/{serial}/events (topic does not match {prefix}/devices/{serial}/events)", p.Payload)
	}
	ev, err := yanglao.ParseEvent(serial, p.Payload)
	if err != nil {
		return l.reject(ctx, p.Topic, serial, yanglao.ErrorMessage(err)+" field="+yanglao.ErrorField(err), p.Payload)
	}
	if l.cfg.crash != nil && l.cfg.crash(false) {
		return false
	}
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		_, err := l.sink.Ingest(sys, ev, "mqtt")
		if err == nil {
			break
		}
		if code := yanglao.ErrorCode(err); code != yanglao.EINTERNAL {
			return l.reject(ctx, p.Topic, serial, yanglao.ErrorMessage(err), p.Payload)
		}
		l.log.Error("mqtt: event not stored, retrying", "serial", serial, "id", ev.ID, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	if l.cfg.crash != nil && l.cfg.crash(true) {
		return false
	}
	l.Received.Add(1)
	return true
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
