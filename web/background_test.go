package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// gatedImports holds an import's reading at the middle of the file until the
// import's context ends, so the server's shutdown lands mid-file, whatever
// the machine's speed.
type gatedImports struct {
	*sqldb.PersonService
	reached chan struct{}
	once    sync.Once
}

func (g *gatedImports) RunImport(ctx context.Context, job *register.Job, u *register.Upload) (*register.Job, error) {
	u.File = &gatedReader{ReaderAt: u.File, at: u.Size / 2, ctx: ctx, g: g}
	return g.PersonService.RunImport(ctx, job, u)
}

type gatedReader struct {
	io.ReaderAt
	at  int64
	ctx context.Context
	g   *gatedImports
}

func (r *gatedReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.at {
		r.g.once.Do(func() { close(r.g.reached) })
		select {
		case <-r.ctx.Done():
		case <-time.After(10 * time.Minute):
		}
	}
	return r.ReaderAt.ReadAt(p, off)
}

// TestImportStopsWithTheServer: a background import is cancelled when the
// server stops, is marked interrupted (not left "running" to block a retry),
// and uploading the same file to the next server resumes it to the end.
func TestImportStopsWithTheServer(t *testing.T) {
	db := tk.NewDB(t)
	gate := &gatedImports{PersonService: sqldb.NewPersonService(db, tk.Box()), reached: make(chan struct{})}
	s := web.New(web.Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: gate}, web.Config{Version: "test", Logger: slog.New(slog.DiscardHandler)})
	first := httptest.NewServer(s.Handler())
	e := &env{t: t, db: db, srv: first, us: sqldb.NewUserService(db)}
	tok := e.token(tk.CreateUser(t, db, "admin", yanglao.RoleAdmin, tk.Hunan, nil))
	const n = 12000
	var rows [][]string
	for i := range n {
		row := csvRow(i, tk.VillageA1)
		row[1] = tk.CitizenID("431002", time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), 101)
		rows = append(rows, row)
	}
	data := peopleCSV(rows...)
	status, job, raw := e.upload(tok, "people", "valid_rows", "大文件.csv", data)
	if status != http.StatusAccepted {
		t.Fatalf("large upload: %d %s", status, raw)
	}
	select {
	case <-gate.reached:
	case <-time.After(5 * time.Minute): // generous: -race on a shared 2-core machine
		t.Fatal("the import did not reach the middle of the file")
	}
	// Shut down as serve does: requests, then background work, then the database.
	first.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.StopBackground(ctx); err != nil {
		t.Fatalf("background work did not stop: %v", err)
	}
	mid, err := gate.ImportJob(tk.System(), job.Job.ID)
	if err != nil || mid.Status != register.Interrupted || mid.Created >= n {
		t.Fatalf("after shutdown: %+v %v", mid, err)
	}

	// The next server: the same file resumes the job and finishes it.
	e.srv = httptest.NewServer(newHandler(db))
	defer e.srv.Close()
	status, again, raw := e.upload(tok, "people", "valid_rows", "大文件.csv", data)
	if status != http.StatusAccepted || again.Job.ID != job.Job.ID || !again.Job.Resumed {
		t.Fatalf("resume: %d %s", status, raw)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		r := e.do("GET", fmt.Sprintf("/api/v1/imports/%d", job.Job.ID), tok, nil)
		var cur web.ImportJobResponse
		json.Unmarshal(r.body, &cur)
		if cur.Job != nil && cur.Job.Status != register.Running {
			if cur.Job.Status != register.Done || cur.Job.Created != n {
				t.Fatalf("resumed job finished: %s", r.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running: %s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var people int
	if err := db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM people`).Scan(&people); err != nil || people != n {
		t.Fatalf("people: %d %v", people, err)
	}
}
