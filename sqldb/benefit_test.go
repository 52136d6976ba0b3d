package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

type benefitFixture struct {
	t      *testing.T
	db     *sqldb.DB
	people *sqldb.PersonService
	svc    *sqldb.BenefitService
	seq    int
}

func newBenefitFixture(t *testing.T) *benefitFixture {
	db := tk.NewDB(t)
	return &benefitFixture{t: t, db: db, people: sqldb.NewPersonService(db, tk.Box()), svc: sqldb.NewBenefitService(db)}
}

// person registers someone born on birth in village, with statuses from 2020.
func (f *benefitFixture) person(name, birth, village string, statuses ...string) *yanglao.Person {
	f.t.Helper()
	f.seq++
	p := &yanglao.Person{Name: name, ResidenceCode: village, IDNumber: tk.CitizenID("431002", birth, 100+f.seq*2)}
	if err := f.people.CreatePerson(tk.System(), p); err != nil {
		f.t.Fatal(err)
	}
	for _, k := range statuses {
		if err := f.people.AddStatus(tk.System(), &yanglao.Status{PersonID: p.ID, Kind: k, Source: "民政", Start: day("2020-01-01")}); err != nil {
			f.t.Fatal(err)
		}
	}
	return p
}

func (f *benefitFixture) die(p *yanglao.Person, on string) {
	f.t.Helper()
	cur, err := f.people.Person(tk.System(), p.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	cur.Life, cur.DeathDate, cur.Statuses = yanglao.Deceased, day(on), nil
	if err := f.people.UpdatePerson(tk.System(), cur); err != nil {
		f.t.Fatal(err)
	}
}

func (f *benefitFixture) held(p *yanglao.Person) map[string]*yanglao.Entitlement {
	f.t.Helper()
	pe, err := f.svc.PersonEntitlements(tk.System(), p.ID, "")
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]*yanglao.Entitlement{}
	for _, e := range pe.Held {
		out[e.ItemCode] = e
	}
	return out
}

func TestBenefitListSeedReviseAndRules(t *testing.T) {
	f := newBenefitFixture(t)
	county := tk.CreateUser(t, f.db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	ctx := tk.As(county)
	l, err := f.svc.BenefitList(ctx, tk.Beihu)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 25 || !l.Items[0].Inherited || l.Items[0].Region != tk.Chenzhou || !l.CanEdit || len(l.Violations) != 0 {
		t.Fatalf("seeded list at the county: %d items, first %+v, can edit %v, violations %v", len(l.Items), l.Items[0], l.CanEdit, l.Violations)
	}
	var cz12 yanglao.BenefitItem
	for _, it := range l.Items {
		if it.Code == "CZ-12" {
			cz12 = *it
		}
	}
	// Raise 90–99 to 200元 from 2026-01: a new version, the inherited one copied and closed.
	raise := cz12
	raise.From, raise.Amount = day("2026-01-01"), `if age >= 90 then 200元 else 80元`
	if err := f.svc.SaveBenefitItem(ctx, tk.Beihu, &raise); err != nil {
		t.Fatal(err)
	}
	if raise.Version != 2 {
		t.Errorf("new version %d, want 2", raise.Version)
	}
	l, _ = f.svc.BenefitList(ctx, tk.Beihu)
	var versions []string
	for _, it := range l.Items {
		if it.Code == "CZ-12" {
			versions = append(versions, it.From.String()+"~"+it.To.String()+"@"+it.Region)
		}
	}
	if strings.Join(versions, " ") != "2023-04-19~2025-12-31@"+tk.Beihu+" 2026-01-01~@"+tk.Beihu {
		t.Errorf("CZ-12 versions at the county: %v", versions)
	}
	if len(l.Violations) != 0 {
		t.Errorf("raising is no violation: %v", l.Violations)
	}
	// The city's list is unchanged.
	city, _ := f.svc.BenefitList(ctx, tk.Chenzhou)
	for _, it := range city.Items {
		if it.Code == "CZ-12" && it.Version != 1 {
			t.Errorf("the city's CZ-12 changed: %+v", it)
		}
	}
	if city.CanEdit {
		t.Error("a county official may edit the city's list")
	}
	// Lowering CZ-13 is reported against the city's list.
	var cz13 yanglao.BenefitItem
	for _, it := range l.Items {
		if it.Code == "CZ-13" {
			cz13 = *it
		}
	}
	lower := cz13
	lower.From, lower.Amount = day("2026-01-01"), `500元`
	if err := f.svc.SaveBenefitItem(ctx, tk.Beihu, &lower); err != nil {
		t.Fatal(err)
	}
	l, _ = f.svc.BenefitList(ctx, tk.Beihu)
	if len(l.Violations) == 0 || l.Violations[0].Code != "CZ-13" || l.Violations[0].Kind != "amount" {
		t.Errorf("violations after lowering CZ-13: %+v", l.Violations)
	}
	// A bad rule is refused with its position, naming the field.
	bad := cz12
	bad.From, bad.Eligibility = day("2026-06-01"), `age >= 80元`
	err = f.svc.SaveBenefitItem(ctx, tk.Beihu, &bad)
	if yanglao.ErrorCode(err) != yanglao.EINVALID || yanglao.ErrorField(err) != "eligibility" || !strings.Contains(yanglao.ErrorMessage(err), "第1行第") {
		t.Errorf("bad eligibility rule: %v", err)
	}
	bad = cz12
	bad.From, bad.Amount = day("2026-06-01"), "80元 +"
	if err := f.svc.SaveBenefitItem(ctx, tk.Beihu, &bad); yanglao.ErrorField(err) != "amount" || !strings.Contains(yanglao.ErrorMessage(err), "line 1, column") {
		t.Errorf("bad amount rule: %v", err)
	}
	// Overlapping versions are refused: a version from 2025-06 running into 2026.
	over := cz12
	over.From, over.To = day("2025-06-01"), day("2026-06-30")
	if err := f.svc.SaveBenefitItem(ctx, tk.Beihu, &over); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("overlapping version: %v", err)
	}
	// Nothing of the refused edits was stored.
	l, _ = f.svc.BenefitList(ctx, tk.Beihu)
	n := 0
	for _, it := range l.Items {
		if it.Code == "CZ-12" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("CZ-12 has %d versions after refused edits, want 2", n)
	}
	// Scope: a sibling county's official and a township official cannot edit.
	sib := tk.CreateUser(t, f.db, "suxian", yanglao.RoleOfficial, tk.Suxian, nil)
	if err := f.svc.SaveBenefitItem(tk.As(sib), tk.Beihu, &raise); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling county edits: %v", err)
	}
	town := tk.CreateUser(t, f.db, "towna", yanglao.RoleWorker, tk.TownA, nil)
	if err := f.svc.SaveBenefitItem(tk.As(town), tk.TownA, &raise); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("worker edits: %v", err)
	}
	// Parameters: dated, no overlap.
	p := &yanglao.BenefitParam{Region: tk.Beihu, Name: "dibao_standard", From: day("2026-01-01"), Fen: 70000}
	if err := f.svc.SetBenefitParam(ctx, p); err != nil {
		t.Fatal(err)
	}
	p2 := &yanglao.BenefitParam{Region: tk.Beihu, Name: "dibao_standard", From: day("2026-06-01"), Fen: 71000}
	if err := f.svc.SetBenefitParam(ctx, p2); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("overlapping parameter: %v", err)
	}
}

func TestEntitlementExplanations(t *testing.T) {
	f := newBenefitFixture(t)
	p := f.person("九十老人", "1936-03-31", tk.VillageA1, "no_fixed_income")
	x, err := f.svc.ExplainEntitlement(tk.System(), p.ID, "CZ-12", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if !x.Eligible || x.AmountFen != 15000 || x.Version != 1 || x.Region != tk.Chenzhou || len(x.Lines) < 4 {
		t.Fatalf("turning 90 on 31 March: %+v", x)
	}
	x, _ = f.svc.ExplainEntitlement(tk.System(), p.ID, "CZ-12", "2026-02")
	if !x.Eligible || x.AmountFen != 8000 {
		t.Errorf("February, still 89: %+v", x)
	}
	all, err := f.svc.PersonEntitlements(tk.System(), p.ID, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 25 {
		t.Errorf("%d items decided, want 25", len(all.Items))
	}
	var text strings.Builder
	for _, l := range x.Lines {
		text.WriteString(l.ZH)
	}
	if !strings.Contains(text.String(), "无固定收入") && !strings.Contains(text.String(), "no_fixed_income") {
		t.Errorf("the explanation does not name the income condition: %s", text.String())
	}
	// 特困 support reads the 低保 standard of the county: 650元 × 1.3 = 845元 in 2024 (demo values).
	q := f.person("特困老人", "1950-05-05", tk.VillageA1, "tekun_dispersed")
	x, err = f.svc.ExplainEntitlement(tk.System(), q.ID, "CZ-19", "2024-05")
	if err != nil || !x.Eligible || x.AmountFen != 84500 {
		t.Errorf("CZ-19 in 2024: %+v %v", x, err)
	}
	// Scope: a worker of the sibling township does not see the person.
	sib := tk.CreateUser(t, f.db, "townb", yanglao.RoleWorker, tk.TownB, nil)
	if _, err := f.svc.PersonEntitlements(tk.As(sib), p.ID, ""); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling township reads entitlements: %v", err)
	}
	if _, err := f.svc.ExplainEntitlement(tk.As(sib), p.ID, "CZ-12", ""); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling township explains: %v", err)
	}
}

func TestGrantSilently(t *testing.T) {
	f := newBenefitFixture(t)
	ctx := tk.System()
	first := f.person("六月一日满八十", "1946-06-01", tk.VillageA1, "no_fixed_income")
	last := f.person("六月三十日满八十", "1946-06-30", tk.VillageA1, "no_fixed_income")
	july := f.person("七月满八十", "1946-07-01", tk.VillageA1, "no_fixed_income")
	hundred := f.person("六月满百岁", "1926-06-15", tk.VillageB1, "no_fixed_income")
	dies := f.person("月末去世", "1941-01-01", tk.VillageA1, "no_fixed_income")
	diesFirst := f.person("月初去世", "1941-02-02", tk.VillageB1, "no_fixed_income")
	rich := f.person("有固定收入", "1941-03-03", tk.VillageA1)

	rep, err := f.svc.GrantSilently(ctx, day("2026-06-10"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Granted != 5 || rep.Ended != 0 {
		t.Errorf("first run: %+v", rep)
	}
	for _, c := range []struct {
		p    *yanglao.Person
		code string
		want bool
	}{{first, "CZ-12", true}, {last, "CZ-12", true}, {july, "CZ-12", false}, {hundred, "CZ-13", true}, {hundred, "CZ-12", false},
		{dies, "CZ-12", true}, {diesFirst, "CZ-12", true}, {rich, "CZ-12", false}} {
		e := f.held(c.p)[c.code]
		if (e != nil) != c.want || e != nil && (e.FromMonth != "2026-06" || e.Source != "silent" || e.ToMonth != "") {
			t.Errorf("%s %s: %+v, want held %v from 2026-06", c.p.Name, c.code, e, c.want)
		}
	}
	// Idempotent: the same day again, and the next day, change nothing.
	for _, d := range []string{"2026-06-10", "2026-06-11"} {
		rep, err := f.svc.GrantSilently(ctx, day(d))
		if err != nil || rep.Granted != 0 || rep.Ended != 0 {
			t.Errorf("re-run on %s: %+v %v", d, rep, err)
		}
	}
	// The July birthday is granted from July.
	rep, _ = f.svc.GrantSilently(ctx, day("2026-07-01"))
	if e := f.held(july)["CZ-12"]; e == nil || e.FromMonth != "2026-07" {
		t.Errorf("July birthday: %+v (%+v)", e, rep)
	}
	// Deaths on the last day of June (reported late, in July) and on the first of July.
	f.die(dies, "2026-06-30")
	f.die(diesFirst, "2026-07-01")
	rep, err = f.svc.GrantSilently(ctx, day("2026-07-02"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ended != 2 || rep.Events != 2 {
		t.Errorf("after two deaths: %+v", rep)
	}
	if e := f.held(dies)["CZ-12"]; e == nil || e.ToMonth != "2026-06" || e.EndReason != "death" {
		t.Errorf("died 30 June: %+v, want paid to 2026-06", e)
	}
	if e := f.held(diesFirst)["CZ-12"]; e == nil || e.ToMonth != "2026-07" || e.EndReason != "death" {
		t.Errorf("died 1 July: %+v, want paid to 2026-07", e)
	}
	// The outbox is consumed: the next run sees no new events and ends nothing.
	rep, _ = f.svc.GrantSilently(ctx, day("2026-07-03"))
	if rep.Events != 0 || rep.Ended != 0 || rep.Granted != 0 {
		t.Errorf("run after the deaths: %+v", rep)
	}
	// Notices: the township A worker sees A's, not B's.
	wa := tk.CreateUser(t, f.db, "wa", yanglao.RoleWorker, tk.TownA, nil)
	ns, _, err := f.svc.Notices(tk.As(wa), yanglao.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, n := range ns {
		if n.RegionCode != tk.VillageA1 {
			t.Errorf("township A sees a notice of %s: %s", n.RegionCode, n.ZH)
		}
		kinds = append(kinds, n.Kind)
	}
	if len(ns) != 5 { // first, last, dies granted; july granted; dies ended
		t.Errorf("township A notices: %v", kinds)
	}
	// Only the platform runs it.
	if _, err := f.svc.GrantSilently(tk.As(wa), day("2026-07-04")); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("a worker runs silent granting: %v", err)
	}
}

func TestApplicationsMakerChecker(t *testing.T) {
	f := newBenefitFixture(t)
	p := f.person("重残老人", "1950-01-01", tk.VillageA1)
	cur, _ := f.people.Person(tk.System(), p.ID)
	cur.DisabilityGrade, cur.Statuses = 1, nil
	if err := f.people.UpdatePerson(tk.System(), cur); err != nil {
		t.Fatal(err)
	}
	worker := tk.CreateUser(t, f.db, "wa", yanglao.RoleWorker, tk.TownA, nil)
	maker := tk.CreateUser(t, f.db, "maker", yanglao.RoleOfficial, tk.TownA, nil)
	checker := tk.CreateUser(t, f.db, "checker", yanglao.RoleOfficial, tk.Beihu, nil)
	sibling := tk.CreateUser(t, f.db, "sib", yanglao.RoleWorker, tk.TownB, nil)

	// 免申请 items need no application.
	if err := f.svc.Apply(tk.As(worker), &yanglao.BenefitApplication{PersonID: p.ID, ItemCode: "CZ-12", Reason: "x"}); yanglao.ErrorField(err) != "item_code" {
		t.Errorf("applying for a silent item: %v", err)
	}
	if err := f.svc.Apply(tk.As(sibling), &yanglao.BenefitApplication{PersonID: p.ID, ItemCode: "CZ-24", Reason: "代办"}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling township applies: %v", err)
	}
	ap := &yanglao.BenefitApplication{PersonID: p.ID, ItemCode: "CZ-24", FromMonth: "2026-05", Reason: "一级残疾，申请重度残疾人护理补贴"}
	if err := f.svc.Apply(tk.As(maker), ap); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Apply(tk.As(worker), &yanglao.BenefitApplication{PersonID: p.ID, ItemCode: "CZ-24", Reason: "again"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("second application while one waits: %v", err)
	}
	if list, _, _ := f.svc.Applications(tk.As(sibling), yanglao.ApplicationFilter{}); len(list) != 0 {
		t.Errorf("sibling sees the worklist: %+v", list)
	}
	if list, _, _ := f.svc.Applications(tk.As(checker), yanglao.ApplicationFilter{}); len(list) != 1 || list[0].ItemName == "" || list[0].PersonName != "重残老人" {
		t.Errorf("checker's worklist: %+v", list)
	}
	// Maker-checker: not the applicant, not a worker; a rejection needs a reason.
	if _, err := f.svc.DecideApplication(tk.As(maker), ap.ID, true, ""); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("the applicant approves: %v", err)
	}
	if _, err := f.svc.DecideApplication(tk.As(worker), ap.ID, true, ""); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("a worker approves: %v", err)
	}
	if _, err := f.svc.DecideApplication(tk.As(checker), ap.ID, false, ""); yanglao.ErrorField(err) != "note" {
		t.Errorf("a rejection without reason: %v", err)
	}
	got, err := f.svc.DecideApplication(tk.As(checker), ap.ID, true, "材料齐全")
	if err != nil || got.Status != yanglao.ApplicationApproved {
		t.Fatalf("approve: %+v %v", got, err)
	}
	if _, err := f.svc.DecideApplication(tk.As(checker), ap.ID, true, ""); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("deciding twice: %v", err)
	}
	e := f.held(p)["CZ-24"]
	if e == nil || e.Source != "application" || e.FromMonth != "2026-05" || e.ApplicationID == nil || *e.ApplicationID != ap.ID {
		t.Errorf("entitlement after approval: %+v", e)
	}
	// Silent granting does not end an approved entitlement while the person lives.
	if rep, err := f.svc.GrantSilently(tk.System(), day("2026-06-01")); err != nil || rep.Ended != 0 {
		t.Errorf("silent run after approval: %+v %v", rep, err)
	}
}

func TestSimulateHandComputed(t *testing.T) {
	f := newBenefitFixture(t)
	f.db.Now = func() time.Time { return time.Date(2026, 3, 15, 4, 0, 0, 0, time.UTC) }
	f.person("九十一", "1935-05-10", tk.VillageA1, "no_fixed_income")   // 90 all year: 150 → 200 from 2027-01
	f.person("八十六", "1940-01-01", tk.VillageB1, "no_fixed_income")   // 80 all year
	f.person("十月满九十", "1936-10-20", tk.VillageB1, "no_fixed_income") // 80 to Sep, 150 from Oct, 200 from Jan
	f.person("有收入", "1930-01-01", tk.VillageB1)                      // not eligible
	official := tk.CreateUser(t, f.db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	res, err := f.svc.Simulate(tk.As(official), yanglao.SimulationRequest{Code: "CZ-12", Amount: `if age >= 90 then 200元 else 80元`})
	if err != nil {
		t.Fatal(err)
	}
	if res.From != "2027-01" || res.Months[0] != "2026-04" || len(res.Months) != 12 {
		t.Errorf("defaults: from %s, months %v", res.From, res.Months)
	}
	want := map[string][2]int64{tk.TownA: {180000, 195000}, tk.TownB: {234000, 249000}}
	for _, r := range res.Rows {
		if w := want[r.Region]; r.BaseTotal != w[0] || r.NewTotal != w[1] {
			t.Errorf("%s: base %d new %d, want %v", r.Name, r.BaseTotal, r.NewTotal, w)
		}
	}
	if res.Total.BaseTotal != 414000 || res.Total.NewTotal != 444000 || res.People != 4 {
		t.Errorf("total: base %d new %d people %d", res.Total.BaseTotal, res.Total.NewTotal, res.People)
	}
	// Nothing was written.
	var n int
	f.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM benefit_items WHERE region_code <> ?`, tk.Chenzhou).Scan(&n)
	if n != 0 {
		t.Errorf("simulation stored %d items", n)
	}
	// A township worker may not simulate; a bad rule names its position.
	w := tk.CreateUser(t, f.db, "wa", yanglao.RoleWorker, tk.TownA, nil)
	if _, err := f.svc.Simulate(tk.As(w), yanglao.SimulationRequest{Code: "CZ-12", Amount: "200元"}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("worker simulates: %v", err)
	}
	if _, err := f.svc.Simulate(tk.As(official), yanglao.SimulationRequest{Code: "CZ-12", Amount: "200"}); yanglao.ErrorField(err) != "amount" {
		t.Errorf("bad amount rule: %v", err)
	}
	sib := tk.CreateUser(t, f.db, "townb", yanglao.RoleOfficial, tk.TownB, nil)
	if _, err := f.svc.Simulate(tk.As(sib), yanglao.SimulationRequest{Region: tk.TownA, Code: "CZ-12", Amount: "200元"}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling simulates township A: %v", err)
	}
}

// BenchmarkPersonEntitlements is the person page's benefits section: every
// item of the county list, with explanations, for one person (budget 20 ms).
func BenchmarkPersonEntitlements(b *testing.B) {
	db := tk.NewDB(b)
	people := sqldb.NewPersonService(db, tk.Box())
	svc := sqldb.NewBenefitService(db)
	p := &yanglao.Person{Name: "基准老人", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1936-03-31", 11), DisabilityGrade: 2}
	if err := people.CreatePerson(tk.System(), p); err != nil {
		b.Fatal(err)
	}
	for _, k := range []string{"no_fixed_income", "dibao", "left_behind"} {
		if err := people.AddStatus(tk.System(), &yanglao.Status{PersonID: p.ID, Kind: k, Source: "民政", Start: day("2020-01-01")}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := tk.System()
	if _, err := svc.PersonEntitlements(ctx, p.ID, "2026-03"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.PersonEntitlements(ctx, p.ID, "2026-03"); err != nil {
			b.Fatal(err)
		}
	}
}
