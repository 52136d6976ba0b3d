package mqtt

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync/atomic"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Broker is an MQTT broker serve runs itself. mochi-mqtt is quiet upstream
// (no release since 2025-03), so nothing outside this file names it: another
// embedded broker can replace it behind this interface.
type Broker interface {
	// Addr is the address devices (and the listener) connect to, host:port.
	Addr() string
	// ListenerCredentials are the user name and password of the platform's own listener.
	ListenerCredentials() (user, password string)
	Close() error
}

// Authenticator checks a device's credentials: user name = serial.
type Authenticator interface {
	Authenticate(ctx context.Context, serial, password string) bool
}

// embedded is the mochi-mqtt broker with one TCP listener and an auth hook.
type embedded struct {
	srv      *mochi.Server
	tcp      *listeners.TCP
	user     string
	password string
}

// NewEmbedded starts a broker on addr ("127.0.0.1:1883"; port 0 picks one).
// Devices sign in with serial and password and may publish only on their own
// event topic; only the platform's listener may subscribe. A refused publish
// is recorded through sink, so it shows with the other rejected messages.
func NewEmbedded(addr string, auth Authenticator, sink Sink, topics Topics, log *slog.Logger) (Broker, error) {
	if log == nil {
		log = slog.Default()
	}
	b := &embedded{user: "yanglao-listener", password: randomHex(16)}
	b.srv = mochi.New(&mochi.Options{Logger: log.With("component", "mqtt-broker"), InlineClient: false})
	// The broker logs every connect at INFO; keep those out of the platform's log.
	b.srv.Log = slog.New(levelFloor{log.Handler(), slog.LevelWarn})
	hook := &authHook{b: b, auth: auth, sink: sink, topics: topics, log: log}
	if err := b.srv.AddHook(hook, nil); err != nil {
		return nil, err
	}
	b.tcp = listeners.NewTCP(listeners.Config{ID: "devices", Address: addr})
	if err := b.srv.AddListener(b.tcp); err != nil {
		return nil, fmt.Errorf("MQTT 内置服务器无法监听 %s (embedded MQTT broker cannot listen on %s): %w", addr, addr, err)
	}
	if err := b.srv.Serve(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *embedded) Addr() string                          { return b.tcp.Address() }
func (b *embedded) ListenerCredentials() (string, string) { return b.user, b.password }
func (b *embedded) Close() error                          { return b.srv.Close() }

func randomHex(n int) string {
	p := make([]byte, n)
	rand.Read(p)
	return hex.EncodeToString(p)
}

// authHook signs clients in and checks every publish and subscribe.
type authHook struct {
	mochi.HookBase
	b       *embedded
	auth    Authenticator
	sink    Sink
	topics  Topics
	log     *slog.Logger
	refused atomic.Int64
}

func (h *authHook) ID() string { return "yanglao-auth" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck}, []byte{b})
}

func (h *authHook) isListener(cl *mochi.Client) bool {
	return string(cl.Properties.Username) == h.b.user
}

func (h *authHook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := string(pk.Connect.Username), string(pk.Connect.Password)
	if user == h.b.user {
		return subtle.ConstantTimeCompare([]byte(pass), []byte(h.b.password)) == 1
	}
	ok := h.auth.Authenticate(context.Background(), user, pass)
	if !ok {
		h.log.Warn("mqtt: device sign-in refused", "user", user, "remote", cl.Net.Remote)
	}
	return ok
}

// OnACLCheck: the listener may read device events; a device may write only
// its own event topic. A refused write is recorded as a rejected event.
func (h *authHook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if h.isListener(cl) {
		return !write
	}
	if !write {
		return false
	}
	serial, ok := h.topics.Serial(topic)
	if ok && serial == string(cl.Properties.Username) {
		return true
	}
	h.refused.Add(1)
	reason := fmt.Sprintf("设备 %s 在别的主题上发布 (device %s published on another device's topic)", cl.Properties.Username, cl.Properties.Username)
	h.log.Warn("mqtt: publish refused", "user", string(cl.Properties.Username), "topic", topic)
	if h.sink != nil {
		if err := h.sink.Reject(systemContext(), "mqtt", topic, string(cl.Properties.Username), reason, nil); err != nil {
			h.log.Error("mqtt: record rejected event", "err", err)
		}
	}
	return false
}

// levelFloor drops records below a level.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (l levelFloor) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}
