package rules_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

type testEnv struct {
	env    *rules.Env
	dibao  rules.Slot
	flag   rules.Slot
	wanted rules.Slot
}

func newEnv(t testing.TB) testEnv {
	t.Helper()
	env, err := rules.NewEnv(yanglao.StatusKinds)
	if err != nil {
		t.Fatal(err)
	}
	te := testEnv{env: env}
	if te.dibao, err = env.Declare("dibao_standard", rules.Money, "当地低保标准", "local dibao standard", true); err != nil {
		t.Fatal(err)
	}
	if te.flag, err = env.Declare("urban_household", rules.Bool, "城镇户籍", "urban household", false); err != nil {
		t.Fatal(err)
	}
	if te.wanted, err = env.Declare("tags", rules.Set, "标签", "tags", false); err != nil {
		t.Fatal(err)
	}
	return te
}

func day(s string) rules.Day {
	d, err := rules.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// person85 is 85 on 2024-03-31, on 低保 and 无固定收入, living alone in 北湖区.
func (te testEnv) person85() *rules.Facts {
	f := te.env.NewFacts()
	f.Date = day("2024-03-31")
	f.Birth = day("1938-07-01")
	f.Sex = "F"
	for _, k := range []string{"dibao", "no_fixed_income"} {
		b, _ := te.env.StatusBit(k)
		f.Statuses |= b
	}
	f.NoFixedIncome = true
	f.Grade = 3
	f.Residence = "431002001000"
	f.ResidencePath = "/430000000000/431000000000/431002000000/431002001000/"
	f.Household = "431002000000"
	f.HouseholdPath = "/430000000000/431000000000/431002000000/"
	f.Living = "alone"
	f.Chronic = []string{"hypertension", "diabetes"}
	f.SetMoney(te.dibao, 65000)
	return f
}

func TestDayMatchesYanglaoDates(t *testing.T) {
	// Every day from 1896 to 2104 converts both ways, and AgeOn agrees with
	// yanglao.AgeOn for births on awkward days (29 Feb, 28 Feb, 1 Mar, 31 Dec).
	start := time.Date(1896, 1, 1, 0, 0, 0, 0, time.UTC)
	d0 := rules.DayOf(1896, 1, 1)
	for i := 0; i < 76000; i++ {
		tm := start.AddDate(0, 0, i)
		d := rules.DayOf(tm.Year(), tm.Month(), tm.Day())
		if d != d0+rules.Day(i) {
			t.Fatalf("DayOf(%s) = %d, want %d", tm.Format(time.DateOnly), d, d0+rules.Day(i))
		}
		if y, m, dd := d.Civil(); y != tm.Year() || m != tm.Month() || dd != tm.Day() {
			t.Fatalf("Civil(%d) = %d-%d-%d, want %s", d, y, m, dd, tm.Format(time.DateOnly))
		}
	}
	if rules.DayOf(1970, 1, 1) != 0 {
		t.Fatal("epoch")
	}
	births := []yanglao.Date{{Year: 1944, Month: 2, Day: 29}, {Year: 1936, Month: 2, Day: 29}, {Year: 1944, Month: 2, Day: 28},
		{Year: 1944, Month: 3, Day: 1}, {Year: 1930, Month: 12, Day: 31}, {Year: 1924, Month: 1, Day: 1}}
	for _, b := range births {
		for on := rules.FromDate(b); on < rules.DayOf(2040, 1, 1); on += 1 {
			if got, want := rules.AgeOn(rules.FromDate(b), on), yanglao.AgeOn(b, on.Date()); got != want {
				t.Fatalf("AgeOn(%s, %s) = %d, yanglao.AgeOn = %d", b, on, got, want)
			}
		}
	}
}

func TestEvaluate(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	for _, tc := range []struct {
		src  string
		want string // Value.EN()
	}{
		{`age`, "85"},
		{`age >= 80`, "true"},
		{`age between 80 and 89`, "true"},
		{`age not between 80 and 84`, "true"},
		{`age between 86 and 89`, "false"},
		{`age in [84, 85, 86]`, "true"},
		{`age not in [84, 86]`, "true"},
		{`age_on(date("2023-07-01"))`, "85"},
		{`age_on(date("2023-06-30"))`, "84"},
		{`status("dibao") and no_fixed_income`, "true"},
		{`status("tekun_dispersed") or status("tekun_centralised")`, "false"},
		{`not status("dibao")`, "false"},
		{`!status("dibao") || grade >= 3 && living = "alone"`, "true"},
		{`in_region("431002")`, "true"},
		{`in_region("4310")`, "true"},
		{`in_region("431002001000")`, "true"},
		{`in_region("431003")`, "false"},
		{`household_in_region("431000")`, "true"},
		{`household_in_region("431002001")`, "false"},
		{`residence = "431002001000"`, "true"},
		{`living in ["alone", "empty_nest"]`, "true"},
		{`"diabetes" in chronic`, "true"},
		{`"asthma" not in chronic`, "true"},
		{`"x" in tags`, "false"},
		{`sex ≠ "M"`, "true"},
		{`dibao_standard * 1.3`, "¥845.00"},
		{`1.3 × dibao_standard`, "¥845.00"},
		{`dibao_standard * 2 + 1.5元 - 50分`, "¥1301.00"},
		{`-dibao_standard`, "-¥650.00"},
		{`if age >= 90 then 150元 else if age >= 80 then 80元 else 0元`, "¥80.00"},
		{`if grade >= 3 then "heavy" else "light"`, `"heavy"`},
		{`max(dibao_standard * 1.3, 900元)`, "¥900.00"},
		{`min(age, 80)`, "80"},
		{`month_start`, "2024-03-01"},
		{`month_end = date("2024-03-31")`, "true"},
		{`add_days(month_start, -1)`, "2024-02-29"},
		{`days_between(birth_date, eval_date)`, "31320"},
		{`year(birth_date) * 100 + month(birth_date)`, "193807"},
		{`day(month_end)`, "31"},
		{`birthday_month`, "false"},
		{`grade = 3 = true`, ""}, // refused: chained comparison
		{`urban_household`, "false"},
		{"# 高龄津贴\nage >= 80 # 以上包括本数\n and no_fixed_income", "true"},
		{`(age >= 80) = true`, "true"},
		{`80元 + 20元 = 10000分`, "true"},
		{`1 + 2 * 3`, "7"},
		{`(1 + 2) * 3`, "9"},
		{`2 - 3 - 4`, "-5"},
	} {
		p, err := te.env.Compile(tc.src, rules.Invalid)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: compiled, want an error", tc.src)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		v, err := p.Eval(f)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if v.EN() != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, v.EN(), tc.want)
		}
		// Explain gives the same value.
		xv, _, err := p.Explain(f)
		if err != nil || xv.EN() != tc.want {
			t.Errorf("%s: Explain = %s, %v; want %s", tc.src, xv.EN(), err, tc.want)
		}
	}
}

func TestBirthdayMonthAndLeapDay(t *testing.T) {
	te := newEnv(t)
	p := te.env.MustCompile(`birthday_month`, rules.Bool)
	age := te.env.MustCompile(`age`, rules.Int)
	f := te.env.NewFacts()
	f.Birth = day("1936-02-29")
	for _, tc := range []struct {
		on       string
		birthday bool
		age      int64
	}{
		{"2024-02-29", true, 88},  // leap year: the birthday is 29 Feb
		{"2024-02-28", true, 87},  // the month, not yet the day
		{"2026-02-28", false, 89}, // common year: the birthday is 1 March
		{"2026-03-01", true, 90},
		{"2026-03-31", true, 90},
	} {
		f.Date = day(tc.on)
		if got, _ := p.Bool(f); got != tc.birthday {
			t.Errorf("birthday_month on %s = %v", tc.on, got)
		}
		if got, _ := age.Num(f); got != tc.age {
			t.Errorf("age on %s = %d, want %d", tc.on, got, tc.age)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	f.Unset(te.dibao)
	p := te.env.MustCompile(`dibao_standard * 1.3`, rules.Money)
	_, err := p.Num(f)
	var re *rules.Error
	if !errors.As(err, &re) || !re.Runtime || !strings.Contains(re.EN, "dibao_standard") {
		t.Fatalf("missing required fact: %v", err)
	}
	// A rule that does not read the missing fact is fine.
	if _, err := te.env.MustCompile(`age >= 80`, rules.Bool).Bool(f); err != nil {
		t.Fatal(err)
	}
	f.SetMoney(te.dibao, 1<<62)
	_, err = te.env.MustCompile(`dibao_standard * 4`, rules.Money).Num(f)
	if !errors.As(err, &re) || re.EN != "arithmetic overflow" || re.Pos.Column != 16 {
		t.Fatalf("overflow: %v", err)
	}
	_, err = te.env.MustCompile(`dibao_standard + dibao_standard`, rules.Money).Num(f)
	if err == nil {
		t.Fatal("overflow of + not detected")
	}
	// The fault does not stick to the next evaluation.
	f.SetMoney(te.dibao, 100)
	if v, err := te.env.MustCompile(`dibao_standard * 4`, rules.Money).Num(f); err != nil || v != 400 {
		t.Fatalf("after overflow: %d %v", v, err)
	}
	// Constant overflow is found at compile time.
	if _, err := te.env.Compile(`9223372036854775807 + 1`, rules.Int); err == nil {
		t.Fatal("constant overflow compiled")
	}
}

func TestMoneyRoundsUp(t *testing.T) {
	te := newEnv(t)
	p := te.env.MustCompile(`dibao_standard * 1.3`, rules.Money)
	f := te.env.NewFacts()
	for _, tc := range []struct{ std, want int64 }{
		{65000, 84500},   // 650.00 × 1.3 = 845.00
		{65333, 84933},   // 653.33 × 1.3 = 849.329 → 849.33
		{65330, 84929},   // 653.30 × 1.3 = 849.29 exactly
		{1, 2},           // 0.01 × 1.3 = 0.013 → 0.02
		{0, 0},           // nothing to round
		{-1000, -1300},   // negative amounts round towards +∞ too
		{-1001, -1301},   // -13.013 → -13.01
		{70001, 91002},   // 700.01 × 1.3 = 910.013 → 910.02
		{123456, 160493}, // 1234.56 × 1.3 = 1604.928 → 1604.93
	} {
		f.SetMoney(te.dibao, tc.std)
		if got, err := p.Num(f); err != nil || got != tc.want {
			t.Errorf("%d × 1.3 = %d (%v), want %d", tc.std, got, err, tc.want)
		}
	}
}

func TestNoAllocation(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	for _, src := range []string{
		`age between 80 and 99 and no_fixed_income`,
		`status("dibao") and (living in ["alone", "empty_nest"] or grade >= 2) and in_region("431002")`,
		`"diabetes" in chronic and age_on(add_days(month_start, -1)) >= 80`,
	} {
		p := te.env.MustCompile(src, rules.Bool)
		if n := testing.AllocsPerRun(1000, func() { p.Bool(f) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", src, n)
		}
	}
	for _, src := range []string{`if age >= 90 then 150元 else 80元`, `dibao_standard * 1.3`} {
		p := te.env.MustCompile(src, rules.Money)
		if n := testing.AllocsPerRun(1000, func() { p.Num(f) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", src, n)
		}
	}
}

func TestInfo(t *testing.T) {
	te := newEnv(t)
	p := te.env.MustCompile(`age between 80 and 99 and status("dibao") and in_region("431002") and dibao_standard > 600元 and living = "alone"`, rules.Bool)
	in := p.Info()
	if strings.Join(in.Facts, ",") != "age,dibao_standard,living" || strings.Join(in.Statuses, ",") != "dibao" ||
		strings.Join(in.Regions, ",") != "431002000000" || len(in.Ints) != 2 || in.Money[0] != 60000 {
		t.Fatalf("%+v", in)
	}
	if !p.Reads("age") || p.Reads("grade") {
		t.Fatal("Reads")
	}
}

func TestDeclare(t *testing.T) {
	te := newEnv(t)
	for _, name := range []string{"age", "status", "and", "9x", "", "dibao_standard"} {
		if _, err := te.env.Declare(name, rules.Int, "", "", false); err == nil {
			t.Errorf("Declare(%q) accepted", name)
		}
	}
	if _, err := te.env.Declare("x", rules.Decimal, "", "", false); err == nil {
		t.Error("Declare of a decimal fact accepted")
	}
}

func TestLiteralLimits(t *testing.T) {
	te := newEnv(t)
	for src, want := range map[string]int64{
		`9223372036854775807`:   9223372036854775807,
		`92233720368547758.07元`: 9223372036854775807,
		`9223372036854775807分`:  9223372036854775807,
		`0.01元`:                 1,
		`0.5元`:                  50,
		`007元`:                  700,
	} {
		p, err := te.env.Compile(src, rules.Invalid)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if v, _ := p.Eval(te.env.NewFacts()); v.Num != want {
			t.Errorf("%s = %d, want %d", src, v.Num, want)
		}
	}
}
