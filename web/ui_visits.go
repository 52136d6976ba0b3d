package web

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/visitrules"
)

// The care-visit pages (探访关爱, issue 6): the visitor's monthly list and the
// visit form, made for a phone (large type, one column, few steps); the plan
// (rules, visitors, bulk assignment); the alert list of people not visited;
// the visit-rate dashboard with drill-down; follow-ups. And the mandatory
// report (强制报告): the public form, tracking by code, the county worklist.

func mayRunVisits(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker)
}

func named(m map[string][2]string, code, l string) string {
	if n, ok := m[code]; ok {
		return tr(l, n[0], n[1])
	}
	return code
}

func groupNames(codes []string, l string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if g, ok := visitrules.GroupByCode(c); ok {
			out = append(out, tr(l, g.ZH, g.EN))
		}
	}
	return strings.Join(out, tr(l, "、", ", "))
}

// choices lists a name table as form options in a stable order.
func choices(m map[string][2]string, order []string, l string, selected ...string) []choice {
	out := make([]choice, 0, len(order))
	for _, c := range order {
		sel := false
		for _, s := range selected {
			sel = sel || s == c
		}
		out = append(out, choice{Code: c, Name: named(m, c, l), Selected: sel})
	}
	return out
}

var (
	modeOrder     = []string{"in_person", "phone", "video"}
	healthOrder   = []string{"good", "fair", "poor", "urgent"}
	hazardOrder   = []string{"fall", "fire_gas", "electric", "housing", "food", "medication", "fraud", "mistreated", "other"}
	needOrder     = []string{"meals", "cleaning", "bathing", "medical", "companionship", "repair", "aids", "benefits", "other"}
	followUpOrder = []string{yanglao.FollowUpService, yanglao.FollowUpReferral, yanglao.FollowUpAssessment}
	reportKinds   = []string{"neglect", "physical", "abandonment", "financial", "psychological", "other"}
	outcomeOrder  = []string{"substantiated", "referred", "support_arranged", "unsubstantiated", "duplicate"}
)

// regionName is a region's name from a page's lookup (see regionNames).
func regionName(m map[string]*yanglao.Region, code string) string {
	if r := m[code]; r != nil {
		return r.Name
	}
	return code
}

// monthNav is the month shown and its neighbours.
type monthNav struct {
	Month, Prev, Next, This string
}

func newMonthNav(m string) monthNav {
	this := visitrules.MonthOf(yanglao.DateOf(time.Now()))
	if m == "" {
		m = this
	}
	first, _, err := visitrules.MonthBounds(m)
	if err != nil {
		return monthNav{Month: m, This: this}
	}
	return monthNav{Month: m, This: this, Prev: visitrules.MonthOf(first.AddDays(-1)), Next: visitrules.MonthOf(first.AddDays(32))}
}

// --- the visitor's list and the alert list

type targetRow struct {
	T       *yanglao.CareTarget
	Region  string
	Groups  string
	Pending bool
}

type careListData struct {
	Nav       monthNav
	Alerts    bool // the alert list of people not visited
	All       bool // everyone in scope, not only the actor's people
	CanRun    bool
	Region    string
	RegionNm  string
	Rows      []targetRow
	Next      string
	First     string
	Reminders []*yanglao.CareReminder
	Error     string
	DaysLeft  int
}

func (s *Server) pageCareVisits(w http.ResponseWriter, r *http.Request) error {
	return s.careList(w, r, false)
}

func (s *Server) pageCareAlerts(w http.ResponseWriter, r *http.Request) error {
	return s.careList(w, r, true)
}

func (s *Server) careList(w http.ResponseWriter, r *http.Request, alerts bool) error {
	ctx, l, a := r.Context(), lang(r), actor(r)
	q := r.URL.Query()
	d := &careListData{Nav: newMonthNav(q.Get("month")), Alerts: alerts, CanRun: mayRunVisits(a), Region: q.Get("region")}
	d.All = alerts || (d.CanRun && q.Get("all") == "1")
	f, err := careTargetFilter(r)
	status := http.StatusOK
	var items []*yanglao.CareTarget
	if err == nil {
		f.Mine, f.Pending = !d.All, alerts || f.Pending
		f.Page.Limit = min(f.Page.Limit, 50)
		items, d.Next, err = s.CareVisits.CareTargets(ctx, f)
	}
	if err != nil {
		if c := yanglao.ErrorCode(err); c != yanglao.EINVALID && c != yanglao.ENOTFOUND {
			return err
		}
		d.Error, status = localMsg(l, yanglao.ErrorMessage(err)), http.StatusBadRequest
	}
	codes := []string{}
	for _, t := range items {
		codes = append(codes, t.RegionCode)
	}
	if d.Region != "" {
		codes = append(codes, d.Region)
	}
	names := s.regionNames(ctx, codes)
	for _, t := range items {
		d.Rows = append(d.Rows, targetRow{T: t, Region: regionName(names, t.RegionCode), Groups: groupNames(t.Groups, l), Pending: !t.Done})
	}
	if d.Region != "" {
		d.RegionNm = regionName(names, d.Region)
	}
	base := url.Values{"month": {d.Nav.Month}}
	if d.Region != "" {
		base.Set("region", d.Region)
	}
	if d.All && !alerts {
		base.Set("all", "1")
	}
	path := "/carevisits"
	if alerts {
		path = "/carevisits/alerts"
	}
	if d.Next != "" {
		nq := url.Values{}
		for k, v := range base {
			nq[k] = v
		}
		nq.Set("after", d.Next)
		d.Next = path + "?" + nq.Encode()
	}
	if q.Get("after") != "" {
		d.First = path + "?" + base.Encode()
	}
	if !alerts {
		d.Reminders, _, _ = s.CareVisits.Reminders(ctx, d.Nav.Month, yanglao.Page{Limit: 5})
	}
	if _, last, err := visitrules.MonthBounds(d.Nav.Month); err == nil {
		d.DaysLeft = yanglao.DaysBetween(yanglao.DateOf(time.Now()), last) + 1
	}
	title, en := "本月探访", "This month's visits"
	if alerts {
		title, en = "未探访预警", "Not visited: alert list"
	}
	return s.render(w, status, "carevisit_list.html", s.newPage(r, title, en, d))
}

// --- the visit form

type visitForm struct {
	Person    *yanglao.Person
	Groups    string
	Today     string
	Date      string
	Mode      []choice
	Health    []choice
	Hazards   []choice
	Needs     []choice
	FUKinds   []choice
	V         *VisitInput
	FU        FollowUpInput
	Errors    map[string]string
	Error     string
	MaxPhotos int
	PhotoKB   int
	Key       string
}

func (s *Server) visitFormData(r *http.Request, p *yanglao.Person, in *VisitInput) *visitForm {
	l := lang(r)
	today := yanglao.DateOf(time.Now())
	d := &visitForm{Person: p, Today: today.String(), Date: today.String(), V: in, Errors: map[string]string{},
		MaxPhotos: yanglao.MaxVisitPhotos, PhotoKB: yanglao.MaxVisitPhotoSize >> 10}
	if !in.Date.IsZero() {
		d.Date = in.Date.String()
	}
	fu := FollowUpInput{}
	if len(in.FollowUps) > 0 {
		fu = in.FollowUps[0]
	}
	d.FU = fu
	d.Mode = choices(yanglao.VisitModes, modeOrder, l, in.Mode)
	d.Health = choices(yanglao.VisitHealth, healthOrder, l, in.Health)
	d.Hazards = choices(yanglao.VisitHazards, hazardOrder, l, in.Hazards...)
	d.Needs = choices(yanglao.VisitNeeds, needOrder, l, in.Needs...)
	d.FUKinds = choices(yanglao.FollowUpKinds, followUpOrder, l, fu.Kind)
	d.Key = in.RequestKey
	if d.Key == "" {
		d.Key = newRequestKey()
	}
	return d
}

func newRequestKey() string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

func (s *Server) pageVisitForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.visitPerson(r, id)
	if err != nil {
		return err
	}
	d := s.visitFormData(r, p, &VisitInput{Mode: "in_person", Health: "good"})
	return s.render(w, http.StatusOK, "carevisit_form.html", s.newPage(r, "记录探访", "Record a visit", d))
}

// visitPerson is the person shown on the form: the register's record when the
// actor may read it, else the month's list line (a visitor with no register access).
func (s *Server) visitPerson(r *http.Request, id int64) (*yanglao.Person, error) {
	if p, err := s.People.Person(r.Context(), id); err == nil {
		return p, nil
	}
	ts, _, err := s.CareVisits.CareTargets(r.Context(), yanglao.CareTargetFilter{Mine: true, Page: yanglao.Page{Limit: yanglao.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.PersonID == id {
			return &yanglao.Person{ID: id, Name: t.Name, ResidenceCode: t.RegionCode, Address: t.Address}, nil
		}
	}
	return nil, yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
}

func (s *Server) postVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Photos come as multipart; three of at most 512 KiB each, plus the fields.
	if err := r.ParseMultipartForm(4 << 20); err != nil && err != http.ErrNotMultipart {
		return yanglao.Invalid("photos", "上传内容过大或无效 (the upload is too large or invalid)")
	}
	f := r.PostForm
	in := &VisitInput{PersonID: id, Mode: f.Get("mode"), Health: f.Get("health"), HealthNote: f.Get("health_note"), Hazards: f["hazards"],
		HazardNote: f.Get("hazard_note"), Needs: f["needs"], NeedsNote: f.Get("needs_note"), Note: f.Get("note"), RequestKey: f.Get("request_key")}
	errs := map[string]string{}
	l := lang(r)
	if d, err := yanglao.ParseDate(f.Get("date")); err != nil {
		errs["date"] = tr(l, "请按 年-月-日 填写日期", "Enter the date as YYYY-MM-DD")
	} else {
		in.Date = d
	}
	if la, lo := f.Get("lat"), f.Get("lng"); la != "" && lo != "" {
		x, e1 := strconv.ParseFloat(la, 64)
		y, e2 := strconv.ParseFloat(lo, 64)
		if e1 == nil && e2 == nil {
			in.Lat, in.Lng = &x, &y
		}
	}
	if k := f.Get("fu_kind"); k != "" {
		in.FollowUps = []FollowUpInput{{Kind: k, Detail: f.Get("fu_detail"), ReferredTo: f.Get("fu_to")}}
	}
	var photos [][]byte
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 {
				continue
			}
			if fh.Size > yanglao.MaxVisitPhotoSize {
				errs["photos"] = tr(l, "每张照片不超过512KB，请压缩后再传", "Each photo must be at most 512 KiB")
				break
			}
			fd, err := fh.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(io.LimitReader(fd, yanglao.MaxVisitPhotoSize+1))
			fd.Close()
			if err != nil {
				return err
			}
			photos = append(photos, b)
		}
	}
	in.Photos = photos
	var v *yanglao.CareVisit
	if len(errs) == 0 {
		var fus []*yanglao.FollowUp
		v, fus = in.visit()
		err = s.CareVisits.RecordVisit(r.Context(), v, fus)
		if err == nil {
			seeOther(w, r, "/carevisits?msg=visit_saved&month="+v.Month)
			return nil
		}
		code := yanglao.ErrorCode(err)
		if code != yanglao.EINVALID && code != yanglao.ETOOLARGE {
			return err
		}
		field := yanglao.ErrorField(err)
		if field == "kind" || field == "detail" || field == "referred_to" {
			field = "fu_" + field
		}
		errs[field] = localMsg(l, yanglao.ErrorMessage(err))
	}
	p, perr := s.visitPerson(r, id)
	if perr != nil {
		return perr
	}
	in.Photos = nil // a browser cannot be given files back: the form asks again
	d := s.visitFormData(r, p, in)
	d.Errors = errs
	d.Error = tr(l, "请修改标出的项目后再保存。", "Please correct the marked fields and save again.")
	return s.render(w, http.StatusBadRequest, "carevisit_form.html", s.newPage(r, "记录探访", "Record a visit", d))
}

type visitView struct {
	V       *yanglao.CareVisit
	Mode    string
	Health  string
	Hazards string
	Needs   string
	FUs     []fuRow
}

type fuRow struct {
	F     *yanglao.FollowUp
	Kind  string
	State string
	Next  []choice
}

func fuRows(fs []*yanglao.FollowUp, l string) []fuRow {
	out := make([]fuRow, 0, len(fs))
	for _, f := range fs {
		row := fuRow{F: f, Kind: named(yanglao.FollowUpKinds, f.Kind, l), State: named(yanglao.FollowUpStates, f.State, l)}
		switch f.State {
		case yanglao.FollowUpOpen:
			row.Next = choices(yanglao.FollowUpStates, []string{yanglao.FollowUpInProgress, yanglao.FollowUpDone, yanglao.FollowUpCancelled}, l)
		case yanglao.FollowUpInProgress:
			row.Next = choices(yanglao.FollowUpStates, []string{yanglao.FollowUpDone, yanglao.FollowUpCancelled}, l)
		}
		out = append(out, row)
	}
	return out
}

func joinNamed(m map[string][2]string, codes []string, l string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = named(m, c, l)
	}
	return strings.Join(out, tr(l, "、", ", "))
}

func (s *Server) pageVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.CareVisits.CareVisit(r.Context(), id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := &visitView{V: v, Mode: named(yanglao.VisitModes, v.Mode, l), Health: named(yanglao.VisitHealth, v.Health, l),
		Hazards: joinNamed(yanglao.VisitHazards, v.Hazards, l), Needs: joinNamed(yanglao.VisitNeeds, v.Needs, l), FUs: fuRows(v.FollowUps, l)}
	return s.render(w, http.StatusOK, "carevisit_view.html", s.newPage(r, "探访记录", "Visit record", d))
}

// --- follow-ups

type followUpsData struct {
	Rows  []fuRow
	Kinds []choice
	Kind  string
	State string
	Next  string
	Error string
}

func (s *Server) pageFollowUps(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	q := r.URL.Query()
	d := &followUpsData{Kind: q.Get("kind"), State: q.Get("state")}
	page, err := pageParams(r)
	status := http.StatusOK
	var items []*yanglao.FollowUp
	if err == nil {
		items, d.Next, err = s.CareVisits.FollowUps(r.Context(), yanglao.FollowUpFilter{Kind: d.Kind, State: d.State, Page: page})
	}
	if err != nil {
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		d.Error, status = localMsg(l, yanglao.ErrorMessage(err)), http.StatusBadRequest
	}
	d.Rows = fuRows(items, l)
	d.Kinds = choices(yanglao.FollowUpKinds, followUpOrder, l, d.Kind)
	if d.Next != "" {
		d.Next = "/carevisits/followups?" + url.Values{"kind": {d.Kind}, "state": {d.State}, "after": {d.Next}}.Encode()
	}
	return s.render(w, status, "carevisit_followups.html", s.newPage(r, "探访跟进事项", "Visit follow-ups", d))
}

func (s *Server) postFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.CareVisits.UpdateFollowUp(r.Context(), id, r.PostFormValue("state"), r.PostFormValue("note")); err != nil {
		return err
	}
	seeOther(w, r, safeNext(r.PostFormValue("back")))
	return nil
}

// --- the plan

type planData struct {
	Nav        monthNav
	Region     *yanglao.Region
	Places     []*yanglao.Region // the region and its children, for bulk assignment
	Rules      []ruleRow
	Groups     []choice
	Visitors   []*yanglao.CareVisitor
	Kinds      []choice
	Rows       []targetRow
	Next       string
	CanRules   bool
	Report     *yanglao.RefreshReport
	Assigned   string
	Errors     map[string]string
	Error      string
	Today      string
	MeID       int64
	VisitorNew yanglao.CareVisitor
}

type ruleRow struct {
	R     *yanglao.CareRule
	Group string
	Where string
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request, status int, d *planData) error {
	ctx, l, a := r.Context(), lang(r), actor(r)
	q := r.URL.Query()
	if d.Nav.Month == "" {
		d.Nav = newMonthNav(q.Get("month"))
	}
	code := q.Get("region")
	if code == "" {
		code = a.RegionCode
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.CanRules = a.Unrestricted() || a.Role == yanglao.RoleOfficial
	d.Today, d.MeID = yanglao.DateOf(time.Now()).String(), a.UserID
	reg, err := s.Regions.Region(ctx, code)
	if err != nil {
		return err
	}
	d.Region = reg
	kids, err := s.Regions.Children(ctx, code)
	if err != nil {
		return err
	}
	d.Places = append([]*yanglao.Region{reg}, kids...)
	rules, err := s.CareVisits.CareRules(ctx, code)
	if err != nil {
		return err
	}
	codes := []string{}
	for _, cr := range rules {
		codes = append(codes, cr.Region)
	}
	names := s.regionNames(ctx, codes)
	for _, cr := range rules {
		g, _ := visitrules.GroupByCode(cr.Group)
		d.Rules = append(d.Rules, ruleRow{R: cr, Group: tr(l, g.ZH, g.EN), Where: regionName(names, cr.Region)})
	}
	groupOrder := make([]string, len(visitrules.Groups))
	gm := map[string][2]string{}
	for i, g := range visitrules.Groups {
		groupOrder[i] = g.Code
		gm[g.Code] = [2]string{g.ZH, g.EN}
	}
	d.Groups = choices(gm, groupOrder, l)
	d.Kinds = choices(yanglao.VisitorKinds, []string{"volunteer", "association", "worker", "other"}, l, d.VisitorNew.Kind)
	if d.Visitors, _, err = s.CareVisits.Visitors(ctx, "", yanglao.Page{Limit: 200}); err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	page.Limit = min(page.Limit, 50)
	ts, next, err := s.CareVisits.CareTargets(ctx, yanglao.CareTargetFilter{Month: d.Nav.Month, RegionCode: code, Page: page})
	if err != nil {
		return err
	}
	codes = codes[:0]
	for _, t := range ts {
		codes = append(codes, t.RegionCode)
	}
	names = s.regionNames(ctx, codes)
	for _, t := range ts {
		d.Rows = append(d.Rows, targetRow{T: t, Region: regionName(names, t.RegionCode), Groups: groupNames(t.Groups, l), Pending: !t.Done})
	}
	if next != "" {
		d.Next = "/carevisits/plan?" + url.Values{"month": {d.Nav.Month}, "region": {code}, "after": {next}}.Encode()
	}
	return s.render(w, status, "carevisit_plan.html", s.newPage(r, "探访计划", "Visit plan", d))
}

func (s *Server) pageCarePlan(w http.ResponseWriter, r *http.Request) error {
	d := &planData{}
	switch r.URL.Query().Get("msg") {
	case "refreshed":
		d.Assigned = tr(lang(r), "名单已按规则重新计算。", "The list was recomputed by the rules.")
	}
	if n := r.URL.Query().Get("assigned"); n != "" {
		if k, err := strconv.Atoi(n); err == nil {
			d.Assigned = tr(lang(r), fmt.Sprintf("已为%d位老人指派探访人。", k), fmt.Sprintf("A visitor was assigned to %d people.", k))
		}
	}
	return s.planPage(w, r, http.StatusOK, d)
}

// planFail shows the plan again with the error next to its field.
func (s *Server) planFail(w http.ResponseWriter, r *http.Request, err error, d *planData) error {
	code := yanglao.ErrorCode(err)
	if code != yanglao.EINVALID && code != yanglao.ECONFLICT {
		return err
	}
	if d == nil {
		d = &planData{}
	}
	d.Errors = map[string]string{yanglao.ErrorField(err): localMsg(lang(r), yanglao.ErrorMessage(err))}
	d.Error = localMsg(lang(r), yanglao.ErrorMessage(err))
	return s.planPage(w, r, http.StatusBadRequest, d)
}

func planBack(r *http.Request) string {
	return "/carevisits/plan?" + url.Values{"month": {r.PostFormValue("month")}, "region": {r.PostFormValue("back_region")}}.Encode()
}

func (s *Server) postPlanAssign(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	req := yanglao.AssignRequest{Month: r.PostFormValue("month"), RegionCode: r.PostFormValue("region_code"), Replace: r.PostFormValue("replace") == "1"}
	v := r.PostFormValue("visitor")
	switch {
	case strings.HasPrefix(v, "u"):
		req.UserID, _ = strconv.ParseInt(v[1:], 10, 64)
	case strings.HasPrefix(v, "v"):
		req.VisitorID, _ = strconv.ParseInt(v[1:], 10, 64)
	}
	if pm := r.PostFormValue("per_month"); pm != "" && pm != "0" {
		req.PerMonth, _ = strconv.Atoi(pm)
		if req.PerMonth == 0 {
			req.PerMonth = -1
		}
	}
	n, err := s.CareVisits.Assign(r.Context(), req)
	if err != nil {
		return s.planFail(w, r, err, nil)
	}
	seeOther(w, r, planBack(r)+"&assigned="+strconv.Itoa(n))
	return nil
}

func (s *Server) postPlanRefresh(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.CareVisits.RefreshTargets(r.Context(), r.PostFormValue("region_code"), r.PostFormValue("month")); err != nil {
		return s.planFail(w, r, err, nil)
	}
	seeOther(w, r, planBack(r)+"&msg=refreshed")
	return nil
}

func (s *Server) postPlanVisitor(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := yanglao.CareVisitor{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), RegionCode: r.PostFormValue("region_code")}
	if err := s.CareVisits.CreateVisitor(r.Context(), &v); err != nil {
		return s.planFail(w, r, err, &planData{VisitorNew: v})
	}
	seeOther(w, r, planBack(r))
	return nil
}

func (s *Server) postPlanRule(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	rule := yanglao.CareRule{Region: r.PostFormValue("region_code"), Group: r.PostFormValue("group"), Source: r.PostFormValue("source")}
	rule.PerMonth, _ = strconv.Atoi(r.PostFormValue("per_month"))
	rule.MinAge, _ = strconv.Atoi(r.PostFormValue("min_age"))
	var err error
	if rule.From, err = yanglao.ParseDate(r.PostFormValue("from")); err != nil {
		return s.planFail(w, r, yanglao.Invalid("from", "请按 年-月-日 填写生效日期 (from must be YYYY-MM-DD)"), nil)
	}
	if err := s.CareVisits.SaveCareRule(r.Context(), &rule); err != nil {
		return s.planFail(w, r, err, nil)
	}
	seeOther(w, r, planBack(r))
	return nil
}

// --- the rate dashboard

type rateRow struct {
	R     *yanglao.VisitRateRow
	Width int    // bar width in per cent
	Href  string // drill-down
	Alert string // the people not visited
}

type ratesData struct {
	Nav       monthNav
	Here      rateRow
	Rows      []rateRow
	Trail     []*yanglao.Region
	TargetPct int
	Computed  string
	RefDay    string
	Chart     any // the chart's data: html/template writes it as JSON in the script element
	Error     string
}

func rateHref(code, month string) string {
	return "/carevisits/rates?" + url.Values{"region": {code}, "month": {month}}.Encode()
}

func alertHref(code, month string) string {
	return "/carevisits/alerts?" + url.Values{"region": {code}, "month": {month}}.Encode()
}

func (s *Server) pageCareRates(w http.ResponseWriter, r *http.Request) error {
	ctx, l := r.Context(), lang(r)
	q := r.URL.Query()
	d := &ratesData{Nav: newMonthNav(q.Get("month"))}
	res, err := s.CareVisits.VisitRates(ctx, q.Get("region"), q.Get("month"))
	if err != nil {
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		d.Error = localMsg(l, yanglao.ErrorMessage(err))
		return s.render(w, http.StatusBadRequest, "carevisit_rates.html", s.newPage(r, "探访率", "Visit rate", d))
	}
	d.Nav = newMonthNav(res.Month)
	d.TargetPct, d.RefDay = res.TargetPct, res.RefDay.String()
	if res.ComputedAt != nil {
		d.Computed = whenText(*res.ComputedAt)
	}
	row := func(v *yanglao.VisitRateRow) rateRow {
		rr := rateRow{R: v, Width: v.Rate / 10, Alert: alertHref(v.RegionCode, res.Month)}
		if v.HasKids {
			rr.Href = rateHref(v.RegionCode, res.Month)
		}
		return rr
	}
	d.Here = row(res.Region)
	type bar struct {
		Name    string `json:"name"`
		Rate    int    `json:"rate"` // per mille
		Targets int    `json:"targets"`
		Visited int    `json:"visited"`
		Href    string `json:"href"`
	}
	var bars []bar
	for _, c := range res.Children {
		rr := row(c)
		d.Rows = append(d.Rows, rr)
		if c.Targets > 0 {
			href := rr.Href
			if href == "" {
				href = rr.Alert
			}
			bars = append(bars, bar{c.Name, c.Rate, c.Targets, c.Visited, href})
		}
	}
	// Lowest rate first: the regions that need attention lead the table and the chart.
	sort.SliceStable(d.Rows, func(i, j int) bool {
		a, b := d.Rows[i].R, d.Rows[j].R
		if (a.Targets == 0) != (b.Targets == 0) {
			return b.Targets == 0
		}
		return a.Rate < b.Rate
	})
	d.Chart = map[string]any{"bars": bars, "target": res.TargetPct, "label": tr(l, "探访率", "Visit rate"), "targetLabel": tr(l, "目标", "Target")}
	if a := actor(r); a != nil {
		if trail, err := s.Regions.Ancestors(ctx, res.Region.RegionCode); err == nil {
			for _, t := range trail {
				if a.SeesPath(t.Path) {
					d.Trail = append(d.Trail, t)
				}
			}
		}
	}
	return s.render(w, http.StatusOK, "carevisit_rates.html", s.newPage(r, "探访率", "Visit rate", d))
}

// --- mandatory reports: the public form and tracking

type reportForm struct {
	In        ReportInput
	Kinds     []choice
	Challenge Challenge
	Errors    map[string]string
	Error     string
	Code      string // the tracking code after a successful report
	Region    string // the chosen place's name
	Today     string
}

func (s *Server) reportFormData(r *http.Request, in ReportInput) *reportForm {
	return &reportForm{In: in, Kinds: choices(yanglao.ReportKinds, reportKinds, lang(r), in.Kinds...), Challenge: newChallenge(time.Now()),
		Errors: map[string]string{}, Today: yanglao.DateOf(time.Now()).String()}
}

func (s *Server) pageReportForm(w http.ResponseWriter, r *http.Request) error {
	d := s.reportFormData(r, ReportInput{RegionCode: r.URL.Query().Get("region")})
	return s.render(w, http.StatusOK, "abuse_report_form.html", s.newPage(r, "报告老年人受虐待或无人照料", "Report abuse or neglect of an older person", d))
}

func (s *Server) postReportForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	l := lang(r)
	in := ReportInput{RegionCode: strings.TrimSpace(f.Get("region_code")), ElderName: f.Get("elder_name"), Place: f.Get("place"), Kinds: f["kinds"],
		Description: f.Get("description"), ReporterName: f.Get("reporter_name"), ReporterContact: f.Get("reporter_contact"), Anonymous: f.Get("anonymous") == "1",
		ChallengeToken: f.Get("challenge_token"), ChallengeAnswer: f.Get("challenge_answer"), Website: f.Get("website")}
	errs := map[string]string{}
	if o := f.Get("occurred_on"); o != "" {
		if d, err := yanglao.ParseDate(o); err != nil {
			errs["occurred_on"] = tr(l, "请按 年-月-日 填写日期", "Enter the date as YYYY-MM-DD")
		} else {
			in.OccurredOn = d
		}
	}
	if len(errs) == 0 {
		rep, code, err := s.submitReport(r, in)
		if err == nil {
			d := &reportForm{Code: code, In: ReportInput{}, Errors: map[string]string{}}
			d.In.ElderName = rep.ElderName
			return s.render(w, http.StatusCreated, "abuse_report_form.html", s.newPage(r, "报告已收到", "Report received", d))
		}
		c := yanglao.ErrorCode(err)
		if c != yanglao.EINVALID && c != yanglao.ETOOMANY {
			return err
		}
		field := yanglao.ErrorField(err)
		if field == "" || field == "challenge_token" {
			field = "challenge_answer"
		}
		errs[field] = localMsg(l, yanglao.ErrorMessage(err))
	}
	d := s.reportFormData(r, in)
	d.Errors = errs
	d.Error = tr(l, "请修改标出的项目后再提交。", "Please correct the marked fields and submit again.")
	return s.render(w, http.StatusBadRequest, "abuse_report_form.html", s.newPage(r, "报告老年人受虐待或无人照料", "Report abuse or neglect of an older person", d))
}

type trackData struct {
	Code    string
	Current string
	T       *yanglao.ReportTracking
	Steps   []stepRow
	Error   string
}

type stepRow struct {
	State, When string
}

func (s *Server) pageReportTrack(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	d := &trackData{Code: r.URL.Query().Get("code")}
	status := http.StatusOK
	if d.Code != "" {
		t, err := s.AbuseReports.TrackReport(r.Context(), d.Code)
		if err != nil {
			c := yanglao.ErrorCode(err)
			if c != yanglao.EINVALID && c != yanglao.ENOTFOUND {
				return err
			}
			d.Error, status = localMsg(l, yanglao.ErrorMessage(err)), statusOf(c)
		} else {
			d.T, d.Current = t, named(yanglao.ReportStates, t.State, l)
			for _, st := range t.Steps {
				d.Steps = append(d.Steps, stepRow{named(yanglao.ReportStates, st.State, l), whenText(st.At)})
			}
		}
	}
	return s.render(w, status, "abuse_report_track.html", s.newPage(r, "查询报告办理进度", "Track a report", d))
}

// --- the county's worklist

type reportRow struct {
	R      *yanglao.AbuseReport
	Kinds  string
	State  string
	Region string
}

type reportsData struct {
	Rows   []reportRow
	State  string
	States []choice
	Next   string
	Error  string
}

func (s *Server) pageAbuseReports(w http.ResponseWriter, r *http.Request) error {
	ctx, l := r.Context(), lang(r)
	d := &reportsData{State: r.URL.Query().Get("state")}
	page, err := pageParams(r)
	status := http.StatusOK
	var items []*yanglao.AbuseReport
	if err == nil {
		items, d.Next, err = s.AbuseReports.AbuseReports(ctx, yanglao.ReportFilter{State: d.State, Page: page})
	}
	if err != nil {
		if yanglao.ErrorCode(err) != yanglao.EINVALID {
			return err
		}
		d.Error, status = localMsg(l, yanglao.ErrorMessage(err)), http.StatusBadRequest
	}
	codes := []string{}
	for _, rep := range items {
		codes = append(codes, rep.RegionCode)
	}
	names := s.regionNames(ctx, codes)
	for _, rep := range items {
		d.Rows = append(d.Rows, reportRow{R: rep, Kinds: joinNamed(yanglao.ReportKinds, rep.Kinds, l), State: named(yanglao.ReportStates, rep.State, l), Region: regionName(names, rep.RegionCode)})
	}
	d.States = choices(yanglao.ReportStates, []string{yanglao.ReportReceived, yanglao.ReportAssigned, yanglao.ReportInvestigating, yanglao.ReportConcluded}, l, d.State)
	if d.Next != "" {
		d.Next = "/abuse-reports?" + url.Values{"state": {d.State}, "after": {d.Next}}.Encode()
	}
	return s.render(w, status, "abuse_report_list.html", s.newPage(r, "强制报告工作清单", "Abuse reports worklist", d))
}

type reportView struct {
	R        reportRow
	Steps    []*yanglao.AbuseReportStep
	StepName map[string]string
	Outcome  string
	Next     []choice
	Outcomes []choice
	Users    []*yanglao.User
	Errors   map[string]string
	Error    string
}

func (s *Server) reportView(w http.ResponseWriter, r *http.Request, status int, id int64, errs map[string]string) error {
	ctx, l := r.Context(), lang(r)
	rep, err := s.AbuseReports.AbuseReport(ctx, id)
	if err != nil {
		return err
	}
	d := &reportView{R: reportRow{R: rep, Kinds: joinNamed(yanglao.ReportKinds, rep.Kinds, l), State: named(yanglao.ReportStates, rep.State, l),
		Region: s.regionLabel(ctx, rep.RegionCode)}, Steps: rep.Events, Outcome: named(yanglao.ReportOutcomes, rep.Outcome, l), Errors: errs,
		StepName: map[string]string{}}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for k := range yanglao.ReportStates {
		d.StepName[k] = named(yanglao.ReportStates, k, l)
	}
	switch rep.State {
	case yanglao.ReportReceived:
		d.Next = choices(yanglao.ReportStates, []string{yanglao.ReportAssigned, yanglao.ReportConcluded}, l)
	case yanglao.ReportAssigned:
		d.Next = choices(yanglao.ReportStates, []string{yanglao.ReportInvestigating, yanglao.ReportAssigned, yanglao.ReportConcluded}, l)
	case yanglao.ReportInvestigating:
		d.Next = choices(yanglao.ReportStates, []string{yanglao.ReportConcluded}, l)
	}
	d.Outcomes = choices(yanglao.ReportOutcomes, outcomeOrder, l)
	if len(d.Next) > 0 {
		us, _, err := s.Users.Users(ctx, yanglao.UserFilter{RegionCode: rep.CountyCode, Page: yanglao.Page{Limit: 100}})
		if err == nil {
			for _, u := range us {
				if u.Role == yanglao.RoleOfficial || u.Role == yanglao.RoleWorker {
					d.Users = append(d.Users, u)
				}
			}
		}
	}
	if len(errs) > 0 {
		d.Error = tr(l, "请修改标出的项目。", "Please correct the marked fields.")
	}
	return s.render(w, status, "abuse_report_view.html", s.newPage(r, "强制报告", "Abuse report", d))
}

func (s *Server) pageAbuseReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.reportView(w, r, http.StatusOK, id, nil)
}

func (s *Server) postAbuseReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	u := yanglao.ReportUpdate{State: r.PostFormValue("state"), Outcome: r.PostFormValue("outcome"), Note: r.PostFormValue("note")}
	u.AssigneeID, _ = strconv.ParseInt(r.PostFormValue("assignee_id"), 10, 64)
	if _, err := s.AbuseReports.UpdateReport(r.Context(), id, u); err != nil {
		c := yanglao.ErrorCode(err)
		if c != yanglao.EINVALID && c != yanglao.ECONFLICT {
			return err
		}
		return s.reportView(w, r, statusOf(c), id, map[string]string{yanglao.ErrorField(err): localMsg(lang(r), yanglao.ErrorMessage(err))})
	}
	seeOther(w, r, "/abuse-reports/"+strconv.FormatInt(id, 10)+"?msg=report_updated")
	return nil
}

// fuArgs passes the page and the rows to the follow-ups partial.
type fuArgs struct {
	P    *page
	Rows []fuRow
}

// --- a person's visits

type personVisitRow struct {
	V            *yanglao.CareVisit
	Mode, Health string
}

type personVisitsData struct {
	Person *yanglao.Person
	Visits []personVisitRow
	Next   string
}

func (s *Server) pagePersonCareVisits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	vs, next, err := s.CareVisits.PersonVisits(r.Context(), id, page)
	if err != nil {
		return err
	}
	p, err := s.visitPerson(r, id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := &personVisitsData{Person: p}
	for _, v := range vs {
		d.Visits = append(d.Visits, personVisitRow{V: v, Mode: named(yanglao.VisitModes, v.Mode, l), Health: named(yanglao.VisitHealth, v.Health, l)})
	}
	if next != "" {
		d.Next = "/carevisits/people/" + strconv.FormatInt(id, 10) + "/visits?after=" + url.QueryEscape(next)
	}
	return s.render(w, http.StatusOK, "carevisit_person.html", s.newPage(r, "探访记录", "Visits", d))
}
