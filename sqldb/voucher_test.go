package sqldb_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

type voucherFixture struct {
	db       *sqldb.DB
	vs       *sqldb.VoucherService
	official *yanglao.User // 北湖区
	townA    *yanglao.User
	people   []*yanglao.Person // 0,1 in village A1 (1 is 低保); 2 in village B1; 3 died
}

func newVoucherFixture(t *testing.T) *voucherFixture {
	t.Helper()
	db := tk.NewDB(t)
	db.Now = func() time.Time { return time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC) }
	f := &voucherFixture{db: db, vs: sqldb.NewVoucherService(db)}
	f.official = tk.CreateUser(t, db, "beihu", yanglao.RoleOfficial, tk.Beihu, nil)
	f.townA = tk.CreateUser(t, db, "towna", yanglao.RoleOfficial, tk.TownA, nil)
	ps := sqldb.NewPersonService(db, tk.Box())
	for i, region := range []string{tk.VillageA1, tk.VillageA1, tk.VillageB1, tk.VillageA1} {
		p := newPerson(fmt.Sprintf("券老人%d", i), region, tk.CitizenID("431002", fmt.Sprintf("19%d0-01-0%d", 3+i, 1+i), 20+i))
		if i == 3 {
			p.Life, p.DeathDate = yanglao.Deceased, mustDate("2026-01-01")
		}
		if err := ps.CreatePerson(tk.System(), p); err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, p)
	}
	if err := ps.AddStatus(tk.System(), &yanglao.Status{PersonID: f.people[1].ID, Kind: "dibao", Source: "民政", Start: mustDate("2020-01-01")}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *voucherFixture) issue(t *testing.T, b *yanglao.VoucherBatch) *yanglao.VoucherBatch {
	t.Helper()
	if err := f.vs.IssueVoucherBatch(tk.As(f.official), b); err != nil {
		t.Fatalf("issue: %v", err)
	}
	return b
}

func (f *voucherFixture) voucherOf(t *testing.T, batchID, personID int64) *yanglao.Voucher {
	t.Helper()
	vs, _, err := f.vs.Vouchers(tk.System(), yanglao.VoucherFilter{BatchID: batchID, PersonID: personID})
	if err != nil || len(vs) != 1 {
		t.Fatalf("voucher of person %d in batch %d: %v %v", personID, batchID, vs, err)
	}
	return vs[0]
}

func TestVoucherIssue(t *testing.T) {
	f := newVoucherFixture(t)
	ctx := tk.As(f.official)
	base := func() *yanglao.VoucherBatch {
		return &yanglao.VoucherBatch{Name: "助餐券", RegionCode: tk.Beihu, FaceFen: 1000, Uses: []string{"meal"},
			ValidFrom: mustDate("2026-11-01"), ValidUntil: mustDate("2026-12-31")}
	}
	// Preview by filter: the living people of the region (the dead one is left out).
	b := base()
	b.Filter = &yanglao.VoucherFilterSpec{}
	if n, err := f.vs.PreviewVoucherBatch(ctx, b); err != nil || n != 3 {
		t.Fatalf("preview all: %d %v, want 3", n, err)
	}
	b.Filter = &yanglao.VoucherFilterSpec{Status: "dibao"}
	if n, err := f.vs.PreviewVoucherBatch(ctx, b); err != nil || n != 1 {
		t.Fatalf("preview 低保: %d %v, want 1", n, err)
	}
	// Issue to 低保 people: one voucher, audited.
	b.RequestKey = "k-1"
	f.issue(t, b)
	if b.People != 1 {
		t.Fatalf("issued to %d, want 1", b.People)
	}
	v := f.voucherOf(t, b.ID, f.people[1].ID)
	if v.FaceFen != 1000 || v.State != yanglao.VoucherUnspent || v.PersonName != "券老人1" {
		t.Fatalf("voucher: %+v", v)
	}
	// The same idempotency key is the same batch, not a second one.
	again := base()
	again.Filter, again.RequestKey = &yanglao.VoucherFilterSpec{Status: "dibao"}, "k-1"
	f.issue(t, again)
	if again.ID != b.ID {
		t.Fatalf("retried issue made batch %d, want %d", again.ID, b.ID)
	}
	if bs, _, err := f.vs.VoucherBatches(ctx, yanglao.VoucherBatchFilter{}); err != nil || len(bs) != 1 {
		t.Fatalf("batches: %v %v", bs, err)
	}

	// A list: all valid ids or nothing; the bad ids are named.
	l := base()
	l.PersonIDs = []int64{f.people[0].ID, f.people[3].ID, 999999}
	if _, err := f.vs.PreviewVoucherBatch(ctx, l); yanglao.ErrorField(err) != "person_ids" {
		t.Fatalf("preview list with dead and unknown ids: %v", err)
	}
	if err := f.vs.IssueVoucherBatch(ctx, l); yanglao.ErrorField(err) != "person_ids" {
		t.Fatalf("issue list with dead and unknown ids: %v", err)
	}
	if bs, _, _ := f.vs.VoucherBatches(ctx, yanglao.VoucherBatchFilter{}); len(bs) != 1 {
		t.Fatalf("a refused list left a batch behind: %d batches", len(bs))
	}
	l = base()
	l.PersonIDs = []int64{f.people[0].ID, f.people[2].ID, f.people[0].ID}
	f.issue(t, l)
	if l.People != 2 {
		t.Fatalf("list issued to %d, want 2", l.People)
	}

	// Township A's official cannot issue to township B's person, nor for the county.
	ta := base()
	ta.RegionCode, ta.PersonIDs = tk.TownA, []int64{f.people[2].ID}
	if err := f.vs.IssueVoucherBatch(tk.As(f.townA), ta); yanglao.ErrorField(err) != "person_ids" {
		t.Fatalf("township A issuing to township B's person: %v", err)
	}
	ta = base()
	ta.Filter = &yanglao.VoucherFilterSpec{}
	if err := f.vs.IssueVoucherBatch(tk.As(f.townA), ta); yanglao.ErrorField(err) != "region_code" {
		t.Fatalf("township A issuing for the county: %v", err)
	}
	// Township A sees only its people's vouchers; batches of the county it does not see.
	vs, _, err := f.vs.Vouchers(tk.As(f.townA), yanglao.VoucherFilter{})
	if err != nil || len(vs) != 2 {
		t.Fatalf("township A vouchers: %d %v, want 2", len(vs), err)
	}
	if _, err := f.vs.VoucherBatch(tk.As(f.townA), b.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("township A reading the county's batch: %v", err)
	}
	// Non-officials cannot issue.
	worker := tk.CreateUser(t, f.db, "wk", yanglao.RoleWorker, tk.Beihu, nil)
	if err := f.vs.IssueVoucherBatch(tk.As(worker), base()); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("worker issuing: %v", err)
	}

	// Bad input names its field and writes nothing.
	for _, tc := range []struct {
		field string
		edit  func(*yanglao.VoucherBatch)
	}{
		{"face_fen", func(b *yanglao.VoucherBatch) { b.FaceFen = 0 }},
		{"face_fen", func(b *yanglao.VoucherBatch) { b.FaceFen = -5 }},
		{"valid_until", func(b *yanglao.VoucherBatch) { b.ValidUntil = mustDate("2026-10-01") }},
		{"uses", func(b *yanglao.VoucherBatch) { b.Uses = nil }},
		{"uses", func(b *yanglao.VoucherBatch) { b.Uses = []string{"any", "meal"} }},
		{"uses", func(b *yanglao.VoucherBatch) { b.Uses = []string{"Meal; DROP"} }},
		{"person_ids", func(b *yanglao.VoucherBatch) { b.Filter = nil }},
		{"person_ids", func(b *yanglao.VoucherBatch) { b.PersonIDs = []int64{1} }},
		{"status", func(b *yanglao.VoucherBatch) { b.Filter.Status = "rich" }},
		{"region_code", func(b *yanglao.VoucherBatch) { b.RegionCode = "999999999999" }},
		{"name", func(b *yanglao.VoucherBatch) { b.Name = " " }},
	} {
		b := base()
		b.Filter = &yanglao.VoucherFilterSpec{}
		tc.edit(b)
		if err := f.vs.IssueVoucherBatch(ctx, b); yanglao.ErrorField(err) != tc.field {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	if bs, _, _ := f.vs.VoucherBatches(ctx, yanglao.VoucherBatchFilter{}); len(bs) != 2 {
		t.Fatalf("bad input left batches: %d", len(bs))
	}
}

func TestVoucherRedeemAndRefund(t *testing.T) {
	f := newVoucherFixture(t)
	ctx := tk.System()
	b := f.issue(t, &yanglao.VoucherBatch{Name: "助餐券", RegionCode: tk.Beihu, FaceFen: 500, Uses: []string{"meal"},
		ValidFrom: mustDate("2026-11-01"), ValidUntil: mustDate("2026-11-30"), PersonIDs: []int64{f.people[0].ID, f.people[1].ID}})
	v0 := f.voucherOf(t, b.ID, f.people[0].ID)
	v1 := f.voucherOf(t, b.ID, f.people[1].ID)

	// Wrong person, wrong use, bad amount: refused, nothing spent.
	if _, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[1].ID, 800, "meal:1", nil); yanglao.ErrorField(err) != "voucher_id" {
		t.Fatalf("someone else's voucher: %v", err)
	}
	if _, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 800, "clean:1", nil); yanglao.ErrorField(err) != "voucher_id" {
		t.Fatalf("meal voucher for cleaning: %v", err)
	}
	if _, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 0, "meal:1", nil); yanglao.ErrorField(err) != "amount_fen" {
		t.Fatalf("zero amount: %v", err)
	}
	if _, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 800, "meal", nil); yanglao.ErrorField(err) != "ref" {
		t.Fatalf("ref without record: %v", err)
	}
	// A 5-yuan voucher on an 8-yuan meal covers 5; on a 3-yuan meal, 3.
	if used, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 800, "meal:1", nil); err != nil || used != 500 {
		t.Fatalf("redeem: %d %v, want 500", used, err)
	}
	if used, err := f.db.RedeemVoucherForTest(ctx, v1.ID, f.people[1].ID, 300, "meal:2", nil); err != nil || used != 300 {
		t.Fatalf("redeem small: %d %v, want 300", used, err)
	}
	// Spent once: the second spend is refused with the reason.
	_, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 800, "meal:3", nil)
	if yanglao.ErrorCode(err) != yanglao.ECONFLICT || yanglao.ErrorMessage(err) != "消费券已使用 (voucher already spent)" {
		t.Fatalf("second spend: %v", err)
	}
	// The constraint, not only the check: with the voucher row tampered back to
	// unspent, the live redemption still refuses a second one.
	if _, err := f.db.ExecForTest(ctx, `UPDATE vouchers SET spent_at = NULL WHERE id = ?`, v1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RedeemVoucherForTest(ctx, v1.ID, f.people[1].ID, 300, "meal:9", nil); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("spend past a tampered row: %v", err)
	}
	if _, err := f.db.ExecForTest(ctx, `UPDATE vouchers SET spent_at = created_at WHERE id = ?`, v1.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.voucherOf(t, b.ID, f.people[0].ID); got.State != yanglao.VoucherSpent || got.SpentFen != 500 || got.SpentRef != "meal:1" {
		t.Fatalf("spent voucher: %+v", got)
	}
	// Refund by ref gives it back; it can then be spent again; an unknown ref is a no-op.
	if err := f.db.RefundVoucherForTest(ctx, "meal:1"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RefundVoucherForTest(ctx, "meal:404"); err != nil {
		t.Fatalf("refund of nothing: %v", err)
	}
	if got := f.voucherOf(t, b.ID, f.people[0].ID); got.State != yanglao.VoucherUnspent || got.SpentFen != 0 {
		t.Fatalf("refunded voucher: %+v", got)
	}
	if used, err := f.db.RedeemVoucherForTest(ctx, v0.ID, f.people[0].ID, 800, "meal:4", nil); err != nil || used != 500 {
		t.Fatalf("spend after refund: %d %v", used, err)
	}
	// The state filter follows.
	if vs, _, err := f.vs.Vouchers(ctx, yanglao.VoucherFilter{State: yanglao.VoucherSpent}); err != nil || len(vs) != 2 {
		t.Fatalf("spent vouchers: %d %v", len(vs), err)
	}
	// Expired: a day after valid_until the voucher is refused and listed as expired.
	f.db.Now = func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
	if err := f.db.RefundVoucherForTest(ctx, "meal:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RedeemVoucherForTest(ctx, v1.ID, f.people[1].ID, 300, "meal:5", nil); yanglao.ErrorField(err) != "voucher_id" {
		t.Fatalf("expired voucher: %v", err)
	}
	if vs, _, err := f.vs.Vouchers(ctx, yanglao.VoucherFilter{State: yanglao.VoucherExpired}); err != nil || len(vs) != 1 || vs[0].ID != v1.ID {
		t.Fatalf("expired vouchers: %v %v", vs, err)
	}
	// The elder linked to person 0 sees that voucher and nobody else's.
	elder := tk.CreateUser(t, f.db, "elder0", yanglao.RoleElder, tk.VillageA1, nil)
	if err := sqldb.NewPersonService(f.db, tk.Box()).LinkUser(tk.System(), elder.ID, f.people[0].ID, "self"); err != nil {
		t.Fatal(err)
	}
	if vs, _, err := f.vs.Vouchers(tk.As(elder), yanglao.VoucherFilter{}); err != nil || len(vs) != 1 || vs[0].PersonID != f.people[0].ID {
		t.Fatalf("elder's vouchers: %v %v", vs, err)
	}
	if _, err := f.vs.Voucher(tk.As(elder), v1.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("elder reading another's voucher: %v", err)
	}
}

// TestVoucherDoubleSpendConcurrent: two transactions spend one voucher at the
// same time; exactly one succeeds and the other is told it is spent. On
// PostgreSQL the first holds its transaction open until the second has tried.
func TestVoucherDoubleSpendConcurrent(t *testing.T) {
	f := newVoucherFixture(t)
	ctx := tk.System()
	b := f.issue(t, &yanglao.VoucherBatch{Name: "通用券", RegionCode: tk.Beihu, FaceFen: 2000, Uses: []string{"any"},
		ValidFrom: mustDate("2026-11-01"), ValidUntil: mustDate("2026-11-30"), PersonIDs: []int64{f.people[0].ID}})
	v := f.voucherOf(t, b.ID, f.people[0].ID)
	for round := range 5 {
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, results[i] = f.db.RedeemVoucherForTest(ctx, v.ID, f.people[0].ID, 3000, fmt.Sprintf("clean:r%d-%d", round, i),
					func() { time.Sleep(20 * time.Millisecond) })
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case yanglao.ErrorMessage(err) != "消费券已使用 (voucher already spent)":
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d spends succeeded, want exactly 1", round, ok)
		}
		got := f.voucherOf(t, b.ID, f.people[0].ID)
		if err := f.db.RefundVoucherForTest(ctx, got.SpentRef); err != nil {
			t.Fatal(err)
		}
	}
}
