package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// answersFor returns a complete answer set totalling total points: items are
// filled to their maximum in form order until the total is reached.
func answersFor(total int) map[string]int {
	out := map[string]int{}
	left := total
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			v := min(it.Max(), left)
			out[it.Code] = v
			left -= v
		}
	}
	if left != 0 {
		panic("total out of range")
	}
	return out
}

func day(s string) yanglao.Date {
	d, err := yanglao.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// assessEnv is a database whose clock reads 2026-03-15, with people in
// township A (two) and township B (one).
type assessEnv struct {
	db          *sqldb.DB
	svc         *sqldb.AssessmentService
	people      *sqldb.PersonService
	a1, a2, b1  *yanglao.Person
	countRows   func() int
	personGrade func(id int64) (*int, yanglao.Date)
}

func newAssessEnv(t *testing.T) *assessEnv {
	t.Helper()
	db := tk.NewDB(t)
	db.Now = func() time.Time { return time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC) }
	e := &assessEnv{db: db, svc: sqldb.NewAssessmentService(db), people: sqldb.NewPersonService(db, tk.Box())}
	mk := func(name, region, birth string, seq int) *yanglao.Person {
		p := &yanglao.Person{Name: name, ResidenceCode: region, IDNumber: tk.CitizenID("431002", birth, seq)}
		if err := e.people.CreatePerson(tk.System(), p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	e.a1 = mk("刘翠兰", tk.VillageA1, "1938-04-02", 12)
	e.a2 = mk("陈满仓", tk.VillageA1, "1941-09-19", 13)
	e.b1 = mk("周秀梅", tk.VillageB1, "1944-12-01", 14)
	e.countRows = func() int {
		var n int
		db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM assessments`).Scan(&n)
		return n
	}
	e.personGrade = func(id int64) (*int, yanglao.Date) {
		var g *int
		var until yanglao.Date
		if err := db.QueryRowForTest(context.Background(), `SELECT grade, grade_valid_until FROM people WHERE id = ?`, id).Scan(&g, &until); err != nil {
			t.Fatal(err)
		}
		return g, until
	}
	return e
}

func (e *assessEnv) create(t *testing.T, ctx context.Context, p *yanglao.Person, on string, total int, adj yanglao.AssessmentAdjustments) *yanglao.Assessment {
	t.Helper()
	a := &yanglao.Assessment{PersonID: p.ID, AssessedOn: day(on), AssessorName: "评估员甲", Place: "家中", Answers: answersFor(total), Adjustments: adj}
	if err := e.svc.CreateAssessment(ctx, a); err != nil {
		t.Fatalf("assess %s on %s: %v", p.Name, on, err)
	}
	return a
}

func TestAssessmentStoredAsScored(t *testing.T) {
	e := newAssessEnv(t)
	ctx := tk.System()
	for _, tc := range []struct {
		name       string
		total      int
		adj        yanglao.AssessmentAdjustments
		pre, final assess.Grade
		rules      []assess.Rule
	}{
		{"full marks", 90, yanglao.AssessmentAdjustments{}, assess.Intact, assess.Intact, nil},
		{"89 is mild", 89, yanglao.AssessmentAdjustments{}, assess.MildlyImpaired, assess.MildlyImpaired, nil},
		{"65 is moderate", 65, yanglao.AssessmentAdjustments{}, assess.ModeratelyImpaired, assess.ModeratelyImpaired, nil},
		{"dementia raises a grade", 57, yanglao.AssessmentAdjustments{Dementia: true}, assess.ModeratelyImpaired, assess.SeverelyImpaired, []assess.Rule{assess.RuleDementia}},
		{"two risk events in 30 days", 70, yanglao.AssessmentAdjustments{RiskEvents: []yanglao.RiskEvent{
			{Kind: assess.Fall, Date: day("2026-02-13")}, {Kind: assess.Choking, Date: day("2026-03-01")}}},
			assess.MildlyImpaired, assess.ModeratelyImpaired, []assess.Rule{assess.RuleRiskEvents}},
		{"an event 31 days ago does not count", 70, yanglao.AssessmentAdjustments{RiskEvents: []yanglao.RiskEvent{
			{Kind: assess.Fall, Date: day("2026-02-12")}, {Kind: assess.Wandering, Date: day("2026-03-01")}}},
			assess.MildlyImpaired, assess.MildlyImpaired, nil},
		{"coma", 20, yanglao.AssessmentAdjustments{Coma: true}, assess.CompletelyLost, assess.CompletelyLost, []assess.Rule{assess.RuleComa}},
		{"grounds do not stack", 50, yanglao.AssessmentAdjustments{Dementia: true, MentalDisorder: true}, assess.ModeratelyImpaired, assess.SeverelyImpaired,
			[]assess.Rule{assess.RuleDementia, assess.RuleMentalDisorder, assess.RuleNotCumulative}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-15"), Place: "家中", Answers: answersFor(tc.total), Adjustments: tc.adj,
				AssessorName: "评估员甲", Total: 90, FinalGrade: assess.Intact} // client totals are ignored
			if tc.adj.Coma {
				a.Answers = answersFor(tc.total) // B.3.9 is the 21st item: 20 points fill only the first items, so it is 0
			}
			if err := e.svc.CreateAssessment(ctx, a); err != nil {
				t.Fatal(err)
			}
			if a.Total != tc.total || a.PreliminaryGrade != tc.pre || a.FinalGrade != tc.final {
				t.Fatalf("scored total %d grades %d→%d, want %d %d→%d", a.Total, a.PreliminaryGrade, a.FinalGrade, tc.total, tc.pre, tc.final)
			}
			got, err := e.svc.Assessment(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != tc.total || got.PreliminaryGrade != tc.pre || got.FinalGrade != tc.final || got.PersonName != "刘翠兰" {
				t.Fatalf("stored %+v", got)
			}
			sum := 0
			for _, v := range got.Subtotals {
				sum += v
			}
			if sum != tc.total || len(got.Answers) != 26 {
				t.Fatalf("subtotals %v answers %d", got.Subtotals, len(got.Answers))
			}
			var rules []assess.Rule
			for _, r := range got.Reasons {
				rules = append(rules, r.Rule)
				if r.ZH == "" || r.Clause == "" {
					t.Errorf("reason without text or clause: %+v", r)
				}
			}
			if strings.Join(ruleStrings(rules), ",") != strings.Join(ruleStrings(tc.rules), ",") {
				t.Fatalf("reasons %v, want %v", rules, tc.rules)
			}
			if len(got.Adjustments.RiskEvents) != len(tc.adj.RiskEvents) {
				t.Fatalf("risk events not kept: %+v", got.Adjustments)
			}
			if got.ValidUntil != day("2027-03-15") {
				t.Fatalf("valid until %s", got.ValidUntil)
			}
			// The person's grade is this, the latest assessment's final grade.
			g, until := e.personGrade(e.a1.ID)
			if g == nil || assess.Grade(*g) != tc.final || until != day("2027-03-15") {
				t.Fatalf("person grade %v until %s", g, until)
			}
		})
	}
	// Every assessment is in the person's change history.
	hist, err := e.people.PersonHistory(ctx, e.a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range hist {
		if strings.HasPrefix(h.Detail, "assessment ") {
			n++
		}
	}
	if n != 8 {
		t.Fatalf("%d assessment entries in the history, want 8", n)
	}
}

func ruleStrings(rs []assess.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func TestAssessmentBadInput(t *testing.T) {
	e := newAssessEnv(t)
	ctx := tk.System()
	for _, tc := range []struct {
		name  string
		edit  func(a *yanglao.Assessment)
		field string
	}{
		{"missing item", func(a *yanglao.Assessment) { delete(a.Answers, "B.1.1") }, "B.1.1"},
		{"score not allowed", func(a *yanglao.Assessment) { a.Answers["B.2.4"] = 4 }, "B.2.4"},
		{"negative score", func(a *yanglao.Assessment) { a.Answers["B.4.1"] = -1 }, "B.4.1"},
		{"unknown item", func(a *yanglao.Assessment) { a.Answers["B.5.1"] = 1 }, "B.5.1"},
		{"no answers", func(a *yanglao.Assessment) { a.Answers = nil }, "answers"},
		{"future date", func(a *yanglao.Assessment) { a.AssessedOn = day("2026-03-16") }, "assessed_on"},
		{"no date", func(a *yanglao.Assessment) { a.AssessedOn = yanglao.Date{} }, "assessed_on"},
		{"event after the assessment", func(a *yanglao.Assessment) {
			a.AssessedOn = day("2026-03-01")
			a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: assess.Fall, Date: day("2026-02-27")}, {Kind: assess.Fall, Date: day("2026-03-02")}}
		}, "risk_events[1].date"},
		{"event without date", func(a *yanglao.Assessment) { a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: assess.Fall}} }, "risk_events[0].date"},
		{"unknown event kind", func(a *yanglao.Assessment) {
			a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: "earthquake", Date: day("2026-03-01")}}
		}, "risk_events[0].kind"},
		{"coma but conscious", func(a *yanglao.Assessment) { a.Adjustments.Coma = true }, "coma"},
		{"unknown reason", func(a *yanglao.Assessment) { a.Reason = "whim" }, "reason"},
		{"markup in place", func(a *yanglao.Assessment) { a.Place = "<script>" }, "place"},
		{"long note", func(a *yanglao.Assessment) { a.Note = strings.Repeat("长", 501) }, "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-10"), AssessorName: "评估员甲", Answers: answersFor(80)}
			tc.edit(a)
			err := e.svc.CreateAssessment(ctx, a)
			if yanglao.ErrorCode(err) != yanglao.EINVALID || yanglao.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want invalid %s", err, tc.field)
			}
			if !strings.Contains(yanglao.ErrorMessage(err), "(") {
				t.Errorf("message not bilingual: %q", yanglao.ErrorMessage(err))
			}
		})
	}
	if n := e.countRows(); n != 0 {
		t.Fatalf("bad input stored %d assessments", n)
	}
	if g, _ := e.personGrade(e.a1.ID); g != nil {
		t.Fatalf("bad input changed the grade to %d", *g)
	}
	// A deceased person cannot be assessed after death.
	p, _ := e.people.Person(ctx, e.a2.ID)
	p.Life, p.DeathDate = yanglao.Deceased, day("2026-01-05")
	if err := e.people.UpdatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	a := &yanglao.Assessment{PersonID: e.a2.ID, AssessedOn: day("2026-02-01"), AssessorName: "x", Answers: answersFor(80)}
	if err := e.svc.CreateAssessment(ctx, a); yanglao.ErrorField(err) != "assessed_on" {
		t.Fatalf("assessing the dead: %v", err)
	}
	// A person who does not exist.
	a.PersonID = 999999
	a.AssessedOn = day("2025-01-01")
	if err := e.svc.CreateAssessment(ctx, a); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("no such person: %v", err)
	}
}

func TestLatestGradeAndValidity(t *testing.T) {
	e := newAssessEnv(t)
	ctx := tk.System()
	mid := e.create(t, ctx, e.a1, "2025-06-01", 70, yanglao.AssessmentAdjustments{}) // mild, valid to 2026-06-01
	// A paper form entered late: older than the latest, so the grade does not move.
	old := e.create(t, ctx, e.a1, "2025-01-10", 50, yanglao.AssessmentAdjustments{}) // moderate, valid to 2026-01-10
	if g, until := e.personGrade(e.a1.ID); g == nil || *g != int(assess.MildlyImpaired) || until != day("2026-06-01") {
		t.Fatalf("after a backdated assessment the grade is %v until %s, want the latest (mild, 2026-06-01)", g, until)
	}
	newest := e.create(t, ctx, e.a1, "2026-03-15", 40, yanglao.AssessmentAdjustments{}) // severe, valid to 2027-03-15
	if g, until := e.personGrade(e.a1.ID); g == nil || *g != int(assess.SeverelyImpaired) || until != day("2027-03-15") {
		t.Fatalf("grade %v until %s after a new assessment", g, until)
	}
	for _, tc := range []struct {
		on   string
		want *yanglao.Assessment
	}{
		{"2025-01-09", nil},
		{"2025-01-10", old},
		{"2025-05-31", old},
		{"2025-06-01", mid},
		{"2026-03-14", mid},
		{"2026-03-15", newest},
		{"2027-03-15", newest},
		{"2027-03-16", nil}, // expired
	} {
		g, err := e.svc.LatestGrade(ctx, e.a1.ID, day(tc.on))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.want == nil && g != nil:
			t.Errorf("on %s: grade %+v, want none", tc.on, g)
		case tc.want != nil && (g == nil || g.AssessmentID != tc.want.ID || g.Grade != tc.want.FinalGrade):
			t.Errorf("on %s: %+v, want assessment %d", tc.on, g, tc.want.ID)
		}
	}
	// An expired latest assessment is no grade, even with an older one "covering" the day.
	mid2 := e.create(t, ctx, e.a2, "2024-01-01", 70, yanglao.AssessmentAdjustments{})
	if g, _ := e.svc.LatestGrade(ctx, e.a2.ID, day("2025-01-02")); g != nil {
		t.Fatalf("expired grade reported: %+v (%d)", g, mid2.ID)
	}
	if g, _ := e.svc.LatestGrade(ctx, e.b1.ID, day("2026-01-01")); g != nil {
		t.Fatalf("never assessed, grade %+v", g)
	}

	// The validity is configurable; month ends are clamped.
	e.svc.ValidityMonths = 6
	short := e.create(t, ctx, e.b1, "2025-08-31", 90, yanglao.AssessmentAdjustments{})
	if short.ValidUntil != day("2026-02-28") {
		t.Fatalf("6 months from 2025-08-31: %s", short.ValidUntil)
	}
	for _, tc := range []struct{ from, want string }{{"2024-02-29", "2025-02-28"}, {"2025-01-31", "2026-01-31"}, {"2023-12-31", "2024-12-31"}} {
		if got := yanglao.ValidUntilFor(day(tc.from), 12); got != day(tc.want) {
			t.Errorf("12 months from %s: %s, want %s", tc.from, got, tc.want)
		}
	}
	if got := yanglao.AddMonths(day("2025-01-31"), 1); got != day("2025-02-28") {
		t.Errorf("2025-01-31 + 1 month: %s", got)
	}
	if got := yanglao.AddMonths(day("2025-03-15"), -3); got != day("2024-12-15") {
		t.Errorf("2025-03-15 - 3 months: %s", got)
	}
}

func TestReassessmentWorklist(t *testing.T) {
	e := newAssessEnv(t) // today is 2026-03-15
	ctx := tk.System()
	more := func(name, region, birth string, seq int) *yanglao.Person {
		p := &yanglao.Person{Name: name, ResidenceCode: region, IDNumber: tk.CitizenID("431002", birth, seq)}
		if err := e.people.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a3 := more("王德福", tk.VillageA1, "1939-01-01", 15)
	a4 := more("李桂香", tk.VillageA1, "1939-01-02", 16)
	b2 := more("赵有才", tk.VillageB1, "1939-01-03", 17)
	e.create(t, ctx, e.a1, "2025-04-10", 70, yanglao.AssessmentAdjustments{}) // due 2026-04-10: in 26 days
	e.create(t, ctx, e.a2, "2025-02-01", 60, yanglao.AssessmentAdjustments{}) // expired 2026-02-01
	e.create(t, ctx, a3, "2025-06-01", 80, yanglao.AssessmentAdjustments{})   // due 2026-06-01: 78 days
	e.create(t, ctx, a4, "2024-12-01", 50, yanglao.AssessmentAdjustments{})   // expired 2025-12-01
	e.create(t, ctx, a4, "2025-03-20", 45, yanglao.AssessmentAdjustments{})   // reassessed: due 2026-03-20, in 5 days
	e.create(t, ctx, e.b1, "2025-03-01", 90, yanglao.AssessmentAdjustments{}) // expired 2026-03-01
	e.create(t, ctx, b2, "2025-04-01", 88, yanglao.AssessmentAdjustments{})   // due 2026-04-01
	// A deceased person needs no reassessment.
	dead := more("孙老汉", tk.VillageA1, "1930-05-05", 18)
	e.create(t, ctx, dead, "2025-01-01", 30, yanglao.AssessmentAdjustments{})
	dp, _ := e.people.Person(ctx, dead.ID)
	dp.Life, dp.DeathDate = yanglao.Deceased, day("2026-01-01")
	if err := e.people.UpdatePerson(ctx, dp); err != nil {
		t.Fatal(err)
	}

	names := func(es []*yanglao.ReassessmentEntry) string {
		var s []string
		for _, x := range es {
			s = append(s, x.Name)
		}
		return strings.Join(s, ",")
	}
	all, next, err := e.svc.ReassessmentWorklist(ctx, yanglao.ReassessmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(all), "陈满仓,周秀梅,李桂香,赵有才,刘翠兰"; got != want || next != "" {
		t.Fatalf("worklist %s (next %q), want %s", got, next, want)
	}
	if all[0].DaysLeft != -42 || all[4].DaysLeft != 26 || all[2].AssessedOn != day("2025-03-20") || all[2].AssessmentID == 0 {
		t.Fatalf("entries: %+v %+v %+v", all[0], all[2], all[4])
	}
	// Paging walks the same list, one at a time.
	var walked []*yanglao.ReassessmentEntry
	f := yanglao.ReassessmentFilter{Page: yanglao.Page{Limit: 1}}
	for i := 0; i < 10; i++ {
		page, next, err := e.svc.ReassessmentWorklist(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, page...)
		if next == "" {
			break
		}
		f.Page.After = next
	}
	if names(walked) != names(all) {
		t.Fatalf("paged %s, want %s", names(walked), names(all))
	}
	// Looking further ahead adds 王德福; a region narrows it.
	far, _, _ := e.svc.ReassessmentWorklist(ctx, yanglao.ReassessmentFilter{Within: 90, RegionCode: tk.TownA})
	if got := names(far); got != "陈满仓,李桂香,刘翠兰,王德福" {
		t.Fatalf("90 days in township A: %s", got)
	}
	// A township worker sees only the township's people.
	workerB := tk.CreateUser(t, e.db, "workerb", yanglao.RoleWorker, tk.TownB, nil)
	mine, _, err := e.svc.ReassessmentWorklist(tk.As(workerB), yanglao.ReassessmentFilter{})
	if err != nil || names(mine) != "周秀梅,赵有才" {
		t.Fatalf("worker of township B: %s %v", names(mine), err)
	}
	for _, f := range []yanglao.ReassessmentFilter{{Within: -1}, {Within: 99999}, {RegionCode: "999999999999"}, {Page: yanglao.Page{After: "x"}}} {
		if _, _, err := e.svc.ReassessmentWorklist(ctx, f); yanglao.ErrorCode(err) != yanglao.EINVALID {
			t.Errorf("filter %+v: %v, want invalid", f, err)
		}
	}
}

func TestAssessmentScope(t *testing.T) {
	e := newAssessEnv(t)
	assessorA := tk.CreateUser(t, e.db, "assessora", yanglao.RoleAssessor, tk.TownA, nil)
	assessorB := tk.CreateUser(t, e.db, "assessorb", yanglao.RoleAssessor, tk.TownB, nil)
	workerA := tk.CreateUser(t, e.db, "workera", yanglao.RoleWorker, tk.TownA, nil)
	workerB := tk.CreateUser(t, e.db, "workerb", yanglao.RoleWorker, tk.TownB, nil)
	officialCounty := tk.CreateUser(t, e.db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	home := tk.CreateOrg(t, e.db, "人民路敬老院", yanglao.OrgCareHome, tk.TownA)
	operatorA := tk.CreateUser(t, e.db, "operator", yanglao.RoleOperator, tk.TownA, &home)

	// The assessor of township A assesses its people; the assessor's account and name are recorded.
	a := &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-14"), Answers: answersFor(66)}
	if err := e.svc.CreateAssessment(tk.As(assessorA), a); err != nil {
		t.Fatal(err)
	}
	if a.AssessorID == nil || *a.AssessorID != assessorA.ID || a.AssessorName != assessorA.DisplayName {
		t.Fatalf("assessor recorded as %v %q", a.AssessorID, a.AssessorName)
	}
	// A county official records one too.
	if err := e.svc.CreateAssessment(tk.As(officialCounty), &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-15"),
		AssessorName: "第三方评估机构 王评", Answers: answersFor(60)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  string
		ctx  context.Context
		code string
	}{
		{"assessor of the sibling township", tk.As(assessorB), yanglao.ENOTFOUND},
		{"worker of the township", tk.As(workerA), yanglao.EFORBIDDEN},
		{"worker of the sibling township", tk.As(workerB), yanglao.EFORBIDDEN},
		{"care-home operator", tk.As(operatorA), yanglao.EFORBIDDEN},
		{"nobody", context.Background(), yanglao.EUNAUTHORIZED},
	} {
		n := e.countRows()
		err := e.svc.CreateAssessment(tc.ctx, &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-15"), AssessorName: "x", Answers: answersFor(10)})
		if yanglao.ErrorCode(err) != tc.code {
			t.Errorf("%s assessing: %v, want %s", tc.who, err, tc.code)
		}
		if e.countRows() != n {
			t.Errorf("%s: a refused assessment was stored", tc.who)
		}
	}
	// Reading: the township's worker and the county see it; the sibling township does not, by any call.
	for _, ctx := range []context.Context{tk.As(workerA), tk.As(officialCounty), tk.As(assessorA)} {
		if got, err := e.svc.Assessment(ctx, a.ID); err != nil || got.ID != a.ID {
			t.Fatalf("own scope read: %v", err)
		}
		if list, _, err := e.svc.PersonAssessments(ctx, e.a1.ID, yanglao.Page{}); err != nil || len(list) != 2 {
			t.Fatalf("own scope history: %d %v", len(list), err)
		}
	}
	for _, ctx := range []context.Context{tk.As(workerB), tk.As(assessorB), tk.As(operatorA)} {
		if _, err := e.svc.Assessment(ctx, a.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("sibling read an assessment: %v", err)
		}
		if _, _, err := e.svc.PersonAssessments(ctx, e.a1.ID, yanglao.Page{}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("sibling read a history: %v", err)
		}
		if _, err := e.svc.LatestGrade(ctx, e.a1.ID, day("2026-03-15")); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("sibling read a grade: %v", err)
		}
		if _, err := e.svc.CompareAssessments(ctx, a.ID, a.ID+1); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("sibling compared: %v", err)
		}
	}
	// Two people's assessments are not compared.
	b := e.create(t, tk.System(), e.b1, "2026-03-01", 80, yanglao.AssessmentAdjustments{})
	if _, err := e.svc.CompareAssessments(tk.System(), a.ID, b.ID); yanglao.ErrorField(err) != "other" {
		t.Fatalf("comparing two people: %v", err)
	}
}

func TestAssessmentHistoryCompareAndIdempotency(t *testing.T) {
	e := newAssessEnv(t)
	ctx := tk.System()
	first := e.create(t, ctx, e.a1, "2025-03-01", 70, yanglao.AssessmentAdjustments{})
	later := &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-01"), AssessorName: "评估员乙", Answers: answersFor(70),
		Adjustments: yanglao.AssessmentAdjustments{Dementia: true}, RequestKey: "form-123"}
	later.Answers["B.1.1"], later.Answers["B.3.4"] = 2, 1 // −2 and −3 from 4 and 4
	later.Answers["B.4.5"] = 4                            // was 0 (the 70 points ran out before B.4.5)
	if err := e.svc.CreateAssessment(ctx, later); err != nil {
		t.Fatal(err)
	}
	// The tablet posts the same form again: one row, the same answer.
	again := &yanglao.Assessment{PersonID: e.a1.ID, AssessedOn: day("2026-03-01"), AssessorName: "评估员乙", Answers: later.Answers,
		Adjustments: later.Adjustments, RequestKey: "form-123"}
	if err := e.svc.CreateAssessment(ctx, again); err != nil || again.ID != later.ID || again.Total != later.Total {
		t.Fatalf("repeated form: id %d vs %d, %v", again.ID, later.ID, err)
	}
	if n := e.countRows(); n != 2 {
		t.Fatalf("%d rows after a repeated form, want 2", n)
	}
	list, next, err := e.svc.PersonAssessments(ctx, e.a1.ID, yanglao.Page{Limit: 1})
	if err != nil || len(list) != 1 || list[0].ID != later.ID || next == "" {
		t.Fatalf("newest first: %v %q %v", list, next, err)
	}
	list, next, err = e.svc.PersonAssessments(ctx, e.a1.ID, yanglao.Page{Limit: 1, After: next})
	if err != nil || len(list) != 1 || list[0].ID != first.ID || next != "" {
		t.Fatalf("second page: %v %q %v", list, next, err)
	}

	// Compared in either order, the earlier is "from".
	c, err := e.svc.CompareAssessments(ctx, later.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.From.ID != first.ID || c.To.ID != later.ID || c.Days != 365 {
		t.Fatalf("order: from %d to %d, %d days", c.From.ID, c.To.ID, c.Days)
	}
	if c.TotalChange != -1 || c.Changed != 3 || len(c.Items) != 26 || len(c.Dimensions) != 4 {
		t.Fatalf("changes: total %d, %d items changed of %d", c.TotalChange, c.Changed, len(c.Items))
	}
	byCode := map[string]yanglao.ItemChange{}
	for _, it := range c.Items {
		byCode[it.Code] = it
	}
	if it := byCode["B.1.1"]; it.From != 4 || it.To != 2 || it.Change != -2 || it.FromText == "" || it.ToText == it.FromText {
		t.Fatalf("B.1.1: %+v", it)
	}
	if c.Dimensions[0].Change != -2 || c.Dimensions[2].Change != -3 || c.Dimensions[3].Change != 4 {
		t.Fatalf("dimension changes: %+v", c.Dimensions)
	}
	// 70 → 69 stays mild, but dementia makes the final grade moderate: worse.
	if c.GradeChange != 1 || c.Trend != "worse" {
		t.Fatalf("grade change %d %s", c.GradeChange, c.Trend)
	}
}
