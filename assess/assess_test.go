package assess

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestForm(t *testing.T) {
	// Item maxima per dimension as in annex B; they must add up to the
	// dimension maxima 32, 15, 28, 15 and the total of 90.
	wantMax := map[string][]int{
		"B.1": {4, 4, 4, 4, 4, 4, 4, 4},
		"B.2": {4, 4, 4, 3},
		"B.3": {4, 4, 4, 4, 4, 4, 1, 1, 2},
		"B.4": {2, 2, 4, 3, 4},
	}
	dims := Dimensions()
	if len(dims) != 4 {
		t.Fatalf("%d dimensions, want 4", len(dims))
	}
	total, count := 0, 0
	for d, dim := range dims {
		if want := fmt.Sprintf("B.%d", d+1); dim.Code != want {
			t.Errorf("dimension %d code %q, want %q", d, dim.Code, want)
		}
		if len(dim.Items) != len(wantMax[dim.Code]) {
			t.Fatalf("%s has %d items, want %d", dim.Code, len(dim.Items), len(wantMax[dim.Code]))
		}
		sum := 0
		for i, it := range dim.Items {
			count++
			if want := fmt.Sprintf("%s.%d", dim.Code, i+1); it.Code != want {
				t.Errorf("item code %q, want %q", it.Code, want)
			}
			if it.Max() != wantMax[dim.Code][i] {
				t.Errorf("%s max %d, want %d", it.Code, it.Max(), wantMax[dim.Code][i])
			}
			if it.Name == "" || it.NameEN == "" {
				t.Errorf("%s lacks a name", it.Code)
			}
			// Options run from the maximum down to 0 in steps of 1, each with its text.
			for k, o := range it.Options {
				if o.Score != it.Max()-k || o.Text == "" {
					t.Errorf("%s option %d = %+v", it.Code, k, o)
				}
			}
			if last := it.Options[len(it.Options)-1]; last.Score != 0 {
				t.Errorf("%s lowest option scores %d, want 0", it.Code, last.Score)
			}
			sum += it.Max()
		}
		if sum != dim.Max {
			t.Errorf("%s items add up to %d, dimension max is %d", dim.Code, sum, dim.Max)
		}
		total += dim.Max
	}
	if total != MaxTotal || count != 26 {
		t.Errorf("form has %d items worth %d points, want 26 worth %d", count, total, MaxTotal)
	}
	if dims[0].Max != 32 || dims[1].Max != 15 || dims[2].Max != 28 || dims[3].Max != 15 {
		t.Errorf("dimension maxima %d %d %d %d, want 32 15 28 15", dims[0].Max, dims[1].Max, dims[2].Max, dims[3].Max)
	}

	it, ok := LookupItem("B.1.1")
	if !ok || it.Name != "进食" || it.Options[0].Text != "独立使用器具将食物送进口中并咽下，没有呛咳" {
		t.Errorf("LookupItem(B.1.1) = %+v, %v", it, ok)
	}
	if _, ok := LookupItem("B.5.1"); ok {
		t.Error("LookupItem(B.5.1) found an item")
	}
	// Callers get copies: changing them must not change the form.
	dims[0].Items[1].Options[0].Text = "changed"
	it.Options[0].Score = 99
	if again, _ := LookupItem("B.1.2"); again.Options[0].Text == "changed" {
		t.Error("Dimensions shares option slices with the form")
	}
	if again, _ := LookupItem("B.1.1"); again.Options[0].Score != 4 {
		t.Error("LookupItem shares option slices with the form")
	}
}

func TestGradeForTotal(t *testing.T) {
	tests := []struct {
		total int
		want  Grade
	}{
		{90, Intact}, {89, MildlyImpaired}, {66, MildlyImpaired},
		{65, ModeratelyImpaired}, {46, ModeratelyImpaired},
		{45, SeverelyImpaired}, {30, SeverelyImpaired},
		{29, CompletelyLost}, {0, CompletelyLost},
	}
	for _, tt := range tests {
		if got := GradeForTotal(tt.total); got != tt.want {
			t.Errorf("GradeForTotal(%d) = %v, want %v", tt.total, got, tt.want)
		}
	}
}

func TestGradeNames(t *testing.T) {
	want := []string{"能力完好", "能力轻度受损（轻度失能）", "能力中度受损（中度失能）", "能力重度受损（重度失能）", "能力完全丧失（完全失能）"}
	for g := Intact; g <= CompletelyLost; g++ {
		if g.Name() != want[g] || g.NameEN() == "" || g.String() != g.NameEN() {
			t.Errorf("Grade %d: %q %q", g, g.Name(), g.NameEN())
		}
	}
	if Grade(5).Name() != "Grade(5)" || Grade(-1).NameEN() != "Grade(-1)" {
		t.Error("out-of-range grade names")
	}
}

// answersWithTotal returns a full set of answers adding up to total,
// taking points off the items in form order.
func answersWithTotal(total int) map[string]int {
	a := make(map[string]int, len(items))
	off := MaxTotal - total
	for _, dim := range form {
		for _, it := range dim.Items {
			v := it.Max()
			cut := min(off, v)
			a[it.Code] = v - cut
			off -= cut
		}
	}
	return a
}

// comaAnswers is answersWithTotal with B.3.9 at 0, as coma requires; the
// points it would have had go to other items.
func comaAnswers(t *testing.T, total int) map[string]int {
	t.Helper()
	a := answersWithTotal(total)
	moved := a["B.3.9"]
	a["B.3.9"] = 0
	for _, it := range items {
		if it.code == "B.3.9" {
			continue
		}
		step := min(byCode[it.code].Max()-a[it.code], moved)
		a[it.code] += step
		moved -= step
	}
	if moved != 0 {
		t.Fatalf("no answers total %d with B.3.9 at 0 (the maximum is 88)", total)
	}
	return a
}

// Assessment day used by the risk-event cases: 31 March, so that 30 days
// before is 1 March and 31 days before is 28 February.
var assessed = time.Date(2025, time.March, 31, 9, 30, 0, 0, time.UTC)

func daysBefore(n int) time.Time { return assessed.AddDate(0, 0, -n) }

func TestScore(t *testing.T) {
	falls := func(days ...int) []RiskEvent {
		var ev []RiskEvent
		for _, d := range days {
			ev = append(ev, RiskEvent{Kind: Fall, Date: daysBefore(d)})
		}
		return ev
	}
	tests := []struct {
		name      string
		total     int
		adj       Adjustments
		prelim    Grade
		final     Grade
		rules     []Rule
		reasonHas string
	}{
		// every grade boundary, no adjustment
		{name: "90", total: 90, prelim: Intact, final: Intact},
		{name: "89", total: 89, prelim: MildlyImpaired, final: MildlyImpaired},
		{name: "66", total: 66, prelim: MildlyImpaired, final: MildlyImpaired},
		{name: "65", total: 65, prelim: ModeratelyImpaired, final: ModeratelyImpaired},
		{name: "46", total: 46, prelim: ModeratelyImpaired, final: ModeratelyImpaired},
		{name: "45", total: 45, prelim: SeverelyImpaired, final: SeverelyImpaired},
		{name: "30", total: 30, prelim: SeverelyImpaired, final: SeverelyImpaired},
		{name: "29", total: 29, prelim: CompletelyLost, final: CompletelyLost},
		{name: "0", total: 0, prelim: CompletelyLost, final: CompletelyLost},

		// each rule on its own
		{name: "dementia", total: 90, adj: Adjustments{Dementia: true},
			prelim: Intact, final: MildlyImpaired, rules: []Rule{RuleDementia}, reasonHas: "F00"},
		{name: "mental disorder", total: 66, adj: Adjustments{MentalDisorder: true},
			prelim: MildlyImpaired, final: ModeratelyImpaired, rules: []Rule{RuleMentalDisorder}, reasonHas: "psychiatrist"},
		{name: "two risk events", total: 46, adj: Adjustments{RiskEvents: falls(1, 2), AssessedOn: assessed},
			prelim: ModeratelyImpaired, final: SeverelyImpaired, rules: []Rule{RuleRiskEvents}, reasonHas: "2 care-risk events"},
		{name: "two kinds of risk event", total: 30,
			adj:    Adjustments{RiskEvents: []RiskEvent{{Choking, daysBefore(3)}, {Wandering, daysBefore(20)}}, AssessedOn: assessed},
			prelim: SeverelyImpaired, final: CompletelyLost, rules: []Rule{RuleRiskEvents}},
		{name: "coma at the highest possible score", total: 88, adj: Adjustments{Coma: true},
			prelim: MildlyImpaired, final: CompletelyLost, rules: []Rule{RuleComa}, reasonHas: "coma"},

		// not raised
		{name: "one risk event", total: 90, adj: Adjustments{RiskEvents: falls(0), AssessedOn: assessed},
			prelim: Intact, final: Intact},
		{name: "risk events outside the window", total: 90, adj: Adjustments{RiskEvents: falls(31, 45, 400), AssessedOn: assessed},
			prelim: Intact, final: Intact},

		// the 30-day boundary
		{name: "events on the assessment day and 30 days before", total: 90,
			adj:    Adjustments{RiskEvents: falls(0, 30), AssessedOn: assessed},
			prelim: Intact, final: MildlyImpaired, rules: []Rule{RuleRiskEvents}},
		{name: "second event 31 days before", total: 90,
			adj:    Adjustments{RiskEvents: falls(0, 31), AssessedOn: assessed},
			prelim: Intact, final: Intact},
		{name: "window counts calendar days, not hours", total: 90,
			adj: Adjustments{AssessedOn: time.Date(2025, 3, 31, 0, 5, 0, 0, time.UTC), RiskEvents: []RiskEvent{
				{Fall, time.Date(2025, 3, 1, 23, 55, 0, 0, time.UTC)}, // 29 days 20 minutes earlier, 30 calendar days
				{Fall, time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)},
			}},
			prelim: Intact, final: MildlyImpaired, rules: []Rule{RuleRiskEvents}},

		// grounds do not stack
		{name: "dementia and mental disorder", total: 90, adj: Adjustments{Dementia: true, MentalDisorder: true},
			prelim: Intact, final: MildlyImpaired, rules: []Rule{RuleDementia, RuleMentalDisorder, RuleNotCumulative}},
		{name: "dementia and risk events", total: 65,
			adj:    Adjustments{Dementia: true, RiskEvents: falls(1, 2, 3), AssessedOn: assessed},
			prelim: ModeratelyImpaired, final: SeverelyImpaired, rules: []Rule{RuleDementia, RuleRiskEvents, RuleNotCumulative}, reasonHas: "3 care-risk events"},
		{name: "all three grounds", total: 89,
			adj:    Adjustments{Dementia: true, MentalDisorder: true, RiskEvents: falls(1, 2), AssessedOn: assessed},
			prelim: MildlyImpaired, final: ModeratelyImpaired, rules: []Rule{RuleDementia, RuleMentalDisorder, RuleRiskEvents, RuleNotCumulative}},

		// no grade below completely lost
		{name: "raise from completely lost", total: 29, adj: Adjustments{Dementia: true},
			prelim: CompletelyLost, final: CompletelyLost, rules: []Rule{RuleDementia, RuleAlreadyLowest}},

		// coma overrides everything else
		{name: "coma with dementia and events", total: 66,
			adj:    Adjustments{Coma: true, Dementia: true, MentalDisorder: true, RiskEvents: falls(1, 2), AssessedOn: assessed},
			prelim: MildlyImpaired, final: CompletelyLost, rules: []Rule{RuleComa}},
		{name: "coma at 0", total: 0, adj: Adjustments{Coma: true},
			prelim: CompletelyLost, final: CompletelyLost, rules: []Rule{RuleComa}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := answersWithTotal(tt.total)
			if tt.adj.Coma {
				answers = comaAnswers(t, tt.total)
			}
			r, err := Score(answers, tt.adj)
			if err != nil {
				t.Fatalf("Score: %v", err)
			}
			if r.Total != tt.total {
				t.Errorf("Total = %d, want %d", r.Total, tt.total)
			}
			if sum := r.Subtotals[SelfCare] + r.Subtotals[Motor] + r.Subtotals[Mental] + r.Subtotals[PerceptionSocial]; sum != r.Total {
				t.Errorf("Subtotals %v add up to %d, not %d", r.Subtotals, sum, r.Total)
			}
			if r.PreliminaryGrade != tt.prelim || r.FinalGrade != tt.final {
				t.Errorf("grades %v → %v, want %v → %v", r.PreliminaryGrade, r.FinalGrade, tt.prelim, tt.final)
			}
			var rules []Rule
			for _, reason := range r.Reasons {
				rules = append(rules, reason.Rule)
				if reason.ZH == "" || reason.EN == "" || !strings.Contains(reason.Clause, "GB/T 42195-2022") {
					t.Errorf("incomplete reason %+v", reason)
				}
			}
			if fmt.Sprint(rules) != fmt.Sprint(tt.rules) {
				t.Errorf("reasons %v, want %v", rules, tt.rules)
			}
			if tt.reasonHas != "" {
				found := false
				for _, reason := range r.Reasons {
					found = found || strings.Contains(reason.EN, tt.reasonHas)
				}
				if !found {
					t.Errorf("no reason mentions %q: %+v", tt.reasonHas, r.Reasons)
				}
			}
		})
	}
}

func TestScoreSubtotals(t *testing.T) {
	r, err := Score(answersWithTotal(90), Adjustments{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subtotals != [4]int{32, 15, 28, 15} || r.Total != 90 {
		t.Errorf("full marks: %v total %d", r.Subtotals, r.Total)
	}
	// 90-50 = 40 points off, all taken from self-care (32) then motor (8).
	r, err = Score(answersWithTotal(50), Adjustments{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subtotals != [4]int{0, 7, 28, 15} {
		t.Errorf("subtotals %v, want [0 7 28 15]", r.Subtotals)
	}
}

func TestScoreInvalid(t *testing.T) {
	with := func(change func(map[string]int)) map[string]int {
		a := answersWithTotal(90)
		change(a)
		return a
	}
	tests := []struct {
		name    string
		answers map[string]int
		adj     Adjustments
		field   string
		msgHas  string
	}{
		{name: "nil answers", answers: nil, field: "B.1.1", msgHas: "not answered"},
		{name: "missing item", answers: with(func(a map[string]int) { delete(a, "B.3.4") }), field: "B.3.4", msgHas: "未作答"},
		{name: "5 on a 0-4 item", answers: with(func(a map[string]int) { a["B.1.1"] = 5 }), field: "B.1.1", msgHas: "score 5 is not allowed, choose 0-4"},
		{name: "negative", answers: with(func(a map[string]int) { a["B.1.6"] = -1 }), field: "B.1.6", msgHas: "score -1"},
		{name: "4 on stairs", answers: with(func(a map[string]int) { a["B.2.4"] = 4 }), field: "B.2.4", msgHas: "choose 0-3"},
		{name: "2 on aggression", answers: with(func(a map[string]int) { a["B.3.7"] = 2 }), field: "B.3.7", msgHas: "choose 0-1"},
		{name: "3 on consciousness", answers: with(func(a map[string]int) { a["B.3.9"] = 3 }), field: "B.3.9", msgHas: "choose 0-2"},
		{name: "3 on vision", answers: with(func(a map[string]int) { a["B.4.1"] = 3 }), field: "B.4.1"},
		{name: "huge score", answers: with(func(a map[string]int) { a["B.4.5"] = 1 << 40 }), field: "B.4.5"},
		{name: "unknown items", answers: with(func(a map[string]int) { a["B.5.1"] = 1; a["B.1.9"] = 0 }), field: "B.1.9", msgHas: "not an item"},
		{name: "coma but conscious", answers: answersWithTotal(90), adj: Adjustments{Coma: true}, field: "Coma", msgHas: "scores 2"},
		{name: "events without assessment date", answers: answersWithTotal(90),
			adj: Adjustments{RiskEvents: []RiskEvent{{Fall, daysBefore(1)}}}, field: "AssessedOn"},
		{name: "unknown event kind", answers: answersWithTotal(90),
			adj: Adjustments{AssessedOn: assessed, RiskEvents: []RiskEvent{{Fall, daysBefore(1)}, {"flood", daysBefore(1)}}}, field: "RiskEvents[1].Kind", msgHas: "flood"},
		{name: "event without date", answers: answersWithTotal(90),
			adj: Adjustments{AssessedOn: assessed, RiskEvents: []RiskEvent{{Kind: Choking}}}, field: "RiskEvents[0].Date"},
		{name: "event after the assessment", answers: answersWithTotal(90),
			adj: Adjustments{AssessedOn: assessed, RiskEvents: []RiskEvent{{SelfHarm, assessed.AddDate(0, 0, 1)}}}, field: "RiskEvents[0].Date", msgHas: "after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Score(tt.answers, tt.adj)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Score = %+v, %v; want *Error", r, err)
			}
			if e.Field != tt.field || !strings.Contains(e.Msg, tt.msgHas) {
				t.Errorf("error %q / %q, want field %q with %q", e.Field, e.Msg, tt.field, tt.msgHas)
			}
			if !strings.Contains(e.Msg, " (") {
				t.Errorf("message %q is not bilingual", e.Msg)
			}
			if r.Total != 0 || r.Reasons != nil {
				t.Errorf("rejected input returned a result %+v", r)
			}
		})
	}
}

func TestScoreDoesNotAllocate(t *testing.T) {
	answers := answersWithTotal(70)
	adj := Adjustments{AssessedOn: assessed, RiskEvents: []RiskEvent{{Fall, daysBefore(3)}}}
	if n := testing.AllocsPerRun(100, func() { _, _ = Score(answers, adj) }); n != 0 {
		t.Errorf("Score allocates %.0f times without a grade change", n)
	}
}

func BenchmarkScore(b *testing.B) {
	answers := answersWithTotal(70)
	adj := Adjustments{AssessedOn: assessed, RiskEvents: []RiskEvent{{Fall, daysBefore(3)}, {Fall, daysBefore(40)}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score(answers, adj); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScoreWithReasons(b *testing.B) {
	answers := answersWithTotal(70)
	adj := Adjustments{Dementia: true, AssessedOn: assessed, RiskEvents: []RiskEvent{{Fall, daysBefore(3)}, {Choking, daysBefore(10)}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score(answers, adj); err != nil {
			b.Fatal(err)
		}
	}
}
