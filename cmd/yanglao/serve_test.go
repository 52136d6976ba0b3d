package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/regiondata"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// server is a serve command running in the background.
type server struct {
	addr   string
	cancel context.CancelFunc
	done   chan result
	app    *app
}

// startServe runs serve with args and waits until it listens.
func (e *env) startServe(shipped bool, args ...string) *server {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := e.app("")
	if shipped {
		a.shippedRegions = regiondata.All
	}
	listening := make(chan string, 1)
	a.onListen = func(addr string) { listening <- addr }
	s := &server{cancel: cancel, done: make(chan result, 1), app: a}
	go func() { s.done <- e.runApp(ctx, a, append([]string{"serve"}, args...)...) }()
	select {
	case s.addr = <-listening:
	case r := <-s.done:
		cancel()
		e.t.Fatalf("serve exited %d before listening:\n%s", r.code, r.stderr)
	case <-time.After(60 * time.Second):
		cancel()
		e.t.Fatal("serve did not listen within 60 s")
	}
	return s
}

// stop sends the equivalent of SIGTERM and returns serve's result.
func (s *server) stop(t *testing.T) result {
	t.Helper()
	s.cancel()
	select {
	case r := <-s.done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
	return result{}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServe starts on an empty data folder with the shipped region tree, serves,
// shuts down on cancellation, and starts again on the existing database.
func TestServe(t *testing.T) {
	shipped := !raceEnabled && !testing.Short()
	e := newEnv(t)
	s := e.startServe(shipped, "--addr", "127.0.0.1:0")
	// The printed address is the real one, not port 0.
	if out := s.app.stdout.(*strings.Builder).String(); !strings.Contains(out, "yanglao 正在运行 / running: http://"+s.addr+"\n") {
		t.Errorf("printed %q, listening on %s", out, s.addr)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code := get(t, "http://"+s.addr+path); code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	r := s.stop(t)
	if r.code != 0 || !strings.Contains(r.stderr, "region tree loaded") || !strings.Contains(r.stderr, "stopped") {
		t.Fatalf("first serve: exit %d\n%s", r.code, r.stderr)
	}
	db := e.open()
	n, err := newStore(db).regions.CountRegions(context.Background())
	want := len(e.regions)
	if shipped {
		want = 50000
	}
	if err != nil || n < want {
		t.Errorf("%d regions loaded (err %v)", n, err)
	}
	db.Close()

	// A warm start loads nothing and migrates nothing.
	s = e.startServe(shipped, "--addr", "127.0.0.1:0", "--log-format", "json")
	r = s.stop(t)
	if r.code != 0 || strings.Contains(r.stderr, "region tree") || strings.Contains(r.stderr, "migrated") ||
		!strings.Contains(r.stderr, `"msg":"listening"`) {
		t.Errorf("warm serve: exit %d\n%s", r.code, r.stderr)
	}
}

func TestServeDemo(t *testing.T) {
	e := newEnv(t)
	s := e.startServe(false, "--addr", "127.0.0.1:0", "--demo")
	r := s.stop(t)
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	accounts := demoAccounts(t, e.dir+"/"+demoAccountsFile)
	if err := e.login("demo-official", accounts["demo-official"][0]); err != nil {
		t.Error(err)
	}
}

func TestServeAddressInUse(t *testing.T) {
	e := newEnv(t)
	s := e.startServe(false, "--addr", "127.0.0.1:0")
	defer s.stop(t)
	r := e.run("", "serve", "--addr", s.addr)
	if r.code != 1 || !strings.Contains(r.stderr, "cannot listen on "+s.addr) {
		t.Errorf("second serve on %s: exit %d, %s", s.addr, r.code, r.stderr)
	}
}

// BenchmarkServeStart measures serve from the command line to a listening
// socket: "first" on an empty data folder, importing the shipped region tree
// (budget 10 s), and "warm" on an existing database (budget 1 s).
func BenchmarkServeStart(b *testing.B) {
	start := func(b *testing.B, dir string) time.Duration {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := &app{stdin: strings.NewReader(""), stdout: new(strings.Builder), stderr: new(strings.Builder),
			lookupEnv:      func(k string) (string, bool) { return map[string]string{"YANGLAO_DATA": dir}[k], k == "YANGLAO_DATA" },
			shippedRegions: regiondata.All}
		listening := make(chan time.Duration, 1)
		begin := time.Now()
		a.onListen = func(string) { listening <- time.Since(begin) }
		done := make(chan int, 1)
		go func() { done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}) }()
		var took time.Duration
		select {
		case took = <-listening:
		case code := <-done:
			b.Fatalf("serve exited %d: %s", code, a.stderr)
		}
		cancel()
		<-done
		return took
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			start(b, dir)
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		start(b, dir)
		for b.Loop() {
			start(b, dir)
		}
	})
}

// TestServeStopsImports: an import started through the server stops with it —
// never left "running" — and uploading the same file to the next server
// finishes it. (Whether the shutdown lands mid-file depends on the machine;
// web.TestImportStopsWithTheServer holds the import to make sure it does.)
func TestServeStopsImports(t *testing.T) {
	e := newEnv(t)
	s := e.startServe(false, "--addr", "127.0.0.1:0")
	db := e.open()
	admin := testkit.CreateUser(t, db, "importer", yanglao.RoleAdmin, testkit.Hunan, nil)
	tok, err := sqldb.NewUserService(db).CreateAPIToken(testkit.System(), admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12000
	var file bytes.Buffer
	file.WriteString("姓名,身份证号,常住地区划代码\r\n")
	for i := range n {
		birth := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
		fmt.Fprintf(&file, "导入%05d,%s,%s\r\n", i, testkit.CitizenID("431002", birth, 101), testkit.VillageA1)
	}
	file.WriteString(strings.Repeat(" ", 1<<20)) // over the 1 MiB that is imported within the request
	upload := func(addr string) int64 {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/imports?mode=valid_rows&file_name=big.csv", bytes.NewReader(file.Bytes()))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Job struct{ ID int64 } `json:"job"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("upload: %d %v", resp.StatusCode, err)
		}
		return out.Job.ID
	}
	id := upload(s.addr)
	if r := s.stop(t); r.code != 0 || !strings.Contains(r.stderr, "stopped") {
		t.Fatalf("serve with an import running: exit %d\n%s", r.code, r.stderr)
	}
	var status string
	if err := db.QueryRowForTest(context.Background(), `SELECT status FROM imports WHERE id = ?`, id).Scan(&status); err != nil || status == "running" {
		t.Fatalf("after shutdown the import is %q (%v)", status, err)
	}
	t.Logf("after shutdown: %s", status)

	s = e.startServe(false, "--addr", "127.0.0.1:0")
	defer s.stop(t)
	upload(s.addr)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var people int
		if err := db.QueryRowForTest(context.Background(), `SELECT status FROM imports WHERE id = ?`, id).Scan(&status); err != nil {
			t.Fatal(err)
		}
		db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM people`).Scan(&people)
		if status == "done" && people == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d: %s with %d people", id, status, people)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
