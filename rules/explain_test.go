package rules_test

import (
	"strings"
	"testing"

	"github.com/yanglao/yanglao/rules"
)

func TestExplain(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	p := te.env.MustCompile(`age between 80 and 99 and no_fixed_income and (status("tekun_dispersed") or grade >= 2) and not status("dibao")`, rules.Bool)
	v, x, err := p.Explain(f)
	if err != nil {
		t.Fatal(err)
	}
	if v.Bool() {
		t.Fatal("should not hold: the person is on dibao")
	}
	wantEN := `all of these must hold, and some do not ✗
  age = 85 between 80 and 99 (inclusive) ✓
  no_fixed_income = true ✓
  at least one of these holds ✓
    status("tekun_dispersed") = false ✗
    grade = 3 ≥ 2 ✓
  the following must not hold ✗
    status("dibao") = true ✓
`
	if got := x.Text(false); got != wantEN {
		t.Errorf("English:\n%s\nwant:\n%s", got, wantEN)
	}
	wantZH := `以下条件须全部满足，有不满足的 ✗
  年龄（age）= 85 在 80 与 99 之间（含） ✓
  无固定收入（no_fixed_income）= 是 ✓
  以下条件至少满足一项 ✓
    「特困（分散供养）」身份（status("tekun_dispersed")）= 否 ✗
    能力评估等级（grade）= 3 ≥ 2 ✓
  以下条件须不成立 ✗
    「低保」身份（status("dibao")）= 是 ✓
`
	if got := x.Text(true); got != wantZH {
		t.Errorf("Chinese:\n%s\nwant:\n%s", got, wantZH)
	}
	// Every line points back into the rule.
	for _, l := range x.Lines {
		if !strings.HasPrefix(p.Source()[l.Pos.Offset:], l.Src) {
			t.Errorf("line %q: source %q not at offset %d", l.EN, l.Src, l.Pos.Offset)
		}
	}
	if l := x.Lines[4]; l.Src != `status("tekun_dispersed")` || l.Pos.Line != 1 || l.Pos.Column != 48 || l.Mark != rules.Failed {
		t.Errorf("line 4: %+v", l)
	}
}

func TestExplainAmount(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	p := te.env.MustCompile("if age >= 90 then 150元\nelse if age >= 80 then max(dibao_standard * 1.3, 80元)\nelse 0元", rules.Money)
	v, x, err := p.Explain(f)
	if err != nil || v.Num != 84500 {
		t.Fatal(v, err)
	}
	want := `if the following holds (it does not: the else branch)
  age = 85 ≥ 90 ✗
if the following holds (it does: the then branch)
  age = 85 ≥ 80 ✓
max(dibao_standard * 1.3, 80元) = ¥845.00
  dibao_standard * 1.3 = ¥845.00
    dibao_standard = ¥650.00
result = ¥845.00
`
	if got := x.Text(false); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if zh := x.Text(true); !strings.Contains(zh, "当地低保标准（dibao_standard）= 650.00元") || !strings.Contains(zh, "结果 = 845.00元") {
		t.Errorf("Chinese:\n%s", zh)
	}
}

func TestExplainRegionAndLists(t *testing.T) {
	te := newEnv(t)
	f := te.person85()
	f.Grade = -1
	p := te.env.MustCompile(`in_region("431003") or living in ["empty_nest", "with_children"] or grade >= 2`, rules.Bool)
	_, x, _ := p.Explain(f)
	want := `at least one of these must hold, and none does ✗
  in_region("431003") = false; residence 431002001000 ✗
  living = "alone" in ["empty_nest", "with_children"] ✗
  grade = -1 (no valid assessment) ≥ 2 ✗
`
	if got := x.Text(false); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if zh := x.Text(true); !strings.Contains(zh, "常住地在 431003 辖区内") || !strings.Contains(zh, "-1（无有效评估）") {
		t.Errorf("Chinese:\n%s", zh)
	}
}
