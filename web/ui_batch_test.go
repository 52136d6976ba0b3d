package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
)

// The batch pages and API end to end: run from the form, poll, approve by
// someone else, the bank file with the whole ID (audited), the bank's answer.
func TestBatchPagesAndBankFiles(t *testing.T) {
	e := newEnv(t)
	runner := e.token(tk.CreateUser(t, e.db, "runner", yanglao.RoleOfficial, tk.Beihu, nil))
	checker := e.token(tk.CreateUser(t, e.db, "checker", yanglao.RoleOfficial, tk.Beihu, nil))
	id := tk.CitizenID("431002", "1925-01-01", 21)
	elder := &yanglao.Person{Name: "百岁老人", ResidenceCode: tk.VillageA1, IDNumber: id}
	if err := e.people.CreatePerson(tk.System(), elder); err != nil {
		t.Fatal(err)
	}
	month := time.Now().In(yanglao.Shanghai).AddDate(0, -1, 0).Format("2006-01")

	if status, body, _ := e.page("GET", "/batches", runner, nil); status != 200 || !strings.Contains(body, `name="month"`) {
		t.Fatalf("list page: %d", status)
	}
	future := time.Now().In(yanglao.Shanghai).AddDate(0, 2, 0).Format("2006-01")
	if status, body, _ := e.page("POST", "/batches", runner, map[string][]string{"region_code": {tk.Beihu}, "month": {future}}); status != 422 || !strings.Contains(body, "future") && !strings.Contains(body, "将来") {
		t.Fatalf("future month: %d", status)
	}
	status, _, loc := e.page("POST", "/batches", runner, map[string][]string{"region_code": {tk.Beihu}, "month": {month}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/batches/") {
		t.Fatalf("run: %d %s", status, loc)
	}
	bid := strings.TrimPrefix(loc, "/batches/")
	var b yanglao.Batch
	for range 100 {
		r := e.do("GET", "/api/v1/batches/"+bid, runner, nil)
		json.Unmarshal(r.body, &b)
		if b.Status != yanglao.BatchRunning {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b.Status != yanglao.BatchComputed || b.Lines < 1 {
		t.Fatalf("batch: %+v", b)
	}
	if status, body, _ := e.page("GET", "/batches/"+bid, runner, nil); status != 200 || !strings.Contains(body, "CZ-13") || strings.Contains(body, "/approve\"") {
		t.Fatalf("batch page for the runner: %d", status)
	}
	if status, body, _ := e.page("GET", "/batches/"+bid+"/progress", runner, nil); status != 200 || !strings.Contains(body, "batch-progress") {
		t.Fatalf("progress: %d %s", status, body)
	}
	if r := e.do("POST", "/api/v1/batches/"+bid+"/approve", runner, nil); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "other than") {
		t.Fatalf("approved by its runner: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/batches/"+bid+"/export.csv", checker, nil); r.status != http.StatusConflict {
		t.Fatalf("export before approval: %d", r.status)
	}
	if status, body, _ := e.page("GET", "/batches/"+bid, checker, nil); status != 200 || !strings.Contains(body, "/approve") {
		t.Fatalf("approve button for the checker: %d", status)
	}
	if status, _, _ := e.page("POST", "/batches/"+bid+"/approve", checker, map[string][]string{}); status != http.StatusSeeOther {
		t.Fatalf("approve: %d", status)
	}
	audits := e.countAudit()
	r := e.do("GET", "/api/v1/batches/"+bid+"/export.csv", checker, nil)
	if r.status != 200 || !strings.Contains(string(r.body), id) || !strings.Contains(string(r.body), "600.00") {
		t.Fatalf("bank file: %d %s", r.status, r.body)
	}
	if e.countAudit() != audits+1 {
		t.Fatal("the export with whole IDs is not audited")
	}
	if r := e.do("GET", "/api/v1/batches/"+bid+"/export.xlsx?region="+tk.TownA, checker, nil); r.status != 200 || !strings.Contains(xlsxText(string(r.body)), id) {
		t.Fatalf("bank file per region: %d", r.status)
	}
	var lines struct{ Items []yanglao.PaymentLine }
	json.Unmarshal(e.do("GET", "/api/v1/batches/"+bid+"/lines", checker, nil).body, &lines)
	if len(lines.Items) == 0 {
		t.Fatal("no lines")
	}
	result := fmt.Sprintf("明细号,身份证号,结果,原因\r\n%d,%s,成功,\r\n", lines.Items[0].ID, id)
	rr := e.do("POST", "/api/v1/batches/"+bid+"/reconcile", checker, result)
	var rec yanglao.Reconciliation
	json.Unmarshal(rr.body, &rec)
	if rr.status != 200 || rec.Paid != 1 || rec.Totals.Paid != 1 {
		t.Fatalf("reconcile: %d %s", rr.status, rr.body)
	}
	if rr := e.do("POST", "/api/v1/batches/"+bid+"/reconcile", checker, "明细号,结果\r\n1,maybe\r\n"); rr.status != http.StatusBadRequest || !strings.Contains(string(rr.body), "paid") {
		t.Fatalf("bad result file: %d %s", rr.status, rr.body)
	}
}
