package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// upload posts a file as a browser form would.
func (e *env) upload(token, kind, mode, name string, data []byte) (int, web.ImportJobResponse, []byte) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out web.ImportJobResponse
	json.Unmarshal(raw, &out)
	return res.StatusCode, out, raw
}

func peopleCSV(rows ...[]string) []byte {
	var b bytes.Buffer
	b.WriteString(register.BOM + "姓名,身份证号,常住地区划代码,电话,详细地址,身份类别,身份来源,身份开始日期\r\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	return b.Bytes()
}

func csvRow(i int, region string) []string {
	return []string{fmt.Sprintf("导入%04d", i), tk.CitizenID("431002", "1948-08-08", 100+i%900) + "", region, fmt.Sprintf("139%08d", i), "人民路", "低保", "民政局", "2024-01-01"}
}

func TestImportAPI(t *testing.T) {
	e := newEnv(t)
	official := tk.CreateUser(t, e.db, "officiala", yanglao.RoleOfficial, tk.TownA, nil)
	tok := e.token(official)

	// Templates, public.
	r := e.do("GET", "/api/v1/imports/template?kind=people&format=csv", "", nil)
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte(register.BOM+"姓名,身份证号")) {
		t.Fatalf("CSV template: %d %q", r.status, r.body[:min(40, len(r.body))])
	}
	r = e.do("GET", "/api/v1/imports/template?kind=deaths&format=xlsx", "", nil)
	if f, err := excelize.OpenReader(bytes.NewReader(r.body)); r.status != 200 || err != nil || len(f.GetSheetList()) != 2 {
		t.Fatalf("xlsx template: %d %v", r.status, err)
	}
	if r = e.do("GET", "/api/v1/imports/template?format=pdf", "", nil); r.status != 400 || r.err.Field != "format" {
		t.Fatalf("bad template format: %d %+v", r.status, r.err)
	}

	// A small file is imported within the request.
	good := peopleCSV(csvRow(1, tk.VillageA1), csvRow(2, tk.VillageA1), append(csvRow(3, tk.VillageA1)[:3], "12", "", "", "", ""))
	status, job, raw := e.upload(tok, "people", "valid_rows", "名册.csv", good)
	if status != 200 || job.Job.Status != register.Done || job.Job.Created != 2 || job.Job.Rejected != 1 || job.Job.FileName != "名册.csv" || job.Percent != 100 {
		t.Fatalf("upload: %d %s", status, raw)
	}
	if job.RejectsURL == "" {
		t.Fatal("no link to the rejected rows")
	}
	r = e.do("GET", job.RejectsURL, tok, nil)
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte(register.BOM+"行号 (row)")) || !strings.Contains(string(r.body), "4,phones,电话,") {
		t.Fatalf("rejects report: %d %s", r.status, r.body)
	}
	r = e.do("GET", job.RejectsURL+"?format=xlsx", tok, nil)
	if f, err := excelize.OpenReader(bytes.NewReader(r.body)); r.status != 200 || err != nil {
		t.Fatalf("rejects xlsx: %d %v", r.status, err)
	} else if rows, _ := f.GetRows("不合格行"); len(rows) != 2 || rows[1][0] != "4" {
		t.Fatalf("rejects xlsx rows: %q", rows)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/imports/%d", job.Job.ID), tok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"done"`) {
		t.Fatalf("job: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/api/v1/imports", tok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "名册.csv") {
		t.Fatalf("jobs: %d %s", r.status, r.body)
	}
	// The same file again changes nothing.
	if status, job, raw = e.upload(tok, "people", "valid_rows", "名册.csv", good); status != 200 || job.Job.Same != 2 || job.Job.Created != 0 {
		t.Fatalf("again: %d %s", status, raw)
	}
	// All or nothing with a bad row: 422, nothing imported.
	status, job, raw = e.upload(tok, "people", "all_or_nothing", "坏.csv", peopleCSV(csvRow(4, tk.VillageA1), csvRow(5, tk.VillageB1)))
	if status != http.StatusUnprocessableEntity || job.Job.Status != register.Rejected || job.Job.Created != 0 {
		t.Fatalf("all or nothing: %d %s", status, raw)
	}
	// The body may be the file itself.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports?mode=valid_rows&file_name=raw.csv", bytes.NewReader(peopleCSV(csvRow(6, tk.VillageA1))))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("raw body upload: %d", res.StatusCode)
	}
	// Files that cannot be imported name the field.
	for _, tc := range []struct {
		name, kind, mode, file string
		data                   []byte
		status                 int
		field                  string
	}{
		{"missing columns", "people", "valid_rows", "a.csv", []byte("姓名\r\n张三\r\n"), 400, "file"},
		{"bad kind", "cats", "valid_rows", "a.csv", good, 400, "kind"},
		{"bad mode", "people", "maybe", "a.csv", good, 400, "mode"},
		{"old xls", "people", "valid_rows", "a.xls", []byte{0xd0, 0xcf, 0x11, 0xe0}, 400, "file"},
	} {
		before := e.countAudit()
		status, _, raw := e.upload(tok, tc.kind, tc.mode, tc.file, tc.data)
		var er web.ErrorResponse
		json.Unmarshal(raw, &er)
		if status != tc.status || er.Field != tc.field {
			t.Errorf("%s: %d %s", tc.name, status, raw)
		}
		if e.countAudit() != before {
			t.Errorf("%s: wrote audit entries", tc.name)
		}
	}
	if r := e.do("GET", "/api/v1/imports/999", tok, nil); r.status != 404 {
		t.Fatalf("unknown job: %d", r.status)
	}
}

// TestImportAPIBackground: a file over 1 MiB returns 202 at once and the job
// is polled to its end.
func TestImportAPIBackground(t *testing.T) {
	e := newEnv(t)
	admin := tk.CreateUser(t, e.db, "admin", yanglao.RoleAdmin, tk.Hunan, nil)
	tok := e.token(admin)
	var rows [][]string
	for i := range 12000 {
		row := csvRow(i, tk.VillageA1)
		row[1] = tk.CitizenID("431002", time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), 101)
		rows = append(rows, row)
	}
	data := peopleCSV(rows...)
	if len(data) <= 1<<20 {
		t.Fatalf("test file of %d bytes is not large", len(data))
	}
	status, job, raw := e.upload(tok, "people", "valid_rows", "大文件.csv", data)
	if status != http.StatusAccepted || job.Job.Status != register.Running {
		t.Fatalf("large upload: %d %s", status, raw)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := e.do("GET", fmt.Sprintf("/api/v1/imports/%d", job.Job.ID), tok, nil)
		var cur web.ImportJobResponse
		json.Unmarshal(r.body, &cur)
		if cur.Job != nil && cur.Job.Status != register.Running {
			if cur.Job.Status != register.Done || cur.Job.Created != 12000 || cur.Percent != 100 {
				t.Fatalf("finished: %s", r.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running: %s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestExportAPI(t *testing.T) {
	e := newEnv(t)
	official := tk.CreateUser(t, e.db, "officiala", yanglao.RoleOfficial, tk.TownA, nil)
	tok := e.token(official)
	admin := e.token(tk.CreateUser(t, e.db, "admin", yanglao.RoleAdmin, tk.Hunan, nil))
	evil := csvRow(1, tk.VillageA1)
	evil[4] = `"=HYPERLINK(""http://evil.example"",""点我"")"`
	other := csvRow(2, tk.VillageB1)
	if status, _, raw := e.upload(admin, "people", "valid_rows", "a.csv", peopleCSV(evil, csvRow(3, tk.VillageA1), other)); status != 200 {
		t.Fatalf("setup: %s", raw)
	}
	before := e.countAudit()
	r := e.do("GET", "/api/v1/people/export.csv", tok, nil)
	body := string(r.body)
	if r.status != 200 || !strings.HasPrefix(body, register.BOM+"编号,姓名") {
		t.Fatalf("export: %d %.200s", r.status, body)
	}
	if strings.Contains(body, "导入0002") || strings.Contains(body, tk.CitizenID("431002", "1948-08-08", 101)) || strings.Contains(body, "13900000001") {
		t.Fatalf("export leaks another township, a whole ID or a whole phone: %s", body)
	}
	if !strings.Contains(body, `'=HYPERLINK`) || !strings.Contains(body, "139****0001") || !strings.Contains(body, "人民路社区") || !strings.Contains(body, "低保") {
		t.Fatalf("export content: %s", body)
	}
	if cd := r.err; cd.Code != "" {
		t.Fatal(cd)
	}
	if e.countAudit() != before+1 {
		t.Fatalf("export audit entries: %d", e.countAudit()-before)
	}
	r = e.do("GET", "/api/v1/people/export.xlsx?status=dibao", tok, nil)
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if r.status != 200 || err != nil {
		t.Fatalf("xlsx export: %d %v", r.status, err)
	}
	rows, _ := f.GetRows("老年人名册")
	if len(rows) != 3 || rows[0][1] != "姓名" || !strings.HasPrefix(rows[1][10], "'=") {
		t.Fatalf("xlsx rows: %q", rows)
	}
	if r := e.do("GET", "/api/v1/people/export.pdf", tok, nil); r.status < 400 {
		t.Errorf("export.pdf: %d", r.status)
	}
	for _, tc := range []struct{ q, field string }{{"status=rich", "status"}, {"min_age=x", "min_age"}, {"region=43", "region"}} {
		if r := e.do("GET", "/api/v1/people/export.csv?"+tc.q, tok, nil); r.status != 400 || r.err.Field != tc.field {
			t.Errorf("%s: %d %+v", tc.q, r.status, r.err)
		}
	}
}
