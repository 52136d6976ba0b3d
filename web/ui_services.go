package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

// Pages of home and community services (issue 5): the catalogue and what the
// government buys (/services), providers (/providers, /providers/{id}),
// caregivers (/caregivers, /caregivers/new, /caregivers/{id}) and the
// employment-ban list (/bans). Every change goes through the HomeCareService,
// which scopes and audits it; the pages only parse forms and show errors next
// to the field they name.

// formError sorts a service error for a form: a field it shows beside the
// input, a problem it shows on top, or an error the page cannot handle.
func formError(r *http.Request, err error, fields ...string) (map[string]string, string, error) {
	code := yanglao.ErrorCode(err)
	if code != yanglao.EINVALID && code != yanglao.ECONFLICT {
		return nil, "", err
	}
	msg := localMsg(lang(r), yanglao.ErrorMessage(err))
	field := yanglao.ErrorField(err)
	for _, f := range fields {
		if f == field {
			return map[string]string{field: msg}, "", nil
		}
	}
	return map[string]string{}, msg, nil
}

// parseYuan reads an amount in yuan with at most two decimals ("50", "12.5")
// as integer fen, without floating point.
func parseYuan(field, s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "元"))
	bad := yanglao.Invalid(field, "金额应为元，最多两位小数，如 50 或 12.50 (amount in yuan with at most two decimals, e.g. 50 or 12.50)")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, bad
	}
	y, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return y*100 + f, nil
}

// formInt reads an optional integer form value.
func formInt(r *http.Request, field string) (int, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, yanglao.Invalid(field, "%s 应为整数 (%s must be a whole number)", field, field)
	}
	return n, nil
}

func formFloat(r *http.Request, field string) (*float64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return nil, yanglao.Invalid(field, "%s 应为数字 (%s must be a number)", field, field)
	}
	return &f, nil
}

func skillOptions(l string, selected []string) []option {
	var out []option
	for _, k := range yanglao.SkillKeys() {
		n := yanglao.CaregiverSkills[k]
		sel := false
		for _, s := range selected {
			sel = sel || s == k
		}
		out = append(out, option{Value: k, Label: tr(l, n[0], n[1]), Selected: sel})
	}
	return out
}

func categoryOptions(l, selected string) []option {
	var out []option
	for _, c := range yanglao.ServiceCategories {
		out = append(out, option{Value: c.Code, Label: tr(l, c.Name, c.NameEN), Selected: c.Code == selected})
	}
	return out
}

// regionOptions is a region and its children, for small region choices.
func (s *Server) regionOptions(ctx context.Context, root, selected string) ([]option, error) {
	here, err := s.Regions.Region(ctx, root)
	if err != nil {
		return nil, err
	}
	kids, err := s.Regions.Children(ctx, root)
	if err != nil {
		return nil, err
	}
	out := []option{{Value: here.Code, Label: here.Name, Selected: here.Code == selected}}
	for _, k := range kids {
		out = append(out, option{Value: k.Code, Label: "　" + k.Name, Selected: k.Code == selected})
	}
	return out, nil
}

func skillNames(l string, keys []string) string {
	var out []string
	for _, k := range keys {
		n := yanglao.CaregiverSkills[k]
		out = append(out, tr(l, n[0], n[1]))
	}
	return strings.Join(out, "、")
}

func certNames(l string, keys []string) string {
	var out []string
	for _, k := range keys {
		n := yanglao.CertKinds[k]
		out = append(out, tr(l, n[0], n[1]))
	}
	return strings.Join(out, "、")
}

func statusNames(l string, keys []string) string {
	var out []string
	for _, k := range keys {
		n := yanglao.StatusKinds[k]
		out = append(out, tr(l, n[0], n[1]))
	}
	return strings.Join(out, tr(l, "或", " or "))
}

// ---- /services: catalogue and allowances

type itemRow struct {
	*yanglao.ServiceItem
	Cat, SkillText, CertText string
}

type allowanceRow struct {
	*yanglao.ServiceAllowance
	Cat, StatusText, AmountText, Where string
	Inherited, CanEnd                  bool
}

type allowanceForm struct {
	RegionCode, Category, MinAge, MinGrade, Unit, Amount, ValidFrom, ValidTo, Source, Note string
	Statuses                                                                               []string
}

type servicesData struct {
	Items          []itemRow
	CanCatalogue   bool
	ItemForm       ServiceItemInput
	ItemErrors     map[string]string
	ItemProblem    string
	Categories     []option
	Skills, Certs  []option
	Region         *yanglao.Region
	Regions        []option
	Allowances     []allowanceRow
	CanAllowances  bool
	Form           allowanceForm
	StatusOpts     []option
	Errors         map[string]string
	Problem        string
	GradeOpts      []option
	FormCategories []option
}

func (s *Server) pageServices(w http.ResponseWriter, r *http.Request) error {
	return s.renderServices(w, r, http.StatusOK, &servicesData{})
}

func (s *Server) renderServices(w http.ResponseWriter, r *http.Request, status int, d *servicesData) error {
	ctx, l, a := r.Context(), lang(r), actor(r)
	items, err := s.HomeCare.ServiceItems(ctx, true)
	if err != nil {
		return err
	}
	for _, it := range items {
		c, _ := yanglao.ServiceCategoryOf(it.Category)
		d.Items = append(d.Items, itemRow{ServiceItem: it, Cat: tr(l, c.Name, c.NameEN), SkillText: skillNames(l, it.Skills), CertText: certNames(l, it.Certs)})
	}
	d.CanCatalogue = yanglao.CanEditCatalogue(a)
	d.CanAllowances = manages(a)
	if d.ItemForm.Category == "" {
		d.ItemForm.Category = yanglao.CatLifeCare
	}
	d.Categories = categoryOptions(l, d.ItemForm.Category)
	d.Skills, d.Certs = skillOptions(l, d.ItemForm.Skills), nil
	for _, k := range []string{yanglao.CertNursing, yanglao.CertHealth, yanglao.CertTraining} {
		sel := false
		for _, c := range d.ItemForm.Certs {
			sel = sel || c == k
		}
		d.Certs = append(d.Certs, option{Value: k, Label: tr(l, yanglao.CertKinds[k][0], yanglao.CertKinds[k][1]), Selected: sel})
	}
	region := r.URL.Query().Get("region")
	if region == "" {
		region = a.RegionCode
	}
	if region != "" {
		if d.Region, err = s.Regions.Region(ctx, region); err != nil {
			return err
		}
		list, err := s.HomeCare.Allowances(ctx, yanglao.AllowanceFilter{RegionCode: region})
		if err != nil {
			return err
		}
		codes := []string{}
		for _, al := range list {
			codes = append(codes, al.RegionCode)
		}
		names := s.regionNames(ctx, codes)
		for _, al := range list {
			c, _ := yanglao.ServiceCategoryOf(al.Category)
			row := allowanceRow{ServiceAllowance: al, Cat: tr(l, c.Name, c.NameEN), StatusText: statusNames(l, al.Statuses),
				Inherited: !yanglao.PathContains(d.Region.Path, al.RegionPath), CanEnd: d.CanAllowances && a.SeesPath(al.RegionPath) && al.ValidTo.IsZero()}
			if n := names[al.RegionCode]; n != nil {
				row.Where = n.Name
			}
			if al.Unit == yanglao.UnitFen {
				row.AmountText = tr(l, yuan(al.Amount)+" 元/月", yuan(al.Amount)+" yuan a month")
			} else {
				row.AmountText = tr(l, fmt.Sprintf("%d 分钟/月", al.Amount), fmt.Sprintf("%d minutes a month", al.Amount))
			}
			d.Allowances = append(d.Allowances, row)
		}
		if d.CanAllowances && a.SeesPath(d.Region.Path) {
			if d.Form.RegionCode == "" {
				d.Form.RegionCode = d.Region.Code
			}
			if d.Regions, err = s.regionOptions(ctx, d.Region.Code, d.Form.RegionCode); err != nil {
				return err
			}
		}
	}
	if d.Form.Category == "" {
		d.Form.Category = yanglao.CatLifeCare
	}
	if d.Form.Unit == "" {
		d.Form.Unit = yanglao.UnitFen
	}
	d.FormCategories = categoryOptions(l, d.Form.Category)
	for _, k := range []string{"tekun_dispersed", "tekun_centralised", "dibao", "low_income", "disabled", "dementia", "special_family", "severe_disability", "left_behind"} {
		sel := false
		for _, x := range d.Form.Statuses {
			sel = sel || x == k
		}
		d.StatusOpts = append(d.StatusOpts, option{Value: k, Label: tr(l, yanglao.StatusKinds[k][0], yanglao.StatusKinds[k][1]), Selected: sel})
	}
	d.GradeOpts = []option{{Value: "", Label: tr(l, "不限", "Any"), Selected: d.Form.MinGrade == ""}}
	for g := 1; g <= 4; g++ {
		v := strconv.Itoa(g)
		d.GradeOpts = append(d.GradeOpts, option{Value: v, Label: fmt.Sprintf("%d %s", g, gradeLabel(l, g)), Selected: d.Form.MinGrade == v})
	}
	return s.render(w, status, "services_config.html", s.newPage(r, "居家服务目录与额度", "Home-care catalogue and allowances", d))
}

func gradeLabel(l string, g int) string {
	names := [][2]string{{"能力完好", "intact"}, {"轻度受损", "mildly impaired"}, {"中度受损", "moderately impaired"}, {"重度受损", "severely impaired"}, {"完全丧失", "lost"}}
	return tr(l, "及以上："+names[g][0], "or worse: "+names[g][1])
}

func (s *Server) postServiceItem(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	minutes, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	active := r.PostFormValue("active") != "0"
	in := ServiceItemInput{Code: r.PostFormValue("code"), Category: r.PostFormValue("category"), Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en"),
		Minutes: minutes, Skills: r.PostForm["skills"], Certs: r.PostForm["certs"], Source: r.PostFormValue("source"), Active: &active}
	var id int64
	if v := r.PostFormValue("id"); v != "" {
		id, _ = strconv.ParseInt(v, 10, 64)
	}
	err := s.HomeCare.SaveServiceItem(r.Context(), in.item(id))
	if err == nil {
		seeOther(w, r, "/services?msg=item_saved")
		return nil
	}
	errs, problem, err := formError(r, err, "code", "category", "name", "name_en", "minutes", "skills", "certs", "source")
	if err != nil {
		return err
	}
	return s.renderServices(w, r, http.StatusBadRequest, &servicesData{ItemForm: in, ItemErrors: errs, ItemProblem: problem})
}

func (s *Server) postAllowance(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := allowanceForm{RegionCode: r.PostFormValue("region_code"), Category: r.PostFormValue("category"), MinAge: r.PostFormValue("min_age"),
		MinGrade: r.PostFormValue("min_grade"), Unit: r.PostFormValue("unit"), Amount: r.PostFormValue("amount"), ValidFrom: r.PostFormValue("valid_from"),
		ValidTo: r.PostFormValue("valid_to"), Source: r.PostFormValue("source"), Note: r.PostFormValue("note"), Statuses: r.PostForm["statuses"]}
	err := func() error {
		a := &yanglao.ServiceAllowance{RegionCode: f.RegionCode, Category: f.Category, Statuses: f.Statuses, Unit: f.Unit, Source: f.Source, Note: f.Note}
		var err error
		if a.MinAge, err = formInt(r, "min_age"); err != nil {
			return err
		}
		if f.MinGrade != "" {
			g, err := formInt(r, "min_grade")
			if err != nil {
				return err
			}
			a.MinGrade = &g
		}
		if a.Unit == yanglao.UnitFen {
			if a.Amount, err = parseYuan("amount", f.Amount); err != nil {
				return err
			}
		} else {
			n, err := formInt(r, "amount")
			if err != nil {
				return err
			}
			a.Amount = int64(n)
		}
		if a.ValidFrom, err = dateField("valid_from", f.ValidFrom); err != nil {
			return err
		}
		if a.ValidTo, err = dateField("valid_to", f.ValidTo); err != nil {
			return err
		}
		return s.HomeCare.AddAllowance(r.Context(), a)
	}()
	back := "/services?region=" + url.QueryEscape(r.URL.Query().Get("region"))
	if err == nil {
		seeOther(w, r, back+"&msg=allowance_added#allowances")
		return nil
	}
	errs, problem, err := formError(r, err, "region_code", "category", "statuses", "min_age", "min_grade", "unit", "amount", "valid_from", "valid_to", "source", "note")
	if err != nil {
		return err
	}
	return s.renderServices(w, r, http.StatusBadRequest, &servicesData{Form: f, Errors: errs, Problem: problem})
}

func (s *Server) postEndAllowance(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	end, err := dateField("end", r.PostFormValue("end"))
	if err != nil {
		return err
	}
	if err := s.HomeCare.EndAllowance(r.Context(), id, end); err != nil {
		return err
	}
	seeOther(w, r, "/services?region="+url.QueryEscape(r.URL.Query().Get("region"))+"&msg=allowance_ended#allowances")
	return nil
}

// ---- /providers

type providersData struct {
	Rates []*yanglao.CertifiedRate
}

func (s *Server) pageProviders(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if a.OrgID != nil && (a.Role == yanglao.RoleDispatcher || a.Role == yanglao.RoleCaregiver) {
		seeOther(w, r, fmt.Sprintf("/providers/%d", *a.OrgID))
		return nil
	}
	rates, err := s.HomeCare.CertifiedRates(r.Context(), "")
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "providers.html", s.newPage(r, "居家服务组织", "Home-care providers", providersData{Rates: rates}))
}

type providerData struct {
	P                        *yanglao.ProviderProfile
	Region                   *yanglao.Region
	Official, CanPrice       bool
	Items                    []option // catalogue items for the price form
	Regions                  []option
	ContractItems            []option
	Errors                   map[string]string
	Problem                  string
	Price, Minutes, ItemID   string
	Number, CRegion, CS, CE  string
	CNote                    string
	GapToTarget              string
	ItemNames                map[int64]string
	RegionNames              map[string]string
	CoverageErr, CoverageMsg string
}

func (s *Server) pageProvider(w http.ResponseWriter, r *http.Request) error {
	return s.renderProvider(w, r, http.StatusOK, &providerData{})
}

func (s *Server) renderProvider(w http.ResponseWriter, r *http.Request, status int, d *providerData) error {
	ctx, l, a := r.Context(), lang(r), actor(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if d.P, err = s.HomeCare.Provider(ctx, id); err != nil {
		return err
	}
	if d.Region, err = s.Regions.Region(ctx, d.P.Org.RegionCode); err != nil {
		return err
	}
	d.Official = manages(a) && a.OrgID == nil
	d.CanPrice = d.Official || (a.Role == yanglao.RoleDispatcher && a.OrgID != nil && *a.OrgID == id)
	items, err := s.HomeCare.ServiceItems(ctx, true)
	if err != nil {
		return err
	}
	d.ItemNames = map[int64]string{}
	for _, it := range items {
		d.ItemNames[it.ID] = tr(l, it.Name, it.NameEN)
		if it.Active {
			d.Items = append(d.Items, option{Value: strconv.FormatInt(it.ID, 10), Label: tr(l, it.Name, it.NameEN) + fmt.Sprintf(" (%d %s)", it.Minutes, tr(l, "分钟", "min")), Selected: d.ItemID == strconv.FormatInt(it.ID, 10)})
		}
	}
	var codes []string
	for _, c := range d.P.Contracts {
		codes = append(codes, c.RegionCode)
	}
	d.RegionNames = map[string]string{}
	for code, r := range s.regionNames(ctx, codes) {
		d.RegionNames[code] = r.Name
	}
	for _, pi := range d.P.Items {
		if pi.Active {
			d.ContractItems = append(d.ContractItems, option{Value: strconv.FormatInt(pi.ItemID, 10), Label: pi.ItemName})
		}
	}
	if d.Official {
		root := d.P.Org.RegionCode
		if d.Region.Level < yanglao.LevelCounty || !a.SeesPath(d.Region.Path) {
			root = a.RegionCode
		}
		if d.Regions, err = s.regionOptions(ctx, root, d.CRegion); err != nil {
			return err
		}
	}
	if rt := d.P.Rate; rt != nil && rt.Active > 0 && !rt.MeetsTarget {
		// How many more certified caregivers reach the target: ceil(target·active/100) − certified.
		need := (rt.TargetPercent*rt.Active+99)/100 - rt.Certified
		d.GapToTarget = tr(l, fmt.Sprintf("还需 %d 名持证护理员才能达到目标", need), fmt.Sprintf("%d more certified caregivers are needed to reach the target", need))
	}
	return s.render(w, status, "provider.html", s.newPage(r, d.P.Org.Name, d.P.Org.Name, d))
}

func (s *Server) postProviderCoverage(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.HomeCare.SetCoverage(r.Context(), id, r.PostFormValue("region_code"), r.PostFormValue("covered") != "0")
	if err == nil {
		seeOther(w, r, fmt.Sprintf("/providers/%d?msg=coverage_saved#coverage", id))
		return nil
	}
	errs, problem, err := formError(r, err, "region_code")
	if err != nil {
		return err
	}
	return s.renderProvider(w, r, http.StatusBadRequest, &providerData{CoverageErr: errs["region_code"] + problem})
}

func (s *Server) postProviderItem(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &providerData{Price: r.PostFormValue("price"), Minutes: r.PostFormValue("minutes"), ItemID: r.PostFormValue("item_id")}
	err = func() error {
		itemID, err := strconv.ParseInt(d.ItemID, 10, 64)
		if err != nil {
			return yanglao.Invalid("item_id", "请选择服务项目 (choose an item)")
		}
		fen, err := parseYuan("price", d.Price)
		if err != nil {
			return err
		}
		minutes, err := formInt(r, "minutes")
		if err != nil {
			return err
		}
		p := &yanglao.ProviderItem{OrgID: id, ItemID: itemID, PriceFen: fen, Minutes: minutes, Active: r.PostFormValue("active") != "0"}
		err = s.HomeCare.SetProviderItem(r.Context(), p)
		if yanglao.ErrorField(err) == "price_fen" {
			err = yanglao.Invalid("price", "%s", yanglao.ErrorMessage(err))
		}
		return err
	}()
	if err == nil {
		seeOther(w, r, fmt.Sprintf("/providers/%d?msg=price_saved#items", id))
		return nil
	}
	if d.Errors, d.Problem, err = formError(r, err, "item_id", "price", "minutes"); err != nil {
		return err
	}
	return s.renderProvider(w, r, http.StatusBadRequest, d)
}

func (s *Server) postProviderContract(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &providerData{Number: r.PostFormValue("number"), CRegion: r.PostFormValue("region_code"), CS: r.PostFormValue("start"), CE: r.PostFormValue("end"), CNote: r.PostFormValue("note")}
	err = func() error {
		c := &yanglao.ProviderContract{OrgID: id, Number: d.Number, RegionCode: d.CRegion, Note: d.CNote}
		var err error
		if c.Start, err = dateField("start", d.CS); err != nil {
			return err
		}
		if c.End, err = dateField("end", d.CE); err != nil {
			return err
		}
		for _, v := range r.PostForm["item_ids"] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return yanglao.Invalid("item_ids", "项目无效 (invalid item)")
			}
			c.ItemIDs = append(c.ItemIDs, n)
		}
		return s.HomeCare.AddContract(r.Context(), c)
	}()
	if err == nil {
		seeOther(w, r, fmt.Sprintf("/providers/%d?msg=contract_added#contracts", id))
		return nil
	}
	if d.Errors, d.Problem, err = formError(r, err, "number", "region_code", "start", "end", "item_ids", "note"); err != nil {
		return err
	}
	return s.renderProvider(w, r, http.StatusBadRequest, d)
}

// ---- /caregivers

type caregiverRow struct {
	*yanglao.Caregiver
	SkillText string
	Warnings  []string // expired or expiring certificates
}

type caregiversData struct {
	Q, Skill, Sort string
	Org            int64
	Expiring       bool
	Skills         []option
	Rows           []caregiverRow
	Next, Prev     string
	CanCreate      bool
	NewHref        string
}

// certWarnings names the caregiver's certificates that have expired or expire
// within ExpiryWarningDays of today.
func certWarnings(l string, c *yanglao.Caregiver, today yanglao.Date) []string {
	var out []string
	soon := today.AddDays(yanglao.ExpiryWarningDays)
	for _, ct := range c.Certs {
		if ct.Expires.IsZero() {
			continue
		}
		n := yanglao.CertKinds[ct.Kind]
		switch {
		case ct.Expires.Before(today):
			out = append(out, tr(l, n[0]+" 已于 "+ct.Expires.String()+" 过期", n[1]+" expired on "+ct.Expires.String()))
		case !ct.Expires.After(soon):
			out = append(out, tr(l, n[0]+" 将于 "+ct.Expires.String()+" 到期", n[1]+" expires on "+ct.Expires.String()))
		}
	}
	return out
}

func (s *Server) pageCaregivers(w http.ResponseWriter, r *http.Request) error {
	l, a := lang(r), actor(r)
	f, err := caregiverFilter(r)
	if err != nil {
		return err
	}
	f.Page.Limit = uiPageSize
	list, next, err := s.HomeCare.Caregivers(r.Context(), f)
	if err != nil {
		return err
	}
	d := caregiversData{Q: f.Query, Skill: f.Skill, Sort: f.Sort, Org: f.OrgID, Expiring: f.Expiring, Skills: skillOptions(l, []string{f.Skill})}
	d.CanCreate = (a.Role == yanglao.RoleDispatcher && a.OrgID != nil) || (manages(a) && a.OrgID == nil && f.OrgID > 0)
	d.NewHref = "/caregivers/new"
	if f.OrgID > 0 {
		d.NewHref += "?org=" + strconv.FormatInt(f.OrgID, 10)
	}
	today := yanglao.DateOf(time.Now())
	for _, c := range list {
		d.Rows = append(d.Rows, caregiverRow{Caregiver: c, SkillText: skillNames(l, c.Skills), Warnings: certWarnings(l, c, today)})
	}
	base := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "skill": f.Skill, "sort": f.Sort} {
		if v != "" {
			base.Set(k, v)
		}
	}
	if f.OrgID > 0 {
		base.Set("org", strconv.FormatInt(f.OrgID, 10))
	}
	if f.Expiring {
		base.Set("expiring", "true")
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, v := range base {
			nq[k] = v
		}
		d.Next = "/caregivers?" + nq.Encode()
	}
	if f.Page.After != "" {
		d.Prev = "/caregivers?" + base.Encode()
	}
	return s.render(w, http.StatusOK, "caregivers.html", s.newPage(r, "护理员", "Caregivers", d))
}

type caregiverForm struct {
	ID                                       int64
	Org                                      int64
	OrgName                                  string
	Name, IDNumber, Phone, Lat, Lng, Version string
	Active                                   bool
	Skills                                   []option
	C                                        *yanglao.Caregiver // the stored record, when editing
	Warnings                                 []string
	Errors                                   map[string]string
	Problem                                  string
	// The first certificate, on the new form; more are added on the record's page.
	CertKind, CertLevel, CertNumber, CertIssued, CertExpires string
	CertKinds, Levels                                        []option
	CertErrors                                               map[string]string
	CertProblem                                              string
	CanEdit                                                  bool
	Lang                                                     string
}

// T picks the form's language, for the shared certificate fields.
func (f *caregiverForm) T(zh, en string) string { return tr(f.Lang, zh, en) }

// CertName names a certificate kind in the form's language.
func (f *caregiverForm) CertName(kind string) string {
	n := yanglao.CertKinds[kind]
	return tr(f.Lang, n[0], n[1])
}

func (s *Server) certOptions(l string, f *caregiverForm) {
	f.CertKinds, f.Levels = nil, nil
	for _, k := range []string{yanglao.CertNursing, yanglao.CertHealth, yanglao.CertTraining} {
		f.CertKinds = append(f.CertKinds, option{Value: k, Label: tr(l, yanglao.CertKinds[k][0], yanglao.CertKinds[k][1]), Selected: f.CertKind == k})
	}
	f.Levels = append(f.Levels, option{Value: "", Label: tr(l, "（非护理员证书不填）", "(only for nursing certificates)")})
	for _, lv := range yanglao.NursingLevels {
		f.Levels = append(f.Levels, option{Value: lv[0], Label: tr(l, lv[0], lv[0]+" · "+lv[1]), Selected: f.CertLevel == lv[0]})
	}
}

func (s *Server) pageNewCaregiver(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	f := &caregiverForm{Active: true}
	if a.OrgID != nil {
		f.Org = *a.OrgID
	} else if n, err := queryInt64(r, "org"); err == nil && n > 0 {
		f.Org = n
	}
	if f.Org == 0 {
		return yanglao.Invalid("org", "请从服务组织页面登记护理员 (record caregivers from a provider's page)")
	}
	return s.renderCaregiverForm(w, r, http.StatusOK, f)
}

func (s *Server) renderCaregiverForm(w http.ResponseWriter, r *http.Request, status int, f *caregiverForm) error {
	l := lang(r)
	f.Lang = l
	p, err := s.HomeCare.Provider(r.Context(), f.Org)
	if err != nil {
		return err
	}
	f.OrgName = p.Org.Name
	var sel []string
	if f.C != nil && f.Skills == nil {
		sel = f.C.Skills
	}
	for _, o := range f.Skills {
		if o.Selected {
			sel = append(sel, o.Value)
		}
	}
	f.Skills = skillOptions(l, sel)
	if f.CertKind == "" {
		f.CertKind = yanglao.CertNursing
	}
	s.certOptions(l, f)
	title := [2]string{"登记护理员", "Record a caregiver"}
	if f.ID > 0 {
		title = [2]string{"护理员", "Caregiver"}
	}
	return s.render(w, status, "caregiver_form.html", s.newPage(r, title[0], title[1], f))
}

// caregiverFromForm reads the caregiver fields of the new and edit forms.
func caregiverFromForm(r *http.Request, f *caregiverForm) (*yanglao.Caregiver, error) {
	f.Name, f.IDNumber, f.Phone, f.Lat, f.Lng, f.Version = r.PostFormValue("name"), r.PostFormValue("id_number"), r.PostFormValue("phone"),
		r.PostFormValue("lat"), r.PostFormValue("lng"), r.PostFormValue("version")
	f.Active = r.PostFormValue("active") != "0"
	for _, k := range r.PostForm["skills"] {
		f.Skills = append(f.Skills, option{Value: k, Selected: true})
	}
	c := &yanglao.Caregiver{ID: f.ID, OrgID: f.Org, Name: f.Name, IDNumber: f.IDNumber, Phone: f.Phone, Skills: r.PostForm["skills"], Active: f.Active}
	var err error
	if c.Lat, err = formFloat(r, "lat"); err != nil {
		return nil, err
	}
	if c.Lng, err = formFloat(r, "lng"); err != nil {
		return nil, err
	}
	if f.Version != "" {
		if c.Version, err = strconv.Atoi(f.Version); err != nil {
			return nil, yanglao.Invalid("version", "版本无效 (invalid version)")
		}
	}
	return c, nil
}

var caregiverFields = []string{"name", "id_number", "phone", "skills", "lat", "lng", "version", "user_id"}

func (s *Server) postCaregiver(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := &caregiverForm{}
	var err error
	if f.Org, err = strconv.ParseInt(r.PostFormValue("org_id"), 10, 64); err != nil || f.Org <= 0 {
		return yanglao.Invalid("org_id", "请选择服务组织 (org_id is required)")
	}
	f.CertKind, f.CertLevel, f.CertNumber, f.CertIssued, f.CertExpires = r.PostFormValue("cert_kind"), r.PostFormValue("cert_level"),
		r.PostFormValue("cert_number"), r.PostFormValue("cert_issued"), r.PostFormValue("cert_expires")
	c, err := caregiverFromForm(r, f)
	if err == nil && strings.TrimSpace(f.CertIssued) != "" {
		var ct *yanglao.CaregiverCert
		ct, err = CertInput{Kind: f.CertKind, Level: f.CertLevel, Number: f.CertNumber, Issued: f.CertIssued, Expires: f.CertExpires}.cert(0)
		if err == nil {
			c.Certs = []*yanglao.CaregiverCert{ct}
		} else {
			err = certField(err)
		}
	}
	if err == nil {
		if err = s.HomeCare.CreateCaregiver(r.Context(), c); err == nil {
			seeOther(w, r, fmt.Sprintf("/caregivers/%d?msg=caregiver_created", c.ID))
			return nil
		}
		if f := yanglao.ErrorField(err); f == "kind" || f == "level" || f == "number" || f == "issued" || f == "expires" {
			err = certField(err)
		}
	}
	if f.Errors, f.Problem, err = formError(r, err, append(caregiverFields, "cert_kind", "cert_level", "cert_number", "cert_issued", "cert_expires")...); err != nil {
		return err
	}
	f.IDNumber = "" // never echo a citizen ID back into a page
	return s.renderCaregiverForm(w, r, http.StatusBadRequest, f)
}

// certField renames a certificate field's error to its form field (cert_…).
func certField(err error) error {
	field := yanglao.ErrorField(err)
	if field == "" || yanglao.ErrorCode(err) != yanglao.EINVALID {
		return err
	}
	return yanglao.Invalid("cert_"+field, "%s", yanglao.ErrorMessage(err))
}

func (s *Server) pageCaregiver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.HomeCare.Caregiver(r.Context(), id)
	if err != nil {
		return err
	}
	f := &caregiverForm{ID: c.ID, Org: c.OrgID, C: c, Name: c.Name, Phone: "", Active: c.Active, Version: strconv.Itoa(c.Version)}
	if c.Lat != nil {
		f.Lat, f.Lng = strconv.FormatFloat(*c.Lat, 'f', -1, 64), strconv.FormatFloat(*c.Lng, 'f', -1, 64)
	}
	return s.renderCaregiverPage(w, r, http.StatusOK, f)
}

func (s *Server) renderCaregiverPage(w http.ResponseWriter, r *http.Request, status int, f *caregiverForm) error {
	a := actor(r)
	if f.C == nil {
		c, err := s.HomeCare.Caregiver(r.Context(), f.ID)
		if err != nil {
			return err
		}
		f.C = c
	}
	f.Warnings = certWarnings(lang(r), f.C, yanglao.DateOf(time.Now()))
	f.CanEdit = (a.Role == yanglao.RoleDispatcher && a.OrgID != nil && *a.OrgID == f.C.OrgID) || (manages(a) && a.OrgID == nil)
	return s.renderCaregiverForm(w, r, status, f)
}

func (s *Server) postUpdateCaregiver(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.HomeCare.Caregiver(r.Context(), id)
	if err != nil {
		return err
	}
	f := &caregiverForm{ID: id, Org: old.OrgID}
	c, err := caregiverFromForm(r, f)
	if err == nil {
		c.UserID = old.UserID // the account link is kept; the API changes it
		if err = s.HomeCare.UpdateCaregiver(r.Context(), c); err == nil {
			seeOther(w, r, fmt.Sprintf("/caregivers/%d?msg=caregiver_saved", id))
			return nil
		}
	}
	if f.Errors, f.Problem, err = formError(r, err, caregiverFields...); err != nil {
		return err
	}
	f.IDNumber = ""
	return s.renderCaregiverPage(w, r, http.StatusBadRequest, f)
}

func (s *Server) postCaregiverCert(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.HomeCare.Caregiver(r.Context(), id)
	if err != nil {
		return err
	}
	f := &caregiverForm{ID: id, Org: c.OrgID, C: c, Name: c.Name, Active: c.Active, Version: strconv.Itoa(c.Version),
		CertKind: r.PostFormValue("cert_kind"), CertLevel: r.PostFormValue("cert_level"), CertNumber: r.PostFormValue("cert_number"),
		CertIssued: r.PostFormValue("cert_issued"), CertExpires: r.PostFormValue("cert_expires")}
	if c.Lat != nil {
		f.Lat, f.Lng = strconv.FormatFloat(*c.Lat, 'f', -1, 64), strconv.FormatFloat(*c.Lng, 'f', -1, 64)
	}
	ct, err := CertInput{Kind: f.CertKind, Level: f.CertLevel, Number: f.CertNumber, Issued: f.CertIssued, Expires: f.CertExpires}.cert(id)
	if err == nil {
		if err = s.HomeCare.AddCert(r.Context(), ct); err == nil {
			seeOther(w, r, fmt.Sprintf("/caregivers/%d?msg=cert_added#certs", id))
			return nil
		}
	}
	errs, problem, err := formError(r, certField(err), "cert_kind", "cert_level", "cert_number", "cert_issued", "cert_expires")
	if err != nil {
		return err
	}
	f.CertErrors, f.CertProblem = errs, problem
	return s.renderCaregiverPage(w, r, http.StatusBadRequest, f)
}

// ---- /bans

type bansData struct {
	Q          string
	Rows       []*yanglao.EmploymentBan
	Next, Prev string
	Form       BanInput
	Errors     map[string]string
	Problem    string
	Today      yanglao.Date
}

func (s *Server) pageBans(w http.ResponseWriter, r *http.Request) error {
	return s.renderBans(w, r, http.StatusOK, &bansData{})
}

func (s *Server) renderBans(w http.ResponseWriter, r *http.Request, status int, d *bansData) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	page.Limit = uiPageSize
	d.Q = strings.TrimSpace(r.URL.Query().Get("q"))
	rows, next, err := s.HomeCare.Bans(r.Context(), yanglao.BanFilter{Query: d.Q, Page: page})
	if err != nil {
		return err
	}
	d.Rows, d.Today = rows, yanglao.DateOf(time.Now())
	base := url.Values{}
	if d.Q != "" {
		base.Set("q", d.Q)
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, v := range base {
			nq[k] = v
		}
		d.Next = "/bans?" + nq.Encode()
	}
	if page.After != "" {
		d.Prev = "/bans?" + base.Encode()
	}
	return s.render(w, status, "services_bans.html", s.newPage(r, "从业禁止名单", "Employment-ban list", d))
}

func (s *Server) postBan(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := BanInput{IDNumber: r.PostFormValue("id_number"), Name: r.PostFormValue("name"), Source: r.PostFormValue("source"), Reason: r.PostFormValue("reason"),
		Start: r.PostFormValue("start"), End: r.PostFormValue("end")}
	err := func() error {
		b := &yanglao.EmploymentBan{IDNumber: in.IDNumber, Name: in.Name, Source: in.Source, Reason: in.Reason}
		var err error
		if b.Start, err = dateField("start", in.Start); err != nil {
			return err
		}
		if b.End, err = dateField("end", in.End); err != nil {
			return err
		}
		return s.HomeCare.AddBan(r.Context(), b)
	}()
	if err == nil {
		seeOther(w, r, "/bans?msg=ban_added")
		return nil
	}
	errs, problem, err := formError(r, err, "id_number", "name", "source", "reason", "start", "end")
	if err != nil {
		return err
	}
	in.IDNumber = ""
	return s.renderBans(w, r, http.StatusBadRequest, &bansData{Form: in, Errors: errs, Problem: problem})
}
