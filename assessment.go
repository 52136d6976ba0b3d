package yanglao

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yanglao/yanglao/assess"
)

// Capability assessment (老年人能力评估) per GB/T 42195-2022 《老年人能力评估规范》.
// Package assess holds the form and the scoring; this file holds the stored
// assessment, its validation and the service every module reads the result
// from: "评估结果全省互认、各部门按需使用" (Chenzhou §13, Shaoyang §7, Tancheng §1).

// DefaultAssessmentValidityMonths is how long a result stays valid unless the
// service is configured otherwise (issue 3, item 4: "configurable, default 12 months").
const DefaultAssessmentValidityMonths = 12

// AssessmentReasons are the reasons for an assessment (评估原因) of the basic
// information table of GB/T 42195-2022 annex A (表A.1 评估信息表).
var AssessmentReasons = map[string][2]string{
	"first":   {"首次评估", "First assessment"},
	"routine": {"常规评估", "Routine reassessment"},
	"change":  {"即时评估（状况发生变化）", "Immediate reassessment after a change"},
	"dispute": {"因评估结果有疑问进行的复评", "Review of a disputed result"},
	"other":   {"其他", "Other"},
}

// AssessmentReasonOrder lists the reasons in the order of the form.
var AssessmentReasonOrder = []string{"first", "routine", "change", "dispute", "other"}

// RiskEvent is a care-risk event (照护风险事件, annex A, A.2.14) on a civil date.
type RiskEvent struct {
	Kind assess.RiskKind `json:"kind"` // fall, wandering, choking, self_harm, other
	Date Date            `json:"date"`
}

// AssessmentAdjustments are the facts besides the 26 items that can change the
// grade (annex C.4).
type AssessmentAdjustments struct {
	Coma           bool        `json:"coma"`            // 昏迷
	Dementia       bool        `json:"dementia"`        // 确诊为痴呆 (ICD-10 F00–F03)
	MentalDisorder bool        `json:"mental_disorder"` // 精神科专科医生诊断的其他精神和行为障碍疾病 (F04–F99)
	RiskEvents     []RiskEvent `json:"risk_events"`     // in the last 30 days; older ones are kept but do not count
}

// GradeReason explains why the final grade differs from the grade of the total.
type GradeReason struct {
	Rule   assess.Rule `json:"rule"`
	Clause string      `json:"clause"`
	ZH     string      `json:"zh"`
	EN     string      `json:"en"`
}

// Dimension codes of annex B, the keys of Assessment.Subtotals.
var AssessmentDimensions = [...]string{"B.1", "B.2", "B.3", "B.4"}

// Assessment is one capability assessment of one person. Total, Subtotals,
// the grades and Reasons are computed by Score from Answers and Adjustments;
// whatever a client sends for them is ignored.
type Assessment struct {
	ID           int64                 `json:"id"`
	PersonID     int64                 `json:"person_id"`
	PersonName   string                `json:"person_name,omitempty"`
	CountyCode   string                `json:"county_code"`
	AssessedOn   Date                  `json:"assessed_on"` // 评估基准日期
	Reason       string                `json:"reason,omitempty"`
	AssessorID   *int64                `json:"assessor_id,omitempty"` // the account that recorded it
	AssessorName string                `json:"assessor_name"`
	CoAssessor   string                `json:"co_assessor,omitempty"` // the second assessor, by name
	Place        string                `json:"place,omitempty"`
	Note         string                `json:"note,omitempty"`
	Answers      map[string]int        `json:"answers"` // item code ("B.1.1") → score
	Adjustments  AssessmentAdjustments `json:"adjustments"`

	Total                int            `json:"total"`
	Subtotals            map[string]int `json:"subtotals"` // dimension code ("B.1") → points
	PreliminaryGrade     assess.Grade   `json:"preliminary_grade"`
	PreliminaryGradeName string         `json:"preliminary_grade_name"`
	FinalGrade           assess.Grade   `json:"final_grade"` // the result: 0 能力完好 … 4 能力完全丧失
	FinalGradeName       string         `json:"final_grade_name"`
	Reasons              []GradeReason  `json:"reasons,omitempty"`
	ValidUntil           Date           `json:"valid_until"` // last day the result is valid
	RequestKey           string         `json:"-"`           // idempotency key of the form that sent it
	CreatedAt            time.Time      `json:"created_at"`
}

// maxRiskEvents bounds the events one assessment may carry.
const maxRiskEvents = 50

// Validate checks what a caller supplies, given today's date, and trims the
// text fields. Scoring errors (a missing item, a score the item does not allow)
// come from Score.
func (a *Assessment) Validate(today Date) error {
	if a.AssessedOn.IsZero() {
		return Invalid("assessed_on", "请填写评估日期 (assessed_on is required)")
	}
	if a.AssessedOn.After(today) {
		return Invalid("assessed_on", "评估日期不能晚于今天 (assessed_on cannot be in the future)")
	}
	if a.Reason != "" {
		if _, ok := AssessmentReasons[a.Reason]; !ok {
			return Invalid("reason", "评估原因应为 first、routine、change、dispute 或 other (reason must be first, routine, change, dispute or other)")
		}
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"assessor_name", &a.AssessorName, 50}, {"co_assessor", &a.CoAssessor, 50}, {"place", &a.Place, 100}, {"note", &a.Note, 500}} {
		*f.v = strings.TrimSpace(*f.v)
		if utf8.RuneCountInString(*f.v) > f.max {
			return Invalid(f.name, "%s 最多%d个字符 (%s: at most %d characters)", f.name, f.max, f.name, f.max)
		}
		if strings.ContainsAny(*f.v, "<>") {
			return Invalid(f.name, "%s 含有不允许的字符 (%s contains characters that are not allowed)", f.name, f.name)
		}
	}
	if len(a.Answers) == 0 {
		return Invalid("answers", "请填写评估表 (answers are required: item code → score)")
	}
	if len(a.Adjustments.RiskEvents) > maxRiskEvents {
		return Invalid("risk_events", "照护风险事件最多%d条 (at most %d risk events)", maxRiskEvents, maxRiskEvents)
	}
	if len(a.RequestKey) > 64 {
		return Invalid("request_key", "request_key 最多64个字符 (request_key: at most 64 characters)")
	}
	return nil
}

// Score computes the totals, grades and reasons from Answers and Adjustments
// with assess.Score, overwriting whatever was there. An invalid answer is an
// EINVALID error naming the item code ("B.1.1"); an invalid adjustment names
// the JSON field ("coma", "risk_events[1].date").
func (a *Assessment) Score() error {
	adj := assess.Adjustments{Coma: a.Adjustments.Coma, Dementia: a.Adjustments.Dementia, MentalDisorder: a.Adjustments.MentalDisorder}
	if len(a.Adjustments.RiskEvents) > 0 {
		adj.AssessedOn = a.AssessedOn.Time()
		adj.RiskEvents = make([]assess.RiskEvent, len(a.Adjustments.RiskEvents))
		for i, e := range a.Adjustments.RiskEvents {
			adj.RiskEvents[i] = assess.RiskEvent{Kind: e.Kind}
			if !e.Date.IsZero() {
				adj.RiskEvents[i].Date = e.Date.Time()
			}
		}
	}
	r, err := assess.Score(a.Answers, adj)
	if err != nil {
		var ae *assess.Error
		if errors.As(err, &ae) {
			return &Error{Code: EINVALID, Field: assessField(ae.Field), Message: ae.Msg}
		}
		return err
	}
	a.Total = r.Total
	a.Subtotals = make(map[string]int, len(AssessmentDimensions))
	for i, code := range AssessmentDimensions {
		a.Subtotals[code] = r.Subtotals[i]
	}
	a.PreliminaryGrade, a.FinalGrade = r.PreliminaryGrade, r.FinalGrade
	a.Reasons = nil
	for _, rs := range r.Reasons {
		a.Reasons = append(a.Reasons, GradeReason{Rule: rs.Rule, Clause: rs.Clause, ZH: rs.ZH, EN: rs.EN})
	}
	a.FillNames()
	return nil
}

// FillNames sets the grade names from the grades.
func (a *Assessment) FillNames() {
	a.PreliminaryGradeName, a.FinalGradeName = a.PreliminaryGrade.Name(), a.FinalGrade.Name()
}

// assessField turns a field of assess.Adjustments into its JSON name:
// "RiskEvents[2].Date" → "risk_events[2].date"; item codes stay as they are.
func assessField(f string) string {
	if strings.HasPrefix(f, "B.") {
		return f
	}
	switch {
	case f == "Coma":
		return "coma"
	case f == "AssessedOn":
		return "assessed_on"
	case strings.HasPrefix(f, "RiskEvents"):
		return strings.ToLower(strings.Replace(f, "RiskEvents", "risk_events", 1))
	}
	return f
}

// AddMonths returns d plus n months, keeping the day of the month where the
// month has it and the month's last day otherwise (31 Jan + 1 month = 28/29 Feb;
// 29 Feb + 12 months = 28 Feb).
func AddMonths(d Date, n int) Date {
	m := int(d.Month) - 1 + n
	y := d.Year + m/12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	month := time.Month(m + 1)
	last := time.Date(y, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return Date{Year: y, Month: month, Day: min(d.Day, last)}
}

// ValidUntilFor is the last day an assessment made on day on stays valid:
// the same calendar day months later (DESIGN §4 via issue 3: validity
// "configurable, default 12 months").
func ValidUntilFor(on Date, months int) Date { return AddMonths(on, months) }

// DaysBetween is the number of calendar days from a to b (negative when b is before a).
func DaysBetween(a, b Date) int {
	return int(b.Time().Sub(a.Time()).Round(24*time.Hour) / (24 * time.Hour))
}

// ItemChange is one item's score in two assessments.
type ItemChange struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	NameEN    string `json:"name_en"`
	Dimension string `json:"dimension"`
	Max       int    `json:"max"`
	From      int    `json:"from"`
	To        int    `json:"to"`
	Change    int    `json:"change"` // To − From: negative means lost ability
	FromText  string `json:"from_text"`
	ToText    string `json:"to_text"`
}

// DimensionChange is one dimension's subtotal in two assessments.
type DimensionChange struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Max    int    `json:"max"`
	From   int    `json:"from"`
	To     int    `json:"to"`
	Change int    `json:"change"`
}

// AssessmentComparison compares an earlier assessment (From) with a later one (To).
type AssessmentComparison struct {
	From        *Assessment       `json:"from"`
	To          *Assessment       `json:"to"`
	Days        int               `json:"days"` // between the two assessment dates
	TotalChange int               `json:"total_change"`
	GradeChange int               `json:"grade_change"` // To − From final grade: positive is worse
	Trend       string            `json:"trend"`        // "worse", "better" or "same" (by final grade)
	Dimensions  []DimensionChange `json:"dimensions"`
	Items       []ItemChange      `json:"items"` // every item, in form order
	Changed     int               `json:"changed"`
}

// CompareAssessments compares two assessments of one person, ordering them by
// date (then id) so From is always the earlier, whatever order they are given in.
func CompareAssessments(a, b *Assessment) *AssessmentComparison {
	if b.AssessedOn.Before(a.AssessedOn) || b.AssessedOn == a.AssessedOn && b.ID < a.ID {
		a, b = b, a
	}
	c := &AssessmentComparison{From: a, To: b, Days: DaysBetween(a.AssessedOn, b.AssessedOn),
		TotalChange: b.Total - a.Total, GradeChange: int(b.FinalGrade) - int(a.FinalGrade), Trend: "same"}
	switch {
	case c.GradeChange > 0:
		c.Trend = "worse"
	case c.GradeChange < 0:
		c.Trend = "better"
	}
	for _, d := range assess.Dimensions() {
		c.Dimensions = append(c.Dimensions, DimensionChange{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Max: d.Max,
			From: a.Subtotals[d.Code], To: b.Subtotals[d.Code], Change: b.Subtotals[d.Code] - a.Subtotals[d.Code]})
		for _, it := range d.Items {
			from, to := a.Answers[it.Code], b.Answers[it.Code]
			ic := ItemChange{Code: it.Code, Name: it.Name, NameEN: it.NameEN, Dimension: d.Code, Max: it.Max(),
				From: from, To: to, Change: to - from, FromText: OptionText(it, from), ToText: OptionText(it, to)}
			if ic.Change != 0 {
				c.Changed++
			}
			c.Items = append(c.Items, ic)
		}
	}
	return c
}

// OptionText is the text of the option of it that scores score.
func OptionText(it assess.Item, score int) string {
	for _, o := range it.Options {
		if o.Score == score {
			return o.Text
		}
	}
	return ""
}

// GradeName names a grade (0–4) in the language ("zh" or "en").
func GradeName(g assess.Grade, lang string) string {
	if lang == "en" {
		return g.NameEN()
	}
	return g.Name()
}

// ReassessmentFilter selects the reassessment worklist: people in scope whose
// latest assessment has expired or expires within Within days of today.
type ReassessmentFilter struct {
	Within     int    // days ahead; 0 means DefaultReassessWithin
	RegionCode string // residence subtree
	Page       Page
}

// DefaultReassessWithin is how far ahead the worklist looks by default.
const DefaultReassessWithin = 30

// ReassessmentEntry is one line of the worklist.
type ReassessmentEntry struct {
	PersonID      int64        `json:"person_id"`
	Name          string       `json:"name"`
	ResidenceCode string       `json:"residence_code"`
	Grade         assess.Grade `json:"grade"`
	GradeName     string       `json:"grade_name"`
	AssessmentID  int64        `json:"assessment_id"`
	AssessedOn    Date         `json:"assessed_on"`
	ValidUntil    Date         `json:"valid_until"`
	DaysLeft      int          `json:"days_left"` // negative: expired that many days ago
}

// ValidGrade is the grade that holds for a person on a date, and where it comes from.
type ValidGrade struct {
	PersonID     int64        `json:"person_id"`
	Grade        assess.Grade `json:"grade"`
	GradeName    string       `json:"grade_name"`
	AssessmentID int64        `json:"assessment_id"`
	AssessedOn   Date         `json:"assessed_on"`
	ValidUntil   Date         `json:"valid_until"`
}

// AssessmentService stores assessments and answers for the result every
// module recognises. Scope is the register's: an assessment is visible to whoever
// may read its person. Assessors, officials and administrators record them.
type AssessmentService interface {
	// CreateAssessment validates and scores a, stores it, and makes the latest
	// assessment's grade the person's grade (people.grade, grade_valid_until),
	// all in one transaction with an audit entry. A repeated RequestKey for the
	// same person returns the assessment already stored.
	CreateAssessment(ctx context.Context, a *Assessment) error
	Assessment(ctx context.Context, id int64) (*Assessment, error)
	// PersonAssessments lists a person's assessments, newest first.
	PersonAssessments(ctx context.Context, personID int64, page Page) ([]*Assessment, string, error)
	// CompareAssessments compares two assessments of the same person, earlier first.
	CompareAssessments(ctx context.Context, id, otherID int64) (*AssessmentComparison, error)
	// ReassessmentWorklist lists people whose latest assessment expires soon or
	// has expired, soonest first, keyset-paged.
	ReassessmentWorklist(ctx context.Context, f ReassessmentFilter) ([]*ReassessmentEntry, string, error)
	// LatestGrade is the grade valid on day on: that of the latest assessment made
	// on or before it, if still valid then. nil when there is none.
	LatestGrade(ctx context.Context, personID int64, on Date) (*ValidGrade, error)
}
