package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

// Capability assessment (GB/T 42195-2022, issue 3 item 4). Handlers parse and
// respond; scoring, scope, validity and the person's grade live in the
// AssessmentService. The form definition and the score calculator are public:
// they hold the standard, not anybody's data.

// AssessmentInput is the body of POST /api/v1/people/{id}/assessments. Totals
// and grades are not accepted: the server computes them.
type AssessmentInput struct {
	AssessedOn   string         `json:"assessed_on"`             // YYYY-MM-DD, not after today
	Reason       string         `json:"reason,omitempty"`        // first | routine | change | dispute | other
	AssessorName string         `json:"assessor_name,omitempty"` // defaults to the signed-in user's name
	CoAssessor   string         `json:"co_assessor,omitempty"`
	Place        string         `json:"place,omitempty"`
	Note         string         `json:"note,omitempty"`
	Answers      map[string]int `json:"answers"` // all 26 item codes of annex B → score
	Adjustments  AdjustInput    `json:"adjustments"`
	RequestKey   string         `json:"request_key,omitempty"` // the same key for the same person stores once
}

// AdjustInput are the grade-changing facts of annex C.4.
type AdjustInput struct {
	Coma           bool             `json:"coma,omitempty"`
	Dementia       bool             `json:"dementia,omitempty"`
	MentalDisorder bool             `json:"mental_disorder,omitempty"`
	RiskEvents     []RiskEventInput `json:"risk_events,omitempty"`
}

// RiskEventInput is one care-risk event.
type RiskEventInput struct {
	Kind string `json:"kind"` // fall | wandering | choking | self_harm | other
	Date string `json:"date"` // YYYY-MM-DD, on or before assessed_on
}

// assessment turns the input into the domain type, naming a bad date's field.
func (in AssessmentInput) assessment(personID int64) (*yanglao.Assessment, error) {
	a := &yanglao.Assessment{PersonID: personID, Reason: in.Reason, AssessorName: in.AssessorName, CoAssessor: in.CoAssessor,
		Place: in.Place, Note: in.Note, Answers: in.Answers, RequestKey: in.RequestKey,
		Adjustments: yanglao.AssessmentAdjustments{Coma: in.Adjustments.Coma, Dementia: in.Adjustments.Dementia, MentalDisorder: in.Adjustments.MentalDisorder}}
	var err error
	if in.AssessedOn != "" {
		if a.AssessedOn, err = yanglao.ParseDate(in.AssessedOn); err != nil {
			return nil, yanglao.Invalid("assessed_on", "评估日期格式应为 YYYY-MM-DD (assessed_on must be YYYY-MM-DD)")
		}
	}
	for i, e := range in.Adjustments.RiskEvents {
		ev := yanglao.RiskEvent{Kind: assess.RiskKind(e.Kind)}
		if e.Date != "" {
			if ev.Date, err = yanglao.ParseDate(e.Date); err != nil {
				f := "risk_events[" + strconv.Itoa(i) + "].date"
				return nil, yanglao.Invalid(f, "%s 格式应为 YYYY-MM-DD (%s must be YYYY-MM-DD)", f, f)
			}
		}
		a.Adjustments.RiskEvents = append(a.Adjustments.RiskEvents, ev)
	}
	return a, nil
}

var (
	pAssessmentID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "评估记录编号 (assessment id)"}
	pOtherID      = param{Name: "other", In: "path", Type: "integer", Required: true, Desc: "另一次评估的编号 (the other assessment's id)"}
)

var docPersonAssessments = &apiDoc{Tag: "assessment", Summary: "一位老年人的能力评估历史，最新的在前 (a person's assessments, newest first)",
	Params: []param{pPersonID, pAfter, pLimit}, Response: List[*yanglao.Assessment]{}}

func (s *Server) apiPersonAssessments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Assessments.PersonAssessments(r.Context(), id, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Assessment]{Items: items, Next: next})
	return nil
}

var docCreateAssessment = &apiDoc{Tag: "assessment",
	Summary: "录入一次能力评估（GB/T 42195-2022）；服务器计算总分、等级和调整理由，并更新该老年人的能力等级 (record an assessment; the server scores and grades it and updates the person's grade)",
	Params:  []param{pPersonID}, Body: AssessmentInput{}, Response: &yanglao.Assessment{}, Status: http.StatusCreated}

func (s *Server) apiCreateAssessment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in AssessmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := in.assessment(id)
	if err != nil {
		return err
	}
	if err := s.Assessments.CreateAssessment(r.Context(), a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

var docAssessment = &apiDoc{Tag: "assessment", Summary: "一次能力评估 (one assessment)", Params: []param{pAssessmentID}, Response: &yanglao.Assessment{}}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Assessments.Assessment(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

var docCompareAssessments = &apiDoc{Tag: "assessment",
	Summary: "比较同一老年人的两次评估：逐项、分维度和等级变化，较早的一次为 from (compare two assessments of one person, item by item; the earlier is from)",
	Params:  []param{pAssessmentID, pOtherID}, Response: &yanglao.AssessmentComparison{}}

func (s *Server) apiCompareAssessments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other, err := pathID(r, "other")
	if err != nil {
		return err
	}
	c, err := s.Assessments.CompareAssessments(r.Context(), id, other)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

var docReassessmentWorklist = &apiDoc{Tag: "assessment",
	Summary: "复评工作清单：辖区内最近一次评估已过期或将在 within 天内到期的在世老年人，按到期日排序 (reassessment worklist: people whose latest assessment has expired or expires within the given days, soonest first)",
	Params: []param{{Name: "within", In: "query", Type: "integer", Desc: "到期前天数，默认30 (days ahead, default 30)"},
		{Name: "region", In: "query", Type: "string", Desc: "常住地区划子树 (residence subtree)"}, pAfter, pLimit},
	Response: List[*yanglao.ReassessmentEntry]{}}

// reassessFilter reads the worklist's query; the API and the page share it.
func reassessFilter(r *http.Request) (yanglao.ReassessmentFilter, error) {
	page, err := pageParams(r)
	if err != nil {
		return yanglao.ReassessmentFilter{}, err
	}
	f := yanglao.ReassessmentFilter{RegionCode: strings.TrimSpace(r.URL.Query().Get("region")), Page: page}
	if v := r.URL.Query().Get("within"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, yanglao.Invalid("within", "within 应为正整数天数 (within must be a positive number of days)")
		}
		f.Within = n
	}
	return f, nil
}

func (s *Server) apiReassessmentWorklist(w http.ResponseWriter, r *http.Request) error {
	f, err := reassessFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Assessments.ReassessmentWorklist(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.ReassessmentEntry]{Items: items, Next: next})
	return nil
}

// FormDefinition is GB/T 42195-2022 annex B as data, for forms in other systems
// and for the tablet's own page.
type FormDefinition struct {
	Standard   string          `json:"standard"`
	MaxTotal   int             `json:"max_total"`
	Dimensions []FormDimension `json:"dimensions"`
	Grades     []FormGrade     `json:"grades"`
	RiskKinds  []FormChoice    `json:"risk_kinds"`
	Reasons    []FormChoice    `json:"reasons"`
	Rules      []FormChoice    `json:"adjustment_rules"`
}

type FormDimension struct {
	Code   string     `json:"code"`
	Name   string     `json:"name"`
	NameEN string     `json:"name_en"`
	Max    int        `json:"max"`
	Items  []FormItem `json:"items"`
}

type FormItem struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	NameEN     string       `json:"name_en"`
	Definition string       `json:"definition,omitempty"`
	Note       string       `json:"note,omitempty"`
	Max        int          `json:"max"`
	Options    []FormOption `json:"options"`
}

type FormOption struct {
	Score int    `json:"score"`
	Text  string `json:"text"`
}

// FormGrade is a grade and the totals that give it before adjustment.
type FormGrade struct {
	Grade    int    `json:"grade"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	MinTotal int    `json:"min_total"`
	MaxTotal int    `json:"max_total"`
}

type FormChoice struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

const standardName = "GB/T 42195-2022《老年人能力评估规范》"

// formDefinition is built once from package assess: the same data that scores.
var formDefinition = func() FormDefinition {
	f := FormDefinition{Standard: standardName, MaxTotal: assess.MaxTotal}
	for _, d := range assess.Dimensions() {
		fd := FormDimension{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Max: d.Max}
		for _, it := range d.Items {
			fi := FormItem{Code: it.Code, Name: it.Name, NameEN: it.NameEN, Definition: it.Definition, Note: it.Note, Max: it.Max()}
			for _, o := range it.Options {
				fi.Options = append(fi.Options, FormOption{Score: o.Score, Text: o.Text})
			}
			fd.Items = append(fd.Items, fi)
		}
		f.Dimensions = append(f.Dimensions, fd)
	}
	f.Grades = gradeBands()
	for _, k := range []assess.RiskKind{assess.Fall, assess.Wandering, assess.Choking, assess.SelfHarm, assess.OtherRisk} {
		f.RiskKinds = append(f.RiskKinds, FormChoice{Code: string(k), Name: k.Name(), NameEN: k.NameEN()})
	}
	for _, c := range yanglao.AssessmentReasonOrder {
		n := yanglao.AssessmentReasons[c]
		f.Reasons = append(f.Reasons, FormChoice{Code: c, Name: n[0], NameEN: n[1]})
	}
	f.Rules = []FormChoice{
		{Code: "coma", Name: "处于昏迷状态者，直接评定为能力完全丧失", NameEN: "in a coma: completely lost, whatever the score"},
		{Code: "dementia", Name: "确诊为痴呆（F00～F03）、精神科专科医生诊断的其他精神和行为障碍疾病（F04～F99），在原有能力级别上提高一个级别", NameEN: "dementia or another diagnosed mental disorder: one grade worse"},
		{Code: "risk_events", Name: "近30天内发生过2次及以上照护风险事件（如跌倒、噎食、自杀、自伤、走失等），在原有能力级别上提高一个级别", NameEN: "2 or more care-risk events in the last 30 days: one grade worse"},
	}
	return f
}()

// gradeBands derives each grade's range of totals from assess.GradeForTotal,
// so the bands shown are the bands that score.
func gradeBands() []FormGrade {
	var out []FormGrade
	for total := assess.MaxTotal; total >= 0; total-- {
		g := assess.GradeForTotal(total)
		if n := len(out); n > 0 && out[n-1].Grade == int(g) {
			out[n-1].MinTotal = total
			continue
		}
		out = append(out, FormGrade{Grade: int(g), Name: g.Name(), NameEN: g.NameEN(), MinTotal: total, MaxTotal: total})
	}
	return out
}

var docAssessForm = &apiDoc{Tag: "assessment", Summary: "GB/T 42195-2022 评估表定义：26个项目、选项与分值、等级划分、调整规则 (the form: 26 items, options and scores, grade bands, adjustment rules)",
	Response: FormDefinition{}}

func (s *Server) apiAssessForm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, formDefinition)
	return nil
}

// ScoreInput is the body of POST /api/v1/assess/score: answers and adjustments only.
type ScoreInput struct {
	AssessedOn  string         `json:"assessed_on,omitempty"` // needed when risk events are given
	Answers     map[string]int `json:"answers"`
	Adjustments AdjustInput    `json:"adjustments"`
}

// ScoreResult is what the calculator answers.
type ScoreResult struct {
	Total                int                   `json:"total"`
	Subtotals            map[string]int        `json:"subtotals"`
	PreliminaryGrade     assess.Grade          `json:"preliminary_grade"`
	PreliminaryGradeName string                `json:"preliminary_grade_name"`
	FinalGrade           assess.Grade          `json:"final_grade"`
	FinalGradeName       string                `json:"final_grade_name"`
	Reasons              []yanglao.GradeReason `json:"reasons,omitempty"`
}

var docAssessScore = &apiDoc{Tag: "assessment",
	Summary: "计算器：按 GB/T 42195-2022 计算总分和等级，不保存 (calculator: score and grade answers without storing anything)",
	Body:    ScoreInput{}, Response: ScoreResult{}}

func (s *Server) apiAssessScore(w http.ResponseWriter, r *http.Request) error {
	var in ScoreInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := AssessmentInput{AssessedOn: in.AssessedOn, Answers: in.Answers, Adjustments: in.Adjustments}.assessment(0)
	if err != nil {
		return err
	}
	if err := a.Score(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ScoreResult{Total: a.Total, Subtotals: a.Subtotals, PreliminaryGrade: a.PreliminaryGrade,
		PreliminaryGradeName: a.PreliminaryGradeName, FinalGrade: a.FinalGrade, FinalGradeName: a.FinalGradeName, Reasons: a.Reasons})
	return nil
}
