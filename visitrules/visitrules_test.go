package visitrules

import (
	"reflect"
	"testing"

	"github.com/yanglao/yanglao"
)

func d(s string) yanglao.Date {
	v, err := yanglao.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

const (
	county  = "/43/4310/431002/"
	townA   = "/43/4310/431002/431002001/"
	village = "/43/4310/431002/431002001/431002001001/"
	townB   = "/43/4310/431002/431002002/"
	other   = "/43/4310/431003/"
)

func ip(i int) *int { return &i }

func TestDecide(t *testing.T) {
	day := d("2026-03-31")
	rules := []*Rule{
		{ID: 1, Path: county, Group: GroupAlone, PerMonth: 1, From: d("2025-01-01")},
		{ID: 2, Path: county, Group: GroupDisabled, PerMonth: 2, From: d("2025-01-01")},
		{ID: 3, Path: county, Group: GroupOldest, PerMonth: 1, MinAge: 80, From: d("2025-01-01")},
		{ID: 4, Path: townA, Group: GroupOldest, PerMonth: 1, MinAge: 85, From: d("2025-01-01")}, // township overrides the county's age
		{ID: 5, Path: village, Group: GroupAlone, PerMonth: 4, From: d("2026-01-01")},            // village asks weekly for 独居
		{ID: 6, Path: county, Group: GroupLeftBehind, PerMonth: 1, From: d("2025-01-01"), To: d("2026-02-28")},
		{ID: 7, Path: county, Group: GroupTekun, PerMonth: 1, From: d("2025-01-01")},
		{ID: 8, Path: county, Group: GroupSevereDisability, PerMonth: 1, From: d("2025-01-01")},
		{ID: 9, Path: county, Group: GroupSpecialFamily, PerMonth: 1, From: d("2025-01-01")},
		{ID: 10, Path: county, Group: GroupEmptyNest, PerMonth: 1, From: d("2027-01-01")}, // not yet in force
	}
	set := NewSet(rules, day)
	for _, tc := range []struct {
		name   string
		p      Subject
		ok     bool
		groups []string
		per    int
		ruleID []int64
	}{
		{"nobody special", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "with_children"}, false, nil, 0, nil},
		{"alone in the county", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "alone"}, true, []string{GroupAlone}, 1, []int64{1}},
		{"alone in the village: village rule wins", Subject{Path: village, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "alone"}, true, []string{GroupAlone}, 4, []int64{5}},
		{"alone outside the county", Subject{Path: other, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "alone"}, false, nil, 0, nil},
		{"82 in township B (county: 80)", Subject{Path: townB, Birth: d("1944-03-31"), Life: yanglao.Alive}, true, []string{GroupOldest}, 1, []int64{3}},
		{"82 in township A (township: 85)", Subject{Path: village, Birth: d("1944-03-31"), Life: yanglao.Alive}, false, nil, 0, nil},
		{"turns 80 on the reference day", Subject{Path: townB, Birth: d("1946-03-31"), Life: yanglao.Alive}, true, []string{GroupOldest}, 1, []int64{3}},
		{"turns 80 the day after", Subject{Path: townB, Birth: d("1946-04-01"), Life: yanglao.Alive}, false, nil, 0, nil},
		{"disabled by status and alone: most frequent rule", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "alone",
			Statuses: []Span{{Kind: "dementia", Start: d("2024-01-01")}}}, true, []string{GroupAlone, GroupDisabled}, 2, []int64{1, 2}},
		{"disabled by a valid grade", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Grade: ip(3), GradeValidUntil: d("2026-12-31")}, true, []string{GroupDisabled}, 2, []int64{2}},
		{"grade expired", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Grade: ip(3), GradeValidUntil: d("2026-03-30")}, false, nil, 0, nil},
		{"grade 1 is not 失能", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Grade: ip(1), GradeValidUntil: d("2026-12-31")}, false, nil, 0, nil},
		{"left-behind rule ended", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Statuses: []Span{{Kind: "left_behind", Start: d("2024-01-01")}}}, false, nil, 0, nil},
		{"empty nest rule not yet in force", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Living: "empty_nest"}, false, nil, 0, nil},
		{"特困 dispersed", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Statuses: []Span{{Kind: "tekun_dispersed", Start: d("2020-01-01")}}}, true, []string{GroupTekun}, 1, []int64{7}},
		{"特困 status ended before the day", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Statuses: []Span{{Kind: "tekun_dispersed", Start: d("2020-01-01"), End: d("2026-03-30")}}}, false, nil, 0, nil},
		{"特困 centralised lives in a home", Subject{Path: townB, Birth: d("1940-01-01"), Life: yanglao.Alive, Living: "alone", Statuses: []Span{{Kind: "tekun_centralised", Start: d("2020-01-01")}}}, false, nil, 0, nil},
		{"in an institution", Subject{Path: townB, Birth: d("1940-01-01"), Life: yanglao.Alive, Living: "institution"}, false, nil, 0, nil},
		{"severe disability by certificate", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, DisabilityGrade: 2}, true, []string{GroupSevereDisability}, 1, []int64{8}},
		{"disability grade 3 is not severe", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, DisabilityGrade: 3}, false, nil, 0, nil},
		{"special family", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Alive, Statuses: []Span{{Kind: "special_family", Start: d("2010-01-01")}}}, true, []string{GroupSpecialFamily}, 1, []int64{9}},
		{"died before the reference day", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Deceased, Death: d("2026-03-10"), Living: "alone"}, false, nil, 0, nil},
		{"died after the reference day", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.Deceased, Death: d("2026-04-02"), Living: "alone"}, true, []string{GroupAlone}, 1, []int64{1}},
		{"moved out on the reference day", Subject{Path: townB, Birth: d("1950-01-01"), Life: yanglao.MovedOut, MovedOut: d("2026-03-31"), Living: "alone"}, false, nil, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := set.Decide(&tc.p, day)
			if ok != tc.ok || !reflect.DeepEqual(got.Groups, tc.groups) || got.PerMonth != tc.per || !reflect.DeepEqual(got.RuleIDs, tc.ruleID) {
				t.Fatalf("got %v %+v, want %v groups=%v per=%d rules=%v", ok, got, tc.ok, tc.groups, tc.per, tc.ruleID)
			}
		})
	}
}

func TestSameRegionLatestRuleWins(t *testing.T) {
	rules := []*Rule{
		{ID: 1, Path: county, Group: GroupAlone, PerMonth: 1, From: d("2025-01-01")},
		{ID: 2, Path: county, Group: GroupAlone, PerMonth: 2, From: d("2026-02-01")},
	}
	if r := NewSet(rules, d("2026-01-15")).Effective(GroupAlone, village); r == nil || r.ID != 1 {
		t.Fatalf("January: %+v", r)
	}
	if r := NewSet(rules, d("2026-02-15")).Effective(GroupAlone, village); r == nil || r.ID != 2 {
		t.Fatalf("February: %+v", r)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		r     Rule
		field string
	}{
		{Rule{Group: "rich", PerMonth: 1, From: d("2026-01-01"), Source: "x"}, "group"},
		{Rule{Group: GroupAlone, PerMonth: 0, From: d("2026-01-01"), Source: "x"}, "per_month"},
		{Rule{Group: GroupAlone, PerMonth: 9, From: d("2026-01-01"), Source: "x"}, "per_month"},
		{Rule{Group: GroupAlone, PerMonth: 1, MinAge: 80, From: d("2026-01-01"), Source: "x"}, "min_age"},
		{Rule{Group: GroupOldest, PerMonth: 1, MinAge: 50, From: d("2026-01-01"), Source: "x"}, "min_age"},
		{Rule{Group: GroupAlone, PerMonth: 1, Source: "x"}, "from"},
		{Rule{Group: GroupAlone, PerMonth: 1, From: d("2026-01-01"), To: d("2025-01-01"), Source: "x"}, "to"},
		{Rule{Group: GroupAlone, PerMonth: 1, From: d("2026-01-01"), Source: "  "}, "source"},
		{Rule{Group: GroupOldest, PerMonth: 1, From: d("2026-01-01"), Source: "x"}, ""},
	} {
		err := tc.r.Validate()
		if yanglao.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("%+v: %v, want field %q", tc.r, err, tc.field)
		}
	}
	r := Rule{Group: GroupOldest, PerMonth: 1, From: d("2026-01-01"), Source: "x"}
	r.Validate()
	if r.MinAge != 80 {
		t.Errorf("oldest default age %d", r.MinAge)
	}
	for _, r := range Defaults("431002000000", d("2025-01-01")) {
		if err := r.Validate(); err != nil {
			t.Errorf("default %s: %v", r.Group, err)
		}
	}
}

func TestRefDay(t *testing.T) {
	for _, tc := range []struct{ month, today, want string }{
		{"2026-02", "2026-03-05", "2026-02-28"},
		{"2024-02", "2026-03-05", "2024-02-29"},
		{"2026-03", "2026-03-05", "2026-03-05"},
		{"2026-04", "2026-03-05", "2026-04-01"},
	} {
		got, err := RefDay(tc.month, d(tc.today))
		if err != nil || got.String() != tc.want {
			t.Errorf("RefDay(%s, %s) = %v %v, want %s", tc.month, tc.today, got, err, tc.want)
		}
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-01", "", "2026-01-01"} {
		if _, err := RefDay(bad, d("2026-01-01")); yanglao.ErrorField(err) != "month" {
			t.Errorf("RefDay(%q): %v", bad, err)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	rules := Defaults("431002000000", d("2025-01-01"))
	for i, r := range rules {
		r.ID, r.Path = int64(i+1), county
	}
	set := NewSet(rules, d("2026-01-31"))
	p := &Subject{Path: village, Birth: d("1944-03-31"), Life: yanglao.Alive, Living: "alone", Statuses: []Span{{Kind: "dibao", Start: d("2020-01-01")}, {Kind: "disabled", Start: d("2021-01-01")}}}
	for b.Loop() {
		set.Decide(p, d("2026-01-31"))
	}
}
