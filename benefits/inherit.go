package benefits

import (
	"fmt"
	"sort"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// Kinds of Violation.
const (
	ViolationMissing     = "missing"     // the child has no version of a parent item in force
	ViolationCoverage    = "coverage"    // someone the parent covers, the child does not
	ViolationAmount      = "amount"      // the child pays someone less than the parent
	ViolationNoAmount    = "no_amount"   // the parent pays cash, the child's version pays none
	ViolationApplication = "application" // the parent grants without application, the child requires one
)

// Violation is a place where a lower region's list falls below its parent's:
// Chenzhou §1, "其清单应当包括《清单》中的服务项目，且覆盖范围和实现程度不得低于《清单》要求".
type Violation struct {
	Kind          string       `json:"kind"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	ParentVersion int          `json:"parent_version"`
	ChildVersion  int          `json:"child_version,omitempty"`
	On            yanglao.Date `json:"on"`                // the first day it happens
	CaseZH        string       `json:"case_zh,omitempty"` // a person it happens to
	CaseEN        string       `json:"case_en,omitempty"`
	ParentFen     int64        `json:"parent_fen,omitempty"`
	ChildFen      int64        `json:"child_fen,omitempty"`
	ZH            string       `json:"zh"`
	EN            string       `json:"en"`
}

func (v Violation) String() string { return v.ZH + " (" + v.EN + ")" }

// CheckInheritance compares a lower region's list (child) with its parent's
// and reports every item where the child falls below the parent, on every
// day either list changes. Items are matched by code: a county that raises a
// city item keeps its code (List.Derive, List.Revise).
//
// Two rules are compared by evaluating both on a grid of representative
// persons built from what the rules read: ages around every number they
// compare with, every assessment and disability grade, each status they name
// present and absent, each living arrangement, inside and outside each region
// they name, each flag on and off, parameters at a typical value and around
// every amount they compare with. A person the parent's rule makes eligible
// and the child's does not is a coverage violation; one both make eligible
// whom the child pays less is an amount violation. The first such person
// found is reported as the case. The grid is exhaustive over those values up
// to 65,536 persons per item and a fixed pseudo-random sample beyond; a rule
// written to single out one unusual combination could slip through a sample,
// so the grid is a check, not a proof.
func CheckInheritance(parent, child *List) []Violation {
	days := map[rules.Day]bool{}
	var start rules.Day = openEnd
	for _, it := range parent.items {
		start = min(start, it.from)
	}
	for _, l := range []*List{parent, child} {
		for _, it := range l.items {
			days[it.from] = true
			if it.to != openEnd {
				days[it.to+1] = true
			}
		}
	}
	var sorted []rules.Day
	for d := range days {
		if d >= start {
			sorted = append(sorted, d)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })

	var out []Violation
	seen := map[string]bool{}
	report := func(v Violation) {
		key := fmt.Sprintf("%s|%s|%d|%d", v.Kind, v.Code, v.ParentVersion, v.ChildVersion)
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}
	for _, d := range sorted {
		ps := parent.inForce(d)
		cs := map[string]*Item{}
		for _, c := range child.inForce(d) {
			cs[c.Code] = c
		}
		for _, p := range ps {
			c := cs[p.Code]
			base := Violation{Code: p.Code, Name: p.Name, ParentVersion: p.Version, On: d.Date()}
			if c == nil {
				v := base
				v.Kind = ViolationMissing
				v.ZH = fmt.Sprintf("%s 自 %s 起缺少上级清单项目 %s %s（第%d版）", child.Name, d, p.Code, p.Name, p.Version)
				v.EN = fmt.Sprintf("%s lacks the parent's item %s (version %d) from %s", child.Name, p.Code, p.Version, d)
				report(v)
				continue
			}
			base.ChildVersion = c.Version
			key := fmt.Sprintf("pair|%s|%d|%d", p.Code, p.Version, c.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			for _, v := range compareItems(p, c, d, base) {
				report(v)
			}
		}
	}
	return out
}

func compareItems(p, c *Item, d rules.Day, base Violation) []Violation {
	var out []Violation
	if p.Application == NoApplication && c.Application == OnApplication {
		v := base
		v.Kind = ViolationApplication
		v.ZH = fmt.Sprintf("%s %s：上级免申请，本级改为依申请，实现程度低于上级", p.Code, p.Name)
		v.EN = fmt.Sprintf("%s: the parent grants it without application, the child requires one", p.Code)
		out = append(out, v)
	}
	if p.amount != nil && c.amount == nil {
		v := base
		v.Kind = ViolationNoAmount
		v.ZH = fmt.Sprintf("%s %s：上级按月发放现金，本级版本没有金额规则", p.Code, p.Name)
		v.EN = fmt.Sprintf("%s: the parent pays a monthly amount, the child's version has no amount rule", p.Code)
		out = append(out, v)
	}
	g := newGrid(d, p.elig, p.amount, c.elig, c.amount)
	f := env.NewFacts()
	var coverage, amount bool
	g.each(f, func() bool {
		pe, err1 := p.elig.Bool(f)
		ce, err2 := c.elig.Bool(f)
		if err1 != nil || err2 != nil || !pe {
			return true
		}
		if !ce {
			if !coverage {
				coverage = true
				v := base
				v.Kind = ViolationCoverage
				v.CaseZH, v.CaseEN = g.describe(f)
				v.ZH = fmt.Sprintf("%s %s：覆盖范围低于上级，例如 %s 按上级规则符合条件，按本级规则不符合", p.Code, p.Name, v.CaseZH)
				v.EN = fmt.Sprintf("%s: narrower than the parent: e.g. %s is eligible under the parent's rule but not under the child's", p.Code, v.CaseEN)
				out = append(out, v)
			}
		} else if p.amount != nil && c.amount != nil && !amount {
			pa, err1 := p.amount.Num(f)
			ca, err2 := c.amount.Num(f)
			if err1 == nil && err2 == nil && ca < pa {
				amount = true
				v := base
				v.Kind = ViolationAmount
				v.CaseZH, v.CaseEN = g.describe(f)
				v.ParentFen, v.ChildFen = pa, ca
				v.ZH = fmt.Sprintf("%s %s：标准低于上级，例如 %s 上级每月 %s 元，本级 %s 元", p.Code, p.Name, v.CaseZH, rules.FormatFen(pa), rules.FormatFen(ca))
				v.EN = fmt.Sprintf("%s: lower than the parent: e.g. %s gets ¥%s a month from the parent's rule, ¥%s from the child's", p.Code, v.CaseEN, rules.FormatFen(pa), rules.FormatFen(ca))
				out = append(out, v)
			}
		}
		return !(coverage && amount)
	})
	return out
}

// A grid of representative persons: one dimension per fact the rules read.
type dim struct {
	name   string
	size   int
	set    func(f *rules.Facts, i int)
	zh, en func(f *rules.Facts) string
}

type grid struct {
	day  rules.Day
	dims []dim
	idx  []int // the current person: an index into each dimension
}

const (
	gridMax     = 1 << 16
	typicalFen  = 65000 // a typical monthly dibao standard in Hunan counties, 650元
	outsideCode = "999999999999"
)

func newGrid(d rules.Day, progs ...*rules.Program) *grid {
	g := &grid{day: d}
	facts := map[string]bool{}
	funcs := map[string]bool{}
	statuses := map[string]bool{}
	regions := map[string]bool{}
	hregions := map[string]bool{}
	strs := map[string]bool{}
	ints := map[int64]bool{}
	money := map[int64]bool{}
	for _, p := range progs {
		if p == nil {
			continue
		}
		in := p.Info()
		for _, x := range in.Facts {
			facts[x] = true
		}
		for _, x := range in.Functions {
			funcs[x] = true
		}
		for _, x := range in.Statuses {
			statuses[x] = true
		}
		for _, x := range in.Regions {
			regions[x] = true
		}
		for _, x := range in.HouseholdRegions {
			hregions[x] = true
		}
		for _, x := range in.Strings {
			strs[x] = true
		}
		for _, x := range in.Ints {
			ints[x] = true
		}
		for _, x := range in.Money {
			money[x] = true
		}
	}
	if facts["age"] || facts["birth_date"] || facts["birthday_month"] || funcs["age_on"] {
		set := map[int]bool{60: true, 65: true, 70: true, 80: true, 90: true, 100: true}
		for v := range ints {
			for _, a := range []int64{v - 1, v, v + 1} {
				if a >= 0 && a <= 130 {
					set[int(a)] = true
				}
			}
		}
		ages := sortedInts(set)
		y, m, dd := d.Civil()
		g.dims = append(g.dims, dim{name: "age", size: len(ages),
			set: func(f *rules.Facts, i int) {
				by, bd := y-ages[i], dd
				if m == 2 && dd == 29 && !rules.IsLeap(by) {
					bd = 28
				}
				f.Birth = rules.DayOf(by, m, bd)
			},
			zh: func(f *rules.Facts) string { return fmt.Sprintf("%d岁", rules.AgeOn(f.Birth, f.Date)) },
			en: func(f *rules.Facts) string { return fmt.Sprintf("aged %d", rules.AgeOn(f.Birth, f.Date)) }})
	}
	intDim := func(name, zhName string, vals []int, get func(f *rules.Facts) *int) {
		g.dims = append(g.dims, dim{name: name, size: len(vals),
			set: func(f *rules.Facts, i int) { *get(f) = vals[i] },
			zh:  func(f *rules.Facts) string { return fmt.Sprintf("%s=%d", zhName, *get(f)) },
			en:  func(f *rules.Facts) string { return fmt.Sprintf("%s=%d", name, *get(f)) }})
	}
	if facts["grade"] {
		intDim("grade", "能力评估等级", []int{-1, 0, 1, 2, 3, 4}, func(f *rules.Facts) *int { return &f.Grade })
	}
	if facts["disability_grade"] {
		intDim("disability_grade", "残疾等级", []int{0, 1, 2, 3, 4}, func(f *rules.Facts) *int { return &f.DisabilityGrade })
	}
	for _, k := range sortedKeys(statuses) {
		bit, _ := env.StatusBit(k)
		lbl := yanglao.StatusKinds[k][0]
		g.dims = append(g.dims, dim{name: "status:" + k, size: 2,
			set: func(f *rules.Facts, i int) {
				if i == 1 {
					f.Statuses |= bit
				} else {
					f.Statuses &^= bit
				}
			},
			zh: func(f *rules.Facts) string { return lbl + yesNo(f.Statuses&bit != 0, true) },
			en: func(f *rules.Facts) string { return fmt.Sprintf("status(%s)=%v", k, f.Statuses&bit != 0) }})
	}
	boolDim := func(name, zhName string, get func(f *rules.Facts) *bool) {
		g.dims = append(g.dims, dim{name: name, size: 2,
			set: func(f *rules.Facts, i int) { *get(f) = i == 1 },
			zh:  func(f *rules.Facts) string { return zhName + yesNo(*get(f), true) },
			en:  func(f *rules.Facts) string { return fmt.Sprintf("%s=%v", name, *get(f)) }})
	}
	if facts["no_fixed_income"] {
		boolDim("no_fixed_income", "无固定收入", func(f *rules.Facts) *bool { return &f.NoFixedIncome })
	}
	strDim := func(name string, vals []string, get func(f *rules.Facts) *string) {
		g.dims = append(g.dims, dim{name: name, size: len(vals),
			set: func(f *rules.Facts, i int) { *get(f) = vals[i] },
			zh:  func(f *rules.Facts) string { return fmt.Sprintf("%s=%q", name, *get(f)) },
			en:  func(f *rules.Facts) string { return fmt.Sprintf("%s=%q", name, *get(f)) }})
	}
	if facts["living"] {
		set := map[string]bool{"": true}
		for k := range yanglao.LivingArrangements {
			set[k] = true
		}
		for k := range strs {
			set[k] = true
		}
		strDim("living", sortedKeys(set), func(f *rules.Facts) *string { return &f.Living })
	}
	if facts["sex"] {
		strDim("sex", []string{"F", "M"}, func(f *rules.Facts) *string { return &f.Sex })
	}
	regionDim := func(name string, codes map[string]bool, fact bool, code, path func(f *rules.Facts) *string) {
		if len(codes) == 0 && !fact {
			return
		}
		type place struct{ code, path string }
		places := []place{{outsideCode, "/" + outsideCode + "/"}}
		all := sortedKeys(codes)
		for _, c := range all {
			places = append(places, place{c, "/" + c + "/"})
		}
		if fact {
			for _, s := range sortedKeys(strs) {
				if c, ok := normalize12(s); ok && !codes[c] {
					places = append(places, place{c, "/" + c + "/"})
				}
			}
		}
		if len(all) > 1 { // a place inside every named region, deepest last
			sort.SliceStable(all, func(i, j int) bool { return len(strings.TrimRight(all[i], "0")) < len(strings.TrimRight(all[j], "0")) })
			places = append(places, place{all[len(all)-1], "/" + strings.Join(all, "/") + "/"})
		}
		g.dims = append(g.dims, dim{name: name, size: len(places),
			set: func(f *rules.Facts, i int) { *code(f), *path(f) = places[i].code, places[i].path },
			zh:  func(f *rules.Facts) string { return name + "=" + *code(f) },
			en:  func(f *rules.Facts) string { return name + "=" + *code(f) }})
	}
	regionDim("residence", regions, facts["residence"], func(f *rules.Facts) *string { return &f.Residence }, func(f *rules.Facts) *string { return &f.ResidencePath })
	regionDim("household", hregions, facts["household"], func(f *rules.Facts) *string { return &f.Household }, func(f *rules.Facts) *string { return &f.HouseholdPath })
	if facts["chronic"] {
		vals := [][]string{nil}
		for _, s := range sortedKeys(strs) {
			vals = append(vals, []string{s})
		}
		g.dims = append(g.dims, dim{name: "chronic", size: len(vals),
			set: func(f *rules.Facts, i int) { f.Chronic = vals[i] },
			zh:  func(f *rules.Facts) string { return fmt.Sprintf("chronic=%q", f.Chronic) },
			en:  func(f *rules.Facts) string { return fmt.Sprintf("chronic=%q", f.Chronic) }})
	}
	for _, name := range sortedKeys(facts) {
		fact, ok := env.Lookup(name)
		if !ok || fact.Builtin {
			continue
		}
		if i, isParam := paramIndex[name]; isParam {
			slot := paramSlots[i]
			set := map[int64]bool{typicalFen: true}
			for v := range money {
				for _, a := range []int64{v - 1, v, v + 1} {
					if a >= 0 {
						set[a] = true
					}
				}
			}
			delete(set, typicalFen)
			vals := append([]int64{typicalFen}, sortedInt64s(set)...) // the typical value first
			g.dims = append(g.dims, dim{name: name, size: len(vals),
				set: func(f *rules.Facts, i int) { f.SetMoney(slot, vals[i]) },
				zh: func(f *rules.Facts) string {
					v, _ := f.Get(slot)
					return name + "=" + v.ZH()
				},
				en: func(f *rules.Facts) string {
					v, _ := f.Get(slot)
					return name + "=" + v.EN()
				}})
			continue
		}
		if slot, isFlag := flagSlots[name]; isFlag {
			zhName := fact.ZH
			g.dims = append(g.dims, dim{name: name, size: 2,
				set: func(f *rules.Facts, i int) { f.SetBool(slot, i == 1) },
				zh: func(f *rules.Facts) string {
					v, _ := f.Get(slot)
					return zhName + yesNo(v.Bool(), true)
				},
				en: func(f *rules.Facts) string {
					v, _ := f.Get(slot)
					return fmt.Sprintf("%s=%v", name, v.Bool())
				}})
		}
	}
	return g
}

// size is the number of persons in the full grid, capped.
func (g *grid) size() int {
	n := 1
	for _, d := range g.dims {
		if n > gridMax/d.size+1 {
			return gridMax + 1
		}
		n *= d.size
	}
	return n
}

// each sets f to persons of the grid in turn and calls visit, until visit
// returns false. It starts with the simplest persons — every fact at its
// first value (the youngest age, no status, no grade, outside the regions,
// the typical parameter), then with one fact changed, then with two — so
// that a reported case is short; then it goes through the whole grid, or a
// fixed pseudo-random sample of gridMax persons when the grid is larger.
func (g *grid) each(f *rules.Facts, visit func() bool) {
	f.Reset()
	f.Date = g.day
	// Parameters not in the grid still need a value for Required facts.
	for _, s := range paramSlots {
		f.SetMoney(s, typicalFen)
	}
	g.idx = make([]int, len(g.dims))
	apply := func() bool {
		for i, d := range g.dims {
			d.set(f, g.idx[i])
		}
		return visit()
	}
	clearIdx := func() {
		for i := range g.idx {
			g.idx[i] = 0
		}
	}
	if !apply() {
		return
	}
	for i := range g.dims {
		for a := 1; a < g.dims[i].size; a++ {
			clearIdx()
			g.idx[i] = a
			if !apply() {
				return
			}
		}
	}
	for i := range g.dims {
		for j := i + 1; j < len(g.dims); j++ {
			for a := 1; a < g.dims[i].size; a++ {
				for b := 1; b < g.dims[j].size; b++ {
					clearIdx()
					g.idx[i], g.idx[j] = a, b
					if !apply() {
						return
					}
				}
			}
		}
	}
	if n := g.size(); n <= gridMax {
		for k := 0; k < n; k++ {
			r := k
			for i, d := range g.dims {
				g.idx[i] = r % d.size
				r /= d.size
			}
			if !apply() {
				return
			}
		}
		return
	}
	state := uint64(0x9E3779B97F4A7C15)
	for k := 0; k < gridMax; k++ {
		for i, d := range g.dims {
			state ^= state << 13
			state ^= state >> 7
			state ^= state << 17
			g.idx[i] = int(state % uint64(d.size))
		}
		if !apply() {
			return
		}
	}
}

// describe writes the grid person f is set to: the age, and every other fact
// that is not at its first value.
func (g *grid) describe(f *rules.Facts) (string, string) {
	var zh, en []string
	for i, d := range g.dims {
		if g.idx[i] != 0 || d.name == "age" {
			zh = append(zh, d.zh(f))
			en = append(en, d.en(f))
		}
	}
	if len(zh) == 0 {
		return "任何人", "anyone"
	}
	return "（" + strings.Join(zh, "，") + "）", "(" + strings.Join(en, ", ") + ")"
}

func yesNo(b bool, zh bool) string {
	switch {
	case zh && b:
		return "是"
	case zh:
		return "否"
	case b:
		return "yes"
	}
	return "no"
}

func normalize12(s string) (string, bool) {
	switch len(s) {
	case 2, 4, 6, 9, 12:
	default:
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s + strings.Repeat("0", 12-len(s)), true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func sortedInt64s(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
