package benefits

import (
	"fmt"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
)

func d(s string) yanglao.Date {
	x, err := yanglao.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func mon(s string) Month {
	m, err := ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}

const beihuPath = "/430000000000/431000000000/431002000000/431002001000/"

// beihu are the parameters of 北湖区 used by the table: 低保 650元 to the end
// of June 2024, 700元 from July 2024; care subsidy 100元; service subsidy
// 50元; disabled living 60元, disabled care 80元.
func beihu() *Params {
	p := NewParams("431002000000")
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(p.Set(ParamDibao, d("2023-01-01"), d("2024-06-30"), 65000))
	must(p.Set(ParamDibao, d("2024-07-01"), yanglao.Date{}, 70000))
	must(p.Set(ParamCareSubsidy, d("2023-01-01"), yanglao.Date{}, 10000))
	must(p.Set(ParamServiceSubsidy, d("2023-01-01"), yanglao.Date{}, 5000))
	must(p.Set(ParamDisabledLiving, d("2023-01-01"), yanglao.Date{}, 6000))
	must(p.Set(ParamDisabledCare, d("2023-01-01"), yanglao.Date{}, 8000))
	return p
}

type opt func(*Subject)

func died(s string) opt     { return func(x *Subject) { x.Death = d(s) } }
func movedOut(s string) opt { return func(x *Subject) { x.MovedOut = d(s) } }
func status(kind, from, to string) opt {
	return func(x *Subject) {
		sp := Span{Kind: kind, Start: d(from)}
		if to != "" {
			sp.End = d(to)
		}
		x.Statuses = append(x.Statuses, sp)
	}
}
func grade(g int, from, until string) opt {
	return func(x *Subject) { x.Grades = append(x.Grades, GradeSpan{Grade: g, From: d(from), Until: d(until)}) }
}
func disability(g int) opt { return func(x *Subject) { x.DisabilityGrade = g } }
func living(l string) opt  { return func(x *Subject) { x.Living = l } }
func params(p *Params) opt { return func(x *Subject) { x.Params = p } }

// noIncome is a person with the 无固定收入 status since 2000.
var noIncome = status("no_fixed_income", "2000-01-01", "")

func person(birth string, opts ...opt) *Subject {
	s := &Subject{Birth: d(birth), Sex: "F", Residence: "431002001000", ResidencePath: beihuPath,
		Household: "431002000000", HouseholdPath: "/430000000000/431000000000/431002000000/", Params: beihu()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// The table of hand-worked entitlements. Each row was worked out from the
// Chenzhou annex (seed lines 107, 110, 113, 116–117, 123) and the monthly
// semantics of the package documentation, not by running the engine: the
// comment on each row is the working. amount is in fen; -1 means "no
// decision at all for the month" (the person was not alive and resident).
var handTable = []struct {
	name   string
	s      *Subject
	month  string
	code   string
	elig   bool
	amount int64
}{
	// 高龄津贴 (item 12, line 107): 80-89 → 80元, 90-99 → 150元, no fixed income.
	{"turns 80 on 1 Mar 2024: Feb still 79", person("1944-03-01", noIncome), "2024-02", "CZ-12", false, 0},
	{"turns 80 on 1 Mar 2024: Mar 80元", person("1944-03-01", noIncome), "2024-03", "CZ-12", true, 8000},
	{"turns 80 on 31 Mar 2024: Feb still 79", person("1944-03-31", noIncome), "2024-02", "CZ-12", false, 0},
	{"turns 80 on 31 Mar 2024, the last day: Mar 80元", person("1944-03-31", noIncome), "2024-03", "CZ-12", true, 8000},
	{"turns 80 on 31 Mar 2024: Apr 80元", person("1944-03-31", noIncome), "2024-04", "CZ-12", true, 8000},
	{"turns 80 but has a fixed income", person("1944-03-01"), "2024-03", "CZ-12", false, 0},
	{"turns 90 on 1 Jun 2024: May 80元", person("1934-06-01", noIncome), "2024-05", "CZ-12", true, 8000},
	{"turns 90 on 1 Jun 2024: Jun 150元", person("1934-06-01", noIncome), "2024-06", "CZ-12", true, 15000},
	{"turns 90 on 30 Jun 2024: May 80元", person("1934-06-30", noIncome), "2024-05", "CZ-12", true, 8000},
	{"turns 90 on 30 Jun 2024, the last day: Jun 150元", person("1934-06-30", noIncome), "2024-06", "CZ-12", true, 15000},
	{"turns 100 on 1 Sep 2024: Aug 高龄 150元", person("1924-09-01", noIncome), "2024-08", "CZ-12", true, 15000},
	{"turns 100 on 1 Sep 2024: Aug no 百岁 yet", person("1924-09-01", noIncome), "2024-08", "CZ-13", false, 0},
	{"turns 100 on 1 Sep 2024: Sep 百岁 600元", person("1924-09-01", noIncome), "2024-09", "CZ-13", true, 60000},
	{"turns 100 on 1 Sep 2024: Sep no 高龄 (replaced by 百岁)", person("1924-09-01", noIncome), "2024-09", "CZ-12", false, 0},
	{"turns 100 on 30 Sep 2024, the last day: Sep 百岁 600元", person("1924-09-30", noIncome), "2024-09", "CZ-13", true, 60000},
	{"turns 100 on 30 Sep 2024: Sep no 高龄", person("1924-09-30", noIncome), "2024-09", "CZ-12", false, 0},
	{"turns 100 on 30 Sep 2024: Aug 高龄 150元", person("1924-09-30", noIncome), "2024-08", "CZ-12", true, 15000},
	{"101 with a pension: 百岁 has no income condition", person("1923-05-05"), "2024-06", "CZ-13", true, 60000},

	// Born on 29 February.
	{"born 1944-02-29, leap 2024: 80 on 29 Feb, Jan still 79", person("1944-02-29", noIncome), "2024-01", "CZ-12", false, 0},
	{"born 1944-02-29, leap 2024: 80 on 29 Feb, Feb 80元", person("1944-02-29", noIncome), "2024-02", "CZ-12", true, 8000},
	{"born 1936-02-29, common 2026: 90 on 1 Mar, Feb still 80元", person("1936-02-29", noIncome), "2026-02", "CZ-12", true, 8000},
	{"born 1936-02-29, common 2026: 90 on 1 Mar, Mar 150元", person("1936-02-29", noIncome), "2026-03", "CZ-12", true, 15000},
	{"born 1928-02-29, leap 2028: 100 on 29 Feb, Feb 600元", person("1928-02-29", noIncome), "2028-02", "CZ-13", true, 60000},
	{"born 1928-02-29, leap 2028: Jan 高龄 150元", person("1928-02-29", noIncome), "2028-01", "CZ-12", true, 15000},
	{"born 1928-02-29: Feb 2028 no 高龄", person("1928-02-29", noIncome), "2028-02", "CZ-12", false, 0},

	// Death: the month of death is decided on the day of death and paid; nothing after.
	{"85, died 1 May 2024: May paid", person("1939-01-15", noIncome, died("2024-05-01")), "2024-05", "CZ-12", true, 8000},
	{"85, died 1 May 2024: Jun nothing", person("1939-01-15", noIncome, died("2024-05-01")), "2024-06", "CZ-12", false, -1},
	{"85, died 31 May 2024: May paid", person("1939-01-15", noIncome, died("2024-05-31")), "2024-05", "CZ-12", true, 8000},
	{"85, died 31 May 2024: Jun nothing", person("1939-01-15", noIncome, died("2024-05-31")), "2024-06", "CZ-12", false, -1},
	{"died 30 Apr 2024: May nothing", person("1939-01-15", noIncome, died("2024-04-30")), "2024-05", "CZ-12", false, -1},
	{"would turn 80 on 20 May, died 10 May: never 80", person("1944-05-20", noIncome, died("2024-05-10")), "2024-05", "CZ-12", false, 0},
	{"turned 80 on 20 May, died that day: May 80元", person("1944-05-20", noIncome, died("2024-05-20")), "2024-05", "CZ-12", true, 8000},
	{"would turn 90 on 31 Jul, died 15 Jul: 89, 80元", person("1934-07-31", noIncome, died("2024-07-15")), "2024-07", "CZ-12", true, 8000},
	{"turns 100 on 1 Sep, died 1 Sep: 百岁 600元", person("1924-09-01", noIncome, died("2024-09-01")), "2024-09", "CZ-13", true, 60000},
	{"百岁, died 1 Oct: Oct paid", person("1924-09-01", died("2024-10-01")), "2024-10", "CZ-13", true, 60000},
	{"百岁, died 1 Oct: Nov nothing", person("1924-09-01", died("2024-10-01")), "2024-11", "CZ-13", false, -1},

	// Moving out: like death.
	{"moved out 10 Mar 2024: Mar paid", person("1939-01-15", noIncome, movedOut("2024-03-10")), "2024-03", "CZ-12", true, 8000},
	{"moved out 10 Mar 2024: Apr nothing", person("1939-01-15", noIncome, movedOut("2024-03-10")), "2024-04", "CZ-12", false, -1},

	// Statuses that start or end inside a month: the reference day (month end) decides.
	{"无固定收入 ends 15 Apr: Mar paid", person("1939-01-15", status("no_fixed_income", "2000-01-01", "2024-04-15")), "2024-03", "CZ-12", true, 8000},
	{"无固定收入 ends 15 Apr: Apr not (ended before month end)", person("1939-01-15", status("no_fixed_income", "2000-01-01", "2024-04-15")), "2024-04", "CZ-12", false, 0},
	{"无固定收入 ends 30 Apr, the last day: Apr paid", person("1939-01-15", status("no_fixed_income", "2000-01-01", "2024-04-30")), "2024-04", "CZ-12", true, 8000},
	{"无固定收入 ends 30 Apr: May not", person("1939-01-15", status("no_fixed_income", "2000-01-01", "2024-04-30")), "2024-05", "CZ-12", false, 0},
	{"无固定收入 starts 15 Apr: Apr paid", person("1939-01-15", status("no_fixed_income", "2024-04-15", "")), "2024-04", "CZ-12", true, 8000},
	{"无固定收入 starts 15 Apr: Mar not", person("1939-01-15", status("no_fixed_income", "2024-04-15", "")), "2024-03", "CZ-12", false, 0},
	{"无固定收入 starts 31 Mar, died 20 Mar: not (status not yet on the day of death)", person("1939-01-15", status("no_fixed_income", "2024-03-31", ""), died("2024-03-20")), "2024-03", "CZ-12", false, 0},
	{"无固定收入 ends 20 Mar, died 20 Mar: Mar paid", person("1939-01-15", status("no_fixed_income", "2000-01-01", "2024-03-20"), died("2024-03-20")), "2024-03", "CZ-12", true, 8000},

	// 特困 (items 19, 20, lines 116–117): no less than 1.3 × the local 低保 standard.
	{"特困 分散, 低保 650元: 845元", person("1950-01-01", status("tekun_dispersed", "2020-01-01", "")), "2024-06", "CZ-19", true, 84500},
	{"特困 分散, 低保 700元 from Jul: 910元", person("1950-01-01", status("tekun_dispersed", "2020-01-01", "")), "2024-07", "CZ-19", true, 91000},
	{"特困 分散, died 31 Jul: 910元", person("1950-01-01", status("tekun_dispersed", "2020-01-01", ""), died("2024-07-31")), "2024-07", "CZ-19", true, 91000},
	{"特困 集中: 845元", person("1950-01-01", status("tekun_centralised", "2020-01-01", "")), "2024-06", "CZ-20", true, 84500},
	{"特困 分散→集中 15 Aug: Aug not 分散", person("1950-01-01", status("tekun_dispersed", "2020-01-01", "2024-08-14"), status("tekun_centralised", "2024-08-15", "")), "2024-08", "CZ-19", false, 0},
	{"特困 分散→集中 15 Aug: Aug 集中 910元", person("1950-01-01", status("tekun_dispersed", "2020-01-01", "2024-08-14"), status("tekun_centralised", "2024-08-15", "")), "2024-08", "CZ-20", true, 91000},
	{"特困 分散→集中 15 Aug: Jul 分散 910元", person("1950-01-01", status("tekun_dispersed", "2020-01-01", "2024-08-14"), status("tekun_centralised", "2024-08-15", "")), "2024-07", "CZ-19", true, 91000},
	{"特困 but 59: the annex says 60周岁及以上", person("1965-01-01", status("tekun_dispersed", "2020-01-01", "")), "2024-06", "CZ-19", false, 0},

	// 护理补贴 (item 16, line 113): assessed (grade ≥ 2) and in economic difficulty.
	{"grade 3 valid, 低保: 100元", person("1940-01-01", status("dibao", "2020-01-01", ""), grade(3, "2024-01-10", "2025-01-09")), "2024-06", "CZ-16", true, 10000},
	{"grade 3, assessment expires 20 Oct: Sep paid", person("1940-01-01", status("dibao", "2020-01-01", ""), grade(3, "2023-10-21", "2024-10-20")), "2024-09", "CZ-16", true, 10000},
	{"grade 3, assessment expires 20 Oct: Oct not", person("1940-01-01", status("dibao", "2020-01-01", ""), grade(3, "2023-10-21", "2024-10-20")), "2024-10", "CZ-16", false, 0},
	{"grade 1 (轻度): not 生活不能自理", person("1940-01-01", status("dibao", "2020-01-01", ""), grade(1, "2024-01-10", "2025-01-09")), "2024-06", "CZ-16", false, 0},
	{"grade 4 but no economic difficulty", person("1940-01-01", grade(4, "2024-01-10", "2025-01-09")), "2024-06", "CZ-16", false, 0},
	{"re-assessed 15 Jun from 1 to 2: Jun paid", person("1940-01-01", status("low_income", "2020-01-01", ""), grade(1, "2024-01-10", "2025-01-09"), grade(2, "2024-06-15", "2025-06-14")), "2024-06", "CZ-16", true, 10000},

	// 两项补贴 (item 24, line 123).
	{"一级残疾 on 低保: living 60元 + care 80元", person("1950-01-01", disability(1), status("dibao", "2020-01-01", "")), "2024-06", "CZ-24", true, 14000},
	{"三级残疾 on 低保: living 60元", person("1950-01-01", disability(3), status("dibao", "2020-01-01", "")), "2024-06", "CZ-24", true, 6000},
	{"二级残疾, no 低保: care 80元", person("1950-01-01", disability(2)), "2024-06", "CZ-24", true, 8000},
	{"四级残疾, no 低保: nothing", person("1950-01-01", disability(4)), "2024-06", "CZ-24", false, 0},

	// The list is in force from 2023-04-19.
	{"March 2023: the list is not yet in force", person("1939-01-15", noIncome), "2023-03", "CZ-12", false, -1},
	{"April 2023: in force (decided on 30 Apr)", person("1939-01-15", noIncome), "2023-04", "CZ-12", true, 8000},
}

func TestHandWorkedTable(t *testing.T) {
	l := Chenzhou()
	e := NewEvaluator(l)
	var out []Result
	for _, tc := range handTable {
		m := mon(tc.month)
		// The batch path.
		var err error
		out, err = e.Month(tc.s, m, out[:0])
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got *Result
		for i := range out {
			if out[i].Item.Code == tc.code {
				got = &out[i]
			}
		}
		if tc.amount < 0 {
			if got != nil {
				t.Errorf("%s: got a decision %+v, want none for the month", tc.name, *got)
			}
		} else if got == nil {
			t.Errorf("%s: no decision for %s", tc.name, tc.code)
			continue
		} else if got.Err != nil || got.Eligible != tc.elig || got.AmountFen != tc.amount {
			t.Errorf("%s: %s %s eligible=%v amount=%d err=%v; want eligible=%v amount=%d", tc.name, tc.code, tc.month, got.Eligible, got.AmountFen, got.Err, tc.elig, tc.amount)
		}
		// The explained path agrees.
		it := l.History(tc.code)[0]
		ok, amt, x, err := Entitlement(tc.s, it, m)
		want := tc.amount
		if want < 0 {
			want = 0
		}
		if err != nil || ok != tc.elig || amt != want || x.Eligible != ok || x.AmountFen != amt {
			t.Errorf("%s: Entitlement = %v %d %v; want %v %d\n%s", tc.name, ok, amt, err, tc.elig, want, x.Text(false))
		}
	}
}

// A whole list for one person, worked by hand item by item.
func TestWholeListForOnePerson(t *testing.T) {
	// 85, living alone in 北湖区 with a 郴州 household, on 低保 and without a
	// fixed income, assessed grade 3 (重度受损). June 2024.
	s := person("1939-01-15", noIncome, status("dibao", "2020-01-01", ""), grade(3, "2024-01-10", "2025-01-09"), living("alone"))
	want := map[string]int64{ // eligible items → monthly fen (0 for services)
		"CZ-03": 0,     // 65+: health management
		"CZ-04": 0,     // 60+: medical convenience
		"CZ-05": 0,     // 经济困难 (低保) and 高龄 (80+)
		"CZ-06": 0,     // 60+
		"CZ-07": 0,     // 65+ with a 郴州 household
		"CZ-08": 0,     // 60+ with a 郴州 household
		"CZ-11": 0,     // 65+
		"CZ-12": 8000,  // 80-89 without a fixed income: 80元
		"CZ-14": 5000,  // 经济困难: the local service subsidy, 50元
		"CZ-15": 0,     // 低保 and 高龄
		"CZ-16": 10000, // grade 3 and 低保: the local care subsidy, 100元
		"CZ-17": 0,     // 失能 (grade ≥ 2)
		"CZ-18": 0,     // 低保
		"CZ-21": 0,     // lives alone
	}
	// Not eligible: 01, 02 (no pension flags), 09 (no urban/housing flags),
	// 10 (no hardship), 13 (under 100), 19, 20 (not 特困), 22 (not a veteran),
	// 23 (not a special family), 24 (no disability), 25 (not homeless).
	out, err := NewEvaluator(Chenzhou()).Month(s, mon("2024-06"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 25 {
		t.Fatalf("%d decisions, want 25", len(out))
	}
	for _, r := range out {
		amt, ok := want[r.Item.Code]
		if r.Err != nil || r.Eligible != ok || r.AmountFen != amt {
			t.Errorf("%s %s: eligible=%v amount=%d err=%v; want eligible=%v amount=%d", r.Item.Code, r.Item.Name, r.Eligible, r.AmountFen, r.Err, ok, amt)
		}
	}
}

func TestMissingParameterIsAnError(t *testing.T) {
	// A 特困 person in a county that has not set its 低保 standard: eligible,
	// but the amount cannot be computed, and nothing is paid silently.
	s := person("1950-01-01", status("tekun_dispersed", "2020-01-01", ""), params(NewParams("431021000000")))
	ok, amt, x, err := Chenzhou().Explain(s, "CZ-19", mon("2024-06"))
	if err == nil || !ok || amt != 0 {
		t.Fatalf("got %v %d %v", ok, amt, err)
	}
	if !strings.Contains(x.Text(false), "no value for dibao_standard") || !strings.Contains(x.Text(true), "缺少事实 dibao_standard") {
		t.Errorf("explanation:\n%s", x.Text(false))
	}
	out, _ := NewEvaluator(Chenzhou()).Month(s, mon("2024-06"), nil)
	for _, r := range out {
		if r.Item.Code == "CZ-19" && (r.Err == nil || r.AmountFen != 0) {
			t.Errorf("batch: %+v", r)
		}
		if r.Item.Code == "CZ-12" && r.Err != nil {
			t.Errorf("an item that does not read the parameter fails: %v", r.Err)
		}
	}
}

func TestBadSubject(t *testing.T) {
	s := person("1950-01-01", status("rich", "2020-01-01", ""))
	if _, err := NewEvaluator(Chenzhou()).Month(s, mon("2024-06"), nil); yanglao.ErrorCode(err) != yanglao.EINVALID {
		t.Errorf("unknown status: %v", err)
	}
	s = person("1950-01-01")
	s.Flags = []string{"millionaire"}
	if _, err := NewEvaluator(Chenzhou()).Month(s, mon("2024-06"), nil); yanglao.ErrorCode(err) != yanglao.EINVALID {
		t.Errorf("unknown flag: %v", err)
	}
	if _, err := NewEvaluator(Chenzhou()).Month(s, Month{2024, 13}, nil); err == nil {
		t.Error("month 13 accepted")
	}
	// Not yet born.
	out, err := NewEvaluator(Chenzhou()).Month(person("2024-07-01"), mon("2024-06"), nil)
	if err != nil || len(out) != 0 {
		t.Errorf("unborn: %v %v", out, err)
	}
}

func TestFlags(t *testing.T) {
	s := person("1950-01-01", status("low_income", "2020-01-01", ""))
	s.Flags = []string{FlagUrbanHousehold, FlagHousingHardship}
	ok, _, _, err := Chenzhou().Explain(s, "CZ-09", mon("2024-06"))
	if err != nil || !ok {
		t.Fatalf("housing: %v %v", ok, err)
	}
	s.Household, s.HouseholdPath = "430102000000", "/430000000000/430100000000/430102000000/" // a Changsha household
	if ok, _, _, _ := Chenzhou().Explain(s, "CZ-09", mon("2024-06")); ok {
		t.Fatal("housing assistance needs a 郴州 household")
	}
}

func TestSubjectOf(t *testing.T) {
	g := 3
	p := &yanglao.Person{BirthDate: d("1939-01-15"), Sex: "M", ResidenceCode: "431002001000", ResidencePath: beihuPath,
		Life: yanglao.Deceased, DeathDate: d("2024-05-01"), Grade: &g, GradeValidUntil: d("2025-01-01"),
		Statuses: []*yanglao.Status{{Kind: "no_fixed_income", Start: d("2000-01-01")}}}
	s := SubjectOf(p, beihu())
	ok, amt, _, err := Chenzhou().Explain(&s, "CZ-12", mon("2024-05"))
	if err != nil || !ok || amt != 8000 {
		t.Fatalf("May: %v %d %v", ok, amt, err)
	}
	if ok, _, _, _ := Chenzhou().Explain(&s, "CZ-12", mon("2024-06")); ok {
		t.Fatal("paid after death")
	}
}

func TestExplanation(t *testing.T) {
	s := person("1934-06-30", noIncome, died("2024-06-30"))
	ok, amt, x, err := Chenzhou().Explain(s, "CZ-12", mon("2024-06"))
	if err != nil || !ok || amt != 15000 {
		t.Fatal(ok, amt, err)
	}
	wantEN := `CZ-12 高龄津贴 (old-age allowance) version 1 (source: 郴政办发〔2023〕14号 附件《郴州市基本养老服务清单》 第12项; granted without application), month 2024-06
reference day 2024-06-30 (the day of death): the month of death is decided on that day and paid; payments stop from the next month
eligibility rule: age between 80 and 99 and no_fixed_income
  all of these hold ✓
    age = 90 between 80 and 99 (inclusive) ✓
    no_fixed_income = true ✓
amount rule: if age >= 90 then 150元 else 80元
  if the following holds (it does: the then branch)
    age = 90 ≥ 90 ✓
  take ¥150.00
  result = ¥150.00
result: eligible, ¥150.00 for the month ✓
`
	if got := x.Text(false); got != wantEN {
		t.Errorf("English:\n%s\nwant:\n%s", got, wantEN)
	}
	for _, want := range []string{"第12项；免申请），2024年6月", "判断日 2024-06-30（死亡当日）", "年龄（age）= 90 在 80 与 99 之间（含） ✓", "无固定收入（no_fixed_income）= 是 ✓", "结论：符合条件，本月 150.00 元 ✓"} {
		if !strings.Contains(x.Text(true), want) {
			t.Errorf("Chinese explanation lacks %q:\n%s", want, x.Text(true))
		}
	}
	if x.Code != "CZ-12" || x.Version != 1 || x.RefDay != d("2024-06-30") || x.Month != "2024-06" {
		t.Errorf("%+v", x)
	}

	// A failed condition names the fact and its value.
	s = person("1944-03-01", status("dibao", "2020-01-01", ""))
	_, _, x, _ = Chenzhou().Explain(s, "CZ-12", mon("2024-03"))
	for _, want := range []string{"no_fixed_income = false ✗", "result: not eligible ✗"} {
		if !strings.Contains(x.Text(false), want) {
			t.Errorf("lacks %q:\n%s", want, x.Text(false))
		}
	}
	_, _, x, _ = Chenzhou().Explain(s, "CZ-19", mon("2024-03"))
	if !strings.Contains(x.Text(false), `status("tekun_dispersed") = false ✗`) || !strings.Contains(x.Text(true), "「特困（分散供养）」身份（status(\"tekun_dispersed\")）= 否 ✗") {
		t.Errorf("特困:\n%s\n%s", x.Text(false), x.Text(true))
	}
	// The amount shows the parameter it used.
	s = person("1950-01-01", status("tekun_dispersed", "2020-01-01", ""))
	_, _, x, _ = Chenzhou().Explain(s, "CZ-19", mon("2024-07"))
	if !strings.Contains(x.Text(true), "当地最低生活保障标准（月）（dibao_standard）= 700.00元") || !strings.Contains(x.Text(false), "dibao_standard * 1.3 = ¥910.00") {
		t.Errorf("amount:\n%s", x.Text(true))
	}
	// Before the month: died.
	_, _, x, _ = Chenzhou().Explain(person("1939-01-15", noIncome, died("2024-04-30")), "CZ-12", mon("2024-05"))
	if !strings.Contains(x.Text(false), "died on 2024-04-30, before this month: nothing is due ✗") {
		t.Errorf("died before:\n%s", x.Text(false))
	}
}

func ExampleEntitlement() {
	l := Chenzhou()
	s := &Subject{Birth: yanglao.Date{Year: 1934, Month: 6, Day: 30}, Residence: "431002000000",
		Statuses: []Span{{Kind: "no_fixed_income", Start: yanglao.Date{Year: 2000, Month: 1, Day: 1}}}}
	ok, fen, x, err := Entitlement(s, l.At("CZ-12", yanglao.Date{Year: 2024, Month: 6, Day: 30}), Month{2024, 6})
	fmt.Println(ok, fen, err)
	fmt.Print(x.Text(true))
	// Output:
	// true 15000 <nil>
	// CZ-12 高龄津贴 第1版（依据：郴政办发〔2023〕14号 附件《郴州市基本养老服务清单》 第12项；免申请），2024年6月
	// 判断日 2024-06-30（当月最后一天）：当月内达到的年龄、当月内开始的身份都从本月起算
	// 资格规则：age between 80 and 99 and no_fixed_income
	//   以下条件全部满足 ✓
	//     年龄（age）= 90 在 80 与 99 之间（含） ✓
	//     无固定收入（no_fixed_income）= 是 ✓
	// 金额规则：if age >= 90 then 150元 else 80元
	//   如果以下条件成立（成立，取 then 分支）
	//     年龄（age）= 90 ≥ 90 ✓
	//   取 150.00元
	//   结果 = 150.00元
	// 结论：符合条件，本月 150.00 元 ✓
}

// The batch path (Evaluator.Month) and the explained path (Entitlement) give
// the same decisions for many people and months.
func TestBatchAgreesWithExplanation(t *testing.T) {
	people := synthetic(1000, beihu())
	l := Chenzhou()
	e := NewEvaluator(l)
	var out []Result
	for _, m := range []Month{{2024, 2}, {2024, 6}, {2024, 7}, {2026, 3}} {
		for i := range people {
			s := &people[i]
			var err error
			out, err = e.Month(s, m, out[:0])
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out {
				ok, amt, x, err := Entitlement(s, r.Item, m)
				if ok != r.Eligible || amt != r.AmountFen || (err == nil) != (r.Err == nil) {
					t.Fatalf("person %d %s %s: batch %v %d %v, explained %v %d %v\n%s", i, m, r.Item.Code, r.Eligible, r.AmountFen, r.Err, ok, amt, err, x.Text(false))
				}
			}
		}
	}
}
