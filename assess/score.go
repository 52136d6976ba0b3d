package assess

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Grade is the capability grade (能力等级) of GB/T 42195-2022 chapter 6;
// a higher number is a worse grade.
type Grade int

const (
	Intact             Grade = iota // 0 能力完好
	MildlyImpaired                  // 1 能力轻度受损（轻度失能）
	ModeratelyImpaired              // 2 能力中度受损（中度失能）
	SeverelyImpaired                // 3 能力重度受损（重度失能）
	CompletelyLost                  // 4 能力完全丧失（完全失能）
)

var gradeNames = [...]struct{ zh, en string }{
	{"能力完好", "intact"},
	{"能力轻度受损（轻度失能）", "mildly impaired (mild disability)"},
	{"能力中度受损（中度失能）", "moderately impaired (moderate disability)"},
	{"能力重度受损（重度失能）", "severely impaired (severe disability)"},
	{"能力完全丧失（完全失能）", "completely lost (total disability)"},
}

func (g Grade) valid() bool { return g >= Intact && g <= CompletelyLost }

// Name returns the grade's name in the standard, e.g. "能力轻度受损（轻度失能）".
func (g Grade) Name() string {
	if !g.valid() {
		return "Grade(" + strconv.Itoa(int(g)) + ")"
	}
	return gradeNames[g].zh
}

// NameEN returns the grade's English name.
func (g Grade) NameEN() string {
	if !g.valid() {
		return "Grade(" + strconv.Itoa(int(g)) + ")"
	}
	return gradeNames[g].en
}

func (g Grade) String() string { return g.NameEN() }

// GradeForTotal returns the preliminary grade for a total score
// (GB/T 42195-2022 chapter 6, 能力等级划分; annex C.3): 90 能力完好,
// 66–89 轻度受损, 46–65 中度受损, 30–45 重度受损, 0–29 完全丧失.
// The grade depends on the total only, not on the dimension subtotals.
func GradeForTotal(total int) Grade {
	switch {
	case total >= MaxTotal:
		return Intact
	case total >= 66:
		return MildlyImpaired
	case total >= 46:
		return ModeratelyImpaired
	case total >= 30:
		return SeverelyImpaired
	}
	return CompletelyLost
}

// RiskKind is a kind of care-risk event (照护风险事件) of annex A, A.2.14.
type RiskKind string

const (
	Fall      RiskKind = "fall"      // 跌倒
	Wandering RiskKind = "wandering" // 走失
	Choking   RiskKind = "choking"   // 噎食
	SelfHarm  RiskKind = "self_harm" // 自杀、自伤
	OtherRisk RiskKind = "other"     // 其他
)

// Name returns the kind's Chinese name, or "" for an unknown kind.
func (k RiskKind) Name() string {
	switch k {
	case Fall:
		return "跌倒"
	case Wandering:
		return "走失"
	case Choking:
		return "噎食"
	case SelfHarm:
		return "自杀、自伤"
	case OtherRisk:
		return "其他"
	}
	return ""
}

// NameEN returns the kind's English name, or "" for an unknown kind.
func (k RiskKind) NameEN() string {
	switch k {
	case Fall:
		return "fall"
	case Wandering:
		return "wandering off"
	case Choking:
		return "choking"
	case SelfHarm:
		return "suicide or self-harm"
	case OtherRisk:
		return "other"
	}
	return ""
}

// RiskEvent is one care-risk event. Only its calendar date, read in Date's
// own location, matters.
type RiskEvent struct {
	Kind RiskKind
	Date time.Time
}

// RiskWindowDays and RiskEventThreshold implement "近30天内发生过2次及以上照护风险事件"
// (annex C.4). An event counts when it falls on the assessment day or on
// one of the 30 calendar days before it: 30 days before counts, 31 does not.
const (
	RiskWindowDays     = 30
	RiskEventThreshold = 2
)

// Adjustments are the facts besides the 26 items that can change the grade
// (annex C.4, which takes them from annex A).
type Adjustments struct {
	Coma           bool        // 昏迷 (A.5.11)
	Dementia       bool        // 确诊为痴呆, ICD-10 F00–F03 (A.4.1)
	MentalDisorder bool        // 精神科专科医生诊断的其他精神和行为障碍疾病, F04–F99 (A.4.1)
	RiskEvents     []RiskEvent // 照护风险事件 (A.2.14); older ones may be included and are ignored
	AssessedOn     time.Time   // assessment date; required when RiskEvents is not empty
}

// Rule names a grade change, or a note about how changes combine.
type Rule string

const (
	RuleComa           Rule = "coma"
	RuleDementia       Rule = "dementia"
	RuleMentalDisorder Rule = "mental_disorder"
	RuleRiskEvents     Rule = "risk_events"
	RuleNotCumulative  Rule = "not_cumulative" // several grounds, raised once
	RuleAlreadyLowest  Rule = "already_lowest" // a ground applies but the grade cannot get worse
)

// Reason explains one grade change, in Chinese and English, with its source.
type Reason struct {
	Rule   Rule
	Clause string
	ZH, EN string
}

// Result is a scored assessment. Subtotals is indexed by SelfCare, Motor,
// Mental and PerceptionSocial. Reasons is nil when FinalGrade is the
// preliminary grade for lack of any ground to change it.
type Result struct {
	Total            int
	Subtotals        [numDimensions]int
	PreliminaryGrade Grade
	FinalGrade       Grade
	Reasons          []Reason
}

// Error is an invalid input to Score. Field is an item code such as "B.1.1",
// or the Adjustments field at fault, e.g. "RiskEvents[2].Date".
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return "assess: " + e.Field + ": " + e.Msg }

const (
	clauseComa  = "GB/T 42195-2022 附录C C.4（依据A.5.11 昏迷）"
	clauseDiag  = "GB/T 42195-2022 附录C C.4（依据A.4.1 疾病诊断）"
	clauseRisk  = "GB/T 42195-2022 附录C C.4（依据A.2.14 近30天内照护风险事件）"
	clauseRaise = "GB/T 42195-2022 第6章、附录C C.4、C.5"
)

// Score validates the answers (item code → score; all 26 items, nothing
// else), totals them, grades the total and applies the grade changes of
// GB/T 42195-2022 annex C.4:
//
//   - coma: 能力完全丧失 directly, whatever the score;
//   - dementia, or another mental disorder diagnosed by a psychiatrist: one grade worse;
//   - 2 or more care-risk events in the last 30 days: one grade worse.
//
// The last two do not stack: each is "在原有能力级别上提高一个级别", one
// grade above the preliminary grade, so meeting both still gives one grade.
// Errors are *Error.
func Score(answers map[string]int, adj Adjustments) (Result, error) {
	var r Result
	for _, it := range items {
		v, ok := answers[it.code]
		if !ok {
			return Result{}, itemError(it.code, "未作答", "not answered")
		}
		if v < 0 || v > 15 || it.allowed&(1<<v) == 0 {
			top := byCode[it.code].Max()
			return Result{}, itemError(it.code,
				fmt.Sprintf("%d分不是可选分值，应为0–%d分", v, top),
				fmt.Sprintf("score %d is not allowed, choose 0-%d", v, top))
		}
		r.Subtotals[it.dim] += v
		r.Total += v
	}
	if len(answers) != len(items) {
		// Every item was found, so some keys are not item codes; name the first.
		var unknown []string
		for code := range answers {
			if _, ok := byCode[code]; !ok {
				unknown = append(unknown, code)
			}
		}
		return Result{}, &Error{Field: slices.Min(unknown),
			Msg: "不是GB/T 42195-2022附录B的评估项目 (not an item of GB/T 42195-2022 annex B)"}
	}
	// B.3.9 scores 0 for 昏睡 or 昏迷, so a comatose person cannot score more.
	if adj.Coma && answers["B.3.9"] != 0 {
		return Result{}, &Error{Field: "Coma",
			Msg: fmt.Sprintf("处于昏迷状态，但B.3.9意识水平为%d分（昏迷应为0分） (in a coma but B.3.9 level of consciousness scores %d; coma scores 0)",
				answers["B.3.9"], answers["B.3.9"])}
	}
	events, err := countRiskEvents(adj)
	if err != nil {
		return Result{}, err
	}

	r.PreliminaryGrade = GradeForTotal(r.Total)
	r.FinalGrade = r.PreliminaryGrade
	if adj.Coma {
		// Coma overrides the score and every other ground (annex C.4); the
		// standard asks for a new assessment once the person is conscious.
		r.FinalGrade = CompletelyLost
		r.Reasons = []Reason{{Rule: RuleComa, Clause: clauseComa,
			ZH: "处于昏迷状态，直接评定为能力完全丧失（完全失能）；意识转为清醒后应重新评估",
			EN: "in a coma: rated completely lost directly; reassess once conscious"}}
		return r, nil
	}

	grounds := 0
	if adj.Dementia {
		grounds++
		r.Reasons = append(r.Reasons, Reason{Rule: RuleDementia, Clause: clauseDiag,
			ZH: "确诊为痴呆（F00～F03），在原有能力级别上提高一个级别",
			EN: "diagnosed with dementia (ICD-10 F00-F03): one grade worse"})
	}
	if adj.MentalDisorder {
		grounds++
		r.Reasons = append(r.Reasons, Reason{Rule: RuleMentalDisorder, Clause: clauseDiag,
			ZH: "精神科专科医生诊断的其他精神和行为障碍疾病（F04～F99），在原有能力级别上提高一个级别",
			EN: "another mental or behavioural disorder diagnosed by a psychiatrist (ICD-10 F04-F99): one grade worse"})
	}
	if events >= RiskEventThreshold {
		grounds++
		r.Reasons = append(r.Reasons, Reason{Rule: RuleRiskEvents, Clause: clauseRisk,
			ZH: fmt.Sprintf("近30天内发生过%d次照护风险事件（2次及以上），在原有能力级别上提高一个级别", events),
			EN: fmt.Sprintf("%d care-risk events in the last 30 days (2 or more): one grade worse", events)})
	}
	if grounds == 0 {
		return r, nil
	}
	if grounds > 1 {
		r.Reasons = append(r.Reasons, Reason{Rule: RuleNotCumulative, Clause: clauseRaise,
			ZH: "以上情形同时存在，只在原有能力级别上提高一个级别，不累加",
			EN: "several grounds apply: the grade is raised once from the preliminary grade, not once per ground"})
	}
	if r.PreliminaryGrade == CompletelyLost {
		r.Reasons = append(r.Reasons, Reason{Rule: RuleAlreadyLowest, Clause: clauseRaise,
			ZH: "初步等级已是能力完全丧失（完全失能），等级不再变化",
			EN: "the preliminary grade is already completely lost; the grade does not change"})
		return r, nil
	}
	r.FinalGrade = r.PreliminaryGrade + 1
	return r, nil
}

func itemError(code, zh, en string) error {
	it := byCode[code]
	return &Error{Field: code, Msg: code + " " + it.Name + "：" + zh + " (" + it.NameEN + ": " + en + ")"}
}

// countRiskEvents validates the events and counts those in the 30-day window.
func countRiskEvents(adj Adjustments) (int, error) {
	if len(adj.RiskEvents) == 0 {
		return 0, nil
	}
	if adj.AssessedOn.IsZero() {
		return 0, &Error{Field: "AssessedOn",
			Msg: "有照护风险事件时必须填写评估日期 (the assessment date is required when risk events are given)"}
	}
	on := dayNumber(adj.AssessedOn)
	n := 0
	for i, e := range adj.RiskEvents {
		field := "RiskEvents[" + strconv.Itoa(i) + "]"
		if e.Kind.Name() == "" {
			return 0, &Error{Field: field + ".Kind",
				Msg: fmt.Sprintf("未知的照护风险事件类型%q (unknown risk event kind %q)", e.Kind, e.Kind)}
		}
		if e.Date.IsZero() {
			return 0, &Error{Field: field + ".Date", Msg: "缺少事件日期 (event date missing)"}
		}
		ago := on - dayNumber(e.Date)
		if ago < 0 {
			return 0, &Error{Field: field + ".Date",
				Msg: "事件日期晚于评估日期 (event date is after the assessment date)"}
		}
		if ago <= RiskWindowDays {
			n++
		}
	}
	return n, nil
}

// dayNumber is the number of days from 1970-01-01 to t's calendar date in
// t's own location, so that day differences ignore clock time and DST.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
