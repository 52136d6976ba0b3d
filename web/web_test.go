package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// env is a real server on a real database.
type env struct {
	t      *testing.T
	db     *sqldb.DB
	srv    *httptest.Server
	us     *sqldb.UserService
	people *sqldb.PersonService
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := tk.NewDB(t)
	srv := httptest.NewServer(newHandler(db))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, srv: srv, us: sqldb.NewUserService(db), people: sqldb.NewPersonService(db, tk.Box())}
}

// newHandler wires the real services on db, as cmd/yanglao does.
func newHandler(db *sqldb.DB) http.Handler {
	benefits := sqldb.NewBenefitService(db)
	batches := sqldb.NewBatchService(db, tk.Box())
	batches.Lists = benefits
	svc := web.Services{
		Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db),
		Orgs: sqldb.NewOrgService(db), Audit: sqldb.NewAuditService(db), Ready: db.Ping,
		People:       sqldb.NewPersonService(db, tk.Box()),
		Assessments:  sqldb.NewAssessmentService(db),
		Benefits:     benefits,
		Batches:      batches,
		Vouchers:     sqldb.NewVoucherService(db),
		CareVisits:   sqldb.NewCareVisitService(db),
		AbuseReports: sqldb.NewAbuseReportService(db, tk.Box()),
		Orders:       sqldb.NewOrderService(db, sqldb.NewHomeCareService(db, tk.Box())),
		Meals:        sqldb.NewMealService(db, tk.Box()),
		HomeCare:     sqldb.NewHomeCareService(db, tk.Box()),
	}
	alarms := sqldb.NewAlarmService(db)
	svc.Devices, svc.Alarms = alarms, alarms
	srv := web.New(svc, web.Config{Version: "test", Logger: slog.New(slog.DiscardHandler)})
	alarms.Notify = srv.PublishCase
	return srv.Handler()
}

// token returns a bearer token for u.
func (e *env) token(u *yanglao.User) string {
	e.t.Helper()
	tok, err := e.us.CreateAPIToken(tk.System(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type resp struct {
	status int
	body   []byte
	err    web.ErrorResponse
}

func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	r := resp{status: res.StatusCode}
	r.body, _ = io.ReadAll(res.Body)
	if res.StatusCode >= 400 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(r.body, &r.err)
	}
	return r
}

func (e *env) countAudit() int {
	var n int
	e.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n)
	return n
}
