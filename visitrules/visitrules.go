// Package visitrules decides who is on a region's care-visit list (探访关爱)
// for a month, and how often each person must be visited. It is pure: the
// store feeds it the rules in force and one Subject per person of the
// register, and writes what it returns.
//
// # Where the rules come from
//
//   - Shaoyang §5 (shaoyang-city-2025-action-plan.txt, item 5): "建立全市特殊困难
//     老年人档案,形成服务对象名单库,全面普及特殊困难老年人探访关爱,月探访率达到100%".
//   - Chenzhou §5 (chenzhou-city-2023-basic-service-list.txt, 五): "建立对特殊困难
//     老年人定期巡访制度…对独居、空巢、留守、失能、重残、计划生育特殊家庭等特殊困难
//     老年人探访率达100%"; and annex item 21 (探访服务) names the same groups.
//   - Xiangtan ch. 3 §1 item 1 (xiangtan-city-one-old-one-young.txt): "全面建立
//     独居、孤寡、空巢、留守、重残、失能失智、高龄、计划生育特殊家庭等老年人居家探访
//     制度"; ch. 3 §2 item 1: "居家特殊困难、失能老人月探访率达到100%".
//
// So every group is visited at least once a month: a rule may ask for more
// visits a month (PerMonth 1–8), never fewer. The visits are home visits
// (居家探访, Xiangtan ch. 3 §1–2): a person living in an institution, or in
// centralised 特困 support (who lives in a 敬老院), is not on the list.
//
// # Rules per region
//
// A Rule names a group, the visits a month, for 高龄 the age from which it
// applies, and its validity dates. A rule set at a county applies to its
// whole subtree; for each group the rule of the nearest region on the
// person's path wins (a village's rule over its township's over its
// county's), among those valid on the reference day. A group with no rule on
// the person's path is not visited under this programme.
//
// # Decisions where the seeds are silent
//
//   - 孤寡 has no register field; the register's nearest fact is 特困（分散供养）
//     (people without anyone obliged to support them, living at home), used
//     as the group "tekun".
//   - 失能 is the benefits module's definition (package benefits): a 失能 or
//     失智 status, or a valid GB/T 42195 grade of 2 (中度受损) or worse.
//   - 重残 is a disability certificate of grade 1 or 2, or the 重度残疾 status.
//   - 高龄 starts at 80 unless the rule says otherwise ("80周岁以上" includes 80,
//     民法典 第一千二百五十九条).
//   - A month's list is judged on one reference day (the store's choice: the
//     month's last day for a past month, today for the current one), like
//     the benefits module's monthly decision: a person who died or moved out
//     before that day is not a target of the month.
package visitrules

import (
	"sort"
	"strings"

	"github.com/yanglao/yanglao"
)

// Groups of older people in special difficulty, in display order.
const (
	GroupTekun            = "tekun"             // 特困（分散供养）, standing for 孤寡
	GroupAlone            = "alone"             // 独居
	GroupEmptyNest        = "empty_nest"        // 空巢
	GroupLeftBehind       = "left_behind"       // 留守
	GroupDisabled         = "disabled"          // 失能失智
	GroupSevereDisability = "severe_disability" // 重残
	GroupSpecialFamily    = "special_family"    // 计划生育特殊家庭
	GroupOldest           = "oldest"            // 高龄
)

// GroupInfo names a group and cites where it is asked for.
type GroupInfo struct {
	Code   string `json:"code"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
	Source string `json:"source"`
}

// Groups lists every group in display order.
var Groups = []GroupInfo{
	{GroupTekun, "特困（孤寡）", "Extreme poverty (no family support)", "湘潭 第三章第一节1（孤寡）；邵阳 §5"},
	{GroupAlone, "独居", "Lives alone", "郴州 五；湘潭 第三章第一节1"},
	{GroupEmptyNest, "空巢", "Empty nest", "郴州 五；湘潭 第三章第一节1"},
	{GroupLeftBehind, "留守", "Left-behind", "郴州 五；湘潭 第三章第一节1"},
	{GroupDisabled, "失能失智", "Loss of capability or dementia", "郴州 五；湘潭 第三章第一节1、第二节1"},
	{GroupSevereDisability, "重残", "Severe disability", "郴州 五；湘潭 第三章第一节1"},
	{GroupSpecialFamily, "计划生育特殊家庭", "Family-planning special family", "郴州 五；湘潭 第三章第一节1"},
	{GroupOldest, "高龄", "Oldest old", "湘潭 第三章第一节1"},
}

// GroupByCode finds a group.
func GroupByCode(code string) (GroupInfo, bool) {
	for _, g := range Groups {
		if g.Code == code {
			return g, true
		}
	}
	return GroupInfo{}, false
}

// Frequency bounds: the seeds ask for a visit every month (月探访率100%); a
// region may ask for more, up to about two a week.
const (
	MinPerMonth      = 1
	MaxPerMonth      = 8
	DefaultOldestAge = 80
)

// Rule is one region's rule for one group.
type Rule struct {
	ID       int64        `json:"id"`
	Region   string       `json:"region"`
	Path     string       `json:"-"` // the region's path, for the subtree test
	Group    string       `json:"group"`
	PerMonth int          `json:"per_month"`
	MinAge   int          `json:"min_age,omitempty"` // 高龄 only; 0 = DefaultOldestAge
	From     yanglao.Date `json:"from"`
	To       yanglao.Date `json:"to,omitzero"`
	Source   string       `json:"source"`
}

// Validate checks a rule from input (Region and Path are the store's).
func (r *Rule) Validate() error {
	if _, ok := GroupByCode(r.Group); !ok {
		return yanglao.Invalid("group", "未知的探访对象类别 (unknown group)")
	}
	if r.PerMonth < MinPerMonth || r.PerMonth > MaxPerMonth {
		// 邵阳 §5, 湘潭 第三章第二节1: 月探访率100% — at least once a month.
		return yanglao.Invalid("per_month", "每月探访次数应为1到8次，政策要求每月至少1次 (per_month must be 1 to 8: the policy asks for at least one visit a month)")
	}
	if r.Group == GroupOldest {
		if r.MinAge == 0 {
			r.MinAge = DefaultOldestAge
		}
		if r.MinAge < 60 || r.MinAge > 120 {
			return yanglao.Invalid("min_age", "高龄起始年龄应为60到120岁 (min_age must be 60 to 120)")
		}
	} else if r.MinAge != 0 {
		return yanglao.Invalid("min_age", "只有高龄类别设置起始年龄 (only the oldest-old group takes min_age)")
	}
	if r.From.IsZero() {
		return yanglao.Invalid("from", "请填写生效日期 (from is required)")
	}
	if !r.To.IsZero() && r.To.Before(r.From) {
		return yanglao.Invalid("to", "失效日期早于生效日期 (to is before from)")
	}
	r.Source = strings.TrimSpace(r.Source)
	if r.Source == "" {
		return yanglao.Invalid("source", "请注明依据（文件和条款）(source is required: the document and clause)")
	}
	if len([]rune(r.Source)) > 200 {
		return yanglao.Invalid("source", "依据最多200个字符 (source: at most 200 characters)")
	}
	return nil
}

// ValidOn reports whether the rule is in force on d.
func (r *Rule) ValidOn(d yanglao.Date) bool {
	return !before(d, r.From) && (r.To.IsZero() || !before(r.To, d))
}

// Span is a status over a period, as yanglao.Status.
type Span struct {
	Kind       string
	Start, End yanglao.Date // End zero while open
}

// Subject is what the rules read about one person.
type Subject struct {
	Path            string // residence path
	Birth           yanglao.Date
	Life            string // yanglao.Alive, Deceased, MovedOut
	Death           yanglao.Date
	MovedOut        yanglao.Date
	Living          string
	DisabilityGrade int
	Grade           *int
	GradeValidUntil yanglao.Date
	Statuses        []Span
}

// before reports a < b on the calendar, without building times (the rules
// run for every person of a county).
func before(a, b yanglao.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

func (s *Subject) has(kind string, d yanglao.Date) bool {
	for _, st := range s.Statuses {
		if st.Kind == kind && !before(d, st.Start) && (st.End.IsZero() || !before(st.End, d)) {
			return true
		}
	}
	return false
}

// StatusKinds are the register statuses the rules read; the store loads only these.
var StatusKinds = []string{"tekun_dispersed", "tekun_centralised", "left_behind", "disabled", "dementia", "severe_disability", "special_family"}

// Target is the decision for one person and reference day.
type Target struct {
	Groups   []string `json:"groups"`    // in display order
	PerMonth int      `json:"per_month"` // the most any applicable rule asks
	RuleIDs  []int64  `json:"rule_ids"`  // the rules that made the person a target, by group
}

// Set is a region's rules prepared for evaluation: for each group, the
// candidates ordered nearest region first.
type Set struct {
	byGroup map[string][]*Rule
}

// NewSet prepares rules (any order; rules not valid on day are dropped).
func NewSet(rules []*Rule, day yanglao.Date) *Set {
	s := &Set{byGroup: map[string][]*Rule{}}
	for _, r := range rules {
		if r.ValidOn(day) {
			s.byGroup[r.Group] = append(s.byGroup[r.Group], r)
		}
	}
	for _, rs := range s.byGroup {
		// Deepest region first; among rules of one region, the latest start, then the latest id.
		sort.SliceStable(rs, func(i, j int) bool {
			if len(rs[i].Path) != len(rs[j].Path) {
				return len(rs[i].Path) > len(rs[j].Path)
			}
			if rs[i].From != rs[j].From {
				return rs[i].From.After(rs[j].From)
			}
			return rs[i].ID > rs[j].ID
		})
	}
	return s
}

// Effective is the rule for group that applies at path, or nil.
func (s *Set) Effective(group, path string) *Rule {
	for _, r := range s.byGroup[group] {
		if yanglao.PathContains(r.Path, path) {
			return r
		}
	}
	return nil
}

// Decide says whether the subject is a target on day, in which groups and
// how often. ok is false when the person is not on the list.
func (s *Set) Decide(p *Subject, day yanglao.Date) (t Target, ok bool) {
	if !Home(p, day) {
		return t, false
	}
	for _, g := range Groups {
		r := s.Effective(g.Code, p.Path)
		if r == nil || !InGroup(p, g.Code, r.MinAge, day) {
			continue
		}
		t.Groups = append(t.Groups, g.Code)
		t.RuleIDs = append(t.RuleIDs, r.ID)
		if r.PerMonth > t.PerMonth {
			t.PerMonth = r.PerMonth
		}
	}
	return t, len(t.Groups) > 0
}

// Home reports whether the person is alive, still resident and living at
// home on day: only they get home visits (湘潭 第三章第一节1 居家探访).
func Home(p *Subject, day yanglao.Date) bool {
	switch p.Life {
	case yanglao.Deceased:
		if p.Death.IsZero() || !before(day, p.Death) {
			return false
		}
	case yanglao.MovedOut:
		if p.MovedOut.IsZero() || !before(day, p.MovedOut) {
			return false
		}
	}
	if before(day, p.Birth) || p.Living == "institution" || p.has("tekun_centralised", day) {
		return false
	}
	return true
}

// InGroup reports whether the person belongs to group on day. minAge is the
// 高龄 threshold (0: DefaultOldestAge).
func InGroup(p *Subject, group string, minAge int, day yanglao.Date) bool {
	switch group {
	case GroupTekun:
		return p.has("tekun_dispersed", day)
	case GroupAlone:
		return p.Living == "alone"
	case GroupEmptyNest:
		return p.Living == "empty_nest"
	case GroupLeftBehind:
		return p.has("left_behind", day)
	case GroupDisabled:
		if p.has("disabled", day) || p.has("dementia", day) {
			return true
		}
		return p.Grade != nil && *p.Grade >= 2 && !p.GradeValidUntil.IsZero() && !before(p.GradeValidUntil, day)
	case GroupSevereDisability:
		return p.DisabilityGrade == 1 || p.DisabilityGrade == 2 || p.has("severe_disability", day)
	case GroupSpecialFamily:
		return p.has("special_family", day)
	case GroupOldest:
		if minAge == 0 {
			minAge = DefaultOldestAge
		}
		return yanglao.AgeOn(p.Birth, day) >= minAge
	}
	return false
}

// Defaults are the rules the seeds ask for, for a region to adopt from a
// date: every group once a month, 高龄 from 80.
func Defaults(region string, from yanglao.Date) []*Rule {
	out := make([]*Rule, 0, len(Groups))
	for _, g := range Groups {
		r := &Rule{Region: region, Group: g.Code, PerMonth: 1, From: from, Source: g.Source + "：月探访率100%（邵阳 §5；湘潭 第三章第二节1）"}
		if g.Code == GroupOldest {
			r.MinAge = DefaultOldestAge
		}
		out = append(out, r)
	}
	return out
}

// RefDay is the reference day of a month seen from today (the month's
// last day for a past month, today for the current month, the first day for
// a future month).
func RefDay(month string, today yanglao.Date) (yanglao.Date, error) {
	first, last, err := MonthBounds(month)
	if err != nil {
		return yanglao.Date{}, err
	}
	switch {
	case today.After(last):
		return last, nil
	case today.Before(first):
		return first, nil
	}
	return today, nil
}

// MonthBounds returns the first and last day of "YYYY-MM".
func MonthBounds(month string) (first, last yanglao.Date, err error) {
	d, perr := yanglao.ParseDate(month + "-01")
	if perr != nil || len(month) != 7 {
		return first, last, yanglao.Invalid("month", "月份格式应为 YYYY-MM (month must be YYYY-MM)")
	}
	first = d
	last = yanglao.DateOf(first.Time().AddDate(0, 1, -1))
	return first, last, nil
}

// MonthOf is "YYYY-MM" of d.
func MonthOf(d yanglao.Date) string { return d.String()[:7] }
