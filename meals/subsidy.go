package meals

import (
	"sort"
	"strconv"
	"strings"
)

// Rule is one meal-subsidy rule in force on the day, found on the canteen's
// region path: Depth is how far down the path its region is (deeper is more specific).
type Rule struct {
	Category string // "age_80" (aged 80 or more), or a register status kind ("tekun_dispersed", "dibao", "disabled" …)
	Fen      int64  // per meal
	Depth    int
	From     string // YYYY-MM-DD, the later of two rules at one depth wins
}

// AgeCategory is the category of people aged n or more ("age_80").
func AgeCategory(n int) string { return "age_" + strconv.Itoa(n) }

// CategoryAge returns n for "age_n", or false.
func CategoryAge(c string) (int, bool) {
	s, ok := strings.CutPrefix(c, "age_")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 60 && n <= 120
}

// Subsidy picks the government's subsidy for one person's meal. For each
// category the most specific region's rule applies (a county may set its own
// over the city's); a person in several categories gets the largest of them,
// not their sum (the seeds name who is helped — Chenzhou annex item 5: 经济困难的
// 高龄、失能（失智）、计划生育特殊家庭老年人 — not that the helps add up).
func Subsidy(rules []Rule, age int, statuses map[string]bool) (category string, fen int64) {
	best := map[string]Rule{}
	for _, r := range rules {
		if b, ok := best[r.Category]; !ok || r.Depth > b.Depth || (r.Depth == b.Depth && r.From > b.From) {
			best[r.Category] = r
		}
	}
	cats := make([]string, 0, len(best))
	for c := range best {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		r := best[c]
		n, isAge := CategoryAge(c)
		if (isAge && age >= n) || (!isAge && statuses[c]) {
			if r.Fen > fen {
				category, fen = c, r.Fen
			}
		}
	}
	return category, fen
}
