package benefits

import (
	"errors"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

func TestChenzhouList(t *testing.T) {
	l := Chenzhou()
	items := l.InForce(d("2024-01-01"))
	if len(items) != 25 {
		t.Fatalf("%d items in force, want 25", len(items))
	}
	cash := 0
	for i, it := range items {
		if want := "CZ-" + []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25"}[i]; it.Code != want {
			t.Errorf("item %d is %s, want %s", i, it.Code, want)
		}
		if !strings.HasPrefix(it.Source, "郴政办发〔2023〕14号 附件") || it.Lead == "" || it.Target == "" || it.Content == "" || it.Name == "" {
			t.Errorf("%s: incomplete: %+v", it.Code, it)
		}
		if it.Cash() {
			cash++
			if it.AmountRule().Type() != rules.Money {
				t.Errorf("%s: amount is %s", it.Code, it.AmountRule().Type())
			}
		}
	}
	if cash != 7 { // 12, 13, 14, 16, 19, 20, 24
		t.Errorf("%d cash items, want 7", cash)
	}
	if got := l.At("CZ-25", d("2024-01-01")).Type.String(); got != "照护服务和物质帮助" {
		t.Errorf("CZ-25 type %q", got)
	}
	if l.At("CZ-12", d("2023-04-18")) != nil || l.At("CZ-12", d("2023-04-19")) == nil {
		t.Error("CZ-12 should take effect on 2023-04-19")
	}
}

func TestAddRefusesBadRulesWithPosition(t *testing.T) {
	l, _ := NewList("431002000000", "北湖区清单")
	base := Item{Code: "BH-01", Name: "测试", Source: "北湖区文件 第1条", Type: Material, Application: NoApplication, From: d("2024-01-01")}
	for _, tc := range []struct {
		elig, amount string
		field        string
		line, col    int
	}{
		{"age >= 80元", "", "eligibility", 1, 5},
		{"age >= 80", "if age >= 90 then 150元\nelse 80", "amount", 2, 6},
		{"age >= 80 and\nstatus(\"低保\")", "", "eligibility", 2, 8},
		{"age >= 80", "age >= 90", "amount", 1, 1},
	} {
		it := base
		it.Eligibility, it.Amount = tc.elig, tc.amount
		_, err := l.Add(it)
		var re *RuleError
		var pe *rules.Error
		if !errors.As(err, &re) || !errors.As(err, &pe) {
			t.Errorf("%q/%q: %v", tc.elig, tc.amount, err)
			continue
		}
		if re.Field != tc.field || pe.Pos.Line != tc.line || pe.Pos.Column != tc.col {
			t.Errorf("%q/%q: field %s at %v, want %s at %d:%d", tc.elig, tc.amount, re.Field, pe.Pos, tc.field, tc.line, tc.col)
		}
		if yanglao.ErrorCode(err) != yanglao.EINVALID || yanglao.ErrorField(err) != tc.field || !strings.Contains(yanglao.ErrorMessage(err), "BH-01") {
			t.Errorf("%q: domain error %s %s %q", tc.elig, yanglao.ErrorCode(err), yanglao.ErrorField(err), yanglao.ErrorMessage(err))
		}
	}
	if len(l.Items()) != 0 {
		t.Fatal("a refused item was kept")
	}
	if err := CheckRule("amount", "80"); err == nil || !strings.Contains(err.Error(), "80元") {
		t.Errorf("CheckRule: %v", err)
	}
	for _, tc := range []struct {
		edit  func(*Item)
		field string
	}{
		{func(it *Item) { it.Code = "bh 1" }, "code"},
		{func(it *Item) { it.Source = " " }, "source"},
		{func(it *Item) { it.Type = 0 }, "type"},
		{func(it *Item) { it.Application = "maybe" }, "application"},
		{func(it *Item) { it.From = yanglao.Date{} }, "from"},
		{func(it *Item) { it.To = d("2023-12-31") }, "to"},
		{func(it *Item) { it.Eligibility = "" }, "eligibility"},
	} {
		it := base
		it.Eligibility = "age >= 80"
		tc.edit(&it)
		if _, err := l.Add(it); yanglao.ErrorField(err) != tc.field {
			t.Errorf("want an error on %s, got %v", tc.field, err)
		}
	}
}

func TestVersions(t *testing.T) {
	l := Chenzhou()
	// Raise 高龄津贴 90-99 to 200元 from 2025-01-01.
	v2, err := l.Revise("CZ-12", d("2025-01-01"), func(it *Item) {
		it.Amount = `if age >= 90 then 200元 else 80元`
		it.Source = "郴政办发〔2024〕99号（假设）第3条"
	})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.From != d("2025-01-01") || !v2.To.IsZero() {
		t.Fatalf("v2: %+v", v2)
	}
	h := l.History("CZ-12")
	if len(h) != 2 || h[0].To != d("2024-12-31") || h[0].Amount != `if age >= 90 then 150元 else 80元` {
		t.Fatalf("history: %+v", h)
	}
	s := person("1930-01-01", noIncome)
	for _, tc := range []struct {
		month string
		fen   int64
		ver   int
	}{{"2024-12", 15000, 1}, {"2025-01", 20000, 2}} {
		_, amt, x, err := l.Explain(s, "CZ-12", mon(tc.month))
		if err != nil || amt != tc.fen || x.Version != tc.ver {
			t.Errorf("%s: %d v%d %v", tc.month, amt, x.Version, err)
		}
	}
	// Overlapping versions are refused, whatever the route.
	old := *h[0]
	old.Version = 0
	old.From, old.To = d("2024-06-01"), yanglao.Date{}
	if _, err := l.Add(old); yanglao.ErrorCode(err) != yanglao.ECONFLICT || !strings.Contains(err.Error(), "重叠") {
		t.Errorf("overlap via Add: %v", err)
	}
	if _, err := l.Revise("CZ-12", d("2025-01-01"), nil); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("revising a version on its first day: %v", err)
	}
	// A revision in 2024 that tries to run past the start of version 2.
	_, err = l.Revise("CZ-12", d("2024-07-01"), func(it *Item) { it.To = d("2025-06-30") })
	if yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("revision overlapping v2: %v", err)
	}
	if len(l.History("CZ-12")) != 2 || l.History("CZ-12")[0].To != d("2024-12-31") {
		t.Error("a refused revision changed the list")
	}
	// A revision between the two keeps both ends.
	v3, err := l.Revise("CZ-12", d("2024-07-01"), func(it *Item) { it.Amount = `if age >= 90 then 160元 else 80元` })
	if err != nil || v3.Version != 3 || v3.To != d("2024-12-31") {
		t.Fatalf("v3: %+v %v", v3, err)
	}
	if got := l.At("CZ-12", d("2024-06-30")).Version; got != 1 {
		t.Errorf("2024-06-30: v%d", got)
	}
	if _, err := l.Revise("CZ-99", d("2025-01-01"), nil); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("unknown item: %v", err)
	}
	if _, err := l.Revise("CZ-12", d("2025-01-02"), func(it *Item) { it.Eligibility = "age >= " }); err == nil {
		t.Error("a bad rule in a revision was accepted")
	}
	// Parameters refuse overlapping periods too.
	p := beihu()
	if err := p.Set(ParamDibao, d("2024-06-01"), d("2024-12-31"), 1); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Errorf("overlapping parameter: %v", err)
	}
	if got := p.Rates(ParamDibao); len(got) != 2 || got[1].Fen != 70000 || !got[1].To.IsZero() {
		t.Errorf("rates: %+v", got)
	}
}
