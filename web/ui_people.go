package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

// The register's pages (issue 3, item 6): the list with filters (/people), the
// person page (/people/{id}), the form to register or edit a person, and what
// older people and families see (/my-record, their linked people only).
// PersonService scopes, validates and audits every call; these handlers parse,
// make the call and show the outcome. Whether a button is offered is only a
// courtesy: the service decides what is allowed.

const peoplePageSize = 25

func init() {
	// The person form fills the residence with the shell's region picker.
	pickerFields["residence_code"] = [4]string{"常住地", "Place of residence",
		"老年人实际居住的村（社区）或乡镇（街道）。输入12位代码，或在下方按名称查找、逐级选择。",
		"The village (community) or township (street) where the person actually lives. Type the 12-digit code, or find it below."}
}

// keepsRegister mirrors the service's rule for who keeps the register, to decide
// which buttons to show.
func keepsRegister(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleAssessor)
}

// elderView reports whether the actor is an older person or a family member,
// who get the simple, read-only view of their own record.
func elderView(a *yanglao.Actor) bool {
	return a != nil && (a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily)
}

// today is the civil date in Asia/Shanghai.
func today() yanglao.Date { return yanglao.DateOf(time.Now()) }

// msgIn cuts a bilingual service message to the user's language. It is localMsg,
// also accepting "中文（说明）(English)" where the space before the English is missing.
func msgIn(l, msg string) string {
	if out := localMsg(l, msg); out != msg || !strings.HasSuffix(msg, ")") {
		return out
	}
	depth := 0
	for i := len(msg) - 1; i > 0; i-- {
		switch msg[i] {
		case ')':
			depth++
		case '(':
			if depth--; depth == 0 {
				if msg[i-1] < 0x80 { // not after Chinese text: a parenthesis of the message itself
					return msg
				}
				return tr(l, msg[:i], msg[i+1:len(msg)-1])
			}
		}
	}
	return msg
}

// --- vocabulary shown on the pages

// statusOrder lists the status kinds in the order forms and filters show them;
// kinds added to yanglao.StatusKinds later are appended in code order.
var statusOrder = func() []string {
	order := []string{"tekun_dispersed", "tekun_centralised", "dibao", "low_income", "disabled", "dementia",
		"severe_disability", "left_behind", "special_family", "veteran", "old_party_member", "no_fixed_income"}
	var extra []string
	for k := range yanglao.StatusKinds {
		if !slices.Contains(order, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	out := order[:0:0]
	for _, k := range order {
		if _, ok := yanglao.StatusKinds[k]; ok {
			out = append(out, k)
		}
	}
	return append(out, extra...)
}()

func statusName(kind, l string) string {
	if n, ok := yanglao.StatusKinds[kind]; ok {
		return tr(l, n[0], n[1])
	}
	return kind
}

var livingOrder = []string{"alone", "empty_nest", "with_children", "with_others", "institution"}

func livingName(code, l string) string {
	if n, ok := yanglao.LivingArrangements[code]; ok {
		return tr(l, n[0], n[1])
	}
	return code
}

// gradeNames are the capability grades of GB/T 42195-2022 chapter 6 (能力等级),
// with the disability wording in brackets shortened for lists.
var gradeNames = [5][2]string{
	{"能力完好", "Intact"},
	{"轻度失能", "Mildly impaired"},
	{"中度失能", "Moderately impaired"},
	{"重度失能", "Severely impaired"},
	{"完全失能", "Completely lost"},
}

func gradeName(g *int, l string) string {
	if g == nil || *g < 0 || *g >= len(gradeNames) {
		return ""
	}
	return tr(l, gradeNames[*g][0], gradeNames[*g][1])
}

func lifeName(life, l string) string {
	switch life {
	case yanglao.Alive:
		return tr(l, "健在", "Alive")
	case yanglao.Deceased:
		return tr(l, "已故", "Deceased")
	case yanglao.MovedOut:
		return tr(l, "已迁出", "Moved out")
	}
	return life
}

func sexName(sex, l string) string {
	switch sex {
	case "M":
		return tr(l, "男", "Male")
	case "F":
		return tr(l, "女", "Female")
	}
	return sex
}

// ageText is the age today, or the age at death.
func ageText(p *yanglao.Person, on yanglao.Date, l string) string {
	if p.BirthDate.IsZero() {
		return ""
	}
	if p.Life == yanglao.Deceased && !p.DeathDate.IsZero() {
		return tr(l, "享年 ", "died aged ") + strconv.Itoa(yanglao.AgeOn(p.BirthDate, p.DeathDate))
	}
	return strconv.Itoa(yanglao.AgeOn(p.BirthDate, on))
}

// selOpt is one <option>.
type selOpt struct {
	Value, Label string
	Selected     bool
}

func statusOptions(l, selected string) []selOpt {
	out := make([]selOpt, 0, len(statusOrder))
	for _, k := range statusOrder {
		out = append(out, selOpt{k, statusName(k, l), k == selected})
	}
	return out
}

func gradeOptions(l, selected string) []selOpt {
	out := make([]selOpt, 0, len(gradeNames))
	for i := range gradeNames {
		v := strconv.Itoa(i)
		out = append(out, selOpt{v, v + " · " + tr(l, gradeNames[i][0], gradeNames[i][1]), v == selected})
	}
	return out
}

func lifeOptions(l, selected string) []selOpt {
	var out []selOpt
	for _, v := range []string{yanglao.Alive, yanglao.Deceased, yanglao.MovedOut} {
		out = append(out, selOpt{v, lifeName(v, l), v == selected})
	}
	return out
}

func livingOptions(l, selected string) []selOpt {
	var out []selOpt
	for _, v := range livingOrder {
		if _, ok := yanglao.LivingArrangements[v]; ok {
			out = append(out, selOpt{v, livingName(v, l), v == selected})
		}
	}
	return out
}

// --- region names for a page of rows

// regionsByCode names the regions a page of rows lives in with one query; a
// code the tree does not know is shown as itself.
func (s *Server) regionsByCode(ctx context.Context, codes []string) map[string]*yanglao.Region {
	out, err := s.Regions.RegionsByCode(ctx, codes)
	if err != nil {
		out = map[string]*yanglao.Region{}
	}
	for _, c := range codes {
		if c != "" && out[c] == nil {
			out[c] = &yanglao.Region{Code: c, Name: c}
		}
	}
	return out
}

func activeNames(sts []*yanglao.Status, on yanglao.Date, l string) []string {
	var out []string
	for _, st := range sts {
		if st.ActiveOn(on) {
			out = append(out, statusName(st.Kind, l))
		}
	}
	return out
}

// --- the list

// listCountCap bounds the count shown above the list ("1000+"): counting a
// whole county of a million people costs 200 ms, more than the page itself
// (BenchmarkPeopleSearch); exact totals belong to statistics, not to a list.
const listCountCap = 1000

type personRow struct {
	*yanglao.Person
	Sex, Age, Residence, ResidenceCode, Grade, Life string
	Statuses                                        []string
}

func (s *Server) personRows(ctx context.Context, people []*yanglao.Person, l string) []personRow {
	codes := make([]string, len(people))
	for i, p := range people {
		codes[i] = p.ResidenceCode
	}
	regions := s.regionsByCode(ctx, codes)
	on := today()
	rows := make([]personRow, len(people))
	for i, p := range people {
		rows[i] = personRow{Person: p, Sex: sexName(p.Sex, l), Age: ageText(p, on, l), ResidenceCode: p.ResidenceCode,
			Grade: gradeName(p.Grade, l), Life: lifeName(p.Life, l), Statuses: activeNames(p.Statuses, on, l)}
		if reg := regions[p.ResidenceCode]; reg != nil {
			rows[i].Residence = reg.Name
		}
		if p.Grade != nil && !p.GradeValidUntil.IsZero() && p.GradeValidUntil.Before(on) {
			rows[i].Grade += tr(l, "（已过期）", " (expired)")
		}
	}
	return rows
}

type peopleData struct {
	Q, Region, Status, MinAge, MaxAge, Grade, Life, Sort, Limit string

	Picker                         *pickerData
	StatusOpts, GradeOpts, LifeOpt []selOpt
	SortOpts                       []selOpt
	Errors                         map[string]string
	Problem                        string
	Rows                           []personRow
	Count                          int
	CountMore                      bool // more than listCountCap matched
	Next, First                    string
	URL                            string // this search, canonical, for bookmarks and hx-push-url
	Export                         string
	CanCreate                      bool
	Paged                          bool // not the first page
}

// peopleFilterFields are the filter fields a service error may name.
var peopleFilterFields = map[string]bool{"q": true, "status": true, "min_age": true, "max_age": true, "grade": true, "life": true, "sort": true}

func (s *Server) pagePeople(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if elderView(a) {
		seeOther(w, r, "/my-record")
		return nil
	}
	l := lang(r)
	q := r.URL.Query()
	d := &peopleData{Q: strings.TrimSpace(q.Get("q")), Region: strings.TrimSpace(q.Get("region")), Status: q.Get("status"),
		MinAge: strings.TrimSpace(q.Get("min_age")), MaxAge: strings.TrimSpace(q.Get("max_age")), Grade: q.Get("grade"),
		Life: q.Get("life"), Sort: q.Get("sort"), Limit: q.Get("limit"), Errors: map[string]string{}, CanCreate: keepsRegister(a)}
	d.StatusOpts, d.GradeOpts, d.LifeOpt = statusOptions(l, d.Status), gradeOptions(l, d.Grade), lifeOptions(l, d.Life)
	for _, o := range [][3]string{{"id", "登记顺序", "Order of registration"}, {"name", "姓名", "Name"}, {"birth_date", "出生日期（年长在前）", "Birth date (oldest first)"}} {
		d.SortOpts = append(d.SortOpts, selOpt{o[0], tr(l, o[1], o[2]), o[0] == d.Sort || (o[0] == "id" && d.Sort == "")})
	}
	fieldErr := func(err error) error {
		code := yanglao.ErrorCode(err)
		if code != yanglao.EINVALID {
			return err
		}
		msg := msgIn(l, yanglao.ErrorMessage(err))
		switch f := yanglao.ErrorField(err); {
		case peopleFilterFields[f]:
			d.Errors[f] = msg
		case f == "region":
			d.Errors["region"] = msg
		default:
			d.Problem = msg
		}
		return nil
	}
	// Keep the query in a canonical form: only the filters that are set.
	canon := url.Values{}
	for _, k := range []string{"q", "region", "status", "min_age", "max_age", "grade", "life", "sort", "limit"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" && !(k == "sort" && v == "id") {
			canon.Set(k, v)
		}
	}
	f, err := personFilter(r)
	if err != nil {
		if err := fieldErr(err); err != nil {
			return err
		}
	}
	f.Query, f.RegionCode = d.Q, d.Region
	if d.Limit == "" {
		f.Page.Limit = peoplePageSize
	}
	if d.Picker, err = s.picker(ctx, r, "region", d.Region, "", d.Errors["region"]); err != nil {
		return err
	}
	var people []*yanglao.Person
	var next string
	if len(d.Errors) == 0 && d.Problem == "" && d.Picker.Error == "" {
		people, next, err = s.People.People(ctx, f)
		if err == nil {
			cf := f
			cf.Page, cf.CountUpTo = yanglao.Page{}, listCountCap
			d.Count, err = s.People.CountPeople(ctx, cf)
			d.CountMore = d.Count > listCountCap
			d.Count = min(d.Count, listCountCap)
		}
		if err != nil {
			if err := fieldErr(err); err != nil {
				return err
			}
			if d.Errors["region"] != "" {
				d.Picker.Error = d.Errors["region"]
			}
		}
	}
	d.Rows = s.personRows(ctx, people, l)
	d.URL = "/people"
	if len(canon) > 0 {
		d.URL += "?" + canon.Encode()
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range canon {
			nq[k] = v
		}
		nq.Set("after", next)
		d.Next = "/people?" + nq.Encode()
	}
	if f.Page.After != "" {
		d.Paged, d.First = true, d.URL
		cur := url.Values{}
		for k, v := range canon {
			cur[k] = v
		}
		cur.Set("after", f.Page.After)
		d.URL = "/people?" + cur.Encode()
	}
	if s.hasRoute("GET", "/api/v1/people/export.csv") {
		d.Export = "/api/v1/people/export.csv"
		if len(canon) > 0 {
			eq := url.Values{}
			for k, v := range canon {
				if k != "limit" {
					eq[k] = v
				}
			}
			if len(eq) > 0 {
				d.Export += "?" + eq.Encode()
			}
		}
	}
	p := s.newPage(r, "老年人名册", "Register of older people", d)
	p.Flash = peopleFlash(l, q.Get("msg"), p.Flash)
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "people-results" {
		w.Header().Set("HX-Push-Url", d.URL)
		w.Header().Add("Vary", "HX-Request")
		return s.render(w, http.StatusOK, "people-results", p)
	}
	w.Header().Add("Vary", "HX-Request")
	status := http.StatusOK
	if len(d.Errors) > 0 || d.Problem != "" || d.Picker.Error != "" {
		status = http.StatusBadRequest
	}
	return s.render(w, status, "people_list.html", p)
}

// hasRoute reports whether the route table holds method and path, so a page can
// link to a feature another module adds only once it exists.
func (s *Server) hasRoute(method, path string) bool {
	for _, rt := range s.table() {
		if rt.method == method && rt.path == path {
			return true
		}
	}
	return false
}

// peopleFlash is the confirmation after a change on these pages; only known keys show.
func peopleFlash(l, key, already string) string {
	if already != "" {
		return already
	}
	switch key {
	case "person_created":
		return tr(l, "已登记。", "The person was registered.")
	case "person_updated":
		return tr(l, "已保存修改。", "The changes were saved.")
	case "status_added":
		return tr(l, "已添加身份。", "The status was added.")
	case "status_ended":
		return tr(l, "该身份已结束。", "The status was ended.")
	}
	return ""
}

// --- one person

type statusRow struct {
	*yanglao.Status
	Name, State, StateText string
}

// assessmentRow is one assessment in the person page's assessment section.
type assessmentRow struct {
	ID                              int64
	On, Grade, Assessor, ValidUntil string
	Total                           int
	Expired                         bool
}

const personAssessLimit = 5

type historyRow struct {
	At, Who, Action, Detail string
}

type revealData struct {
	PersonID int64
	Lang     string
	CSRF     string
	Reason   string
	Error    string
	IDNumber string
	Phones   []string
	Shown    bool
	HasPhone bool
}

type statusForm struct {
	Kind, Source, Start, End, Note string
	Kinds                          []selOpt
	Errors                         map[string]string
}

type personPage struct {
	Lang                     string
	P                        *yanglao.Person
	Sex, Age, Living, Life   string
	Grade                    string
	Crumbs                   crumbsData
	Household                string
	Active                   []string
	Statuses                 []statusRow
	History                  []historyRow
	CanEdit                  bool
	Reveal                   *revealData
	StatusForm               statusForm
	Benefits                 *benefitSection // the person's entitlements with explanations (ui_benefit.go)
	EndErrors                map[int64]string
	Today                    string
	AssessHref               string
	GradeExpired             bool
	GradeFull                string          // the grade's name in the standard
	AssessList               bool            // the assessment module is wired: list its records
	Assessments              []assessmentRow // newest first, at most personAssessLimit
	MoreAssessments          bool
	Coordinates              string
	DisabilityGrade, Chronic string
}

func (s *Server) pagePerson(w http.ResponseWriter, r *http.Request) error {
	return s.renderPerson(w, r, http.StatusOK, nil, nil, nil)
}

// renderPerson shows the person page; reveal, sf and endErrs carry the outcome of
// a POST that re-renders it (a revealed number, a status form with errors).
func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, status int, reveal *revealData, sf *statusForm, endErrs map[int64]string) error {
	ctx := r.Context()
	a := actor(r)
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	per, err := s.People.Person(ctx, id)
	if err != nil {
		return err
	}
	if elderView(a) {
		p := s.newPage(r, per.Name, per.Name, &myRecordData{People: []*myPerson{s.myPerson(ctx, per, l)}, Single: true})
		return s.render(w, status, "people_mine.html", p)
	}
	on := today()
	d := &personPage{Lang: l, P: per, Sex: sexName(per.Sex, l), Age: ageText(per, on, l), Living: livingName(per.Living, l),
		Life: lifeName(per.Life, l), Grade: gradeName(per.Grade, l), CanEdit: keepsRegister(a), Today: on.String(),
		AssessHref: "/people/" + strconv.FormatInt(per.ID, 10) + "/assess", EndErrors: endErrs}
	if per.Grade != nil && !per.GradeValidUntil.IsZero() && per.GradeValidUntil.Before(on) {
		d.GradeExpired = true
	}
	if per.Grade != nil {
		d.GradeFull = yanglao.GradeName(assess.Grade(*per.Grade), l)
	}
	if s.Assessments != nil {
		d.AssessList = true
		list, next, err := s.Assessments.PersonAssessments(ctx, per.ID, yanglao.Page{Limit: personAssessLimit})
		if err != nil {
			return err
		}
		d.MoreAssessments = next != ""
		for _, a := range list {
			d.Assessments = append(d.Assessments, assessmentRow{ID: a.ID, On: a.AssessedOn.String(), Total: a.Total,
				Grade: yanglao.GradeName(a.FinalGrade, l), Assessor: a.AssessorName, ValidUntil: a.ValidUntil.String(), Expired: a.ValidUntil.Before(on)})
		}
	}
	d.Benefits = s.personBenefits(r, per.ID)
	if per.Lng != nil && per.Lat != nil {
		d.Coordinates = strconv.FormatFloat(*per.Lng, 'f', 6, 64) + ", " + strconv.FormatFloat(*per.Lat, 'f', 6, 64)
	}
	if per.DisabilityGrade > 0 {
		d.DisabilityGrade = tr(l, strconv.Itoa(per.DisabilityGrade)+"级", "grade "+strconv.Itoa(per.DisabilityGrade))
	}
	d.Chronic = strings.Join(per.Chronic, tr(l, "、", ", "))
	if here, trail, err := s.regionTrail(ctx, per.ResidenceCode); err == nil {
		d.Crumbs = crumbsData{Lang: l, Trail: trail, Here: here, Link: true}
	}
	if per.HouseholdCode != "" {
		d.Household = s.regionLabel(ctx, per.HouseholdCode)
	}
	for i := len(per.Statuses) - 1; i >= 0; i-- { // newest first
		st := per.Statuses[i]
		row := statusRow{Status: st, Name: statusName(st.Kind, l)}
		switch {
		case st.ActiveOn(on):
			row.State, row.StateText = "active", tr(l, "有效", "In force")
			d.Active = append(d.Active, row.Name)
		case st.Start.After(on):
			row.State, row.StateText = "future", tr(l, "未开始", "Not yet started")
		default:
			row.State, row.StateText = "ended", tr(l, "已结束", "Ended")
		}
		d.Statuses = append(d.Statuses, row)
	}
	hist, err := s.People.PersonHistory(ctx, id)
	if err != nil {
		return err
	}
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		e := hist[i]
		d.History = append(d.History, historyRow{At: whenText(e.At), Who: e.Username, Action: actionName(e.Action, l), Detail: historyDetail(e.Detail, l)})
	}
	pg := s.newPage(r, per.Name, per.Name, d)
	pg.Flash = peopleFlash(l, r.URL.Query().Get("msg"), pg.Flash)
	if reveal == nil {
		reveal = &revealData{}
	}
	reveal.PersonID, reveal.Lang, reveal.CSRF, reveal.HasPhone = per.ID, l, pg.CSRF, len(per.PhonesMasked) > 0
	d.Reveal = reveal
	if sf == nil {
		sf = &statusForm{Start: on.String()}
	}
	sf.Kinds = statusOptions(l, sf.Kind)
	d.StatusForm = *sf
	return s.render(w, status, "person_view.html", pg)
}

// historyDetail makes an audit detail of the register readable in the user's
// language; the stored text stays the record. Unknown shapes are shown as stored.
func historyDetail(detail, l string) string {
	if reason, ok := strings.CutPrefix(detail, "id_number,phones reason="); ok {
		return tr(l, "查看完整证件号和电话，理由：", "Read the whole ID and phones; reason: ") + reason
	}
	if fields, ok := strings.CutPrefix(detail, "changed: "); ok {
		var names []string
		for _, f := range strings.Split(fields, ",") {
			names = append(names, fieldName(f, l))
		}
		return tr(l, "修改了：", "Changed: ") + strings.Join(names, tr(l, "、", ", "))
	}
	if rest, ok := strings.CutPrefix(detail, "status "); ok {
		kind, tail, _ := strings.Cut(rest, " ")
		name := statusName(kind, l)
		if date, ok := strings.CutPrefix(tail, "ended "); ok {
			return tr(l, "身份“"+name+"”结束于 "+date, "Status "+name+" ended on "+date)
		}
		if t, ok := strings.CutPrefix(tail, "from "); ok {
			date, src, _ := strings.Cut(t, " source=")
			return tr(l, "添加身份“"+name+"”，自 "+date+" 起，来源："+src, "Added status "+name+" from "+date+", source: "+src)
		}
	}
	if rest, ok := strings.CutPrefix(detail, "linked user "); ok {
		user, rel, _ := strings.Cut(rest, " as ")
		return tr(l, "关联账号 #"+user+"（"+relationName(rel, l)+"）", "Linked account #"+user+" ("+relationName(rel, l)+")")
	}
	if rest, ok := strings.CutPrefix(detail, "name="); ok {
		name, res, _ := strings.Cut(rest, " residence=")
		return tr(l, "登记："+name+"，常住地 "+res, "Registered "+name+", residence "+res)
	}
	return detail
}

func relationName(rel, l string) string {
	names := map[string][2]string{"self": {"本人", "self"}, "child": {"子女", "child"}, "spouse": {"配偶", "spouse"},
		"relative": {"亲属", "relative"}, "guardian": {"监护人", "guardian"}}
	if n, ok := names[rel]; ok {
		return tr(l, n[0], n[1])
	}
	return rel
}

// fieldName names a person field in the change history.
func fieldName(f, l string) string {
	names := map[string][2]string{"name": {"姓名", "name"}, "id_number": {"身份证号", "citizen ID"}, "residence_code": {"常住地", "residence"},
		"household_code": {"户籍地", "household registration"}, "phones": {"电话", "phones"}, "address": {"地址", "address"},
		"living": {"居住状况", "living arrangement"}, "disability": {"残疾信息", "disability"}, "chronic": {"慢性病", "chronic conditions"},
		"life_status": {"生存状态", "life status"}, "ethnicity": {"民族", "ethnicity"}, "contacts_or_none": {"联系人或无变化", "contacts, or nothing"}}
	if n, ok := names[f]; ok {
		return tr(l, n[0], n[1])
	}
	return f
}

// --- reveal

func (s *Server) postRevealPerson(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	rd := &revealData{PersonID: id, Lang: l, Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if sess := sessionOf(r.Context()); sess != nil {
		rd.CSRF = sess.CSRFToken
	}
	status := http.StatusOK
	idNumber, phones, err := s.People.RevealID(r.Context(), id, rd.Reason)
	switch {
	case err == nil:
		rd.IDNumber, rd.Phones, rd.Shown, rd.Reason = idNumber, phones, true, ""
	case yanglao.ErrorCode(err) == yanglao.EINVALID:
		rd.Error = msgIn(l, yanglao.ErrorMessage(err))
		status = http.StatusBadRequest
	default:
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.Header.Get("HX-Request") == "true" {
		// htmx swaps 2xx answers only; the field error is in the fragment.
		w.Header().Add("Vary", "HX-Request")
		return s.render(w, http.StatusOK, "person-reveal", rd)
	}
	return s.renderPerson(w, r, status, rd, nil, nil)
}

// --- statuses

func (s *Server) postPersonStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	sf := &statusForm{Kind: r.PostFormValue("kind"), Source: strings.TrimSpace(r.PostFormValue("source")),
		Start: strings.TrimSpace(r.PostFormValue("start")), End: strings.TrimSpace(r.PostFormValue("end")),
		Note: strings.TrimSpace(r.PostFormValue("note")), Errors: map[string]string{}}
	st := &yanglao.Status{PersonID: id, Kind: sf.Kind, Source: sf.Source, Note: sf.Note}
	if sf.Start != "" {
		if st.Start, err = yanglao.ParseDate(sf.Start); err != nil {
			sf.Errors["start"] = msgIn(l, err.Error())
		}
	}
	if sf.End != "" {
		if st.End, err = yanglao.ParseDate(sf.End); err != nil {
			sf.Errors["end"] = msgIn(l, err.Error())
		}
	}
	if len(sf.Errors) == 0 {
		err = s.People.AddStatus(r.Context(), st)
		if err == nil {
			seeOther(w, r, "/people/"+strconv.FormatInt(id, 10)+"?msg=status_added#statuses")
			return nil
		}
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		field := yanglao.ErrorField(err)
		if field != "kind" && field != "source" && field != "start" && field != "end" && field != "note" {
			field = "kind"
		}
		sf.Errors[field] = msgIn(l, yanglao.ErrorMessage(err))
	}
	return s.renderPerson(w, r, http.StatusBadRequest, nil, sf, nil)
}

func (s *Server) postEndPersonStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	sid, err := pathID(r, "sid")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "身份记录不存在 (status not found)")
	}
	// The status must belong to this person, so the page we return to is its own.
	per, err := s.People.Person(r.Context(), id)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(per.Statuses, func(st *yanglao.Status) bool { return st.ID == sid }) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "身份记录不存在 (status not found)")
	}
	end, err := yanglao.ParseDate(strings.TrimSpace(r.PostFormValue("end")))
	if err == nil {
		err = s.People.EndStatus(r.Context(), sid, end)
		if err == nil {
			seeOther(w, r, "/people/"+strconv.FormatInt(id, 10)+"?msg=status_ended#statuses")
			return nil
		}
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		return s.renderPerson(w, r, http.StatusBadRequest, nil, nil, map[int64]string{sid: msgIn(l, yanglao.ErrorMessage(err))})
	}
	return s.renderPerson(w, r, http.StatusBadRequest, nil, nil, map[int64]string{sid: msgIn(l, err.Error())})
}

// --- register and edit

type personForm struct {
	ID                                                 int64
	Version                                            string
	Name, IDNumber, IDMasked, Ethnicity, HouseholdCode string
	Phones                                             [3]string
	PhonesMasked                                       []string
	ClearPhones                                        bool
	Address, Lng, Lat, Living, DisabilityCert          string
	DisabilityGrade, Chronic                           string
	Contacts                                           [2]yanglao.Contact
	Guardian                                           yanglao.Contact
	ClearContacts                                      bool
	Life, DeathDate, MovedOutDate, MovedTo             string
	Livings                                            []selOpt
	Picker                                             *pickerData
	Errors                                             map[string]string
	Problem                                            string
	Conflict                                           bool
	Summary                                            []fieldMsg // the errors in the order of the form
	Stored                                             string     // the name on file, for the way back
}

// fieldMsg is one line of an error summary, linking to its field.
type fieldMsg struct{ Anchor, Msg string }

// personFormOrder is the order of the form's fields, with the element each error links to.
var personFormOrder = [][2]string{{"name", "name"}, {"id_number", "id_number"}, {"ethnicity", "ethnicity"}, {"phones", "phone0"},
	{"residence_code", "residence_code"}, {"household_code", "household_code"}, {"address", "address"}, {"lng", "lng"}, {"lat", "lat"},
	{"living", "living"}, {"disability_cert", "disability_cert"}, {"disability_grade", "disability_grade"}, {"chronic", "chronic"},
	{"contacts", "contact_name0"}, {"guardian", "guardian_name"}, {"life_status", "life-alive"}, {"death_date", "death_date"},
	{"moved_out_date", "moved_out_date"}, {"moved_to", "moved_to"}}

// personFormFields are the fields a service error may name on the form.
var personFormFields = map[string]bool{"name": true, "id_number": true, "phones": true, "ethnicity": true, "household_code": true,
	"residence_code": true, "address": true, "lng": true, "lat": true, "living": true, "disability_cert": true, "disability_grade": true,
	"chronic": true, "contacts": true, "guardian": true, "life_status": true, "death_date": true, "moved_out_date": true, "moved_to": true}

func (s *Server) pageNewPerson(w http.ResponseWriter, r *http.Request) error {
	if !keepsRegister(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权登记老年人 (not allowed to change the register)")
	}
	return s.renderPersonForm(w, r, http.StatusOK, &personForm{Life: yanglao.Alive}, "")
}

func (s *Server) pageEditPerson(w http.ResponseWriter, r *http.Request) error {
	if !keepsRegister(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权修改老年人信息 (not allowed to change the register)")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	p, err := s.People.Person(r.Context(), id)
	if err != nil {
		return err
	}
	f := &personForm{ID: p.ID, Stored: p.Name, Version: strconv.Itoa(p.Version), Name: p.Name, IDMasked: p.IDMasked, PhonesMasked: p.PhonesMasked,
		Ethnicity: p.Ethnicity, HouseholdCode: p.HouseholdCode, Address: p.Address, Living: p.Living, DisabilityCert: p.DisabilityCert,
		Chronic: strings.Join(p.Chronic, "、"), Life: p.Life, DeathDate: p.DeathDate.String(), MovedOutDate: p.MovedOutDate.String(), MovedTo: p.MovedTo}
	if p.Lng != nil && p.Lat != nil {
		f.Lng, f.Lat = strconv.FormatFloat(*p.Lng, 'f', -1, 64), strconv.FormatFloat(*p.Lat, 'f', -1, 64)
	}
	if p.DisabilityGrade > 0 {
		f.DisabilityGrade = strconv.Itoa(p.DisabilityGrade)
	}
	return s.renderPersonForm(w, r, http.StatusOK, f, p.ResidenceCode)
}

func (s *Server) renderPersonForm(w http.ResponseWriter, r *http.Request, status int, f *personForm, residence string) error {
	l := lang(r)
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Livings = livingOptions(l, f.Living)
	f.Summary = nil
	for _, fo := range personFormOrder {
		if m := f.Errors[fo[0]]; m != "" {
			f.Summary = append(f.Summary, fieldMsg{fo[1], m})
		}
	}
	var err error
	if f.Picker, err = s.picker(r.Context(), r, "residence_code", residence, "", f.Errors["residence_code"]); err != nil {
		return err
	}
	f.Picker.Required = true
	zh, en := "登记老年人", "Register a person"
	if f.ID != 0 {
		zh, en = "修改："+f.Stored, "Edit: "+f.Stored
	}
	return s.render(w, status, "person_form.html", s.newPage(r, zh, en, f))
}

// readPersonForm reads the posted form into the form (to show again) and a Person.
func readPersonForm(r *http.Request, l string, edit bool) (*personForm, *yanglao.Person, string) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &personForm{Version: v("version"), Name: v("name"), IDNumber: strings.ToUpper(v("id_number")), Ethnicity: v("ethnicity"),
		HouseholdCode: v("household_code"), Address: v("address"), Lng: v("lng"), Lat: v("lat"), Living: v("living"),
		DisabilityCert: v("disability_cert"), DisabilityGrade: v("disability_grade"), Chronic: v("chronic"),
		Life: v("life_status"), DeathDate: v("death_date"), MovedOutDate: v("moved_out_date"), MovedTo: v("moved_to"),
		ClearPhones: r.PostFormValue("clear_phones") == "1", ClearContacts: r.PostFormValue("clear_contacts") == "1",
		Errors: map[string]string{}}
	residence := v("residence_code")
	p := &yanglao.Person{Name: f.Name, IDNumber: f.IDNumber, Ethnicity: f.Ethnicity, HouseholdCode: f.HouseholdCode,
		ResidenceCode: residence, Address: f.Address, Living: f.Living, DisabilityCert: f.DisabilityCert, Life: f.Life, MovedTo: f.MovedTo}
	for i, ph := range r.PostForm["phones"] {
		if i < len(f.Phones) {
			f.Phones[i] = strings.TrimSpace(ph)
		}
	}
	for _, ph := range f.Phones {
		if ph != "" {
			p.Phones = append(p.Phones, ph)
		}
	}
	if edit && f.ClearPhones {
		p.Phones = []string{} // clears; nil keeps what is stored
	}
	names, rels, phones := r.PostForm["contact_name"], r.PostForm["contact_relation"], r.PostForm["contact_phone"]
	at := func(s []string, i int) string {
		if i < len(s) {
			return strings.TrimSpace(s[i])
		}
		return ""
	}
	for i := range f.Contacts {
		c := yanglao.Contact{Name: at(names, i), Relation: at(rels, i), Phone: at(phones, i)}
		f.Contacts[i] = c
		if c != (yanglao.Contact{}) {
			p.Contacts = append(p.Contacts, c)
		}
	}
	f.Guardian = yanglao.Contact{Name: v("guardian_name"), Relation: v("guardian_relation"), Phone: v("guardian_phone")}
	if f.Guardian != (yanglao.Contact{}) {
		g := f.Guardian
		p.Guardian = &g
	}
	if edit && f.ClearContacts && p.Contacts == nil && p.Guardian == nil {
		p.Contacts = []yanglao.Contact{}
	}
	if f.Chronic != "" {
		for _, c := range strings.FieldsFunc(f.Chronic, func(r rune) bool { return strings.ContainsRune(",，、;；\n", r) }) {
			if c = strings.TrimSpace(c); c != "" {
				p.Chronic = append(p.Chronic, c)
			}
		}
	}
	if f.DisabilityGrade != "" {
		n, err := strconv.Atoi(f.DisabilityGrade)
		if err != nil {
			f.Errors["disability_grade"] = tr(l, "残疾等级应为1到4级", "Disability grade must be 1 to 4")
		}
		p.DisabilityGrade = n
	}
	if f.Lng != "" || f.Lat != "" {
		lng, err1 := strconv.ParseFloat(f.Lng, 64)
		lat, err2 := strconv.ParseFloat(f.Lat, 64)
		if err1 != nil || err2 != nil {
			f.Errors["lng"] = tr(l, "经度和纬度应成对填写为数字，如 113.0146 和 25.7706", "Give longitude and latitude as a pair of numbers, e.g. 113.0146 and 25.7706")
		} else {
			p.Lng, p.Lat = &lng, &lat
		}
	}
	for field, dst := range map[string]*yanglao.Date{"death_date": &p.DeathDate, "moved_out_date": &p.MovedOutDate} {
		raw := f.DeathDate
		if field == "moved_out_date" {
			raw = f.MovedOutDate
		}
		if raw == "" {
			continue
		}
		d, err := yanglao.ParseDate(raw)
		if err != nil {
			f.Errors[field] = msgIn(l, err.Error())
		}
		*dst = d
	}
	// Dates that do not belong to the chosen life status are not kept.
	if p.Life != yanglao.Deceased {
		p.DeathDate = yanglao.Date{}
		delete(f.Errors, "death_date")
	}
	if p.Life != yanglao.MovedOut {
		p.MovedOutDate, p.MovedTo = yanglao.Date{}, ""
		delete(f.Errors, "moved_out_date")
	}
	return f, p, residence
}

// markMissing adds "required" errors the service did not get to (it stops at the
// first problem), so one round trip shows every empty required field.
func markMissing(f *personForm, p *yanglao.Person, l string, edit bool) {
	set := func(field, zh, en string) {
		if f.Errors[field] == "" {
			f.Errors[field] = tr(l, zh, en)
		}
	}
	if strings.TrimSpace(p.Name) == "" {
		set("name", "请填写姓名", "Name is required")
	}
	if !edit && p.IDNumber == "" {
		set("id_number", "请填写公民身份号码", "Citizen ID number is required")
	}
	if p.ResidenceCode == "" {
		set("residence_code", "请选择常住地", "Choose the place of residence")
	}
}

// personFormError puts a service error next to its field, or above the form.
func personFormError(f *personForm, l string, err error) error {
	code := yanglao.ErrorCode(err)
	if code == yanglao.EINTERNAL || code == yanglao.EFORBIDDEN || code == yanglao.EUNAUTHORIZED || code == yanglao.ENOTFOUND {
		return err
	}
	field := yanglao.ErrorField(err)
	msg := msgIn(l, yanglao.ErrorMessage(err))
	switch {
	case field == "version" && code == yanglao.ECONFLICT:
		f.Conflict = true
		f.Problem = msg
	case field == "birth_date" || field == "sex":
		f.Errors["id_number"] = msg
	case personFormFields[field]:
		f.Errors[field] = msg
	default:
		f.Problem = msg
	}
	return nil
}

func (s *Server) postPerson(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	f, p, residence := readPersonForm(r, l, false)
	if len(f.Errors) == 0 {
		err := s.People.CreatePerson(r.Context(), p)
		if err == nil {
			seeOther(w, r, "/people/"+strconv.FormatInt(p.ID, 10)+"?msg=person_created")
			return nil
		}
		if err := personFormError(f, l, err); err != nil {
			return err
		}
	}
	markMissing(f, p, l, false)
	return s.renderPersonForm(w, r, http.StatusBadRequest, f, residence)
}

func (s *Server) postUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	old, err := s.People.Person(r.Context(), id)
	if err != nil {
		return err
	}
	f, p, residence := readPersonForm(r, l, true)
	f.ID, f.Stored, f.IDMasked, f.PhonesMasked, p.ID = id, old.Name, old.IDMasked, old.PhonesMasked, id
	if p.Version, err = strconv.Atoi(f.Version); err != nil || p.Version <= 0 {
		f.Problem = tr(l, "表单缺少版本号，请重新打开编辑页面。", "The form lacks its version: open the edit page again.")
	}
	if len(f.Errors) == 0 && f.Problem == "" {
		err := s.People.UpdatePerson(r.Context(), p)
		if err == nil {
			seeOther(w, r, "/people/"+strconv.FormatInt(id, 10)+"?msg=person_updated")
			return nil
		}
		if err := personFormError(f, l, err); err != nil {
			return err
		}
	}
	if !f.Conflict {
		markMissing(f, p, l, true)
	}
	status := http.StatusBadRequest
	if f.Conflict {
		status = http.StatusConflict
	}
	return s.renderPersonForm(w, r, status, f, residence)
}

// --- what older people and families see

type myPerson struct {
	P                                        *yanglao.Person
	Sex, Age, Residence, Living, Life, Grade string
	GradeValidUntil                          string
	Statuses                                 []string
	ResidenceCrumbs                          crumbsData
}

type myRecordData struct {
	People []*myPerson
	Single bool // one person's page, reached from a link
}

func (s *Server) myPerson(ctx context.Context, p *yanglao.Person, l string) *myPerson {
	on := today()
	m := &myPerson{P: p, Sex: sexName(p.Sex, l), Age: ageText(p, on, l), Living: livingName(p.Living, l), Life: lifeName(p.Life, l),
		Grade: gradeName(p.Grade, l), GradeValidUntil: p.GradeValidUntil.String(), Statuses: activeNames(p.Statuses, on, l)}
	m.Residence = s.regionLabel(ctx, p.ResidenceCode)
	return m
}

func (s *Server) pageMyRecord(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := lang(r)
	// The service narrows an older person's or family member's search to the
	// people their account is linked to; anyone else is sent to the register.
	if !elderView(actor(r)) {
		seeOther(w, r, "/people")
		return nil
	}
	people, _, err := s.People.People(ctx, yanglao.PersonFilter{Page: yanglao.Page{Limit: 20}})
	if err != nil {
		return err
	}
	d := &myRecordData{}
	for _, p := range people {
		full, err := s.People.Person(ctx, p.ID)
		if err != nil {
			return err
		}
		d.People = append(d.People, s.myPerson(ctx, full, l))
	}
	return s.render(w, http.StatusOK, "people_mine.html", s.newPage(r, "我的信息", "My record", d))
}
