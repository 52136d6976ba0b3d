package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/visitrules"
)

type visitFixture struct {
	t      *testing.T
	db     *sqldb.DB
	people *sqldb.PersonService
	svc    *sqldb.CareVisitService
	seq    int
	now    time.Time
}

func newVisitFixture(t *testing.T, now string) *visitFixture {
	db := tk.NewDB(t)
	f := &visitFixture{t: t, db: db, people: sqldb.NewPersonService(db, tk.Box()), svc: sqldb.NewCareVisitService(db)}
	f.setNow(now)
	db.Now = func() time.Time { return f.now }
	for _, r := range visitrules.Defaults(tk.Beihu, day("2025-01-01")) {
		cr := &yanglao.CareRule{Region: r.Region, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, Source: r.Source}
		if err := f.svc.SaveCareRule(tk.System(), cr); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *visitFixture) setNow(d string) {
	f.now = day(d).Time().Add(10 * time.Hour)
}

func (f *visitFixture) person(name, birth, village, living string) *yanglao.Person {
	f.t.Helper()
	f.seq++
	p := &yanglao.Person{Name: name, ResidenceCode: village, Living: living, IDNumber: tk.CitizenID("431002", birth, 200+f.seq*2)}
	if err := f.people.CreatePerson(tk.System(), p); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *visitFixture) visit(ctx context.Context, p *yanglao.Person, on string) *yanglao.CareVisit {
	f.t.Helper()
	v := &yanglao.CareVisit{PersonID: p.ID, Date: day(on), Mode: "in_person", Health: "good"}
	if err := f.svc.RecordVisit(ctx, v, nil); err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *visitFixture) rates(ctx context.Context, region, month string) *yanglao.VisitRates {
	f.t.Helper()
	r, err := f.svc.VisitRates(ctx, region, month)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func pendingNames(t *testing.T, svc *sqldb.CareVisitService, ctx context.Context, region, month string) []string {
	t.Helper()
	var names []string
	after := ""
	for {
		ts, next, err := svc.CareTargets(ctx, yanglao.CareTargetFilter{Month: month, RegionCode: region, Pending: true, Page: yanglao.Page{After: after, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ts {
			names = append(names, x.Name)
		}
		if next == "" {
			return names
		}
		after = next
	}
}

func child(r *yanglao.VisitRates, code string) *yanglao.VisitRateRow {
	for _, c := range r.Children {
		if c.RegionCode == code {
			return c
		}
	}
	return nil
}

// TestCareVisitMonth: the month's list comes from the register by the rules;
// a target with no visit by the month's end is on the alert list and lowers
// the rate of its village, township and county, and of nobody else.
func TestCareVisitMonth(t *testing.T) {
	f := newVisitFixture(t, "2026-03-10")
	worker := tk.CreateUser(t, f.db, "visitworker", yanglao.RoleWorker, tk.TownA, nil)
	official := tk.CreateUser(t, f.db, "countyofficial", yanglao.RoleOfficial, tk.Beihu, nil)
	sibling := tk.CreateUser(t, f.db, "townbofficial", yanglao.RoleOfficial, tk.TownB, nil)
	visited := f.person("探访甲", "1950-05-05", tk.VillageA1, "alone")
	missed := f.person("漏访乙", "1951-05-05", tk.VillageA1, "empty_nest")
	townB := f.person("燕泉丙", "1952-05-05", tk.VillageB1, "alone")
	f.person("同住丁", "1953-05-05", tk.VillageA1, "with_children") // not a target
	f.person("机构戊", "1940-05-05", tk.VillageA1, "institution")   // in a home: no home visits
	dead := f.person("已故己", "1940-05-05", tk.VillageA1, "alone")
	if err := f.people.AddStatus(tk.System(), &yanglao.Status{PersonID: townB.ID, Kind: "disabled", Source: "民政", Start: day("2020-01-01")}); err != nil {
		t.Fatal(err)
	}
	cur, _ := f.people.Person(tk.System(), dead.ID)
	cur.Life, cur.DeathDate, cur.Statuses = yanglao.Deceased, day("2026-03-01"), nil
	if err := f.people.UpdatePerson(tk.System(), cur); err != nil {
		t.Fatal(err)
	}

	rep, err := f.svc.RefreshTargets(tk.As(official), "", "2026-03")
	if err != nil || rep.Targets != 3 || rep.Added != 3 || rep.Counties != 1 {
		t.Fatalf("refresh: %+v %v", rep, err)
	}
	// The plan: the worker visits township A; a volunteer township B.
	if n, err := f.svc.Assign(tk.As(official), yanglao.AssignRequest{RegionCode: tk.TownA, UserID: worker.ID}); err != nil || n != 2 {
		t.Fatalf("assign A: %d %v", n, err)
	}
	vol := &yanglao.CareVisitor{Name: "志愿者王", Kind: "volunteer", RegionCode: tk.TownB}
	if err := f.svc.CreateVisitor(tk.As(sibling), vol); err != nil {
		t.Fatal(err)
	}
	if n, err := f.svc.Assign(tk.As(sibling), yanglao.AssignRequest{RegionCode: tk.TownB, VisitorID: vol.ID, PerMonth: 2}); err != nil || n != 1 {
		t.Fatalf("assign B: %d %v", n, err)
	}
	// Township B's official cannot assign in township A.
	if n, err := f.svc.Assign(tk.As(sibling), yanglao.AssignRequest{RegionCode: tk.TownA, VisitorID: vol.ID, Replace: true}); err != nil || n != 0 {
		t.Fatalf("sibling assigned %d in township A (%v)", n, err)
	}
	// The worker sees their list and visits one of the two.
	mine, _, err := f.svc.CareTargets(tk.As(worker), yanglao.CareTargetFilter{Mine: true})
	if err != nil || len(mine) != 2 {
		t.Fatalf("worker's list: %d %v", len(mine), err)
	}
	f.setNow("2026-03-15")
	v := f.visit(tk.As(worker), visited, "2026-03-15")
	if v.VisitorName != "Visitworker" || v.Month != "2026-03" {
		t.Fatalf("visit: %+v", v)
	}
	// Township B: one visit of the two its plan asks for is not enough.
	f.setNow("2026-03-16")
	f.visit(tk.As(sibling), townB, "2026-03-16")

	// After the month: the alert list and the rates.
	f.setNow("2026-04-02")
	for _, ctx := range []context.Context{tk.As(official), tk.System()} {
		if got := pendingNames(t, f.svc, ctx, tk.Beihu, "2026-03"); len(got) != 2 || got[0] != "漏访乙" || got[1] != "燕泉丙" {
			t.Fatalf("alert list: %v", got)
		}
	}
	if got := pendingNames(t, f.svc, tk.As(sibling), "", "2026-03"); len(got) != 1 || got[0] != "燕泉丙" {
		t.Fatalf("township B's alert list: %v", got)
	}
	r := f.rates(tk.As(official), tk.Beihu, "2026-03")
	if r.Region.Targets != 3 || r.Region.Visited != 1 || r.Region.AtLeastOne != 2 || r.Region.Pending != 2 || r.Region.RatePct != "33.3%" {
		t.Fatalf("county rate: %+v", r.Region)
	}
	if a := child(r, tk.TownA); a == nil || a.Targets != 2 || a.Visited != 1 || a.RatePct != "50.0%" {
		t.Fatalf("township A: %+v", a)
	}
	if b := child(r, tk.TownB); b == nil || b.Targets != 1 || b.Visited != 0 || b.RatePct != "0.0%" {
		t.Fatalf("township B: %+v", b)
	}
	if r.ComputedAt == nil {
		t.Fatalf("no computation time")
	}
	// Drill down: township A → its village.
	ra := f.rates(tk.As(official), tk.TownA, "2026-03")
	if v := child(ra, tk.VillageA1); v == nil || v.Targets != 2 || v.Visited != 1 {
		t.Fatalf("village: %+v", ra.Children)
	}
	// The sibling township's official cannot read the county or township A.
	if _, err := f.svc.VisitRates(tk.As(sibling), tk.TownA, "2026-03"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling read township A's rate: %v", err)
	}
	if rb := f.rates(tk.As(sibling), "", "2026-03"); rb.Region.Targets != 1 || rb.Region.Visited != 0 {
		t.Fatalf("township B's own rate: %+v", rb.Region)
	}
	// Visiting the missed person now (a late record) raises the rate.
	f.visit(tk.As(worker), missed, "2026-03-31")
	if r := f.rates(tk.As(official), tk.Beihu, "2026-03"); r.Region.Visited != 2 || r.Region.RatePct != "66.6%" {
		t.Fatalf("after the late record: %+v", r.Region)
	}
	// Recomputing the finished month changes nothing.
	if rep, err := f.svc.RefreshTargets(tk.System(), tk.Beihu, "2026-03"); err != nil || rep.Added+rep.Removed+rep.Changed != 0 || rep.Targets != 3 {
		t.Fatalf("recompute: %+v %v", rep, err)
	}
	// The plan carries over to April.
	if _, err := f.svc.RefreshTargets(tk.System(), tk.Beihu, "2026-04"); err != nil {
		t.Fatal(err)
	}
	apr, _, err := f.svc.CareTargets(tk.As(worker), yanglao.CareTargetFilter{Month: "2026-04", Mine: true})
	if err != nil || len(apr) != 2 || apr[0].Visits != 0 || apr[0].VisitorName != "Visitworker" {
		t.Fatalf("April for the worker: %+v %v", apr, err)
	}
	aprB, _, err := f.svc.CareTargets(tk.As(sibling), yanglao.CareTargetFilter{Month: "2026-04"})
	if err != nil || len(aprB) != 1 || aprB[0].PerMonth != 2 || aprB[0].VisitorName != "志愿者王" {
		t.Fatalf("April in township B: %+v %v", aprB, err)
	}
}

func TestCareVisitRecord(t *testing.T) {
	f := newVisitFixture(t, "2026-03-10")
	worker := tk.CreateUser(t, f.db, "visitworker", yanglao.RoleWorker, tk.TownA, nil)
	sibling := tk.CreateUser(t, f.db, "townbworker", yanglao.RoleWorker, tk.TownB, nil)
	caregiverOrg := tk.CreateOrg(t, f.db, "助老服务社", yanglao.OrgProvider, tk.TownA)
	caregiver := tk.CreateUser(t, f.db, "carer", yanglao.RoleCaregiver, tk.TownA, &caregiverOrg)
	p := f.person("探访甲", "1950-05-05", tk.VillageA1, "alone")
	other := f.person("探访乙", "1950-06-05", tk.VillageA1, "alone")
	if _, err := f.svc.RefreshTargets(tk.System(), tk.Beihu, ""); err != nil {
		t.Fatal(err)
	}
	// Idempotent by request key.
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 100)...)
	lat, lng := 25.77, 113.01
	v := &yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "poor", Hazards: []string{"fall"}, Needs: []string{"meals"},
		Lat: &lat, Lng: &lng, RequestKey: "phone-1", Photos: []*yanglao.VisitPhoto{{ContentType: "image/jpeg", Data: jpeg}}}
	fus := []*yanglao.FollowUp{{Kind: yanglao.FollowUpAssessment, Detail: "行动变差，申请能力评估"}, {Kind: yanglao.FollowUpService, Detail: "每日助餐"}}
	if err := f.svc.RecordVisit(tk.As(worker), v, fus); err != nil {
		t.Fatal(err)
	}
	again := &yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "poor", RequestKey: "phone-1"}
	if err := f.svc.RecordVisit(tk.As(worker), again, nil); err != nil || again.ID != v.ID {
		t.Fatalf("retry stored a second visit: %d vs %d (%v)", again.ID, v.ID, err)
	}
	ts, _, _ := f.svc.CareTargets(tk.As(worker), yanglao.CareTargetFilter{})
	for _, x := range ts {
		if x.PersonID == p.ID && (x.Visits != 1 || x.LastVisit != day("2026-03-10") || !x.Done) {
			t.Fatalf("target after the visit: %+v", x)
		}
	}
	got, err := f.svc.CareVisit(tk.As(worker), v.ID)
	if err != nil || len(got.Photos) != 1 || got.Photos[0].Size != 104 || len(got.FollowUps) != 2 || got.Hazards[0] != "fall" || *got.Lat != lat {
		t.Fatalf("read back: %+v %v", got, err)
	}
	ph, err := f.svc.VisitPhoto(tk.As(worker), v.ID, got.Photos[0].ID)
	if err != nil || len(ph.Data) != 104 {
		t.Fatalf("photo: %v", err)
	}
	// The sibling township sees none of it.
	if _, err := f.svc.CareVisit(tk.As(sibling), v.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling read the visit: %v", err)
	}
	if err := f.svc.RecordVisit(tk.As(sibling), &yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good"}, nil); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling recorded a visit: %v", err)
	}
	// A caregiver sees nothing until the plan assigns someone to them, then only that person.
	if ts, _, err := f.svc.CareTargets(tk.As(caregiver), yanglao.CareTargetFilter{}); err != nil || len(ts) != 0 {
		t.Fatalf("caregiver before assignment: %d %v", len(ts), err)
	}
	if n, err := f.svc.Assign(tk.As(worker), yanglao.AssignRequest{PersonIDs: []int64{other.ID}, UserID: caregiver.ID}); err != nil || n != 1 {
		t.Fatalf("assign caregiver: %d %v", n, err)
	}
	if ts, _, err := f.svc.CareTargets(tk.As(caregiver), yanglao.CareTargetFilter{}); err != nil || len(ts) != 1 || ts[0].PersonID != other.ID {
		t.Fatalf("caregiver's list: %+v %v", ts, err)
	}
	f.visit(tk.As(caregiver), other, "2026-03-10")
	if err := f.svc.RecordVisit(tk.As(caregiver), &yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good"}, nil); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("caregiver visited someone not theirs: %v", err)
	}
	// Follow-ups: the assessment request is on the assessors' worklist.
	assessor := tk.CreateUser(t, f.db, "assessor1", yanglao.RoleAssessor, tk.Beihu, nil)
	list, _, err := f.svc.FollowUps(tk.As(assessor), yanglao.FollowUpFilter{Kind: yanglao.FollowUpAssessment})
	if err != nil || len(list) != 1 || list[0].PersonName != "探访甲" {
		t.Fatalf("assessment requests: %+v %v", list, err)
	}
	if _, _, err := f.svc.FollowUps(tk.As(assessor), yanglao.FollowUpFilter{Kind: yanglao.FollowUpService}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("assessor read service requests: %v", err)
	}
	if fu, err := f.svc.UpdateFollowUp(tk.As(assessor), list[0].ID, yanglao.FollowUpDone, "已评估"); err != nil || fu.State != yanglao.FollowUpDone {
		t.Fatalf("close: %+v %v", fu, err)
	}
	if _, err := f.svc.UpdateFollowUp(tk.As(worker), list[0].ID, yanglao.FollowUpOpen, ""); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("reopen: %v", err)
	}
	// Bad input names the field and writes nothing.
	before := countRows(t, f.db, "carevisit_visits")
	for _, tc := range []struct {
		v     yanglao.CareVisit
		field string
	}{
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-11"), Mode: "phone", Health: "good"}, "date"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "letter", Health: "good"}, "mode"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "fine"}, "health"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good", Hazards: []string{"ghosts"}}, "hazards"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good", Lat: &lat}, "lat"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good", Photos: []*yanglao.VisitPhoto{{ContentType: "text/html", Data: []byte("<p>")}}}, "photos"},
		{yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good", Photos: []*yanglao.VisitPhoto{{ContentType: "image/jpeg", Data: make([]byte, yanglao.MaxVisitPhotoSize+1)}}}, "photos"},
	} {
		if err := f.svc.RecordVisit(tk.As(worker), &tc.v, nil); yanglao.ErrorField(err) != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.v.Mode, err, tc.field)
		}
	}
	if err := f.svc.RecordVisit(tk.As(worker), &yanglao.CareVisit{PersonID: p.ID, Date: day("2026-03-10"), Mode: "phone", Health: "good"},
		[]*yanglao.FollowUp{{Kind: yanglao.FollowUpReferral, Detail: "转介"}}); yanglao.ErrorField(err) != "referred_to" {
		t.Errorf("referral without a destination: %v", err)
	}
	if after := countRows(t, f.db, "carevisit_visits"); after != before {
		t.Errorf("bad input stored %d visits", after-before)
	}
}

func TestCareVisitReminders(t *testing.T) {
	f := newVisitFixture(t, "2026-03-20")
	worker := tk.CreateUser(t, f.db, "visitworker", yanglao.RoleWorker, tk.TownA, nil)
	townOfficial := tk.CreateUser(t, f.db, "townb", yanglao.RoleOfficial, tk.TownB, nil)
	a := f.person("探访甲", "1950-05-05", tk.VillageA1, "alone")
	f.person("探访乙", "1950-05-06", tk.VillageA1, "alone")
	f.person("燕泉丙", "1950-05-07", tk.VillageB1, "alone")
	if _, err := f.svc.RefreshTargets(tk.System(), tk.Beihu, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Assign(tk.System(), yanglao.AssignRequest{RegionCode: tk.TownA, UserID: worker.ID}); err != nil {
		t.Fatal(err)
	}
	f.visit(tk.As(worker), a, "2026-03-20")
	if n, err := f.svc.Remind(tk.System(), day("2026-03-20")); err != nil || n != 0 {
		t.Fatalf("11 days before the end: %d %v", n, err)
	}
	for i, want := range []int{2, 0} { // one for the worker, one for township B's unassigned; a rerun adds none
		if n, err := f.svc.Remind(tk.System(), day("2026-03-25")); err != nil || n != want {
			t.Fatalf("run %d: %d reminders, want %d (%v)", i, n, want, err)
		}
	}
	if n, err := f.svc.Remind(tk.System(), day("2026-03-31")); err != nil || n != 2 {
		t.Fatalf("last day: %d %v", n, err)
	}
	mine, _, err := f.svc.Reminders(tk.As(worker), "2026-03", yanglao.Page{})
	if err != nil || len(mine) != 2 || mine[0].Pending != 1 || mine[0].Stage != 3 {
		t.Fatalf("worker's reminders: %+v %v", mine, err)
	}
	townB, _, err := f.svc.Reminders(tk.As(townOfficial), "2026-03", yanglao.Page{})
	if err != nil || len(townB) != 2 || townB[0].RegionCode != tk.TownB {
		t.Fatalf("township B's reminders: %+v %v", townB, err)
	}
}

func countRows(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
