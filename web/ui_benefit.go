package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// The benefits pages (issue 4): a region's list with its versions and an edit
// form, a person's entitlements with explanations (a section of the person
// page), the application worklist with the notices of silent granting, and
// policy simulation. Text is Chinese first, English through tr.

func fenText(fen int64) string { return rules.FormatFen(fen) }

// --- the person page section

type benefitLine struct {
	Indent int
	Text   string
	Mark   string
}

type benefitRow struct {
	Code, Name, Version, Region, Source string
	Eligible, Held, Cash, Apply         bool
	Amount, Error, Held_                string
	Lines                               []benefitLine
}

type benefitSection struct {
	Lang, CSRF  string
	PersonID    int64
	Month       string
	Total       string
	Rows        []benefitRow
	Eligible    int
	Apps        []*yanglao.BenefitApplication
	CanApply    bool
	ApplyItems  []benefitRow
	Error       string
	ApplyErrors map[string]string
	ApplyForm   map[string]string
}

// personBenefits builds the benefits section of the person page; an error is
// shown in the section rather than failing the page.
func (s *Server) personBenefits(r *http.Request, personID int64) *benefitSection {
	l := lang(r)
	d := &benefitSection{Lang: l, PersonID: personID, CanApply: keepsRegister(actor(r)) && actor(r).Role != yanglao.RoleAssessor}
	if sess := sessionOf(r.Context()); sess != nil {
		d.CSRF = sess.CSRFToken
	}
	if s.Benefits == nil {
		return nil
	}
	if e := r.URL.Query().Get("apply_error"); e != "" {
		d.ApplyErrors = map[string]string{r.URL.Query().Get("apply_field"): e}
	}
	pe, err := s.Benefits.PersonEntitlements(r.Context(), personID, r.URL.Query().Get("month"))
	if err != nil {
		d.Error = localMsg(l, yanglao.ErrorMessage(err))
		return d
	}
	d.Month, d.Total, d.Apps = pe.Month, fenText(pe.TotalFen), pe.Applications
	for _, it := range pe.Items {
		row := benefitRow{Code: it.Code, Name: it.Name, Version: strconv.Itoa(it.Version), Region: it.Region, Source: it.Source,
			Eligible: it.Eligible, Held: it.Entitlement != nil, Cash: it.Cash, Apply: it.Application == yanglao.BenefitOnApplication,
			Error: localMsg(l, it.Error)}
		if it.Cash && it.Eligible {
			row.Amount = fenText(it.AmountFen)
		}
		if it.Entitlement != nil {
			row.Held_ = it.Entitlement.FromMonth + " ~ " + it.Entitlement.ToMonth
		}
		for _, ln := range it.Lines {
			row.Lines = append(row.Lines, benefitLine{Indent: ln.Depth, Text: tr(l, ln.ZH, ln.EN), Mark: ln.Mark})
		}
		if it.Eligible {
			d.Eligible++
		}
		d.Rows = append(d.Rows, row)
		if row.Apply && !row.Held {
			d.ApplyItems = append(d.ApplyItems, row)
		}
	}
	return d
}

// postApply applies for an item on the person's behalf from the person page.
func (s *Server) postApply(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ap := &yanglao.BenefitApplication{PersonID: id, ItemCode: r.PostFormValue("item_code"), FromMonth: r.PostFormValue("from_month"), Reason: r.PostFormValue("reason")}
	if err := s.Benefits.Apply(r.Context(), ap); err != nil {
		if yanglao.ErrorCode(err) == yanglao.EINTERNAL || yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
			return err
		}
		q := url.Values{"apply_error": {localMsg(lang(r), yanglao.ErrorMessage(err))}, "apply_field": {yanglao.ErrorField(err)}}
		seeOther(w, r, "/people/"+strconv.FormatInt(id, 10)+"?"+q.Encode()+"#benefits")
		return nil
	}
	seeOther(w, r, "/people/"+strconv.FormatInt(id, 10)+"?msg=applied#benefits")
	return nil
}

// --- the list editor

type listPage struct {
	L        *yanglao.BenefitList
	Region   string
	Codes    []string
	Current  []*yanglao.BenefitItem // the version of each item in force today
	History  map[string][]*yanglao.BenefitItem
	Form     yanglao.BenefitItem
	FormFrom string
	FormTo   string
	Errors   map[string]string
	Saved    string
	Params   []paramRow
}

type paramRow struct {
	Name, From, To, Yuan string
	Inherited            bool
}

func (s *Server) pageBenefitList(w http.ResponseWriter, r *http.Request) error {
	return s.renderBenefitList(w, r, http.StatusOK, r.URL.Query().Get("region"), nil, nil)
}

func (s *Server) renderBenefitList(w http.ResponseWriter, r *http.Request, status int, region string, form *yanglao.BenefitItem, errs map[string]string) error {
	l := lang(r)
	bl, err := s.Benefits.BenefitList(r.Context(), region)
	if err != nil {
		return err
	}
	d := &listPage{L: bl, Region: bl.Region.Code, History: map[string][]*yanglao.BenefitItem{}, Errors: errs, Saved: r.URL.Query().Get("saved")}
	on := today()
	for _, it := range bl.Items {
		if _, ok := d.History[it.Code]; !ok {
			d.Codes = append(d.Codes, it.Code)
		}
		d.History[it.Code] = append(d.History[it.Code], it)
		if !it.From.After(on) && (it.To.IsZero() || !it.To.Before(on)) {
			d.Current = append(d.Current, it)
		}
	}
	for _, p := range bl.Params {
		d.Params = append(d.Params, paramRow{Name: p.Name, From: p.From.String(), To: p.To.String(), Yuan: fenText(p.Fen), Inherited: p.Inherited})
	}
	if form != nil {
		d.Form = *form
	} else if code := r.URL.Query().Get("edit"); code != "" {
		for _, it := range d.Current {
			if it.Code == code {
				d.Form = *it
			}
		}
		d.Form.From = yanglao.Date{}
		d.Form.To = yanglao.Date{}
	}
	if !d.Form.From.IsZero() {
		d.FormFrom = d.Form.From.String()
	}
	if !d.Form.To.IsZero() {
		d.FormTo = d.Form.To.String()
	}
	title := bl.Region.Name + tr(l, " 基本养老服务清单", " basic service list")
	return s.render(w, status, "benefit_list.html", s.newPage(r, title, title, d))
}

func (s *Server) postBenefitItem(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	region := f("region")
	it := &yanglao.BenefitItem{Code: strings.TrimSpace(f("code")), Name: f("name"), NameEN: f("name_en"), Target: f("target"), Content: f("content"),
		Type: f("type"), Lead: f("lead"), Source: f("source"), Application: f("application"), Eligibility: f("eligibility"), Amount: f("amount"), Note: f("note")}
	errs := map[string]string{}
	for name, dst := range map[string]*yanglao.Date{"from": &it.From, "to": &it.To} {
		if v := f(name); v != "" {
			d, err := yanglao.ParseDate(v)
			if err != nil {
				errs[name] = tr(lang(r), "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
			}
			*dst = d
		}
	}
	if len(errs) == 0 {
		err := s.Benefits.SaveBenefitItem(r.Context(), region, it)
		if err == nil {
			seeOther(w, r, "/benefits/list?region="+url.QueryEscape(region)+"&saved="+url.QueryEscape(it.Code)+"#items")
			return nil
		}
		code := yanglao.ErrorCode(err)
		if code == yanglao.EINTERNAL || code == yanglao.ENOTFOUND || code == yanglao.EFORBIDDEN {
			return err
		}
		field := yanglao.ErrorField(err)
		if field == "" {
			field = "form"
		}
		errs[field] = localMsg(lang(r), yanglao.ErrorMessage(err))
	}
	return s.renderBenefitList(w, r, http.StatusUnprocessableEntity, region, it, errs)
}

func (s *Server) postBenefitParam(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	p := &yanglao.BenefitParam{Region: f("region"), Name: f("name")}
	var err error
	if p.From, err = yanglao.ParseDate(f("from")); err != nil {
		return yanglao.Invalid("from", "日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)")
	}
	if v := f("to"); v != "" {
		if p.To, err = yanglao.ParseDate(v); err != nil {
			return yanglao.Invalid("to", "日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)")
		}
	}
	yuanV, err := strconv.ParseFloat(f("yuan"), 64)
	if err != nil || yuanV < 0 {
		return yanglao.Invalid("yuan", "金额应为非负数（元）(amount must be a non-negative number of yuan)")
	}
	p.Fen = int64(yuanV*100 + 0.5)
	if err := s.Benefits.SetBenefitParam(r.Context(), p); err != nil {
		return err
	}
	seeOther(w, r, "/benefits/list?region="+url.QueryEscape(p.Region)+"#params")
	return nil
}

// --- the worklists

type worklistPage struct {
	Apps      []*yanglao.BenefitApplication
	Notices   []noticeRow
	Status    string
	CanDecide bool
	Me        int64
	Next      string
}

type noticeRow struct {
	PersonID int64
	Text     string
	Kind     string
	When     string
}

func (s *Server) pageApplications(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	a := actor(r)
	status := r.URL.Query().Get("status")
	apps, next, err := s.Benefits.Applications(r.Context(), yanglao.ApplicationFilter{Status: status, Page: yanglao.Page{After: r.URL.Query().Get("after")}})
	if err != nil {
		return err
	}
	ns, _, err := s.Benefits.Notices(r.Context(), yanglao.Page{Limit: 50})
	if err != nil {
		return err
	}
	d := &worklistPage{Apps: apps, Status: status, Next: next, CanDecide: a.Unrestricted() || a.Role == yanglao.RoleOfficial, Me: a.UserID}
	for _, n := range ns {
		d.Notices = append(d.Notices, noticeRow{PersonID: n.PersonID, Text: tr(l, n.ZH, n.EN), Kind: n.Kind, When: whenText(n.CreatedAt)})
	}
	return s.render(w, http.StatusOK, "benefit_worklist.html", s.newPage(r, "待遇申请与通知", "Applications and notices", d))
}

func (s *Server) postDecideApplication(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Benefits.DecideApplication(r.Context(), id, r.PostFormValue("decision") == "approve", r.PostFormValue("note")); err != nil {
		return err
	}
	seeOther(w, r, "/benefits/applications?msg=decided")
	return nil
}

// --- simulation

type simPage struct {
	Req    yanglao.SimulationRequest
	Codes  []*yanglao.BenefitItem
	Res    *yanglao.SimulationResult
	Rows   []simRow
	Total  simRow
	Errors map[string]string
}

type simRow struct {
	Name             string
	Base, New, Delta string
	Months           []simCell
}

type simCell struct{ Month, Base, New string }

func (s *Server) pageSimulate(w http.ResponseWriter, r *http.Request) error {
	return s.renderSimulate(w, r, http.StatusOK, &simPage{Req: yanglao.SimulationRequest{Code: "CZ-12", Amount: `if age >= 90 then 200元 else 80元`}})
}

func (s *Server) renderSimulate(w http.ResponseWriter, r *http.Request, status int, d *simPage) error {
	if bl, err := s.Benefits.BenefitList(r.Context(), d.Req.Region); err == nil {
		seen := map[string]bool{}
		for _, it := range bl.Items {
			if !seen[it.Code] && it.Amount != "" {
				seen[it.Code] = true
				d.Codes = append(d.Codes, it)
			}
		}
	}
	return s.render(w, status, "benefit_simulate.html", s.newPage(r, "政策测算", "Policy simulation", d))
}

func (s *Server) postSimulate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	d := &simPage{Req: yanglao.SimulationRequest{Region: f("region"), Code: f("code"), Amount: f("amount"), Eligibility: f("eligibility"), From: f("from")}}
	res, err := s.Benefits.Simulate(r.Context(), d.Req)
	if err != nil {
		code := yanglao.ErrorCode(err)
		if code == yanglao.EINTERNAL || code == yanglao.EFORBIDDEN {
			return err
		}
		field := yanglao.ErrorField(err)
		if field == "" {
			field = "form"
		}
		d.Errors = map[string]string{field: localMsg(lang(r), yanglao.ErrorMessage(err))}
		return s.renderSimulate(w, r, http.StatusUnprocessableEntity, d)
	}
	d.Res = res
	row := func(x *yanglao.SimulationRow) simRow {
		out := simRow{Name: x.Name, Base: fenText(x.BaseTotal), New: fenText(x.NewTotal), Delta: fenText(x.NewTotal - x.BaseTotal)}
		for i, m := range res.Months {
			out.Months = append(out.Months, simCell{Month: m, Base: fenText(x.BaseFen[i]), New: fenText(x.NewFen[i])})
		}
		return out
	}
	for _, x := range res.Rows {
		d.Rows = append(d.Rows, row(x))
	}
	d.Total = row(res.Total)
	return s.renderSimulate(w, r, http.StatusOK, d)
}
