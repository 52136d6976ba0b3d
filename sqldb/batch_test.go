package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// batchFixture is a small register whose monthly entitlements are known: ages
// 78–101 with and without a fixed income, 特困 people, people who died.
type batchFixture struct {
	db       *sqldb.DB
	clock    *time.Time
	ps       *sqldb.PersonService
	bs       *sqldb.BatchService
	runner   context.Context
	approver context.Context
	townA    context.Context
	people   []*yanglao.Person
}

func (f *batchFixture) tick() { *f.clock = f.clock.Add(time.Minute) }

func newBatchFixture(t *testing.T, n int) *batchFixture {
	t.Helper()
	db := tk.NewDB(t)
	clock := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	f := &batchFixture{db: db, clock: &clock, ps: sqldb.NewPersonService(db, tk.Box()), bs: sqldb.NewBatchService(db, tk.Box())}
	db.Now = func() time.Time { return *f.clock }
	f.bs.PageSize = 7
	f.runner = tk.As(tk.CreateUser(t, db, "runner", yanglao.RoleOfficial, tk.Beihu, nil))
	f.approver = tk.As(tk.CreateUser(t, db, "checker", yanglao.RoleOfficial, tk.Beihu, nil))
	f.townA = tk.As(tk.CreateUser(t, db, "towna", yanglao.RoleOfficial, tk.TownA, nil))
	ctx := tk.System()
	for i := range n {
		region := tk.VillageA1
		if i%3 == 2 {
			region = tk.VillageB1
		}
		birth := fmt.Sprintf("%d-%02d-%02d", 1925+i%22, 1+i%12, 1+i%28)
		p := newPerson(fmt.Sprintf("老人%d", i), region, tk.CitizenID("431002", birth, 10+i))
		if err := f.ps.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		add := func(kind, start string) {
			st := &yanglao.Status{PersonID: p.ID, Kind: kind, Source: "民政", Start: mustDate(start)}
			if err := f.ps.AddStatus(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		if i%2 == 0 {
			add("no_fixed_income", "2010-01-01")
		}
		if i%7 == 3 {
			add("tekun_dispersed", "2020-05-01")
		}
		if i%11 == 5 {
			p.Life, p.DeathDate = yanglao.Deceased, mustDate("2026-01-31")
			if err := f.ps.UpdatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		f.people = append(f.people, p)
	}
	f.tick()
	return f
}

func mustDate(s string) yanglao.Date {
	d, err := yanglao.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (f *batchFixture) run(t *testing.T, ctx context.Context, region, month string) *yanglao.Batch {
	t.Helper()
	b, _, err := f.bs.CreateBatch(ctx, region, month)
	if err != nil {
		t.Fatal(err)
	}
	b, err = f.bs.RunBatch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.tick()
	return b
}

// lineSet is a batch's lines as comparable text, sorted.
func lineSet(t *testing.T, bs *sqldb.BatchService, ctx context.Context, id int64) []string {
	t.Helper()
	var out []string
	page := yanglao.Page{Limit: 500}
	for {
		lines, next, err := bs.BatchLines(ctx, id, yanglao.LineFilter{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			out = append(out, fmt.Sprintf("%d %s %s %s %d %s", l.PersonID, l.ItemCode, l.ForMonth, l.Kind, l.AmountFen, l.Status))
		}
		if next == "" {
			break
		}
		page.After = next
	}
	slices.Sort(out)
	return out
}

func TestBatchRunIsDeterministicAndPaysTheRightPeople(t *testing.T) {
	f := newBatchFixture(t, 60)
	b := f.run(t, f.runner, tk.Beihu, "2026-02")
	if b.Status != yanglao.BatchComputed || b.Progress != 60 || b.PeopleTotal != 60 {
		t.Fatalf("batch: %+v", b)
	}
	lines := lineSet(t, f.bs, f.runner, b.ID)
	if len(lines) == 0 || b.Lines == 0 || b.TotalFen <= 0 {
		t.Fatalf("no lines: %+v", b)
	}
	// Person 5 died on 2026-01-31: nothing for February.
	for _, l := range lines {
		var pid int64
		fmt.Sscan(l, &pid)
		if pid == f.people[5].ID {
			t.Fatalf("a person who died in January is paid for February: %s", l)
		}
	}
	// Person 0 born 1925-01-01 is 101 with no fixed income: 百岁 600 yuan and no 高龄津贴.
	want := fmt.Sprintf("%d CZ-13 2026-02 regular 60000 pending", f.people[0].ID)
	if !slices.Contains(lines, want) {
		t.Fatalf("missing %q in %v", want, lines)
	}
	// 特困 (person 3, dispersed): 1.3 × the 650-yuan default 低保 standard.
	want = fmt.Sprintf("%d CZ-19 2026-02 regular 84500 pending", f.people[3].ID)
	if !slices.Contains(lines, want) {
		t.Fatalf("missing %q in %v", want, lines)
	}
	// Running again changes nothing; a second database with the same people
	// yields the same lines.
	again, err := f.bs.RunBatch(f.runner, b.ID)
	if err != nil || again.Lines != b.Lines || !slices.Equal(lineSet(t, f.bs, f.runner, b.ID), lines) {
		t.Fatalf("re-run: %+v %v", again, err)
	}
	g := newBatchFixture(t, 60)
	g.bs.PageSize = 1000
	b2 := g.run(t, g.runner, tk.Beihu, "2026-02")
	if got := lineSet(t, g.bs, g.runner, b2.ID); !slices.Equal(got, lines) {
		t.Fatalf("another database, another page size, other lines:\n%v\n%v", got, lines)
	}
	// The same month again for the same region is the same batch.
	b3, created, err := f.bs.CreateBatch(f.approver, tk.Beihu, "2026-02")
	if err != nil || created || b3.ID != b.ID {
		t.Fatalf("second create: %+v %v %v", b3, created, err)
	}
}

func TestBatchRefusals(t *testing.T) {
	f := newBatchFixture(t, 5)
	for _, m := range []string{"2026-04", "2030-01"} {
		if _, _, err := f.bs.CreateBatch(f.runner, tk.Beihu, m); yanglao.ErrorCode(err) != yanglao.EINVALID || yanglao.ErrorField(err) != "month" {
			t.Fatalf("future month %s: %v", m, err)
		}
	}
	if _, _, err := f.bs.CreateBatch(f.runner, tk.Beihu, "2023-03"); yanglao.ErrorCode(err) != yanglao.EINVALID {
		t.Fatalf("month before the list: %v", err)
	}
	if _, _, err := f.bs.CreateBatch(f.runner, tk.Beihu, "2026-13"); yanglao.ErrorCode(err) != yanglao.EINVALID {
		t.Fatalf("bad month: %v", err)
	}
	worker := tk.As(tk.CreateUser(t, f.db, "worker", yanglao.RoleWorker, tk.Beihu, nil))
	if _, _, err := f.bs.CreateBatch(worker, tk.Beihu, "2026-02"); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("worker: %v", err)
	}
	// The current month is allowed.
	b := f.run(t, f.runner, tk.Beihu, "2026-03")
	if _, err := f.bs.ApproveBatch(f.runner, b.ID); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("approved by its runner: %v", err)
	}
	if _, err := f.bs.ApproveBatch(tk.System(), b.ID); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("approved by the platform: %v", err)
	}
	if err := f.bs.ExportBatch(f.runner, b.ID, "", func(*yanglao.ExportLine) error { return nil }); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("export before approval: %v", err)
	}
	ok, err := f.bs.ApproveBatch(f.approver, b.ID)
	if err != nil || ok.Status != yanglao.BatchApproved {
		t.Fatalf("approve: %+v %v", ok, err)
	}
	if _, err := f.bs.ApproveBatch(f.approver, b.ID); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("approve twice: %v", err)
	}
}

func TestBatchConcurrentRunsMakeOneBatch(t *testing.T) {
	f := newBatchFixture(t, 40)
	clean := newBatchFixture(t, 40)
	want := lineSet(t, clean.bs, clean.runner, clean.run(t, clean.runner, tk.Beihu, "2026-02").ID)
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := f.runner
			if i%2 == 1 {
				ctx = f.approver
			}
			b, _, err := f.bs.CreateBatch(ctx, tk.Beihu, "2026-02")
			if err != nil {
				errs[i] = err
				return
			}
			ids[i] = b.ID
			_, errs[i] = f.bs.RunBatch(ctx, b.ID)
		}()
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("run %d: id %d vs %d, %v", i, ids[i], ids[0], errs[i])
		}
	}
	if got := lineSet(t, f.bs, f.runner, ids[0]); !slices.Equal(got, want) {
		t.Fatalf("concurrent runs: %d lines, clean run %d", len(got), len(want))
	}
	var n int
	if err := f.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM payment_batches`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("batches: %d %v", n, err)
	}
}

func TestBatchKilledAndResumedPaysEveryoneOnce(t *testing.T) {
	clean := newBatchFixture(t, 45)
	want := lineSet(t, clean.bs, clean.runner, clean.run(t, clean.runner, tk.Beihu, "2026-02").ID)
	for _, k := range []int{1, 2, 4, 6} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			f := newBatchFixture(t, 45)
			b, _, err := f.bs.CreateBatch(f.runner, tk.Beihu, "2026-02")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(f.runner)
			f.bs.SetAfterPage(func(pages int) {
				if pages == k {
					cancel()
				}
			})
			if _, err := f.bs.RunBatch(ctx, b.ID); err == nil {
				t.Fatal("the killed run finished")
			}
			mid, _ := f.bs.Batch(f.runner, b.ID)
			if mid.Status != yanglao.BatchRunning || mid.Progress != k*7 {
				t.Fatalf("after %d pages: %+v", k, mid)
			}
			f.bs.SetAfterPage(nil)
			done, err := f.bs.RunBatch(f.runner, b.ID)
			if err != nil || done.Status != yanglao.BatchComputed || done.Progress != 45 {
				t.Fatalf("resume: %+v %v", done, err)
			}
			if got := lineSet(t, f.bs, f.runner, b.ID); !slices.Equal(got, want) {
				t.Fatalf("killed after %d pages and resumed: %d lines, clean %d", k, len(got), len(want))
			}
		})
	}
}

func TestBatchScope(t *testing.T) {
	f := newBatchFixture(t, 12)
	b := f.run(t, f.runner, tk.TownB, "2026-02")
	if _, err := f.bs.Batch(f.townA, b.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling township reads: %v", err)
	}
	if _, err := f.bs.ApproveBatch(f.townA, b.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling township approves: %v", err)
	}
	if _, _, err := f.bs.CreateBatch(f.townA, tk.TownB, "2026-01"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling township runs: %v", err)
	}
	list, _, err := f.bs.Batches(f.townA, yanglao.BatchFilter{})
	if err != nil || len(list) != 0 {
		t.Fatalf("sibling township lists: %v %v", list, err)
	}
	if list, _, _ := f.bs.Batches(f.approver, yanglao.BatchFilter{}); len(list) != 1 {
		t.Fatalf("county lists: %v", list)
	}
	// TownB's people were paid by TownB's batch: the county's batch for the
	// same month pays only the rest, nobody twice.
	county := f.run(t, f.runner, tk.Beihu, "2026-02")
	for _, l := range lineSet(t, f.bs, f.runner, county.ID) {
		if slices.Contains(lineSet(t, f.bs, f.runner, b.ID), l) {
			t.Fatalf("paid twice: %s", l)
		}
	}
}

func TestBatchApproveCheckExportReconcile(t *testing.T) {
	f := newBatchFixture(t, 30)
	b := f.run(t, f.runner, tk.Beihu, "2026-02")
	// A death reported after computing, before the month: held at release.
	p := f.people[0]
	got, _ := f.ps.Person(tk.System(), p.ID)
	got.Life, got.DeathDate = yanglao.Deceased, mustDate("2026-01-20")
	if err := f.ps.UpdatePerson(tk.System(), got); err != nil {
		t.Fatal(err)
	}
	f.tick()
	ok, err := f.bs.ApproveBatch(f.approver, b.ID)
	if err != nil || ok.Held < 1 {
		t.Fatalf("approve: %+v %v", ok, err)
	}
	held, _, err := f.bs.BatchLines(f.approver, b.ID, yanglao.LineFilter{Status: yanglao.LineHeld})
	if err != nil || len(held) == 0 || held[0].PersonID != p.ID || held[0].HoldReason == "" {
		t.Fatalf("held: %+v %v", held, err)
	}
	totals, err := f.bs.BatchTotals(f.approver, b.ID)
	if err != nil || len(totals.ByRegion) != 2 || totals.All.Held < 1 || len(totals.ByItem) == 0 || totals.ByItem[0].Name == "" {
		t.Fatalf("totals: %+v %v", totals, err)
	}
	if totals.All.AmountFen != ok.TotalFen {
		t.Fatalf("totals %d vs batch %d", totals.All.AmountFen, ok.TotalFen)
	}
	var rows []*yanglao.ExportLine
	if err := f.bs.ExportBatch(f.approver, b.ID, tk.TownA, func(x *yanglao.ExportLine) error { c := *x; rows = append(rows, &c); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || len(rows[0].IDNumber) != 18 {
		t.Fatalf("export: %+v", rows)
	}
	for _, r := range rows {
		if r.Region != tk.VillageA1 {
			t.Fatalf("exported a line outside TownA: %+v", r)
		}
	}
	var audits int
	f.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'payment_batch' AND entity_id = ?`, fmt.Sprint(b.ID)).Scan(&audits)
	if audits != 1 {
		t.Fatalf("export audits: %d", audits)
	}
	res := []yanglao.BankResult{{LineID: rows[0].LineID, Paid: true}, {LineID: rows[1].LineID, Paid: false, Note: "账户已销户"}, {LineID: 999999, Paid: true}}
	rec, err := f.bs.ReconcileBatch(f.approver, b.ID, res)
	if err != nil || rec.Paid != 1 || rec.Failed != 1 || rec.Unmatched != 1 || rec.Totals.Paid != 1 || rec.Totals.FailedFen != rows[1].AmountFen {
		t.Fatalf("reconcile: %+v %v", rec, err)
	}
	// The same file again: same state.
	rec2, err := f.bs.ReconcileBatch(f.approver, b.ID, res)
	if err != nil || rec2.Totals != rec.Totals {
		t.Fatalf("reconcile twice: %+v %v", rec2, err)
	}
}

func TestBatchCorrections(t *testing.T) {
	f := newBatchFixture(t, 30)
	jan := f.run(t, f.runner, tk.Beihu, "2026-01")
	feb := f.run(t, f.runner, tk.Beihu, "2026-02")
	if _, err := f.bs.ApproveBatch(f.approver, feb.ID); err != nil {
		t.Fatal(err)
	}
	_ = jan
	f.tick()
	// Person 0 (101, 百岁 600 yuan) died on 2026-01-10, reported in March:
	// January stays paid (month of death), February was paid and not due.
	p, _ := f.ps.Person(tk.System(), f.people[0].ID)
	p.Life, p.DeathDate = yanglao.Deceased, mustDate("2026-01-10")
	if err := f.ps.UpdatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	// Person 1 (born 1926-02-02, 100, fixed income): a 特困 status back-dated to December.
	st := &yanglao.Status{PersonID: f.people[1].ID, Kind: "tekun_dispersed", Source: "民政", Start: mustDate("2025-12-01")}
	if err := f.ps.AddStatus(tk.System(), st); err != nil {
		t.Fatal(err)
	}
	f.tick()
	mar := f.run(t, f.runner, tk.Beihu, "2026-03")
	lines := lineSet(t, f.bs, f.runner, mar.ID)
	for _, want := range []string{
		fmt.Sprintf("%d CZ-13 2026-02 recovery -60000 pending", f.people[0].ID),
		fmt.Sprintf("%d CZ-19 2026-01 arrears 84500 pending", f.people[1].ID),
		fmt.Sprintf("%d CZ-19 2026-02 arrears 84500 pending", f.people[1].ID),
		fmt.Sprintf("%d CZ-19 2026-03 regular 84500 pending", f.people[1].ID),
	} {
		if !slices.Contains(lines, want) {
			t.Fatalf("missing %q in\n%v", want, lines)
		}
	}
	for _, l := range lines {
		var pid int64
		var item, month string
		fmt.Sscan(l, &pid, &item, &month)
		if pid == f.people[0].ID && month == "2026-01" {
			t.Fatalf("the month of death is recovered: %s", l)
		}
	}
	if mar.Corrections != 3 {
		t.Fatalf("corrections: %d", mar.Corrections)
	}
	// A later batch sees the corrections and does not repeat them.
	apr := f.run(t, f.runner, tk.Beihu, "2026-02") // same batch: nothing new
	if apr.ID != feb.ID {
		t.Fatal("re-created February")
	}
	// Paid lines are never edited: February's line for person 0 is as it was.
	febLines := lineSet(t, f.bs, f.runner, feb.ID)
	want := fmt.Sprintf("%d CZ-13 2026-02 regular 60000 pending", f.people[0].ID)
	if !slices.Contains(febLines, want) {
		t.Fatalf("February changed: %v", febLines)
	}
}

// With the BenefitService wired (as serve does), the batch pays from the
// stored list and the county's stored parameters.
func TestBatchUsesTheStoredList(t *testing.T) {
	f := newBatchFixture(t, 10)
	f.bs.Lists = sqldb.NewBenefitService(f.db)
	b := f.run(t, f.runner, tk.Beihu, "2026-02")
	lines := lineSet(t, f.bs, f.runner, b.ID)
	l, p, err := f.bs.Lists.EffectiveList(tk.System(), tk.Beihu)
	if err != nil || l == nil {
		t.Fatal(err)
	}
	dibao, ok := p.On("dibao_standard", mustDate("2026-02-28"))
	if !ok {
		t.Fatal("no stored dibao standard")
	}
	want := fmt.Sprintf("%d CZ-19 2026-02 regular %d pending", f.people[3].ID, (dibao*13+9)/10)
	if !slices.Contains(lines, want) {
		t.Fatalf("missing %q in %v", want, lines)
	}
}

// A line held because a local parameter had no value (no 低保 standard:
// 特困 support is 1.3 × it, benefits/doc.go) is decided again once the county
// sets the parameter: the next batch pays each held month as arrears, and the
// batch after that pays nothing more. The person's own record did not change:
// the new parameter is a change for the whole county.
func TestBatchHeldForAMissingParameterIsPaidOnceItIsSet(t *testing.T) {
	f := newBatchFixture(t, 12)
	f.bs.DefaultDibaoFen = 0
	tekun := f.people[3].ID // 特困 (dispersed) since 2020
	jan := f.run(t, f.runner, tk.Beihu, "2026-01")
	feb := f.run(t, f.runner, tk.Beihu, "2026-02")
	for _, b := range []*yanglao.Batch{jan, feb} {
		want := fmt.Sprintf("%d CZ-19 %s regular 0 held", tekun, b.Month)
		if !slices.Contains(lineSet(t, f.bs, f.runner, b.ID), want) {
			t.Fatalf("no standard: missing %q in %v", want, lineSet(t, f.bs, f.runner, b.ID))
		}
	}
	if err := sqldb.NewBenefitService(f.db).SetBenefitParam(f.runner, &yanglao.BenefitParam{Region: tk.Beihu, Name: benefits.ParamDibao,
		From: mustDate("2025-01-01"), Fen: 70000}); err != nil {
		t.Fatal(err)
	}
	f.tick()
	mar := f.run(t, f.runner, tk.Beihu, "2026-03")
	lines := lineSet(t, f.bs, f.runner, mar.ID)
	for _, want := range []string{
		fmt.Sprintf("%d CZ-19 2026-01 arrears 91000 pending", tekun),
		fmt.Sprintf("%d CZ-19 2026-02 arrears 91000 pending", tekun),
		fmt.Sprintf("%d CZ-19 2026-03 regular 91000 pending", tekun),
	} {
		if !slices.Contains(lines, want) {
			t.Fatalf("standard set: missing %q in\n%v", want, lines)
		}
	}
	for _, l := range lines {
		if !strings.Contains(l, " regular ") && !strings.HasPrefix(l, fmt.Sprint(tekun)+" ") && !strings.HasPrefix(l, fmt.Sprint(f.people[10].ID)+" ") {
			t.Fatalf("a correction for someone the standard does not concern: %s", l)
		}
	}
	// April: the held months are paid; nothing more for them.
	*f.clock = time.Date(2026, 4, 15, 2, 0, 0, 0, time.UTC)
	apr := f.run(t, f.runner, tk.Beihu, "2026-04")
	for _, l := range lineSet(t, f.bs, f.runner, apr.ID) {
		if !strings.Contains(l, " regular ") {
			t.Fatalf("April repeats a correction: %s", l)
		}
	}
}

// A line the bank returned as failed was never paid: the next batch pays it
// as arrears, once; the batch after does not pay it again.
func TestBatchBankFailedLineIsPaidAgainOnce(t *testing.T) {
	f := newBatchFixture(t, 12)
	feb := f.run(t, f.runner, tk.Beihu, "2026-02")
	if _, err := f.bs.ApproveBatch(f.approver, feb.ID); err != nil {
		t.Fatal(err)
	}
	var lines []*yanglao.ExportLine
	if err := f.bs.ExportBatch(f.approver, feb.ID, "", func(x *yanglao.ExportLine) error { c := *x; lines = append(lines, &c); return nil }); err != nil {
		t.Fatal(err)
	}
	var res []yanglao.BankResult
	var failed *yanglao.ExportLine
	for _, l := range lines {
		ok := l.LineID != lines[0].LineID
		if !ok {
			failed = l
		}
		res = append(res, yanglao.BankResult{LineID: l.LineID, Paid: ok, Note: "账户已销户"})
	}
	if rec, err := f.bs.ReconcileBatch(f.approver, feb.ID, res); err != nil || rec.Failed != 1 {
		t.Fatalf("reconcile: %+v %v", rec, err)
	}
	f.tick()
	var pid int64
	if err := f.db.QueryRowForTest(context.Background(), `SELECT person_id FROM payment_lines WHERE id = ?`, failed.LineID).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d %s 2026-02 arrears %d pending", pid, failed.ItemCode, failedFen(t, f, failed.LineID))
	mar := f.run(t, f.runner, tk.Beihu, "2026-03")
	got := lineSet(t, f.bs, f.runner, mar.ID)
	if !slices.Contains(got, want) {
		t.Fatalf("the failed line is not paid again: missing %q in\n%v", want, got)
	}
	for _, l := range got {
		if !strings.Contains(l, " regular ") && l != want {
			t.Fatalf("an arrears line for a line the bank paid: %s", l)
		}
	}
	// Run again: the same lines. April: nothing more for February.
	if again, err := f.bs.RunBatch(f.runner, mar.ID); err != nil || !slices.Equal(lineSet(t, f.bs, f.runner, again.ID), got) {
		t.Fatalf("re-run: %v", err)
	}
	*f.clock = time.Date(2026, 4, 15, 2, 0, 0, 0, time.UTC)
	apr := f.run(t, f.runner, tk.Beihu, "2026-04")
	for _, l := range lineSet(t, f.bs, f.runner, apr.ID) {
		if !strings.Contains(l, " regular ") {
			t.Fatalf("April pays February again: %s", l)
		}
	}
}

func failedFen(t *testing.T, f *batchFixture, lineID int64) int64 {
	t.Helper()
	var fen int64
	if err := f.db.QueryRowForTest(context.Background(), `SELECT amount_fen FROM payment_lines WHERE id = ? AND status = 'failed'`, lineID).Scan(&fen); err != nil {
		t.Fatal(err)
	}
	return fen
}

// An application (依申请: CZ-24, the two disability subsidies) approved after
// the months it covers were paid: the next batch pays those months as arrears,
// once. The person's record did not change; the entitlement did.
func TestBatchApprovedApplicationPaysEarlierMonths(t *testing.T) {
	f := newBatchFixture(t, 6)
	bens := sqldb.NewBenefitService(f.db)
	if err := bens.Seed(tk.System()); err != nil { // the list and its parameters, before any batch
		t.Fatal(err)
	}
	f.tick()
	p := newPerson("残疾老人", tk.VillageA1, tk.CitizenID("431002", "1950-06-06", 91))
	p.DisabilityGrade = 1
	if err := f.ps.CreatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	if err := f.ps.AddStatus(tk.System(), &yanglao.Status{PersonID: p.ID, Kind: "dibao", Source: "民政", Start: mustDate("2020-01-01")}); err != nil {
		t.Fatal(err)
	}
	f.tick()
	f.run(t, f.runner, tk.Beihu, "2026-01")
	f.run(t, f.runner, tk.Beihu, "2026-02")
	ap := &yanglao.BenefitApplication{PersonID: p.ID, ItemCode: "CZ-24", FromMonth: "2026-01", Reason: "一级肢体残疾，低保"}
	if err := bens.Apply(f.townA, ap); err != nil {
		t.Fatal(err)
	}
	if _, err := bens.DecideApplication(f.approver, ap.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.tick()
	mar := f.run(t, f.runner, tk.Beihu, "2026-03")
	lines := lineSet(t, f.bs, f.runner, mar.ID)
	var fen int64
	for _, l := range lines {
		if strings.HasPrefix(l, fmt.Sprintf("%d CZ-24 2026-03 regular ", p.ID)) {
			fmt.Sscanf(strings.Fields(l)[4], "%d", &fen)
		}
	}
	if fen <= 0 {
		t.Fatalf("March does not pay the approved application: %v", lines)
	}
	for _, m := range []string{"2026-01", "2026-02"} {
		if want := fmt.Sprintf("%d CZ-24 %s arrears %d pending", p.ID, m, fen); !slices.Contains(lines, want) {
			t.Fatalf("missing %q in\n%v", want, lines)
		}
	}
	*f.clock = time.Date(2026, 4, 15, 2, 0, 0, 0, time.UTC)
	for _, l := range lineSet(t, f.bs, f.runner, f.run(t, f.runner, tk.Beihu, "2026-04").ID) {
		if !strings.Contains(l, " regular ") {
			t.Fatalf("April repeats a correction: %s", l)
		}
	}
}
