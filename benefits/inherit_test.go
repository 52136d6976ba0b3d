package benefits

import (
	"strings"
	"testing"
)

func TestInheritanceClean(t *testing.T) {
	city := Chenzhou()
	county, _ := city.Derive("431002000000", "北湖区基本养老服务清单")
	if v := CheckInheritance(city, county); len(v) != 0 {
		t.Fatalf("an unchanged copy violates: %v", v)
	}
	// Raising amounts and widening coverage is allowed.
	if _, err := county.Revise("CZ-12", d("2024-01-01"), func(it *Item) {
		it.Eligibility = `age between 80 and 99 and (no_fixed_income or status("low_income"))`
		it.Amount = `if age >= 90 then 200元 else 100元`
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := county.Revise("CZ-19", d("2024-01-01"), func(it *Item) { it.Amount = `dibao_standard * 1.5` }); err != nil {
		t.Fatal(err)
	}
	if _, err := county.Revise("CZ-07", d("2024-01-01"), func(it *Item) { it.Eligibility = `age >= 60`; it.Application = NoApplication }); err != nil {
		t.Fatal(err)
	}
	// So is adding an item of the county's own.
	if _, err := county.Add(Item{Code: "BH-01", Name: "北湖区助餐补贴", Source: "北湖区文件 第1条", Type: Material, Application: NoApplication,
		From: d("2024-01-01"), Eligibility: `age >= 80`, Amount: `30元`}); err != nil {
		t.Fatal(err)
	}
	if v := CheckInheritance(city, county); len(v) != 0 {
		t.Fatalf("raising and adding violate: %v", v)
	}
}

func TestInheritanceViolations(t *testing.T) {
	city := Chenzhou()
	// A county list that leaves out CZ-05 altogether.
	county, _ := NewList("431002000000", "北湖区基本养老服务清单")
	for _, it := range city.Items() {
		if it.Code != "CZ-05" {
			if _, err := county.Add(*it); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 90-99 at 120元 instead of 150元, from 2025.
	if _, err := county.Revise("CZ-12", d("2025-01-01"), func(it *Item) { it.Amount = `if age >= 90 then 120元 else 80元` }); err != nil {
		t.Fatal(err)
	}
	// 百岁 from 101.
	if _, err := county.Revise("CZ-13", d("2024-01-01"), func(it *Item) { it.Eligibility = `age >= 101` }); err != nil {
		t.Fatal(err)
	}
	// 特困 at 1.2 × 低保.
	if _, err := county.Revise("CZ-19", d("2024-01-01"), func(it *Item) { it.Amount = `dibao_standard * 1.2` }); err != nil {
		t.Fatal(err)
	}
	// Visits only for those living alone, and on application.
	if _, err := county.Revise("CZ-21", d("2024-01-01"), func(it *Item) {
		it.Eligibility = `age >= 60 and living = "alone"`
		it.Application = OnApplication
	}); err != nil {
		t.Fatal(err)
	}
	// 护理补贴 with no amount.
	if _, err := county.Revise("CZ-16", d("2024-01-01"), func(it *Item) { it.Amount = "" }); err != nil {
		t.Fatal(err)
	}
	// CZ-03 stops at the end of 2024.
	if _, err := county.Revise("CZ-03", d("2024-06-01"), func(it *Item) { it.To = d("2024-12-31") }); err != nil {
		t.Fatal(err)
	}

	got := CheckInheritance(city, county)
	type key struct{ kind, code, on string }
	found := map[key]Violation{}
	for _, v := range got {
		found[key{v.Kind, v.Code, v.On.String()}] = v
		t.Log(v.ZH, "|", v.EN)
	}
	want := []key{
		{ViolationMissing, "CZ-05", "2023-04-19"},
		{ViolationMissing, "CZ-03", "2025-01-01"},
		{ViolationAmount, "CZ-12", "2025-01-01"},
		{ViolationCoverage, "CZ-13", "2024-01-01"},
		{ViolationAmount, "CZ-19", "2024-01-01"},
		{ViolationCoverage, "CZ-21", "2024-01-01"},
		{ViolationApplication, "CZ-21", "2024-01-01"},
		{ViolationNoAmount, "CZ-16", "2024-01-01"},
	}
	for _, k := range want {
		if _, ok := found[k]; !ok {
			t.Errorf("missing violation %+v", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d violations, want %d", len(got), len(want))
	}
	// The cases are concrete persons.
	if v := found[key{ViolationAmount, "CZ-12", "2025-01-01"}]; v.ParentFen != 15000 || v.ChildFen != 12000 || !strings.Contains(v.CaseEN, "aged 9") {
		t.Errorf("CZ-12: %+v", v)
	}
	if v := found[key{ViolationCoverage, "CZ-13", "2024-01-01"}]; !strings.Contains(v.CaseEN, "aged 100") || !strings.Contains(v.ZH, "覆盖范围低于上级") {
		t.Errorf("CZ-13: %+v", v)
	}
	if v := found[key{ViolationAmount, "CZ-19", "2024-01-01"}]; v.ParentFen != 84500 || v.ChildFen != 78000 || !strings.Contains(v.CaseEN, "status(tekun_dispersed)=true") {
		t.Errorf("CZ-19: %+v", v)
	}
	if v := found[key{ViolationCoverage, "CZ-21", "2024-01-01"}]; v.CaseEN == "" || strings.Contains(v.CaseEN, `living="alone"`) {
		t.Errorf("CZ-21: %+v", v)
	}
}

func TestInheritanceFindsCombinations(t *testing.T) {
	city := Chenzhou()
	county, _ := city.Derive("431002000000", "北湖区")
	// Excludes veterans: only a person who is 80–99, without fixed income AND
	// a veteran shows it — three facts away from the simplest person.
	if _, err := county.Revise("CZ-12", d("2024-01-01"), func(it *Item) {
		it.Eligibility = `age between 80 and 99 and no_fixed_income and not status("veteran")`
	}); err != nil {
		t.Fatal(err)
	}
	// Pays centenarian men less.
	if _, err := county.Revise("CZ-13", d("2024-01-01"), func(it *Item) {
		it.Amount = `if sex = "M" then 500元 else 600元`
	}); err != nil {
		t.Fatal(err)
	}
	got := CheckInheritance(city, county)
	if len(got) != 2 {
		t.Fatalf("%d violations: %v", len(got), got)
	}
	if v := got[0]; v.Kind != ViolationCoverage || !strings.Contains(v.CaseEN, "status(veteran)=true") || !strings.Contains(v.CaseEN, "no_fixed_income=true") {
		t.Errorf("CZ-12: %+v", v)
	}
	if v := got[1]; v.Kind != ViolationAmount || !strings.Contains(v.CaseEN, `sex="M"`) || v.ChildFen != 50000 {
		t.Errorf("CZ-13: %+v", v)
	}
}
