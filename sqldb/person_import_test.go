package sqldb_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// The import tests build files with the template's Chinese headers. A row is
// given as key → value; absent keys are empty cells.

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

func bad(c cells, kv ...string) cells {
	out := cells{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestImportRejectsEveryKind: each row is wrong in one way and is reported
// with its row number, the column at fault and a reason in Chinese and
// English; the good rows are imported ("import the valid rows").
func TestImportRejectsEveryKind(t *testing.T) {
	ctx := tk.System()
	good := person(1, tk.VillageA1)
	id := good["id_number"]
	badCheck := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	cases := []struct {
		name  string
		row   cells
		field string
		says  string
	}{
		{"no name", bad(person(2, tk.VillageA1), "name", ""), "name", "姓名"},
		{"name too long", bad(person(3, tk.VillageA1), "name", strings.Repeat("张", 51)), "name", "50"},
		{"name with markup", bad(person(4, tk.VillageA1), "name", "<b>张三</b>"), "name", "not allowed"},
		{"ID check digit", bad(person(5, tk.VillageA1), "id_number", badCheck), "id_number", "校验"},
		{"ID birth date", bad(person(6, tk.VillageA1), "id_number", "431002194513010010"), "id_number", "出生日期"},
		{"ID region", bad(person(7, tk.VillageA1), "id_number", "991002194501010010"), "id_number", "地址码"},
		{"ID as an Excel number", bad(person(8, tk.VillageA1), "id_number", "4.31002E+17"), "id_number", "Excel"},
		{"no ID", bad(person(9, tk.VillageA1), "id_number", ""), "id_number", ""},
		{"residence unknown", bad(person(10, tk.VillageA1), "residence_code", "431002999999"), "residence_code", "does not exist"},
		{"residence malformed", bad(person(11, tk.VillageA1), "residence_code", "4310"), "residence_code", "12"},
		{"household unknown", bad(person(12, tk.VillageA1), "household_code", "431002999998"), "household_code", "does not exist"},
		{"phone malformed", bad(person(13, tk.VillageA1), "phones", "12345"), "phones", "7"},
		{"four phones", bad(person(14, tk.VillageA1), "phones", "13900000001;13900000002;13900000003;13900000004"), "phones", "3"},
		{"living unknown", bad(person(15, tk.VillageA1), "living", "流浪"), "living", "居住状况"},
		{"disability grade", bad(person(16, tk.VillageA1), "disability_grade", "7"), "disability_grade", "1"},
		{"longitude alone", bad(person(17, tk.VillageA1), "lng", "113.0"), "lat", "纬度"},
		{"outside China", bad(person(18, tk.VillageA1), "lng", "2.35", "lat", "48.85"), "lng", "China"},
		{"status kind", bad(person(19, tk.VillageA1), "status_kind", "土豪"), "status_kind", "身份类别"},
		{"status source", bad(person(20, tk.VillageA1), "status_source", ""), "status_source", "source"},
		{"status before birth", bad(person(21, tk.VillageA1), "status_start", "1949-01-01"), "status_start", "birth"},
		{"status date", bad(person(22, tk.VillageA1), "status_start", "2024-02-30"), "status_start", "YYYY-MM-DD"},
		{"template example", bad(person(23, tk.VillageA1), "id_number", register.ExampleID), "id_number", "示例"},
		{"same ID twice", bad(person(24, tk.VillageA1), "id_number", id), "id_number", "row 2"},
		{"address too long", bad(person(25, tk.VillageA1), "address", strings.Repeat("路", 201)), "address", "200"},
		{"contact phone", bad(person(26, tk.VillageA1), "contact_name", "李明", "contact_phone", "110"), "contact_phone", "phone"},
		{"residence outside the region", bad(person(27, tk.VillageA1), "residence_code", tk.Dongcheng), "", ""}, // the system sees everywhere
	}
	rows := []cells{good}
	for _, c := range cases {
		rows = append(rows, c.row)
	}
	for _, format := range []register.Format{register.CSV, register.XLSX} {
		t.Run(string(format), func(t *testing.T) {
			db, ps := newImportEnv(t)
			data := csvFile(rows...)
			if format == register.XLSX {
				data = xlsxFile(t, register.PeopleColumns, rows...)
			}
			before := count(t, db, `SELECT COUNT(*) FROM audit_log`)
			job := importFile(t, ps, ctx, register.People, register.ValidRows, data)
			rejects := rejectsOf(t, ps, ctx, job.ID)
			byRow := map[int]register.Reject{}
			for _, r := range rejects {
				byRow[r.Row] = r
			}
			wantRejected := 0
			for i, c := range cases {
				row := i + 3 // header is row 1, the good row is row 2
				r, rejected := byRow[row]
				if c.field == "" {
					if rejected {
						t.Errorf("%s: rejected: %+v", c.name, r)
					}
					continue
				}
				wantRejected++
				if !rejected {
					t.Errorf("%s (row %d): not rejected", c.name, row)
					continue
				}
				if r.Field != c.field || !strings.Contains(r.Message, c.says) || !strings.Contains(r.Message, "(") {
					t.Errorf("%s (row %d): %+v, want field %s saying %q", c.name, row, r, c.field, c.says)
				}
			}
			if job.Rejected != wantRejected || job.Created != len(rows)-wantRejected || job.Status != register.Done {
				t.Fatalf("job: %+v (want %d rejected)", job, wantRejected)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM people`); n != job.Created {
				t.Fatalf("%d people, job says %d created", n, job.Created)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM audit_log`) - before; got != 1+job.Created {
				t.Fatalf("audit entries %d, want %d", got, 1+job.Created)
			}
		})
	}
}

// TestImportAllOrNothing: one bad row and nothing is imported; fixed, all is.
func TestImportAllOrNothing(t *testing.T) {
	for _, format := range []register.Format{register.CSV, register.XLSX} {
		t.Run(string(format), func(t *testing.T) {
			db, ps := newImportEnv(t)
			ctx := tk.System()
			file := func(rows ...cells) []byte {
				if format == register.XLSX {
					return xlsxFile(t, register.PeopleColumns, rows...)
				}
				return csvFile(rows...)
			}
			rows := []cells{person(1, tk.VillageA1), person(2, tk.VillageB1), bad(person(3, tk.VillageA1), "phones", "abc"), person(4, tk.VillageA1)}
			before := count(t, db, `SELECT COUNT(*) FROM audit_log`)
			job := importFile(t, ps, ctx, register.People, register.AllOrNothing, file(rows...))
			if job.Status != register.Rejected || job.Rejected != 1 || job.Created != 0 || !strings.Contains(job.Error, "nothing was imported") {
				t.Fatalf("job: %+v", job)
			}
			if rj := rejectsOf(t, ps, ctx, job.ID); len(rj) != 1 || rj[0].Row != 4 || rj[0].Field != "phones" {
				t.Fatalf("rejects: %+v", rj)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM people`) + count(t, db, `SELECT COUNT(*) FROM person_statuses`) + count(t, db, `SELECT COUNT(*) FROM person_phones`); n != 0 {
				t.Fatalf("all-or-nothing wrote %d rows", n)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM audit_log`) - before; got != 1 {
				t.Fatalf("audit entries %d, want 1 (the job)", got)
			}
			rows[2] = person(3, tk.VillageA1)
			job = importFile(t, ps, ctx, register.People, register.AllOrNothing, file(rows...))
			if job.Status != register.Done || job.Created != 4 || job.Rejected != 0 || job.Phase != register.PhaseWriting {
				t.Fatalf("job: %+v", job)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM people`); n != 4 {
				t.Fatalf("%d people", n)
			}
		})
	}
}

// snapshot is a canonical dump of the register for comparing two databases.
func snapshot(t testing.TB, db *sqldb.DB) string {
	t.Helper()
	ps := sqldb.NewPersonService(db, tk.Box())
	var lines []string
	f := yanglao.PersonFilter{Sort: "name", Page: yanglao.Page{Limit: 500}}
	for {
		people, next, err := ps.People(tk.System(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			full, err := ps.Person(tk.System(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			var sts []string
			for _, st := range full.Statuses {
				sts = append(sts, st.Kind+"/"+st.Source+"/"+st.Start.String()+"/"+st.End.String())
			}
			phones := count(t, db, `SELECT COUNT(*) FROM person_phones WHERE person_id = ?`, p.ID)
			creates := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND entity_id = ? AND action = 'create'`, fmt.Sprint(p.ID))
			lines = append(lines, fmt.Sprintf("%s %s %s %s %s %v %s %s v%d phones=%d creates=%d %v", p.Name, p.IDMasked, p.Sex, p.BirthDate, p.ResidenceCode,
				p.PhonesMasked, p.Living, strings.Join(p.Chronic, "+"), p.Version, phones, creates, sts))
		}
		if next == "" {
			return strings.Join(lines, "\n")
		}
		f.Page.After = next
	}
}

// TestImportIdempotent: importing the same file again changes nothing — no
// version bump, no audit entry but the job's — and a changed row updates only
// what changed; columns the file lacks are kept.
func TestImportIdempotent(t *testing.T) {
	db, ps := newImportEnv(t)
	ctx := tk.System()
	var rows []cells
	for i := range 12 {
		r := person(i+1, tk.VillageA1)
		r["contact_name"], r["contact_relation"], r["contact_phone"], r["address"] = "李明", "儿子", "13907350002", "人民路1号"
		rows = append(rows, r)
	}
	data := csvFile(rows...)
	first := importFile(t, ps, ctx, register.People, register.ValidRows, data)
	if first.Created != 12 {
		t.Fatalf("first: %+v", first)
	}
	before, audits := snapshot(t, db), count(t, db, `SELECT COUNT(*) FROM audit_log`)
	for _, format := range []register.Format{register.CSV, register.XLSX} {
		again := data
		if format == register.XLSX {
			again = xlsxFile(t, register.PeopleColumns, rows...)
		}
		job := importFile(t, ps, ctx, register.People, register.ValidRows, again)
		if job.Same != 12 || job.Created != 0 || job.Updated != 0 || job.Status != register.Done {
			t.Fatalf("%s re-import: %+v", format, job)
		}
		if after := snapshot(t, db); after != before {
			t.Fatalf("%s re-import changed the register:\n%s\n---\n%s", format, before, after)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log`); n != audits+1 {
			t.Fatalf("%s re-import wrote %d audit entries, want 1 (the job)", format, n-audits)
		}
		audits++
	}
	// One changed phone, one new status of another kind, one status already held from another date.
	rows[3] = bad(rows[3], "phones", "13800000004")
	rows[5] = bad(rows[5], "status_kind", "低保、失能")
	rows[7] = bad(rows[7], "status_start", "2024-06-01")
	job := importFile(t, ps, ctx, register.People, register.ValidRows, csvFile(rows...))
	if job.Updated != 2 || job.Same != 10 {
		t.Fatalf("changed rows: %+v", job)
	}
	var changed []string
	history, err := ps.PersonHistory(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range history {
		changed = append(changed, e.Detail)
	}
	if !strings.Contains(strings.Join(changed, "|"), "changed: phones") {
		t.Fatalf("history of the changed person: %q", changed)
	}
	p4, _ := ps.Person(ctx, 4)
	p5, _ := ps.Person(ctx, 5)
	p8, _ := ps.Person(ctx, 8)
	if p4.Version != 2 || p4.PhonesMasked[0] != "138****0004" || p5.Version != 1 || len(p8.Statuses) != 1 {
		t.Fatalf("after changes: v%d %v, v%d, %d statuses", p4.Version, p4.PhonesMasked, p5.Version, len(p8.Statuses))
	}
	if p6, _ := ps.Person(ctx, 6); len(p6.Statuses) != 2 {
		t.Fatalf("new status not added: %+v", p6.Statuses)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM person_phones WHERE person_id = 4`); n != 1 {
		t.Fatalf("phones of person 4: %d", n)
	}
	if found, _, _ := ps.People(ctx, yanglao.PersonFilter{Query: "13800000004"}); len(found) != 1 || found[0].ID != 4 {
		t.Fatalf("search by the new phone: %v", found)
	}
	// A file with fewer columns keeps the rest: address, contacts, statuses.
	slim := []register.Column{register.PeopleColumns[0], register.PeopleColumns[1], register.PeopleColumns[3], register.PeopleColumns[8]}
	job = importFile(t, ps, ctx, register.People, register.ValidRows, csvFileOf(slim, bad(rows[0], "ethnicity", "苗族")))
	if job.Updated != 1 {
		t.Fatalf("slim: %+v", job)
	}
	p1, _ := ps.Person(ctx, 1)
	if p1.Ethnicity != "苗族" || p1.Address != "人民路1号" || len(p1.PhonesMasked) != 1 || len(p1.Statuses) != 1 {
		t.Fatalf("slim file changed columns it does not have: %+v", p1)
	}
	if _, phones, err := ps.RevealID(ctx, 1, "test"); err != nil || len(phones) != 1 {
		t.Fatalf("phones after a slim import: %v %v", phones, err)
	}
	if n, problems, err := sqldb.NewAuditService(db).VerifyAudit(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("audit chain: %d %v %v", n, problems, err)
	}
}

func manyPeople(n int) []cells {
	var rows []cells
	for i := range n {
		region := tk.VillageA1
		if i%3 == 0 {
			region = tk.VillageB1
		}
		r := person(i+1, region)
		if i%4 == 0 {
			r["status_kind"], r["status_source"], r["status_start"] = "", "", ""
		}
		rows = append(rows, r)
	}
	return rows
}

// checkWhole asserts that every person in db is whole: a phone row for each
// phone, the statuses its row carried, and exactly one audit entry creating it.
func checkWhole(t testing.TB, db *sqldb.DB) int {
	t.Helper()
	n := count(t, db, `SELECT COUNT(*) FROM people`)
	if k := count(t, db, `SELECT COUNT(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM person_phones x WHERE x.person_id = p.id)`); k != 0 {
		t.Fatalf("%d people without their phone", k)
	}
	withStatus := count(t, db, `SELECT COUNT(DISTINCT person_id) FROM person_statuses`)
	if k := count(t, db, `SELECT COUNT(*) FROM person_statuses`); k != withStatus {
		t.Fatalf("statuses doubled: %d rows for %d people", k, withStatus)
	}
	if k := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND action = 'create'`); k != n {
		t.Fatalf("%d create entries for %d people", k, n)
	}
	if _, problems, err := sqldb.NewAuditService(db).VerifyAudit(tk.System()); err != nil || len(problems) > 0 {
		t.Fatalf("audit chain: %v %v", problems, err)
	}
	return n
}

// TestImportCancelAndResume cancels an import after its second batch: the
// register holds exactly the people of the committed batches, each of them
// whole; uploading the same file again resumes the job, and the result equals
// a clean run.
func TestImportCancelAndResume(t *testing.T) {
	rows := manyPeople(23)
	for _, format := range []register.Format{register.CSV, register.XLSX} {
		for _, mode := range []register.Mode{register.ValidRows, register.AllOrNothing} {
			t.Run(string(format)+"/"+string(mode), func(t *testing.T) {
				data := csvFile(rows...)
				if format == register.XLSX {
					data = xlsxFile(t, register.PeopleColumns, rows...)
				}
				cleanDB, cleanPS := newImportEnv(t)
				importFile(t, cleanPS, tk.System(), register.People, mode, data)

				db, ps := newImportEnv(t)
				ctx, cancel := context.WithCancel(tk.System())
				batches := 0
				defer sqldb.SetImportForTest(5, time.Minute, func(*register.Job) {
					if batches++; batches == 2 {
						cancel()
					}
				})()
				u := upload(register.People, mode, data)
				job, err := ps.BeginImport(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				job, err = ps.RunImport(ctx, job, u)
				if err == nil || job.Status != register.Interrupted {
					t.Fatalf("cancelled run: %v %+v", err, job)
				}
				// Whole batches only: two, or on PostgreSQL (batches in parallel) maybe one more;
				// the resume point never runs ahead of them.
				n := checkWhole(t, db)
				if n%5 != 0 || n < 10 || n > 15 || job.Created != n || job.LastRow > n+1 || (job.LastRow-1)%5 != 0 {
					t.Fatalf("%d people after cancelling at the second batch of 5: %+v", n, job)
				}
				// The same file again continues the job.
				job2, err := ps.BeginImport(tk.System(), upload(register.People, mode, data))
				if err != nil || !job2.Resumed || job2.ID != job.ID {
					t.Fatalf("resume: %+v %v", job2, err)
				}
				job2, err = ps.RunImport(tk.System(), job2, upload(register.People, mode, data))
				if err != nil || job2.Status != register.Done || job2.Created != 23 || job2.Done != 23 {
					t.Fatalf("resumed run: %+v %v", job2, err)
				}
				checkWhole(t, db)
				if got, want := snapshot(t, db), snapshot(t, cleanDB); got != want {
					t.Fatalf("resumed import differs from a clean one:\n%s\n---\n%s", got, want)
				}
			})
		}
	}
}

// TestImportDeferredIndexes: a large import into a small register loads people
// without the deferrable indexes and builds them after. The register ends the
// same as after a row-by-row load — people, phones, statuses, audit entries and
// duplicate flags — and the indexes are back whether the job finishes or is
// cancelled midway (and resumed).
func TestImportDeferredIndexes(t *testing.T) {
	rows := manyPeople(23)
	twin := person(101, tk.VillageA1) // the name and birth date of row 1: to be reviewed
	twin["name"] = rows[0]["name"]
	rows = append(rows, twin)
	data := csvFile(rows...)
	cleanDB, cleanPS := newImportEnv(t)
	importFile(t, cleanPS, tk.System(), register.People, register.ValidRows, data)
	reviews := `SELECT COUNT(*) FROM person_reviews`
	if count(t, cleanDB, reviews) != 1 {
		t.Fatalf("clean import: %d reviews, want 1", count(t, cleanDB, reviews))
	}
	defer sqldb.SetDeferIndexesForTest(10)()
	for _, cancelAt := range []int{0, 2} {
		t.Run(fmt.Sprintf("cancel-after-%d", cancelAt), func(t *testing.T) {
			db, ps := newImportEnv(t)
			ctx, cancel := context.WithCancel(tk.System())
			defer cancel()
			batches := 0
			var missingDuring []string
			defer sqldb.SetImportForTest(5, time.Minute, func(*register.Job) {
				if batches++; batches == 1 {
					missingDuring, _, _ = sqldb.DeferredIndexesForTest(context.Background(), db)
				}
				if batches == cancelAt {
					cancel()
				}
			})()
			u := upload(register.People, register.ValidRows, data)
			job, err := ps.BeginImport(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			job, err = ps.RunImport(ctx, job, u)
			if want := 4 + 3*btoi(db.Dialect == sqldb.Postgres); len(missingDuring) != want { // and PostgreSQL's foreign keys
				t.Fatalf("indexes missing while loading: %v, want %d", missingDuring, want)
			}
			if missing, recorded, err := sqldb.DeferredIndexesForTest(context.Background(), db); err != nil || len(missing) != 0 || recorded != 0 {
				t.Fatalf("after the job: missing %v, recorded %d, %v", missing, recorded, err)
			}
			if cancelAt > 0 {
				if err == nil || job.Status != register.Interrupted {
					t.Fatalf("cancelled run: %v %+v", err, job)
				}
				checkWhole(t, db)
				job = importFile(t, ps, tk.System(), register.People, register.ValidRows, data)
				if !job.Resumed {
					t.Fatalf("not resumed: %+v", job)
				}
			}
			if job.Status != register.Done || job.Created != len(rows) && cancelAt == 0 {
				t.Fatalf("job: %+v %v", job, err)
			}
			checkWhole(t, db)
			if got, want := snapshot(t, db), snapshot(t, cleanDB); got != want {
				t.Fatalf("deferred-index import differs from a row-by-row one:\n%s\n---\n%s", got, want)
			}
			if n := count(t, db, reviews); n != 1 {
				t.Fatalf("%d reviews, want 1", n)
			}
		})
	}
}

// TestImportTakeover: a job whose process stopped beating is taken over by an
// upload of the same file; a live one is not.
func TestImportTakeover(t *testing.T) {
	db, ps := newImportEnv(t)
	defer sqldb.SetImportForTest(5, time.Hour, nil)()
	data := csvFile(manyPeople(7)...)
	job, err := ps.BeginImport(tk.System(), upload(register.People, register.ValidRows, data))
	if err != nil {
		t.Fatal(err)
	}
	// As if another server had started it and died: a foreign runner, fresh heartbeat.
	restore := sqldb.ForgetRunnerForTest()
	db.Now = func() time.Time { return time.Now() }
	db.ExecForTest(context.Background(), `UPDATE imports SET heartbeat_at = ? WHERE id = ?`, time.Now().UTC(), job.ID)
	if _, err := ps.BeginImport(tk.System(), upload(register.People, register.ValidRows, data)); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("upload while another server runs the job: %v", err)
	}
	// It stops beating (aged by hand: no race against a short window).
	db.ExecForTest(context.Background(), `UPDATE imports SET heartbeat_at = ? WHERE id = ?`, time.Now().UTC().Add(-2*time.Hour), job.ID)
	job2, err := ps.BeginImport(tk.System(), upload(register.People, register.ValidRows, data))
	if err != nil || job2.ID != job.ID || !job2.Resumed {
		t.Fatalf("takeover: %+v %v", job2, err)
	}
	restore()
	if job2, err = ps.RunImport(tk.System(), job2, upload(register.People, register.ValidRows, data)); err != nil || job2.Created != 7 {
		t.Fatalf("%+v %v", job2, err)
	}
	// A finished job is not resumed: the same file again is a new job that changes nothing.
	job3 := importFile(t, ps, tk.System(), register.People, register.ValidRows, data)
	if job3.ID == job.ID || job3.Same != 7 {
		t.Fatalf("after done: %+v", job3)
	}
}

// TestImportKilledMidway is the must-show: the server is killed (SIGKILL)
// in the middle of an import. The register then holds whole people only — the
// batches that committed — and uploading the same file again finishes the job,
// with the same result as a clean run.
func TestImportKilledMidway(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	rows := manyPeople(100)
	data := csvFile(rows...)
	cleanDB, cleanPS := newImportEnv(t)
	importFile(t, cleanPS, tk.System(), register.People, register.ValidRows, data)

	db, ps := newImportEnv(t)
	db.Now = time.Now // the child's heartbeats are on the real clock
	path := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "YANGLAO_IMPORT_CHILD_DSN="+db.DSN, "YANGLAO_IMPORT_CHILD_FILE="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var last int
		db.QueryRowForTest(context.Background(), `SELECT COALESCE(MAX(last_row), 0) FROM imports`).Scan(&last)
		if last >= 11 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the child finished before it could be killed: %v\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the child committed nothing in time\n%s", out.String())
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	// The child loaded without the deferrable indexes; the next start builds them again.
	if missing, recorded, err := sqldb.DeferredIndexesForTest(context.Background(), db); err != nil || len(missing) == 0 || recorded != len(missing) {
		t.Fatalf("after the kill: missing %v, recorded %d, %v", missing, recorded, err)
	}
	n := checkWhole(t, db)
	if n == 0 || n == len(rows) || n%5 != 0 {
		t.Fatalf("%d people after the kill: want whole batches of 5, some but not all", n)
	}
	var status string
	db.QueryRowForTest(context.Background(), `SELECT status FROM imports`).Scan(&status)
	if status != register.Running {
		t.Fatalf("killed job status %q", status)
	}
	// Right after the kill the job still looks alive; once its heartbeat is
	// stale it is taken over. The heartbeat is aged by hand rather than raced
	// against a short window: under -race on a busy machine the checks above
	// alone outlasted 300 ms.
	defer sqldb.SetImportForTest(5, time.Hour, nil)()
	if _, err := ps.BeginImport(tk.System(), upload(register.People, register.ValidRows, data)); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("upload right after the kill: %v", err)
	}
	db.ExecForTest(context.Background(), `UPDATE imports SET heartbeat_at = ?`, time.Now().UTC().Add(-2*time.Hour))
	if _, err := db.Migrate(context.Background()); err != nil { // as the restarted server does
		t.Fatal(err)
	}
	if missing, recorded, err := sqldb.DeferredIndexesForTest(context.Background(), db); err != nil || len(missing) != 0 || recorded != 0 {
		t.Fatalf("after the restart: missing %v, recorded %d, %v", missing, recorded, err)
	}
	job := importFile(t, ps, tk.System(), register.People, register.ValidRows, data)
	if !job.Resumed || job.Status != register.Done || job.Created != len(rows) {
		t.Fatalf("re-run: %+v", job)
	}
	checkWhole(t, db)
	if got, want := snapshot(t, db), snapshot(t, cleanDB); got != want {
		t.Fatalf("after kill and re-run the register differs from a clean import:\n%s\n---\n%s", got, want)
	}
}

// TestImportKillChild is the process TestImportKilledMidway kills.
func TestImportKillChild(t *testing.T) {
	dsn, path := os.Getenv("YANGLAO_IMPORT_CHILD_DSN"), os.Getenv("YANGLAO_IMPORT_CHILD_FILE")
	if dsn == "" {
		t.Skip("run by TestImportKilledMidway")
	}
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.SetImportForTest(5, time.Minute, func(*register.Job) { time.Sleep(100 * time.Millisecond) })()
	defer sqldb.SetDeferIndexesForTest(10)() // a "large" file: killed while its indexes are dropped
	importFile(t, sqldb.NewPersonService(db, tk.Box()), tk.System(), register.People, register.ValidRows, data)
	t.Fatal("the import finished: it should have been killed")
}

// TestImportScope: a township official imports only into the township. Rows
// living elsewhere are rejected on residence_code; a citizen ID registered
// outside the township is rejected on id_number; jobs are seen by their
// importer and the officials above, not by siblings or other workers;
// organisation staff may not import.
func TestImportScope(t *testing.T) {
	db, ps := newImportEnv(t)
	elsewhere := person(90, tk.VillageB1)
	if err := ps.CreatePerson(tk.System(), &yanglao.Person{Name: "外镇老人", IDNumber: elsewhere["id_number"], ResidenceCode: tk.VillageB1}); err != nil {
		t.Fatal(err)
	}
	official := tk.CreateUser(t, db, "officiala", yanglao.RoleOfficial, tk.TownA, nil)
	ctx := tk.As(official)
	moved := bad(elsewhere, "residence_code", tk.VillageA1)
	job := importFile(t, ps, ctx, register.People, register.ValidRows,
		csvFile(person(1, tk.VillageA1), person(2, tk.VillageB1), moved, person(3, tk.TownA), person(4, tk.Dongcheng)))
	if job.Created != 2 || job.Rejected != 3 {
		t.Fatalf("job: %+v", job)
	}
	want := map[int]string{3: "residence_code", 4: "id_number", 6: "residence_code"}
	for _, r := range rejectsOf(t, ps, ctx, job.ID) {
		if want[r.Row] != r.Field {
			t.Errorf("row %d rejected on %s (%s), want %s", r.Row, r.Field, r.Message, want[r.Row])
		}
	}
	// The person registered in the other township is untouched.
	var name string
	db.QueryRowForTest(context.Background(), `SELECT name FROM people WHERE residence_code = ?`, tk.VillageB1).Scan(&name)
	if name != "外镇老人" {
		t.Fatalf("the sibling's person was changed: %q", name)
	}
	// All-or-nothing finds the foreign ID in its checking pass, before writing anything.
	aon := importFile(t, ps, ctx, register.People, register.AllOrNothing, csvFile(person(5, tk.VillageA1), moved))
	if aon.Status != register.Rejected || aon.Rejected != 1 {
		t.Fatalf("all-or-nothing: %+v", aon)
	}
	for who, u := range map[string]*yanglao.User{
		"parent":  tk.CreateUser(t, db, "parentc", yanglao.RoleOfficial, tk.Beihu, nil),
		"sibling": tk.CreateUser(t, db, "siblingb", yanglao.RoleOfficial, tk.TownB, nil),
		"worker":  tk.CreateUser(t, db, "workera", yanglao.RoleWorker, tk.TownA, nil),
	} {
		_, err := ps.ImportJob(tk.As(u), job.ID)
		jobs, _, _ := ps.ImportJobs(tk.As(u), yanglao.Page{})
		sees := who == "parent" // officials above; a worker of the township sees only their own jobs
		if (err == nil) != sees || (len(jobs) == 2) != sees {
			t.Errorf("%s reading township A's job: err %v, %d jobs", who, err, len(jobs))
		}
		if !sees && yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("%s: %v, want not found", who, err)
		}
		var n int
		if err := ps.ImportRejects(tk.As(u), job.ID, func(register.Reject) error { n++; return nil }); (err == nil) != sees {
			t.Errorf("%s reading the rejects: %v", who, err)
		}
	}
	home := tk.CreateOrg(t, db, "敬老院", yanglao.OrgCareHome, tk.TownA)
	staff := tk.CreateUser(t, db, "staff", yanglao.RoleOperator, tk.TownA, &home)
	if _, err := ps.BeginImport(tk.As(staff), upload(register.People, register.ValidRows, csvFile(person(6, tk.VillageA1)))); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("organisation staff importing: %v", err)
	}
	if _, err := ps.ImportJob(tk.As(staff), job.ID); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("organisation staff reading a job: %v", err)
	}
}

// TestImportBadFiles: a file the importer cannot use is refused before a job starts.
func TestImportBadFiles(t *testing.T) {
	_, ps := newImportEnv(t)
	ctx := tk.System()
	for _, tc := range []struct {
		name  string
		u     *register.Upload
		field string
	}{
		{"empty", upload(register.People, register.ValidRows, []byte{}), "file"},
		{"no header", upload(register.People, register.ValidRows, []byte("\r\n\r\n")), "file"},
		{"missing columns", upload(register.People, register.ValidRows, []byte("姓名,电话\r\n张三,139\r\n")), "file"},
		{"unknown column", upload(register.People, register.ValidRows, []byte("姓名,身份证号,常住地区划代码,血型\r\n")), "file"},
		{"xlsx claimed as csv", func() *register.Upload {
			u := upload(register.People, register.ValidRows, xlsxFile(t, register.PeopleColumns))
			u.Format = register.CSV
			return u
		}(), "format"},
		{"csv claimed as xlsx", func() *register.Upload {
			u := upload(register.People, register.ValidRows, csvFile())
			u.Format = register.XLSX
			return u
		}(), "format"},
		{"broken xlsx", upload(register.People, register.ValidRows, []byte("PK\x03\x04 not really a zip")), "file"},
		{"kind", upload("cats", register.ValidRows, csvFile()), "kind"},
		{"mode", upload(register.People, "some", csvFile()), "mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ps.BeginImport(ctx, tc.u); yanglao.ErrorField(err) != tc.field || yanglao.ErrorCode(err) != yanglao.EINVALID {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
	// A title row above the header is skipped, as in many office spreadsheets.
	titled := append([]byte(register.BOM+"北湖区老年人信息表\r\n"), csvFile(person(1, tk.VillageA1))[len(register.BOM):]...)
	if job := importFile(t, ps, ctx, register.People, register.ValidRows, titled); job.Created != 1 {
		t.Fatalf("titled file: %+v", job)
	}
}

// TestImportFeeds: deaths and moves from other departments update life status
// through the register's own change (version, audit, the life_events outbox
// exactly once), report unknown and out-of-scope IDs, and are idempotent.
func TestImportFeeds(t *testing.T) {
	db, ps := newImportEnv(t)
	var ids []string
	for i, region := range []string{tk.VillageA1, tk.VillageA1, tk.VillageA1, tk.VillageB1, tk.VillageA1} {
		p := &yanglao.Person{Name: fmt.Sprintf("老人%d", i), IDNumber: tk.CitizenID("431002", "1940-05-05", 31+i), ResidenceCode: region}
		if err := ps.CreatePerson(tk.System(), p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.IDNumber)
	}
	official := tk.CreateUser(t, db, "officiala", yanglao.RoleOfficial, tk.TownA, nil)
	ctx := tk.As(official)
	deaths := func(rows ...cells) []byte { return csvFileOf(register.DeathColumns, rows...) }
	file := deaths(
		cells{"id_number": ids[0], "death_date": "2025-03-01", "name": "老人0"},
		cells{"id_number": tk.CitizenID("431002", "1941-01-01", 99), "death_date": "2025-03-01"},
		cells{"id_number": ids[3], "death_date": "2025-03-01"},
		cells{"id_number": ids[1], "death_date": "2025-03-01", "name": "别人"},
		cells{"id_number": ids[2], "death_date": "2027-01-01"},
		cells{"id_number": "123", "death_date": "2025-03-01"},
		cells{"id_number": ids[4], "death_date": "1930-01-01"},
		cells{"id_number": ids[0], "death_date": "2025-03-01"},
	)
	before := count(t, db, `SELECT COUNT(*) FROM audit_log`)
	job := importFile(t, ps, ctx, register.Deaths, register.ValidRows, file)
	if job.Updated != 1 || job.Rejected != 7 || job.Status != register.Done {
		t.Fatalf("deaths: %+v", job)
	}
	want := map[int]string{3: "id_number", 4: "id_number", 5: "name", 6: "death_date", 7: "id_number", 8: "death_date", 9: "id_number"}
	for _, r := range rejectsOf(t, ps, ctx, job.ID) {
		if want[r.Row] != r.Field {
			t.Errorf("row %d rejected on %s (%s), want %s", r.Row, r.Field, r.Message, want[r.Row])
		}
		delete(want, r.Row)
	}
	if len(want) > 0 {
		t.Errorf("not rejected: %v", want)
	}
	dead, err := ps.Person(ctx, 1)
	if err != nil || dead.Life != yanglao.Deceased || dead.DeathDate.String() != "2025-03-01" || dead.Version != 2 {
		t.Fatalf("after the deaths feed: %+v %v", dead, err)
	}
	events, err := ps.LifeEvents(tk.System(), 0, 100)
	if err != nil || len(events) != 1 || events[0].Kind != "person.deceased" || events[0].PersonID != 1 {
		t.Fatalf("life events: %+v %v", events, err)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM audit_log`) - before; got != 2 {
		t.Fatalf("audit entries %d, want the job and the death", got)
	}
	// Again: nothing changes, no event, no entry but the job's.
	again := importFile(t, ps, ctx, register.Deaths, register.ValidRows, file)
	if again.Updated != 0 || again.Same != 1 {
		t.Fatalf("deaths again: %+v", again)
	}
	if events, _ := ps.LifeEvents(tk.System(), 0, 100); len(events) != 1 {
		t.Fatalf("life events after the same feed again: %d", len(events))
	}
	if p, _ := ps.Person(ctx, 1); p.Version != 2 {
		t.Fatalf("version after the same feed: %d", p.Version)
	}
	// A different date for a recorded death is refused, not a second event.
	other := importFile(t, ps, ctx, register.Deaths, register.ValidRows, deaths(cells{"id_number": ids[0], "death_date": "2025-03-02"}))
	if other.Rejected != 1 {
		t.Fatalf("a second death date: %+v", other)
	}
	// Moves.
	moves := func(rows ...cells) []byte { return csvFileOf(register.MoveColumns, rows...) }
	mfile := moves(cells{"id_number": ids[1], "moved_out_date": "2025-04-01", "moved_to": "广东省广州市"},
		cells{"id_number": ids[0], "moved_out_date": "2025-04-01"})
	mj := importFile(t, ps, ctx, register.Moves, register.ValidRows, mfile)
	if mj.Updated != 1 || mj.Rejected != 1 {
		t.Fatalf("moves: %+v", mj)
	}
	if p, _ := ps.Person(ctx, 2); p.Life != yanglao.MovedOut || p.MovedTo != "广东省广州市" || p.MovedOutDate.String() != "2025-04-01" {
		t.Fatalf("moved: %+v", p)
	}
	if mj2 := importFile(t, ps, ctx, register.Moves, register.ValidRows, mfile); mj2.Same != 1 || mj2.Updated != 0 {
		t.Fatalf("moves again: %+v", mj2)
	}
	if events, _ := ps.LifeEvents(tk.System(), 0, 100); len(events) != 2 || events[1].Kind != "person.moved_out" {
		t.Fatalf("life events after moves: %+v", events)
	}
	// All or nothing: one bad row and no one is marked.
	aon := importFile(t, ps, ctx, register.Deaths, register.AllOrNothing,
		deaths(cells{"id_number": ids[2], "death_date": "2025-05-01"}, cells{"id_number": "123", "death_date": "2025-05-01"}))
	if aon.Status != register.Rejected {
		t.Fatalf("all-or-nothing feed: %+v", aon)
	}
	if p, _ := ps.Person(ctx, 3); p.Life != yanglao.Alive || p.Version != 1 {
		t.Fatalf("all-or-nothing feed changed a person: %+v", p)
	}
	if events, _ := ps.LifeEvents(tk.System(), 0, 100); len(events) != 2 {
		t.Fatalf("all-or-nothing feed left events: %d", len(events))
	}
	aon = importFile(t, ps, ctx, register.Deaths, register.AllOrNothing, deaths(cells{"id_number": ids[2], "death_date": "2025-05-01"}))
	if aon.Status != register.Done || aon.Updated != 1 {
		t.Fatalf("all-or-nothing feed, fixed: %+v", aon)
	}
	if n, problems, err := sqldb.NewAuditService(db).VerifyAudit(tk.System()); err != nil || len(problems) > 0 {
		t.Fatalf("audit chain: %d %v %v", n, problems, err)
	}
}

// TestExportPeople: an export obeys scope, shows IDs and phones masked only,
// neutralises spreadsheet formulas, streams every page, and is audited.
func TestExportPeople(t *testing.T) {
	db, ps := newImportEnv(t)
	var rows []cells
	for i := range 620 { // more than one page of 500
		rows = append(rows, person(i+1, tk.VillageA1))
	}
	rows[0]["address"] = "=HYPERLINK(\"http://evil\",\"点我\")"
	rows[1]["address"] = "@SUM(1+1)"
	rows[2]["address"] = "+86-1"
	rows = append(rows, person(700, tk.VillageB1))
	importFile(t, ps, tk.System(), register.People, register.ValidRows, csvFile(rows...))
	official := tk.CreateUser(t, db, "officiala", yanglao.RoleOfficial, tk.TownA, nil)
	ctx := tk.As(official)
	before := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'export'`)
	var buf bytes.Buffer
	w, _ := register.NewCSVWriter(&buf)
	w.Row(register.ExportHeader)
	n := 0
	today := yanglao.DateOf(importNow)
	err := ps.ExportPeople(ctx, yanglao.PersonFilter{}, register.CSV, func(p *yanglao.Person) error {
		n++
		return w.Row(register.ExportCells(p, today, nil))
	})
	w.Close()
	if err != nil || n != 620 {
		t.Fatalf("exported %d, %v", n, err)
	}
	out := buf.String()
	for _, r := range rows {
		if strings.Contains(out, r["id_number"]) || strings.Contains(out, r["phones"]) {
			t.Fatalf("export holds a whole ID or phone")
		}
	}
	for _, want := range []string{"'=HYPERLINK", "'@SUM", "'+86-1", "431***********", "139****0001", "低保"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	if strings.Contains(out, "老人700") {
		t.Fatal("export left the township")
	}
	if got := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'export'`) - before; got != 1 {
		t.Fatalf("%d export audit entries", got)
	}
	// A search by a whole ID is audited with the ID masked.
	if err := ps.ExportPeople(ctx, yanglao.PersonFilter{Query: rows[5]["id_number"]}, register.XLSX, func(*yanglao.Person) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var detail string
	db.QueryRowForTest(context.Background(), `SELECT detail FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1`).Scan(&detail)
	if strings.Contains(detail, rows[5]["id_number"]) || !strings.Contains(detail, "masked") {
		t.Fatalf("export audit detail: %q", detail)
	}
	// Bad filters fail before anything is written; outsiders export nothing.
	if err := ps.ExportPeople(ctx, yanglao.PersonFilter{Status: "x"}, register.CSV, nil); yanglao.ErrorField(err) != "status" {
		t.Fatalf("bad filter: %v", err)
	}
	home := tk.CreateOrg(t, db, "敬老院", yanglao.OrgCareHome, tk.TownA)
	staff := tk.CreateUser(t, db, "staff", yanglao.RoleOperator, tk.TownA, &home)
	if err := ps.ExportPeople(tk.As(staff), yanglao.PersonFilter{}, register.CSV, nil); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("staff export: %v", err)
	}
}

// TestImportRegisteredMeanwhile: a county empty when the import began is
// written without looking citizen IDs up. A person of the file registered in
// another county (moved, or registered by someone else meanwhile) makes the
// insert fail on the unique index, and the batch is done again with lookups,
// updating that person instead of doubling them.
func TestImportRegisteredMeanwhile(t *testing.T) {
	db, ps := newImportEnv(t)
	rows := manyPeople(15)
	p := &yanglao.Person{Name: "先登记的人", IDNumber: rows[7]["id_number"], ResidenceCode: tk.Suxian}
	if err := ps.CreatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	defer sqldb.SetImportForTest(5, time.Minute, nil)()
	defer sqldb.SetImportCommitForTest(15)() // on SQLite the failing batch is the second of its transaction
	job := importFile(t, ps, tk.System(), register.People, register.ValidRows, csvFile(rows...))
	if job.Status != register.Done || job.Created != 14 || job.Updated != 1 {
		t.Fatalf("job: %+v", job)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM people`); n != 15 {
		t.Fatalf("%d people", n)
	}
	got, err := ps.Person(tk.System(), p.ID)
	if err != nil || got.Name != rows[7]["name"] || got.ResidenceCode != rows[7]["residence_code"] || got.CountyCode != tk.Beihu {
		t.Fatalf("the person registered elsewhere was not updated from the file: %+v %v", got, err)
	}
	checkWhole(t, db)
}

func TestAuditHasher(t *testing.T) {
	uid := int64(42)
	for _, e := range []*yanglao.AuditEntry{
		{ID: 1, At: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), Username: "a", Action: "create", Entity: "person", EntityID: "7", Detail: "import 1 row 2: name=张三", PrevHash: ""},
		{ID: 123456789, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600)), UserID: &uid, Username: "官员", Action: "update", Entity: "person", EntityID: "99", Detail: "changed: phones;x:1", IP: "10.0.0.1", PrevHash: strings.Repeat("ab", 32)},
	} {
		if a, b := sqldb.AuditHashersAgreeForTest(e); a != b {
			t.Fatalf("hashes differ: %s %s", a, b)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
