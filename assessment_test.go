package yanglao_test

import (
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

func date(s string) yanglao.Date {
	d, err := yanglao.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestAddMonthsAndValidity(t *testing.T) {
	for _, tc := range []struct {
		from   string
		months int
		want   string
	}{
		{"2025-03-15", 12, "2026-03-15"},
		{"2024-02-29", 12, "2025-02-28"}, // no 29 February: the month's last day
		{"2024-02-29", 48, "2028-02-29"},
		{"2025-01-31", 1, "2025-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-08-31", 6, "2026-02-28"},
		{"2025-12-31", 1, "2026-01-31"},
		{"2025-03-15", -3, "2024-12-15"},
		{"2025-01-10", -13, "2023-12-10"},
		{"2025-05-31", 0, "2025-05-31"},
	} {
		if got := yanglao.AddMonths(date(tc.from), tc.months); got != date(tc.want) {
			t.Errorf("%s %+d months = %s, want %s", tc.from, tc.months, got, tc.want)
		}
	}
	if got := yanglao.ValidUntilFor(date("2025-06-01"), yanglao.DefaultAssessmentValidityMonths); got != date("2026-06-01") {
		t.Errorf("default validity: %s", got)
	}
	if d := yanglao.DaysBetween(date("2026-02-01"), date("2026-03-15")); d != 42 {
		t.Errorf("days between: %d", d)
	}
	if d := yanglao.DaysBetween(date("2026-03-15"), date("2026-02-01")); d != -42 {
		t.Errorf("days between, backwards: %d", d)
	}
}

func full() map[string]int {
	m := map[string]int{}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			m[it.Code] = it.Max()
		}
	}
	return m
}

// TestScoreNamesFields: the errors of package assess come back naming the JSON
// field or the item code, and client totals are overwritten.
func TestScoreNamesFields(t *testing.T) {
	on := date("2026-03-01")
	for _, tc := range []struct {
		name  string
		edit  func(a *yanglao.Assessment)
		field string
	}{
		{"missing item", func(a *yanglao.Assessment) { delete(a.Answers, "B.4.4") }, "B.4.4"},
		{"bad score", func(a *yanglao.Assessment) { a.Answers["B.3.7"] = 2 }, "B.3.7"},
		{"unknown item", func(a *yanglao.Assessment) { a.Answers["X"] = 1 }, "X"},
		{"coma", func(a *yanglao.Assessment) { a.Adjustments.Coma = true }, "coma"},
		{"event kind", func(a *yanglao.Assessment) {
			a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: "fall", Date: on}, {Kind: "flood", Date: on}}
		}, "risk_events[1].kind"},
		{"event date", func(a *yanglao.Assessment) { a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: "fall"}} }, "risk_events[0].date"},
		{"event after", func(a *yanglao.Assessment) {
			a.Adjustments.RiskEvents = []yanglao.RiskEvent{{Kind: "fall", Date: on.AddDays(1)}}
		}, "risk_events[0].date"},
	} {
		a := &yanglao.Assessment{AssessedOn: on, Answers: full()}
		tc.edit(a)
		err := a.Score()
		if yanglao.ErrorCode(err) != yanglao.EINVALID || yanglao.ErrorField(err) != tc.field {
			t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
		}
	}
	a := &yanglao.Assessment{AssessedOn: on, Answers: full(), Total: 3, FinalGrade: assess.CompletelyLost,
		Adjustments: yanglao.AssessmentAdjustments{MentalDisorder: true}}
	if err := a.Score(); err != nil {
		t.Fatal(err)
	}
	if a.Total != 90 || a.PreliminaryGrade != assess.Intact || a.FinalGrade != assess.MildlyImpaired || a.Subtotals["B.3"] != 28 ||
		len(a.Reasons) != 1 || a.FinalGradeName != "能力轻度受损（轻度失能）" {
		t.Fatalf("scored: %+v", a)
	}
	// Validate: dates and text fields.
	for _, tc := range []struct {
		edit  func(a *yanglao.Assessment)
		field string
	}{
		{func(a *yanglao.Assessment) { a.AssessedOn = on.AddDays(1) }, "assessed_on"},
		{func(a *yanglao.Assessment) { a.Reason = "x" }, "reason"},
		{func(a *yanglao.Assessment) { a.CoAssessor = "<b>" }, "co_assessor"},
		{func(a *yanglao.Assessment) { a.Answers = nil }, "answers"},
	} {
		b := &yanglao.Assessment{AssessedOn: on, Answers: full()}
		tc.edit(b)
		if err := b.Validate(on); yanglao.ErrorField(err) != tc.field {
			t.Errorf("validate: %v, want %s", err, tc.field)
		}
	}
}

func TestCompareAssessments(t *testing.T) {
	a := &yanglao.Assessment{ID: 1, AssessedOn: date("2025-01-01"), Answers: full()}
	b := &yanglao.Assessment{ID: 2, AssessedOn: date("2026-01-01"), Answers: full()}
	b.Answers["B.2.3"] = 1
	for _, x := range []*yanglao.Assessment{a, b} {
		if err := x.Score(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*yanglao.AssessmentComparison{yanglao.CompareAssessments(a, b), yanglao.CompareAssessments(b, a)} {
		if c.From != a || c.To != b || c.Days != 365 || c.TotalChange != -3 || c.Changed != 1 || c.GradeChange != 1 || c.Trend != "worse" {
			t.Fatalf("comparison: %+v", c)
		}
		if c.Dimensions[1].Change != -3 || c.Items[10].Code != "B.2.3" || c.Items[10].ToText != "在步行时需要他人大量扶持协助" {
			t.Fatalf("details: %+v %+v", c.Dimensions[1], c.Items[10])
		}
	}
}
