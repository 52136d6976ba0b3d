package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
)

// Organisations (/orgs, /orgs/new) and the audit log (/audit).

var orgKindList = []string{yanglao.OrgCareHome, yanglao.OrgDayCare, yanglao.OrgProvider, yanglao.OrgCanteen, yanglao.OrgHospital}

func kindOptions(l, selected string) []option {
	out := make([]option, len(orgKindList))
	for i, k := range orgKindList {
		out[i] = option{Value: k, Label: yanglao.OrgKindName(k, l), Selected: k == selected}
	}
	return out
}

type orgRow struct {
	*yanglao.Org
	Region *yanglao.Region
}

type orgsData struct {
	Q, Kind    string
	Kinds      []option
	Rows       []orgRow
	Next, Prev string
	CanCreate  bool
}

func (s *Server) pageOrgs(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l := lang(r)
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	page.Limit = uiPageSize
	q := r.URL.Query()
	f := yanglao.OrgFilter{Query: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Page: page}
	if yanglao.OrgKindName(f.Kind, "zh") == "" {
		f.Kind = ""
	}
	if utf8.RuneCountInString(f.Query) > 100 {
		return yanglao.Invalid("q", "搜索词最多100个字符 (q: at most 100 characters)")
	}
	orgs, next, err := s.Orgs.Orgs(ctx, f)
	if err != nil {
		return err
	}
	d := orgsData{Q: f.Query, Kind: f.Kind, Kinds: kindOptions(l, f.Kind), CanCreate: manages(actor(r))}
	codes := make([]string, len(orgs))
	for i, o := range orgs {
		codes[i] = o.RegionCode
	}
	regions := s.regionNames(ctx, codes)
	for _, o := range orgs {
		d.Rows = append(d.Rows, orgRow{Org: o, Region: regions[o.RegionCode]})
	}
	base := url.Values{}
	if f.Query != "" {
		base.Set("q", f.Query)
	}
	if f.Kind != "" {
		base.Set("kind", f.Kind)
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range base {
			nq[k] = v
		}
		nq.Set("after", next)
		d.Next = "/orgs?" + nq.Encode()
	}
	if page.After != "" {
		d.Prev = "/orgs"
		if len(base) > 0 {
			d.Prev += "?" + base.Encode()
		}
	}
	return s.render(w, http.StatusOK, "orgs.html", s.newPage(r, "机构", "Organisations", d))
}

type orgForm struct {
	Name, Kind string
	Kinds      []option
	Picker     *pickerData
	Errors     map[string]string
	Problem    string
}

func (s *Server) pageNewOrg(w http.ResponseWriter, r *http.Request) error {
	if !manages(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权登记机构 (not allowed to register organisations)")
	}
	return s.renderOrgForm(w, r, http.StatusOK, &orgForm{Kind: yanglao.OrgCareHome}, "")
}

func (s *Server) renderOrgForm(w http.ResponseWriter, r *http.Request, status int, f *orgForm, region string) error {
	var err error
	f.Kinds = kindOptions(lang(r), f.Kind)
	if f.Picker, err = s.picker(r.Context(), r, "region_code", region, "", f.Errors["region_code"]); err != nil {
		return err
	}
	return s.render(w, status, "org_new.html", s.newPage(r, "登记机构", "Register an organisation", f))
}

func (s *Server) postOrg(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := &orgForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Errors: map[string]string{}}
	region := strings.TrimSpace(r.PostFormValue("region_code"))
	o := &yanglao.Org{Name: f.Name, Kind: f.Kind, RegionCode: region}
	err := s.Orgs.CreateOrg(r.Context(), o)
	if err == nil {
		seeOther(w, r, "/orgs?msg=org_created")
		return nil
	}
	code := yanglao.ErrorCode(err)
	if code == yanglao.EINTERNAL || code == yanglao.EFORBIDDEN || code == yanglao.EUNAUTHORIZED {
		return err
	}
	switch field := yanglao.ErrorField(err); field {
	case "name", "kind", "region_code":
		f.Errors[field] = localMsg(lang(r), yanglao.ErrorMessage(err))
	default:
		f.Problem = localMsg(lang(r), yanglao.ErrorMessage(err))
	}
	return s.renderOrgForm(w, r, statusOf(code), f, region)
}

// --- audit log

type auditData struct {
	All        bool
	User       string // only this account's entries (administrators)
	Entity     string
	Entities   []option
	Rows       []*yanglao.AuditEntry
	Next, Prev string
}

// actionName names an audit action.
func actionName(action, l string) string {
	names := map[string][2]string{
		yanglao.AuditCreate:      {"新建", "create"},
		yanglao.AuditUpdate:      {"修改", "update"},
		yanglao.AuditDelete:      {"删除", "delete"},
		yanglao.AuditRead:        {"查看敏感信息", "read sensitive data"},
		yanglao.AuditLogin:       {"登录", "sign in"},
		yanglao.AuditLoginFailed: {"登录失败", "failed sign-in"},
		yanglao.AuditLogout:      {"退出", "sign out"},
		yanglao.AuditExport:      {"导出", "export"},
	}
	if n, ok := names[action]; ok {
		return tr(l, n[0], n[1])
	}
	return action
}

var auditEntities = [][3]string{
	{"user", "账号", "Accounts"},
	{"org", "机构", "Organisations"},
	{"api_token", "API 令牌", "API tokens"},
	{"regions", "区划", "Regions"},
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	page.Limit = uiPageSize
	entity := r.URL.Query().Get("entity")
	d := auditData{All: actor(r).Unrestricted()}
	known := false
	for _, e := range auditEntities {
		d.Entities = append(d.Entities, option{Value: e[0], Label: tr(l, e[1], e[2]), Selected: e[0] == entity})
		known = known || e[0] == entity
	}
	if known {
		d.Entity = entity
	}
	f := yanglao.AuditFilter{Entity: d.Entity, Page: page}
	if id, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64); err == nil && id > 0 {
		f.UserID, d.User = &id, strconv.FormatInt(id, 10)
	}
	rows, next, err := s.Audit.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	d.Rows = rows
	base := url.Values{}
	if d.Entity != "" {
		base.Set("entity", d.Entity)
	}
	if d.User != "" {
		base.Set("user", d.User)
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, v := range base {
			nq[k] = v
		}
		d.Next = "/audit?" + nq.Encode()
	}
	if page.After != "" {
		d.Prev = "/audit"
		if len(base) > 0 {
			d.Prev += "?" + base.Encode()
		}
	}
	return s.render(w, http.StatusOK, "audit.html", s.newPage(r, "审计日志", "Audit log", d))
}
