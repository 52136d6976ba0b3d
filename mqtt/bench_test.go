package mqtt

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// BenchmarkEventToBoard measures device event → case on the operator's board,
// end to end with real components: devices publish SOS events (QoS 1) to the
// broker at YANGLAO_BENCH_RATE events/s (default 200) for YANGLAO_BENCH_SECONDS
// (default 10); the listener stores each as a case; an operator's board stream
// (GET /alarms/stream, server-sent events, over HTTP) shows the row. Latency
// is from just before the publish to the SSE line arriving. Each event comes
// from its own device, so the row's serial names it. Sub-benchmarks: the
// embedded broker and the Mosquitto at 127.0.0.1:1883. Run with -benchtime=1x.
func BenchmarkEventToBoard(b *testing.B) {
	rate, secs := 200, 10
	if v := os.Getenv("YANGLAO_BENCH_RATE"); v != "" {
		rate, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("YANGLAO_BENCH_SECONDS"); v != "" {
		secs, _ = strconv.Atoi(v)
	}
	for _, broker := range []string{"embedded", "mosquitto"} {
		b.Run(broker, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				eventToBoard(b, broker, rate, secs)
			}
		})
	}
}

func eventToBoard(b *testing.B, broker string, rate, secs int) {
	b.StopTimer()
	n := rate * secs
	db := tk.NewDB(b)
	svc := sqldb.NewAlarmService(db)
	ctx := context.Background()
	id := fmt.Sprintf("%d", time.Now().UnixNano())
	topics := Topics{Prefix: "ylbench-" + id + "/v1"}
	secrets := make([]string, n)
	for i := range n {
		d := &yanglao.Device{Serial: fmt.Sprintf("B%05d", i), Kind: yanglao.DeviceSOS, Vendor: "bench", RegionCode: tk.VillageA1}
		s, err := svc.CreateDevice(tk.System(), d)
		if err != nil {
			b.Fatal(err)
		}
		secrets[i] = s
	}
	cfg := Config{ClientID: "ylbench-" + id, Topics: topics, Logger: quietLog()}
	var addr string
	switch broker {
	case "embedded":
		br, err := NewEmbedded("127.0.0.1:0", svc, svc, topics, quietLog())
		if err != nil {
			b.Fatal(err)
		}
		defer br.Close()
		addr = br.Addr()
		cfg.User, cfg.Password = br.ListenerCredentials()
	default:
		c, err := net.DialTimeout("tcp", mosquittoAddr, time.Second)
		if err != nil {
			b.Skipf("Mosquitto does not answer at %s: %v", mosquittoAddr, err)
		}
		c.Close()
		addr = mosquittoAddr
	}
	cfg.URL = "tcp://" + addr
	l, err := Start(ctx, cfg, svc)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Stop()

	// The web side: the real handler, an operator at the county signed in by token.
	srv := web.New(web.Services{Users: sqldb.NewUserService(db), Alarms: svc, Devices: svc, Regions: sqldb.NewRegionService(db), Ready: db.Ping},
		web.Config{Version: "bench", Logger: slog.New(slog.DiscardHandler)})
	svc.Notify = srv.PublishCase
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	op := tk.CreateUser(b, db, "op", yanglao.RoleEmergency, tk.Beihu, nil)
	tok, err := sqldb.NewUserService(db).CreateAPIToken(tk.System(), op.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/alarms/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var mu sync.Mutex
	sent := make([]time.Time, n)
	lat := make([]time.Duration, 0, n)
	done := make(chan struct{})
	serialRe := regexp.MustCompile(`B(\d{5})`)
	go func() {
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if len(line) < 6 || line[:6] != "data: " {
				continue
			}
			now := time.Now()
			m := serialRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			i, _ := strconv.Atoi(m[1])
			mu.Lock()
			lat = append(lat, now.Sub(sent[i]))
			if len(lat) == n {
				close(done)
			}
			mu.Unlock()
		}
	}()

	// Device connections are made before the clock starts: on the embedded
	// broker each device signs in with its own credentials.
	clients := make([]*paho.Client, n)
	connect := func(i int) *paho.Client {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c := paho.NewClient(paho.ClientConfig{Conn: conn, ClientID: fmt.Sprintf("ylbench-%s-%d", id, i)})
		cp := &paho.Connect{KeepAlive: 60, ClientID: c.ClientID(), CleanStart: true}
		if broker == "embedded" {
			cp.Username, cp.UsernameFlag, cp.Password, cp.PasswordFlag = fmt.Sprintf("B%05d", i), true, []byte(secrets[i]), true
		}
		if _, err := c.Connect(ctx, cp); err != nil {
			b.Fatal(err)
		}
		return c
	}
	if broker == "embedded" {
		for i := range n {
			clients[i] = connect(i)
		}
	} else {
		// Mosquitto here lets anyone publish: a handful of connections carry every device's topic.
		pool := make([]*paho.Client, 16)
		for i := range pool {
			pool[i] = connect(i)
		}
		for i := range n {
			clients[i] = pool[i%len(pool)]
		}
	}
	defer func() {
		for _, c := range clients {
			c.Disconnect(&paho.Disconnect{})
		}
	}()

	b.StartTimer()
	t0 := time.Now()
	period := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	for i := range n {
		// Absolute schedule: a late start is made up, so the offered rate holds.
		time.Sleep(time.Until(t0.Add(time.Duration(i) * period)))
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := fmt.Sprintf(`{"id":"ev-%d","type":"sos","at":%q}`, i, time.Now().UTC().Format(time.RFC3339Nano))
			if _, err := clients[i].Publish(ctx, &paho.Publish{Topic: topics.Events(fmt.Sprintf("B%05d", i)), QoS: 1, Payload: []byte(payload)}); err != nil {
				b.Error(err)
			}
		}()
	}
	offered := time.Since(t0)
	wg.Wait()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		mu.Lock()
		b.Fatalf("only %d of %d cases reached the board", len(lat), n)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
	b.ReportMetric(float64(n)/offered.Seconds(), "offered_events/s")
}
