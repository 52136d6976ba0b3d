package sqldb_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// The import tests build files with the template's Chinese headers. A row is
// given as key → value; absent keys are empty cells.

var fullHeader = func() []string {
	var h []string
	for _, c := range register.PeopleColumns {
		h = append(h, c.Header)
	}
	return h
}()

type cells map[string]string

func rowOf(header []register.Column, c cells) []string {
	out := make([]string, len(header))
	for i, col := range header {
		out[i] = c[col.Key]
	}
	return out
}

// csvFile writes a CSV as Excel does (BOM, CRLF), with the people template's header.
func csvFile(rows ...cells) []byte {
	return csvFileOf(register.PeopleColumns, rows...)
}

func csvFileOf(cols []register.Column, rows ...cells) []byte {
	var b bytes.Buffer
	b.WriteString(register.BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	var h []string
	for _, c := range cols {
		h = append(h, c.Header)
	}
	w.Write(h)
	for _, r := range rows {
		w.Write(rowOf(cols, r))
	}
	w.Flush()
	return b.Bytes()
}

func xlsxFile(t testing.TB, cols []register.Column, rows ...cells) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := register.NewFastXLSXWriter(&b, register.XLSXOptions{Sheet: "老年人信息", SharedStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	var h []string
	for _, c := range cols {
		h = append(h, c.Header)
	}
	w.Row(h)
	for _, r := range rows {
		w.Row(rowOf(cols, r))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func upload(kind register.Kind, mode register.Mode, data []byte) *register.Upload {
	return &register.Upload{Kind: kind, Mode: mode, FileName: "test", File: bytes.NewReader(data), Size: int64(len(data))}
}

// importFile runs a whole import and returns the finished job.
func importFile(t testing.TB, ps *sqldb.PersonService, ctx context.Context, kind register.Kind, mode register.Mode, data []byte) *register.Job {
	t.Helper()
	u := upload(kind, mode, data)
	job, err := ps.BeginImport(ctx, u)
	if err != nil {
		t.Fatalf("begin import: %v", err)
	}
	job, err = ps.RunImport(ctx, job, u)
	if err != nil {
		t.Fatalf("run import: %v", err)
	}
	return job
}

func rejectsOf(t testing.TB, ps *sqldb.PersonService, ctx context.Context, id int64) []register.Reject {
	t.Helper()
	var out []register.Reject
	if err := ps.ImportRejects(ctx, id, func(r register.Reject) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, db *sqldb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowForTest(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

var importNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newImportEnv(t testing.TB) (*sqldb.DB, *sqldb.PersonService) {
	db := tk.NewDB(t)
	db.Now = func() time.Time { return importNow }
	return db, sqldb.NewPersonService(db, tk.Box())
}

func person(i int, region string) cells {
	return cells{
		"name": fmt.Sprintf("老人%03d", i), "id_number": tk.CitizenID("431002", "1950-03-01", i), "residence_code": region,
		"phones": fmt.Sprintf("139%08d", i), "living": "独居", "chronic": "高血压、糖尿病", "ethnicity": "汉族",
		"status_kind": "低保", "status_source": "北湖区民政局", "status_start": "2024-01-01",
	}
}

func TestImportPeopleCSV(t *testing.T) {
	db, ps := newImportEnv(t)
	ctx := tk.System()
	full := cells{
		"name": "张桂英", "id_number": tk.CitizenID("431002", "1945-06-01", 12), "residence_code": tk.VillageA1, "household_code": tk.TownA,
		"phones": "139 0735 0001；13907350009", "address": "人民路12号", "lng": "113.01", "lat": "25.77", "ethnicity": "汉族",
		"living": "空巢", "disability_cert": "43100219450601002X42", "disability_grade": "二级", "chronic": "高血压、糖尿病",
		"contact_name": "李明", "contact_relation": "儿子", "contact_phone": "13907350002",
		"status_kind": "低保、失能", "status_source": "北湖区民政局", "status_start": "2024/1/5", "status_end": "",
	}
	minimal := cells{"name": "王德顺", "id_number": tk.CitizenID("431002", "1938-12-31", 11), "residence_code": tk.VillageB1}
	before := count(t, db, `SELECT COUNT(*) FROM audit_log`)
	job := importFile(t, ps, ctx, register.People, register.ValidRows, csvFile(full, minimal))
	if job.Status != register.Done || job.Created != 2 || job.Rejected != 0 || job.Done != 2 {
		t.Fatalf("job: %+v", job)
	}
	people, _, err := ps.People(ctx, yanglao.PersonFilter{Sort: "name"})
	if err != nil || len(people) != 2 {
		t.Fatalf("people: %v %v", people, err)
	}
	p, err := ps.Person(ctx, people[0].ID) // 张 sorts before 王 bytewise? check by name
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "张桂英" {
		p, _ = ps.Person(ctx, people[1].ID)
	}
	if p.Sex != "F" || p.BirthDate.String() != "1945-06-01" || p.CountyCode != tk.Beihu || p.Living != "empty_nest" ||
		p.DisabilityGrade != 2 || !slices.Equal(p.Chronic, []string{"高血压", "糖尿病"}) || *p.Lng != 113.01 ||
		!slices.Equal(p.PhonesMasked, []string{"139****0001", "139****0009"}) || p.HouseholdCode != tk.TownA || p.Version != 1 {
		t.Fatalf("imported person: %+v", p)
	}
	if len(p.Statuses) != 2 || p.Statuses[0].Source != "北湖区民政局" || p.Statuses[0].Start.String() != "2024-01-05" {
		t.Fatalf("statuses: %+v", p.Statuses)
	}
	id, phones, err := ps.RevealID(ctx, p.ID, "test")
	if err != nil || id != full["id_number"] || !slices.Equal(phones, []string{"13907350001", "13907350009"}) {
		t.Fatalf("reveal: %s %v %v", id, phones, err)
	}
	// Found by phone through the keyed hash, like a person entered by hand.
	if found, _, _ := ps.People(ctx, yanglao.PersonFilter{Query: "13907350009"}); len(found) != 1 {
		t.Fatalf("search by imported phone: %d", len(found))
	}
	// One audit entry for the job, one per person created (and the reveal).
	if got := count(t, db, `SELECT COUNT(*) FROM audit_log`) - before; got != 1+2+1 {
		t.Fatalf("audit entries: %d, want 4", got)
	}
	if n, problems, err := sqldb.NewAuditService(db).VerifyAudit(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("audit chain after a bulk import: %d %v %v", n, problems, err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND action = 'create' AND detail LIKE ?`, fmt.Sprintf("import %d row %%", job.ID)); n != 2 {
		t.Fatalf("person audit entries naming the job: %d", n)
	}
}
