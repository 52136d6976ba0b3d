package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

// The capability assessment pages (GB/T 42195-2022, issue 3 item 4): the
// tablet form (/people/{id}/assess), the result (/assessments/{id}), the
// printable report (/assessments/{id}/report), a person's timeline
// (/people/{id}/assessments), the comparison of two assessments and the
// reassessment worklist (/assessments/worklist). The AssessmentService scores,
// scopes and audits; these handlers parse, call it and show the outcome.

// riskRows is how many care-risk event rows the form offers (two count).
const riskRows = 5

// mayAssess mirrors the service's rule, to decide which buttons to show.
func mayAssess(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleAssessor || a.Role == yanglao.RoleOfficial)
}

func assessToday() yanglao.Date { return yanglao.DateOf(time.Now()) }

func assessGradeName(g assess.Grade, l string) string { return yanglao.GradeName(g, l) }

func assessReasonName(code, l string) string {
	if n, ok := yanglao.AssessmentReasons[code]; ok {
		return tr(l, n[0], n[1])
	}
	return code
}

func riskKindName(k assess.RiskKind, l string) string {
	if n := tr(l, k.Name(), k.NameEN()); n != "" {
		return n
	}
	return string(k)
}

// itemAnchor is the element id of an item on the form: ids with dots need
// escaping in CSS, so B.1.1 becomes q-B-1-1.
func itemAnchor(code string) string { return "q-" + strings.ReplaceAll(code, ".", "-") }

// assessAge is the age on day d, as text.
func assessAge(p *yanglao.Person, d yanglao.Date, l string) string {
	if p.BirthDate.IsZero() {
		return ""
	}
	n := yanglao.AgeOn(p.BirthDate, d)
	return tr(l, strconv.Itoa(n)+"岁", strconv.Itoa(n))
}

func assessSex(sex, l string) string {
	switch sex {
	case "M":
		return tr(l, "男", "Male")
	case "F":
		return tr(l, "女", "Female")
	}
	return ""
}

// --- the form

type choice struct {
	Code, Name string
	Selected   bool
}

type formOption struct {
	Score   int
	Text    string
	Checked bool
}

type formItem struct {
	Code, Anchor, Name, NameEN, Definition, Note string
	Max                                          int
	Options                                      []formOption
	Error                                        string
}

type formDim struct {
	Code, Name, NameEN string
	Max                int
	Items              []formItem
}

type riskRow struct {
	N     int
	Kinds []choice
	Date  string
}

type fieldErr struct{ Anchor, Msg string }

type assessForm struct {
	Person      *yanglao.Person
	Region      string
	Age, Sex    string
	Dims        []formDim
	AssessedOn  string
	Reasons     []choice
	Assessor    string
	CoAssessor  string
	Place       string
	Note        string
	Coma        bool
	Dementia    bool
	Mental      bool
	Risks       []riskRow
	RequestKey  string
	Errors      map[string]string
	Summary     []fieldErr
	Bands       string // JSON for the live total: grade bands in the page's language
	Today       string
	Standard    string
	Places      []string
	MaxTotal    int
	AdjustRules []FormChoice
}

// newAssessForm is an empty form for p, or one filled from a posted form.
func (s *Server) newAssessForm(r *http.Request, p *yanglao.Person, posted url.Values) *assessForm {
	l := lang(r)
	on := assessToday()
	f := &assessForm{Person: p, Region: s.regionLabel(r.Context(), p.ResidenceCode), Age: assessAge(p, on, l), Sex: assessSex(p.Sex, l),
		AssessedOn: on.String(), Today: on.String(), Standard: standardName, MaxTotal: assess.MaxTotal, Errors: map[string]string{},
		Places:      []string{tr(l, "老年人家中", "The person's home"), tr(l, "养老机构", "Care home"), tr(l, "医疗机构", "Hospital"), tr(l, "社区服务中心", "Community service centre")},
		AdjustRules: formDefinition.Rules}
	reason := "first"
	if p.Grade != nil {
		reason = "routine"
	}
	if posted != nil {
		f.AssessedOn = posted.Get("assessed_on")
		reason = posted.Get("reason")
		f.Assessor, f.CoAssessor = posted.Get("assessor_name"), posted.Get("co_assessor")
		f.Place, f.Note = posted.Get("place"), posted.Get("note")
		f.Coma, f.Dementia, f.Mental = posted.Get("coma") == "1", posted.Get("dementia") == "1", posted.Get("mental_disorder") == "1"
		f.RequestKey = posted.Get("request_key")
	} else {
		if v := r.URL.Query().Get("reason"); v != "" {
			reason = v
		}
		if u, err := s.Users.User(r.Context(), actor(r).UserID); err == nil {
			f.Assessor = u.DisplayName
		}
		var b [12]byte
		rand.Read(b[:])
		f.RequestKey = hex.EncodeToString(b[:])
	}
	for _, c := range yanglao.AssessmentReasonOrder {
		f.Reasons = append(f.Reasons, choice{Code: c, Name: assessReasonName(c, l), Selected: c == reason})
	}
	for _, d := range assess.Dimensions() {
		fd := formDim{Code: d.Code, Name: d.Name, NameEN: d.NameEN, Max: d.Max}
		for _, it := range d.Items {
			fi := formItem{Code: it.Code, Anchor: itemAnchor(it.Code), Name: it.Name, NameEN: it.NameEN, Definition: it.Definition, Note: it.Note, Max: it.Max()}
			for _, o := range it.Options {
				fi.Options = append(fi.Options, formOption{Score: o.Score, Text: o.Text,
					Checked: posted != nil && posted.Get(it.Code) == strconv.Itoa(o.Score)})
			}
			fd.Items = append(fd.Items, fi)
		}
		f.Dims = append(f.Dims, fd)
	}
	kinds := []assess.RiskKind{assess.Fall, assess.Wandering, assess.Choking, assess.SelfHarm, assess.OtherRisk}
	for i := range riskRows {
		row := riskRow{N: i}
		sel := ""
		if posted != nil {
			sel, row.Date = posted.Get(fmt.Sprintf("risk_kind_%d", i)), posted.Get(fmt.Sprintf("risk_date_%d", i))
		}
		row.Kinds = append(row.Kinds, choice{Code: "", Name: tr(l, "（无）", "(none)"), Selected: sel == ""})
		for _, k := range kinds {
			row.Kinds = append(row.Kinds, choice{Code: string(k), Name: riskKindName(k, l), Selected: sel == string(k)})
		}
		f.Risks = append(f.Risks, row)
	}
	type band struct {
		Grade int    `json:"grade"`
		Name  string `json:"name"`
		Min   int    `json:"min"`
		Max   int    `json:"max"`
	}
	var bands []band
	for _, g := range formDefinition.Grades {
		bands = append(bands, band{Grade: g.Grade, Name: tr(l, g.Name, g.NameEN), Min: g.MinTotal, Max: g.MaxTotal})
	}
	b, _ := json.Marshal(bands)
	f.Bands = string(b)
	return f
}

func (s *Server) pageAssessForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.assessPerson(r)
	if err != nil {
		return err
	}
	if !mayAssess(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有评估员和民政干部可以录入能力评估 (only assessors and officials record assessments)")
	}
	return s.renderAssessForm(w, r, http.StatusOK, s.newAssessForm(r, p, nil))
}

func (s *Server) renderAssessForm(w http.ResponseWriter, r *http.Request, status int, f *assessForm) error {
	pg := s.newPage(r, "能力评估 · "+f.Person.Name, "Capability assessment · "+f.Person.Name, f)
	return s.render(w, status, "assess_form.html", pg)
}

// assessPerson reads the person named by the path, in the actor's scope.
func (s *Server) assessPerson(r *http.Request) (*yanglao.Person, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	return s.People.Person(r.Context(), id)
}

// postAssess records the form. Invalid input shows the form again with the
// answers kept and the faulty item marked.
func (s *Server) postAssess(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.assessPerson(r)
	if err != nil {
		return err
	}
	a, err := assessmentFromForm(p.ID, r.PostForm)
	if err == nil {
		err = s.Assessments.CreateAssessment(r.Context(), a)
	}
	if err != nil {
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		f := s.newAssessForm(r, p, r.PostForm)
		field, msg := yanglao.ErrorField(err), localMsg(lang(r), yanglao.ErrorMessage(err))
		anchor := field
		switch {
		case strings.HasPrefix(field, "B."):
			anchor = itemAnchor(field)
			for d := range f.Dims {
				for i := range f.Dims[d].Items {
					if f.Dims[d].Items[i].Code == field {
						f.Dims[d].Items[i].Error = msg
					}
				}
			}
		case field == "coma":
			anchor = "adjustments"
		case strings.HasPrefix(field, "risk_events"):
			anchor, field = "risks", "risks"
		case field == "answers":
			anchor = itemAnchor("B.1.1")
		}
		f.Errors[field] = msg
		f.Summary = []fieldErr{{Anchor: anchor, Msg: msg}}
		return s.renderAssessForm(w, r, http.StatusBadRequest, f)
	}
	seeOther(w, r, "/assessments/"+strconv.FormatInt(a.ID, 10)+"?saved=1")
	return nil
}

// assessmentFromForm reads the posted form. Only the 26 item codes are read,
// so other fields of the form cannot pose as answers.
func assessmentFromForm(personID int64, v url.Values) (*yanglao.Assessment, error) {
	a := &yanglao.Assessment{PersonID: personID, Reason: v.Get("reason"), AssessorName: v.Get("assessor_name"), CoAssessor: v.Get("co_assessor"),
		Place: v.Get("place"), Note: v.Get("note"), RequestKey: v.Get("request_key"), Answers: map[string]int{}}
	var err error
	if a.AssessedOn, err = yanglao.ParseDate(v.Get("assessed_on")); err != nil {
		return nil, yanglao.Invalid("assessed_on", "请填写评估日期，格式 YYYY-MM-DD (enter the assessment date as YYYY-MM-DD)")
	}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			s := v.Get(it.Code)
			if s == "" {
				continue // Score names the first item left unanswered
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, yanglao.Invalid(it.Code, "%s %s：请选择一个选项 (%s: choose one of the options)", it.Code, it.Name, it.NameEN)
			}
			a.Answers[it.Code] = n
		}
	}
	if len(a.Answers) == 0 {
		return nil, yanglao.Invalid("B.1.1", "请逐项选择评估结果 (answer every item of the form)")
	}
	a.Adjustments.Coma, a.Adjustments.Dementia, a.Adjustments.MentalDisorder = v.Get("coma") == "1", v.Get("dementia") == "1", v.Get("mental_disorder") == "1"
	for i := range riskRows {
		kind, date := v.Get(fmt.Sprintf("risk_kind_%d", i)), strings.TrimSpace(v.Get(fmt.Sprintf("risk_date_%d", i)))
		if kind == "" && date == "" {
			continue
		}
		if kind == "" {
			return nil, yanglao.Invalid("risk_events", "第%d条照护风险事件：请选择事件类型 (risk event %d: choose its kind)", i+1, i+1)
		}
		ev := yanglao.RiskEvent{Kind: assess.RiskKind(kind)}
		if ev.Date, err = yanglao.ParseDate(date); err != nil {
			return nil, yanglao.Invalid("risk_events", "第%d条照护风险事件：请填写发生日期 (risk event %d: enter its date)", i+1, i+1)
		}
		a.Adjustments.RiskEvents = append(a.Adjustments.RiskEvents, ev)
	}
	return a, nil
}

// --- the result and the printable report

type resultItem struct {
	Code, Name, NameEN, Text string
	Score, Max               int
}

type resultDim struct {
	Code, Name, NameEN string
	Score, Max         int
	Items              []resultItem
}

type reasonText struct{ Text, Clause string }

type riskText struct{ Kind, Date string }

type assessResult struct {
	A                 *yanglao.Assessment
	Person            *yanglao.Person
	Region            string
	Age, Sex          string
	Dims              []resultDim
	Final, Pre        string
	Reasons           []reasonText
	Risks             []riskText
	Reason            string
	Saved             bool
	Expired           bool
	DaysLeft          int
	Prev              *yanglao.Assessment
	CanAssess         bool
	Standard          string
	Printed           string
	MaxTotal          int
	AdjustedByAnyRule bool
}

func (s *Server) assessResultData(r *http.Request) (*assessResult, error) {
	ctx := r.Context()
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "评估记录不存在 (assessment not found)")
	}
	a, err := s.Assessments.Assessment(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := s.People.Person(ctx, a.PersonID)
	if err != nil {
		return nil, err
	}
	on := assessToday()
	d := &assessResult{A: a, Person: p, Region: s.regionLabel(ctx, p.ResidenceCode), Age: assessAge(p, a.AssessedOn, l), Sex: assessSex(p.Sex, l),
		Final: assessGradeName(a.FinalGrade, l), Pre: assessGradeName(a.PreliminaryGrade, l), Reason: assessReasonName(a.Reason, l),
		Saved: r.URL.Query().Get("saved") == "1", Expired: a.ValidUntil.Before(on), DaysLeft: yanglao.DaysBetween(on, a.ValidUntil),
		CanAssess: mayAssess(actor(r)), Standard: standardName, MaxTotal: assess.MaxTotal,
		Printed: time.Now().In(yanglao.Shanghai).Format("2006-01-02 15:04")}
	d.AdjustedByAnyRule = a.FinalGrade != a.PreliminaryGrade || len(a.Reasons) > 0
	for _, dim := range assess.Dimensions() {
		rd := resultDim{Code: dim.Code, Name: dim.Name, NameEN: dim.NameEN, Score: a.Subtotals[dim.Code], Max: dim.Max}
		for _, it := range dim.Items {
			rd.Items = append(rd.Items, resultItem{Code: it.Code, Name: it.Name, NameEN: it.NameEN, Score: a.Answers[it.Code], Max: it.Max(),
				Text: yanglao.OptionText(it, a.Answers[it.Code])})
		}
		d.Dims = append(d.Dims, rd)
	}
	for _, rs := range a.Reasons {
		d.Reasons = append(d.Reasons, reasonText{Text: tr(l, rs.ZH, rs.EN), Clause: rs.Clause})
	}
	for _, e := range a.Adjustments.RiskEvents {
		d.Risks = append(d.Risks, riskText{Kind: riskKindName(e.Kind, l), Date: e.Date.String()})
	}
	// The assessment before this one, for "compare with the previous".
	list, _, err := s.Assessments.PersonAssessments(ctx, a.PersonID, yanglao.Page{Limit: yanglao.MaxPageSize})
	if err != nil {
		return nil, err
	}
	for i, x := range list {
		if x.ID == a.ID && i+1 < len(list) {
			d.Prev = list[i+1]
		}
	}
	return d, nil
}

func (s *Server) pageAssessment(w http.ResponseWriter, r *http.Request) error {
	d, err := s.assessResultData(r)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "评估结果 · "+d.Person.Name, "Assessment result · "+d.Person.Name, d)
	return s.render(w, http.StatusOK, "assess_result.html", pg)
}

// pageAssessReport is the printable report: Chinese, A4, every item's chosen
// option, the adjustments and their reasons, and lines for signatures.
func (s *Server) pageAssessReport(w http.ResponseWriter, r *http.Request) error {
	zh := withLang(r, "zh") // the report is a Chinese document, whatever the UI language
	d, err := s.assessResultData(zh)
	if err != nil {
		return err
	}
	pg := s.newPage(zh, "老年人能力评估报告 · "+d.Person.Name, "", d)
	return s.render(w, http.StatusOK, "assess_report.html", pg)
}

// withLang returns r as if its language cookie said l.
func withLang(r *http.Request, l string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header = r.Header.Clone()
	var keep []string
	for _, c := range r2.Cookies() {
		if c.Name != langCookie {
			keep = append(keep, c.Name+"="+c.Value)
		}
	}
	r2.Header.Del("Cookie")
	keep = append(keep, langCookie+"="+l)
	r2.Header.Set("Cookie", strings.Join(keep, "; "))
	return r2
}

// --- a person's timeline

type timelineRow struct {
	A        *yanglao.Assessment
	Final    string
	Expired  bool
	Current  bool
	PrevID   int64
	Delta    int
	HasDelta bool
}

type chartPoint struct {
	X, Y       int
	Label      string
	Grade      int
	TotalLabel string
	Show       bool // label it: points closer than a label's width share one
}

type assessTimeline struct {
	Person     *yanglao.Person
	Region     string
	Rows       []timelineRow
	CanAssess  bool
	Chart      []chartPoint
	ChartLine  string
	Options    []choice
	OptionsB   []choice
	Bands      []chartBand
	ChartWidth int
}

type chartBand struct {
	Y, H  int
	Grade int
	Name  string
}

func (s *Server) pagePersonAssessments(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := lang(r)
	p, err := s.assessPerson(r)
	if err != nil {
		return err
	}
	list, _, err := s.Assessments.PersonAssessments(ctx, p.ID, yanglao.Page{Limit: yanglao.MaxPageSize})
	if err != nil {
		return err
	}
	on := assessToday()
	d := &assessTimeline{Person: p, Region: s.regionLabel(ctx, p.ResidenceCode), CanAssess: mayAssess(actor(r))}
	for i, a := range list {
		row := timelineRow{A: a, Final: assessGradeName(a.FinalGrade, l), Expired: a.ValidUntil.Before(on), Current: i == 0}
		if i+1 < len(list) {
			row.PrevID, row.Delta, row.HasDelta = list[i+1].ID, a.Total-list[i+1].Total, true
		}
		d.Rows = append(d.Rows, row)
		label := a.AssessedOn.String()
		d.Options = append(d.Options, choice{Code: strconv.FormatInt(a.ID, 10), Name: label + " · " + strconv.Itoa(a.Total), Selected: i == 1})
		d.OptionsB = append(d.OptionsB, choice{Code: strconv.FormatInt(a.ID, 10), Name: label + " · " + strconv.Itoa(a.Total), Selected: i == 0})
	}
	d.chart(list, l)
	pg := s.newPage(r, "评估记录 · "+p.Name, "Assessments · "+p.Name, d)
	return s.render(w, http.StatusOK, "assess_timeline.html", pg)
}

// chart lays out the totals over time as points of an SVG, oldest on the left,
// over the grade bands (chart units: 0–600 wide, 0–180 high, 2 per point).
func (d *assessTimeline) chart(list []*yanglao.Assessment, l string) {
	if len(list) < 2 {
		return
	}
	const w, h, pad = 600, 180, 30
	d.ChartWidth = w
	y := func(total int) int { return h - total*h/assess.MaxTotal }
	for _, g := range formDefinition.Grades {
		top, bottom := y(g.MaxTotal+1), y(g.MinTotal)
		if g.MaxTotal == assess.MaxTotal {
			top = 0
		}
		d.Bands = append(d.Bands, chartBand{Y: top, H: bottom - top, Grade: g.Grade, Name: tr(l, g.Name, g.NameEN)})
	}
	first, last := list[len(list)-1].AssessedOn, list[0].AssessedOn
	span := max(yanglao.DaysBetween(first, last), 1)
	var pts []string
	for i := len(list) - 1; i >= 0; i-- {
		a := list[i]
		x := pad + yanglao.DaysBetween(first, a.AssessedOn)*(w-2*pad)/span
		pt := chartPoint{X: x, Y: y(a.Total), Label: a.AssessedOn.String(), Grade: int(a.FinalGrade), TotalLabel: strconv.Itoa(a.Total)}
		d.Chart = append(d.Chart, pt)
		pts = append(pts, fmt.Sprintf("%d,%d", pt.X, pt.Y))
	}
	d.ChartLine = strings.Join(pts, " ")
	// Label the newest point, then every older one far enough from the last labelled.
	labelled := 1 << 30
	for i := len(d.Chart) - 1; i >= 0; i-- {
		if labelled-d.Chart[i].X >= 95 {
			d.Chart[i].Show, labelled = true, d.Chart[i].X
		}
	}
}

// --- comparison

type assessCompare struct {
	C                     *yanglao.AssessmentComparison
	Person                *yanglao.Person
	FromGrade             string
	ToGrade               string
	Trend                 string
	Changed, Same         []yanglao.ItemChange
	ChangedRows, SameRows cmpRows
	Lang                  string
}

// cmpRows is what the "assess-cmp-rows" template receives.
type cmpRows struct {
	Lang  string
	Items []yanglao.ItemChange
}

// pageAssessCompareQuery turns the timeline's compare form (?a=&b=) into the
// comparison's address.
func (s *Server) pageAssessCompareQuery(w http.ResponseWriter, r *http.Request) error {
	a, errA := strconv.ParseInt(r.URL.Query().Get("a"), 10, 64)
	b, errB := strconv.ParseInt(r.URL.Query().Get("b"), 10, 64)
	if errA != nil || errB != nil || a <= 0 || b <= 0 {
		return yanglao.Invalid("a", "请选择两次评估 (choose two assessments)")
	}
	seeOther(w, r, fmt.Sprintf("/assessments/%d/compare/%d", a, b))
	return nil
}

func (s *Server) pageAssessCompare(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "评估记录不存在 (assessment not found)")
	}
	other, err := pathID(r, "other")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "评估记录不存在 (assessment not found)")
	}
	c, err := s.Assessments.CompareAssessments(r.Context(), id, other)
	if err != nil {
		return err
	}
	p, err := s.People.Person(r.Context(), c.From.PersonID)
	if err != nil {
		return err
	}
	d := &assessCompare{C: c, Person: p, FromGrade: assessGradeName(c.From.FinalGrade, l), ToGrade: assessGradeName(c.To.FinalGrade, l), Lang: l}
	switch c.Trend {
	case "worse":
		d.Trend = tr(l, fmt.Sprintf("等级加重%d级", c.GradeChange), fmt.Sprintf("%d grade(s) worse", c.GradeChange))
	case "better":
		d.Trend = tr(l, fmt.Sprintf("等级减轻%d级", -c.GradeChange), fmt.Sprintf("%d grade(s) better", -c.GradeChange))
	default:
		d.Trend = tr(l, "等级不变", "Same grade")
	}
	for _, it := range c.Items {
		if it.Change != 0 {
			d.Changed = append(d.Changed, it)
		} else {
			d.Same = append(d.Same, it)
		}
	}
	d.ChangedRows, d.SameRows = cmpRows{l, d.Changed}, cmpRows{l, d.Same}
	pg := s.newPage(r, "评估比较 · "+p.Name, "Comparison · "+p.Name, d)
	return s.render(w, http.StatusOK, "assess_compare.html", pg)
}

// --- the reassessment worklist

type worklistRow struct {
	E       *yanglao.ReassessmentEntry
	Region  string
	Grade   string
	Expired bool
	Due     string
}

type assessWorklist struct {
	Rows      []worklistRow
	Within    int
	Region    string
	Choices   []choice
	Next      string
	First     string
	Error     string
	CanAssess bool
	// Requests are the open assessment requests from care visits (issue 6).
	Requests []fuRow
}

func (s *Server) pageReassessWorklist(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := lang(r)
	d := &assessWorklist{Within: yanglao.DefaultReassessWithin, Region: r.URL.Query().Get("region"), CanAssess: mayAssess(actor(r))}
	f, err := reassessFilter(r)
	status := http.StatusOK
	var entries []*yanglao.ReassessmentEntry
	var next string
	if err == nil {
		f.Page.Limit = min(f.Page.Limit, 50)
		if f.Within > 0 {
			d.Within = f.Within
		}
		entries, next, err = s.Assessments.ReassessmentWorklist(ctx, f)
	}
	if err != nil {
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		d.Error, status = localMsg(l, yanglao.ErrorMessage(err)), http.StatusBadRequest
	}
	for _, n := range []int{30, 60, 90, 180, 365} {
		d.Choices = append(d.Choices, choice{Code: strconv.Itoa(n), Name: tr(l, strconv.Itoa(n)+"天内", "within "+strconv.Itoa(n)+" days"), Selected: n == d.Within})
	}
	names := map[string]string{}
	for _, e := range entries {
		if _, ok := names[e.ResidenceCode]; !ok {
			names[e.ResidenceCode] = e.ResidenceCode
			if reg, err := s.Regions.Region(ctx, e.ResidenceCode); err == nil {
				names[e.ResidenceCode] = reg.Name
			}
		}
		row := worklistRow{E: e, Region: names[e.ResidenceCode], Grade: assessGradeName(e.Grade, l), Expired: e.DaysLeft < 0}
		switch {
		case e.DaysLeft < 0:
			row.Due = tr(l, fmt.Sprintf("已过期%d天", -e.DaysLeft), fmt.Sprintf("expired %d days ago", -e.DaysLeft))
		case e.DaysLeft == 0:
			row.Due = tr(l, "今天到期", "expires today")
		default:
			row.Due = tr(l, fmt.Sprintf("还有%d天", e.DaysLeft), fmt.Sprintf("%d days left", e.DaysLeft))
		}
		d.Rows = append(d.Rows, row)
	}
	q := url.Values{}
	q.Set("within", strconv.Itoa(d.Within))
	if d.Region != "" {
		q.Set("region", d.Region)
	}
	if r.URL.Query().Get("after") != "" {
		d.First = "/assessments/worklist?" + q.Encode()
	}
	if next != "" {
		q.Set("after", next)
		d.Next = "/assessments/worklist?" + q.Encode()
	}
	if s.CareVisits != nil && r.URL.Query().Get("after") == "" {
		if reqs, _, err := s.CareVisits.FollowUps(ctx, yanglao.FollowUpFilter{Kind: yanglao.FollowUpAssessment, Page: yanglao.Page{Limit: 20}}); err == nil {
			d.Requests = fuRows(reqs, l)
		}
	}
	pg := s.newPage(r, "复评工作清单", "Reassessment worklist", d)
	return s.render(w, status, "assess_worklist.html", pg)
}
