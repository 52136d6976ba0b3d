package web_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestAlarmBoardStream: a vendor posts an event over HTTP; the operator's
// board stream shows the new case, then its acknowledgement. An operator of a
// sibling township hears nothing of it.
func TestAlarmBoardStream(t *testing.T) {
	e := newEnv(t)
	if _, err := sqldb.NewAlarmService(e.db).CreateDevice(tk.System(), &yanglao.Device{Serial: "SSE-1", Kind: "fall", Vendor: "厂商", RegionCode: tk.VillageA1}); err != nil {
		t.Fatal(err)
	}
	vendor := e.token(tk.CreateUser(t, e.db, "vendor", yanglao.RoleWorker, tk.Beihu, nil))
	op := e.token(tk.CreateUser(t, e.db, "op", yanglao.RoleEmergency, tk.TownA, nil))
	sibling := e.token(tk.CreateUser(t, e.db, "sib", yanglao.RoleEmergency, tk.TownB, nil))

	open := func(tok string) (chan string, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/alarms/stream", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
			t.Fatalf("stream: %d %s", res.StatusCode, ct)
		}
		lines := make(chan string, 100)
		go func() {
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		<-lines // "retry: 2000": the subscription is in place
		return lines, cancel
	}
	mine, closeMine := open(op)
	defer closeMine()
	theirs, closeTheirs := open(sibling)
	defer closeTheirs()

	r := e.do("POST", "/api/v1/devices/SSE-1/events", vendor, map[string]any{"id": "v-1", "type": "fall", "at": time.Now().Format(time.RFC3339)})
	if r.status != http.StatusCreated {
		t.Fatalf("vendor post: %d %s", r.status, r.body)
	}
	want := func(lines chan string, status string) {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case l := <-lines:
				if strings.HasPrefix(l, "data: ") && strings.Contains(l, `data-status="`+status+`"`) && strings.Contains(l, "SSE-1") {
					return
				}
			case <-timeout:
				t.Fatalf("no %s case on the stream", status)
			}
		}
	}
	want(mine, "received")
	// The same event again (a vendor retry) is no new case.
	if r := e.do("POST", "/api/v1/devices/SSE-1/events", vendor, map[string]any{"id": "v-1", "type": "fall", "at": time.Now().Format(time.RFC3339)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"duplicate":true`) {
		t.Fatalf("repeat post: %d %s", r.status, r.body)
	}
	cases := e.do("GET", "/api/v1/alarms?open=1", op, nil)
	if strings.Count(string(cases.body), `"event_id":"v-1"`) != 1 {
		t.Fatalf("cases: %s", cases.body)
	}
	id := strings.Split(strings.Split(string(cases.body), `"id":`)[1], ",")[0]
	if r := e.do("POST", "/api/v1/alarms/"+id+"/actions", op, map[string]any{"action": "acknowledge"}); r.status != http.StatusOK {
		t.Fatalf("acknowledge: %d %s", r.status, r.body)
	}
	want(mine, "acknowledged")
	for deadline := time.After(300 * time.Millisecond); ; {
		select {
		case l := <-theirs:
			if strings.HasPrefix(l, "data:") {
				t.Fatalf("the sibling township's board got %q", l)
			}
		case <-deadline:
			return
		}
	}
}
