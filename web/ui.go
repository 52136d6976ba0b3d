package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/orders"
)

// The web UI: server-rendered html/template pages, enhanced with htmx where a
// partial update helps (live search, the region picker). Every page works
// without JavaScript. Text goes through one mechanism, tr(lang, zh, en), in
// templates and in Go alike; service errors arrive as "中文 (English)" and are
// cut to the user's language by localMsg.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets maps a static file name to its content-hashed URL, so browsers may cache
// forever and still see a new file after an upgrade.
var assets = hashAssets()

func hashAssets() map[string]string {
	m := map[string]string{}
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		m[name] = "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		return nil
	})
	return m
}

// serveStatic serves /static/{hash}/{file...}; the hash only busts caches.
func serveStatic() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + r.PathValue("file")
		files.ServeHTTP(w, r2)
	})
}

// page is what every template receives.
type page struct {
	Title     string
	Lang      string
	Actor     *yanglao.Actor
	User      *yanglao.User
	CSRF      string
	HXHeaders string // JSON for hx-headers on <body>: htmx sends the CSRF token on every request
	Large     bool   // large type / high contrast for older users
	Path      string
	Back      string // where the preference switches return to
	Nav       []navLink
	Flash     string // a one-line confirmation after a change
	Demo      bool
	Version   string
	Data      any
}

func (s *Server) newPage(r *http.Request, zhTitle, enTitle string, data any) *page {
	l := lang(r)
	p := &page{Title: tr(l, zhTitle, enTitle), Lang: l, Actor: actor(r), Path: r.URL.Path, Demo: !s.cfg.Production,
		Version: s.cfg.Version, Data: data, Back: r.URL.Path}
	if r.Method == http.MethodGet {
		p.Back = r.URL.RequestURI()
	}
	if sess := sessionOf(r.Context()); sess != nil {
		p.CSRF = sess.CSRFToken
		h, _ := json.Marshal(map[string]string{"X-CSRF-Token": sess.CSRFToken})
		p.HXHeaders = string(h)
	}
	if c, err := r.Cookie(largeCookie); err == nil && c.Value == "1" {
		p.Large = true
	}
	p.Nav = navFor(p.Actor, l, r.URL.Path)
	p.Flash = flashText(l, r.URL.Query().Get("msg"))
	return p
}

const (
	langCookie  = "yl_lang"
	largeCookie = "yl_large"
)

// lang is the user's language: the yl_lang cookie, else Chinese.
func lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

// tr picks the text of the language. It is the UI's one translation mechanism.
func tr(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// localMsg cuts a bilingual service message "中文 (English)" to one language.
// A message without a trailing parenthesised English part is returned whole.
func localMsg(lang, msg string) string {
	if !strings.HasSuffix(msg, ")") {
		return msg
	}
	depth := 0
	for i := len(msg) - 1; i >= 0; i-- {
		switch msg[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				if i < 2 || msg[i-1] != ' ' {
					return msg
				}
				return tr(lang, msg[:i-1], msg[i+1:len(msg)-1])
			}
		}
	}
	return msg
}

// levelName names a level of the region tree.
func levelName(level int, lang string) string {
	if lang != "en" {
		return yanglao.LevelName(level)
	}
	switch level {
	case yanglao.LevelProvince:
		return "Province"
	case yanglao.LevelCity:
		return "Prefecture"
	case yanglao.LevelCounty:
		return "County"
	case yanglao.LevelTownship:
		return "Township / street"
	case yanglao.LevelVillage:
		return "Village / community"
	}
	return ""
}

// whenText shows a time in Asia/Shanghai, the zone of every civil time in the platform.
func whenText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(yanglao.Shanghai).Format("2006-01-02 15:04")
}

var funcs = template.FuncMap{
	"asset":       func(name string) string { return assets[name] },
	"tr":          tr,
	"msg":         localMsg,
	"yuan":        yuan,
	"totalsTable": totalsTable,
	"roleName":    func(r yanglao.Role, lang string) string { return r.Name(lang) },
	"levelName":   levelName,
	"orgKind":     yanglao.OrgKindName,
	"when":        whenText,
	"actionName":  actionName,
	"fe":          func(errs map[string]string, field string) fieldError { return fieldError{field, errs[field]} },
	"ri":          func(lang string, r *yanglao.Region, where string) regionItem { return regionItem{lang, r, where} },
	"pager":       func(lang, next, prev string) pagerData { return pagerData{lang, next, prev} },
	"fuArgs":      func(p *page, rows []fuRow) fuArgs { return fuArgs{p, rows} },
	// Meals and vouchers (issue 5).
	"mealName":     mealLabel,
	"modeName":     modeLabel,
	"voucherState": yanglao.VoucherStateName,
	"voucherUse":   yanglao.VoucherUseName,
	"subsidyName":  yanglao.SubsidyCategoryName,
	"dayName":      dayName,
	// Devices and alarms.
	"deviceKind":    yanglao.DeviceKindName,
	"eventName":     yanglao.EventName,
	"caseStatus":    yanglao.CaseStatusName,
	"responderName": yanglao.ResponderName,
	"outcomeName":   yanglao.OutcomeName,
	"whenSec":       whenSec,
	"pct":           pct,
	"secs":          secs,
}

// Small argument bundles for the shared partials in layout.html and regions.html.
type (
	fieldError struct{ Field, Msg string }
	regionItem struct {
		Lang  string
		R     *yanglao.Region
		Where string
	}
	pagerData struct{ Lang, Next, Prev string }
)

var templates = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// render executes a template into a buffer first, so a template error never
// leaves half a page on the wire.
func (s *Server) render(w http.ResponseWriter, status int, name string, p any) error {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// errorData is what error.html shows.
type errorData struct {
	Status    int
	Code      string
	Message   string
	Field     string
	RequestID string
}

func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	code := yanglao.ErrorCode(err)
	if code == yanglao.EUNAUTHORIZED {
		s.redirectToLogin(w, r)
		return
	}
	l := lang(r)
	d := errorData{Status: statusOf(code), Code: code, Message: localMsg(l, yanglao.ErrorMessage(err)),
		Field: yanglao.ErrorField(err), RequestID: requestID(r.Context())}
	if code == yanglao.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", slog.String("err", err.Error()),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("id", d.RequestID))
		d.Message = tr(l, "服务器内部错误，请稍后再试。", "Internal server error. Please try again later.")
	}
	p := s.newPage(r, "出错了", "Error", d)
	if d.Status == http.StatusNotFound {
		p.Title = tr(l, "找不到页面", "Page not found")
	}
	if rerr := s.render(w, d.Status, "error.html", p); rerr != nil {
		s.apiError(w, r, rerr)
	}
}

var errNoPage = yanglao.Errorf(yanglao.ENOTFOUND, "找不到这个页面，请检查地址或从菜单进入 (this page does not exist: check the address or use the menu)")

// pageNotFound answers every path no other route claims, in the site's layout.
func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) error { return errNoPage }

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(next))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	p, q, _ := strings.Cut(next, "?")
	p = path.Clean("/" + strings.TrimPrefix(p, "/"))
	if q != "" {
		if _, err := url.ParseQuery(q); err == nil {
			return p + "?" + q
		}
	}
	return p
}

// pageTable lists the web UI's routes; it joins table() in routes().
func (s *Server) pageTable() []route {
	return []route{
		{method: "GET", path: "/static/{hash}/{file...}", raw: serveStatic()},
		{method: "GET", path: "/login", page: s.pageLogin},
		{method: "POST", path: "/login", page: s.postLogin},
		{method: "POST", path: "/logout", access: signedIn, page: s.postLogout},
		{method: "POST", path: "/prefs", page: s.postPrefs},
		{method: "GET", path: "/{$}", access: signedIn, page: s.pageHome},
		{method: "GET", path: "/account", access: signedIn, page: s.pageAccount},
		{method: "POST", path: "/account/password", access: signedIn, page: s.postAccountPassword},

		{method: "GET", path: "/regions", access: signedIn, page: s.pageRegions},
		{method: "GET", path: "/regions/search", access: signedIn, page: s.pageRegionSearch},
		{method: "GET", path: "/regions/picker", access: signedIn, page: s.pageRegionPicker},
		{method: "GET", path: "/regions/{code}", access: signedIn, page: s.pageRegion},

		{method: "GET", path: "/users", access: signedIn, page: s.pageUsers},
		{method: "GET", path: "/users/new", access: signedIn, page: s.pageNewUser},
		{method: "POST", path: "/users", access: signedIn, page: s.postUser},
		{method: "GET", path: "/users/{id}", access: signedIn, page: s.pageUser},
		{method: "POST", path: "/users/{id}/status", access: signedIn, page: s.postUserStatus},
		{method: "POST", path: "/users/{id}/password", access: signedIn, page: s.postUserPassword},

		{method: "GET", path: "/orgs", access: signedIn, page: s.pageOrgs},
		{method: "GET", path: "/orgs/new", access: signedIn, page: s.pageNewOrg},
		{method: "POST", path: "/orgs", access: signedIn, page: s.postOrg},

		{method: "GET", path: "/audit", access: signedIn, page: s.pageAudit},
		{method: "GET", path: "/import", access: signedIn, page: s.pageImport},
		{method: "POST", path: "/import", access: signedIn, page: s.postImport},
		{method: "GET", path: "/import/{id}", access: signedIn, page: s.pageImportJob},
		{method: "GET", path: "/import/{id}/progress", access: signedIn, page: s.pageImportProgress},

		{method: "GET", path: "/people", access: signedIn, page: s.pagePeople},
		{method: "GET", path: "/people/new", access: signedIn, page: s.pageNewPerson},
		{method: "POST", path: "/people", access: signedIn, page: s.postPerson},
		{method: "GET", path: "/people/{id}", access: signedIn, page: s.pagePerson},
		{method: "GET", path: "/people/{id}/edit", access: signedIn, page: s.pageEditPerson},
		{method: "POST", path: "/people/{id}", access: signedIn, page: s.postUpdatePerson},
		{method: "POST", path: "/people/{id}/reveal", access: signedIn, page: s.postRevealPerson},
		{method: "POST", path: "/people/{id}/statuses", access: signedIn, page: s.postPersonStatus},
		{method: "POST", path: "/people/{id}/statuses/{sid}/end", access: signedIn, page: s.postEndPersonStatus},
		{method: "GET", path: "/my-record", access: signedIn, page: s.pageMyRecord},

		{method: "GET", path: "/people/{id}/assess", access: signedIn, page: s.pageAssessForm},
		{method: "POST", path: "/people/{id}/assess", access: signedIn, page: s.postAssess},
		{method: "GET", path: "/people/{id}/assessments", access: signedIn, page: s.pagePersonAssessments},
		{method: "GET", path: "/assessments/worklist", access: signedIn, page: s.pageReassessWorklist},
		{method: "GET", path: "/assessments/compare", access: signedIn, page: s.pageAssessCompareQuery},
		{method: "GET", path: "/assessments/{id}", access: signedIn, page: s.pageAssessment},
		{method: "GET", path: "/assessments/{id}/report", access: signedIn, page: s.pageAssessReport},
		{method: "GET", path: "/assessments/{id}/compare/{other}", access: signedIn, page: s.pageAssessCompare},

		{method: "GET", path: "/batches", access: signedIn, page: s.pageBatches},
		{method: "POST", path: "/batches", access: signedIn, page: s.postBatch},
		{method: "GET", path: "/batches/{id}", access: signedIn, page: s.pageBatch},
		{method: "GET", path: "/batches/{id}/progress", access: signedIn, page: s.pageBatchProgress},
		{method: "POST", path: "/batches/{id}/approve", access: signedIn, page: s.postApproveBatch},
		{method: "POST", path: "/batches/{id}/reconcile", access: signedIn, page: s.postReconcileBatch},

		{method: "GET", path: "/benefits/list", access: signedIn, page: s.pageBenefitList},
		{method: "POST", path: "/benefits/list", access: signedIn, page: s.postBenefitItem},
		{method: "POST", path: "/benefits/params", access: signedIn, page: s.postBenefitParam},
		{method: "GET", path: "/benefits/applications", access: signedIn, page: s.pageApplications},
		{method: "POST", path: "/benefits/applications/{id}/decide", access: signedIn, page: s.postDecideApplication},
		{method: "POST", path: "/people/{id}/benefits/apply", access: signedIn, page: s.postApply},
		{method: "GET", path: "/benefits/simulate", access: signedIn, page: s.pageSimulate},
		{method: "POST", path: "/benefits/simulate", access: signedIn, page: s.postSimulate},

		// Care visits (issue 6): the visitor's phone pages, the plan, alerts, rates, follow-ups.
		{method: "GET", path: "/carevisits", access: signedIn, page: s.pageCareVisits},
		{method: "GET", path: "/carevisits/alerts", access: signedIn, page: s.pageCareAlerts},
		{method: "GET", path: "/carevisits/rates", access: signedIn, page: s.pageCareRates},
		{method: "GET", path: "/carevisits/plan", access: signedIn, page: s.pageCarePlan},
		{method: "POST", path: "/carevisits/plan/assign", access: signedIn, page: s.postPlanAssign},
		{method: "POST", path: "/carevisits/plan/refresh", access: signedIn, page: s.postPlanRefresh},
		{method: "POST", path: "/carevisits/plan/visitors", access: signedIn, page: s.postPlanVisitor},
		{method: "POST", path: "/carevisits/plan/rules", access: signedIn, page: s.postPlanRule},
		{method: "GET", path: "/carevisits/people/{id}/visit", access: signedIn, page: s.pageVisitForm},
		{method: "POST", path: "/carevisits/people/{id}/visit", access: signedIn, page: s.postVisit},
		{method: "GET", path: "/carevisits/people/{id}/visits", access: signedIn, page: s.pagePersonCareVisits},
		{method: "GET", path: "/carevisits/visits/{id}", access: signedIn, page: s.pageVisit},
		{method: "GET", path: "/carevisits/followups", access: signedIn, page: s.pageFollowUps},
		{method: "POST", path: "/carevisits/followups/{id}", access: signedIn, page: s.postFollowUp},
		// Mandatory reports: anyone reports and tracks; the county works the list.
		{method: "GET", path: "/report", page: s.pageReportForm},
		{method: "POST", path: "/report", page: s.postReportForm},
		{method: "GET", path: "/report/track", page: s.pageReportTrack},
		{method: "GET", path: "/abuse-reports", access: signedIn, page: s.pageAbuseReports},
		{method: "GET", path: "/abuse-reports/{id}", access: signedIn, page: s.pageAbuseReport},
		{method: "POST", path: "/abuse-reports/{id}", access: signedIn, page: s.postAbuseReport},
		// Home-care orders, dispatch, the caregiver's phone pages, statements (issue 5).
		{method: "GET", path: "/orders", access: signedIn, page: s.pageOrders},
		{method: "GET", path: "/orders/new", access: signedIn, page: s.pageNewOrder},
		{method: "POST", path: "/orders", access: signedIn, page: s.postOrder},
		{method: "GET", path: "/orders/{id}", access: signedIn, page: s.pageOrder},
		{method: "POST", path: "/orders/{id}/step", access: signedIn, page: s.postOrderStep},
		{method: "POST", path: "/orders/{id}/review", access: signedIn, page: s.postOrderReview},
		{method: "GET", path: "/dispatch", access: signedIn, page: s.pageDispatch},
		{method: "GET", path: "/visits", access: signedIn, page: s.pageOrderVisits},
		{method: "GET", path: "/visits/{id}", access: signedIn, page: s.pageOrderVisit},
		{method: "GET", path: "/statements", access: signedIn, page: s.pageStatement},
		// Meals and vouchers (issue 5).
		{method: "GET", path: "/canteens", access: signedIn, page: s.pageCanteens},
		{method: "GET", path: "/canteens/new", access: signedIn, page: s.pageNewCanteen},
		{method: "POST", path: "/canteens", access: signedIn, page: s.postCanteen},
		{method: "GET", path: "/canteens/{id}", access: signedIn, page: s.pageCanteen},
		{method: "POST", path: "/canteens/subsidies", access: signedIn, page: s.postMealSubsidy},
		{method: "POST", path: "/canteens/{id}/menus", access: signedIn, page: s.postCanteenMenu},
		{method: "POST", path: "/canteens/{id}/counter", access: signedIn, page: s.postCanteenCounter},
		{method: "GET", path: "/canteens/{id}/kitchen", access: signedIn, page: s.pageKitchen},
		{method: "GET", path: "/canteens/{id}/statement", access: signedIn, page: s.pageCanteenStatement},
		{method: "GET", path: "/meals", access: signedIn, page: s.pageMeals},
		{method: "POST", path: "/meals", access: signedIn, page: s.postMeal},
		{method: "GET", path: "/meals/orders/{id}", access: signedIn, page: s.pageMealOrder},
		{method: "POST", path: "/meals/orders/{id}/cancel", access: signedIn, page: s.postCancelMeal},
		{method: "GET", path: "/vouchers", access: signedIn, page: s.pageVouchers},
		{method: "POST", path: "/vouchers", access: signedIn, page: s.postVouchers},
		{method: "GET", path: "/vouchers/batches/{id}", access: signedIn, page: s.pageVoucherBatch},
		{method: "GET", path: "/devices", access: signedIn, page: s.pageDevices},
		{method: "GET", path: "/devices/new", access: signedIn, page: s.pageNewDevice},
		{method: "POST", path: "/devices", access: signedIn, page: s.postDevice},
		{method: "GET", path: "/devices/{id}", access: signedIn, page: s.pageDevice},
		{method: "POST", path: "/devices/{id}/bind", access: signedIn, page: s.postBindDevice},
		{method: "GET", path: "/alarms", access: signedIn, page: s.pageAlarmBoard},
		{method: "GET", path: "/alarms/stream", access: signedIn, page: s.pageAlarmStream},
		{method: "GET", path: "/alarms/report", access: signedIn, page: s.pageAlarmReport},
		{method: "GET", path: "/alarms/{id}", access: signedIn, page: s.pageAlarmCase},
		{method: "POST", path: "/alarms/{id}", access: signedIn, page: s.postAlarmCase},

		// Home and community services (issue 5): catalogue, allowances, providers, caregivers, bans.
		{method: "GET", path: "/services", access: signedIn, page: s.pageServices},
		{method: "POST", path: "/services/items", access: signedIn, page: s.postServiceItem},
		{method: "POST", path: "/services/allowances", access: signedIn, page: s.postAllowance},
		{method: "POST", path: "/services/allowances/{id}/end", access: signedIn, page: s.postEndAllowance},
		{method: "GET", path: "/providers", access: signedIn, page: s.pageProviders},
		{method: "GET", path: "/providers/{id}", access: signedIn, page: s.pageProvider},
		{method: "POST", path: "/providers/{id}/coverage", access: signedIn, page: s.postProviderCoverage},
		{method: "POST", path: "/providers/{id}/items", access: signedIn, page: s.postProviderItem},
		{method: "POST", path: "/providers/{id}/contracts", access: signedIn, page: s.postProviderContract},
		{method: "GET", path: "/caregivers", access: signedIn, page: s.pageCaregivers},
		{method: "GET", path: "/caregivers/new", access: signedIn, page: s.pageNewCaregiver},
		{method: "POST", path: "/caregivers", access: signedIn, page: s.postCaregiver},
		{method: "GET", path: "/caregivers/{id}", access: signedIn, page: s.pageCaregiver},
		{method: "POST", path: "/caregivers/{id}", access: signedIn, page: s.postUpdateCaregiver},
		{method: "POST", path: "/caregivers/{id}/certs", access: signedIn, page: s.postCaregiverCert},
		{method: "GET", path: "/bans", access: signedIn, page: s.pageBans},
		{method: "POST", path: "/bans", access: signedIn, page: s.postBan},

		// Anything else is a 404 page in the site's layout.
		{path: "/", page: s.pageNotFound},
	}
}

// parseForm bounds and parses a posted form.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return yanglao.Invalid("body", "表单无效 (invalid form)")
	}
	return nil
}

// seeOther redirects after a successful POST, so a reload does not post again.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// --- sign-in

type loginForm struct {
	Username, Next string
	Error          string
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	if actor(r) != nil {
		seeOther(w, r, safeNext(r.URL.Query().Get("next")))
		return nil
	}
	return s.render(w, http.StatusOK, "login.html", s.newPage(r, "登录", "Sign in", loginForm{Next: r.URL.Query().Get("next")}))
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	form := loginForm{Username: r.PostFormValue("username"), Next: r.PostFormValue("next")}
	_, _, token, err := s.Users.Login(r.Context(), form.Username, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		code := yanglao.ErrorCode(err)
		if code == yanglao.EINTERNAL {
			return err
		}
		form.Error = localMsg(lang(r), yanglao.ErrorMessage(err))
		return s.render(w, statusOf(code), "login.html", s.newPage(r, "登录", "Sign in", form))
	}
	s.setSessionCookie(w, token)
	seeOther(w, r, safeNext(form.Next))
	return nil
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Users.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	seeOther(w, r, "/login?msg=signed_out")
	return nil
}

// --- preferences

// postPrefs switches the language (lang=zh|en) or large type (large=1|0) and
// returns to the page it came from. It is a POST, so a signed-in browser sends
// its CSRF token; before sign-in there is nothing to forge.
func (s *Server) postPrefs(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	const year = 365 * 24 * 3600
	set := func(name, value string) {
		c := &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: year, HttpOnly: true,
			Secure: s.cfg.Production, SameSite: http.SameSiteLaxMode}
		if value == "" {
			c.MaxAge = -1
		}
		http.SetCookie(w, c)
	}
	switch r.PostFormValue("lang") {
	case "en":
		set(langCookie, "en")
	case "zh":
		set(langCookie, "zh")
	}
	switch r.PostFormValue("large") {
	case "1":
		set(largeCookie, "1")
	case "0":
		set(largeCookie, "")
	}
	seeOther(w, r, safeNext(r.PostFormValue("back")))
	return nil
}

// flashText is the confirmation shown after a redirect carrying ?msg=.
// Only known keys are shown, so the query cannot inject text.
func flashText(lang, key string) string {
	switch key {
	case "":
		return ""
	case "signed_out":
		return tr(lang, "您已安全退出。", "You have signed out.")
	case "user_created":
		return tr(lang, "账号已创建。", "The account was created.")
	case "user_disabled":
		return tr(lang, "账号已停用，其登录会话已结束。", "The account was disabled and its sessions ended.")
	case "user_enabled":
		return tr(lang, "账号已启用。", "The account was enabled.")
	case "password_reset":
		return tr(lang, "密码已重置，该账号需用新密码重新登录。", "The password was reset; the account must sign in with the new one.")
	case "password_changed":
		return tr(lang, "密码已修改，请用新密码登录。", "Your password was changed. Please sign in with the new one.")
	case "org_created":
		return tr(lang, "机构已登记。", "The organisation was registered.")
	case "item_saved":
		return tr(lang, "服务项目已保存。", "The service item was saved.")
	case "allowance_added":
		return tr(lang, "额度规则已保存。", "The allowance rule was saved.")
	case "allowance_ended":
		return tr(lang, "额度规则已设定截止日期。", "The allowance rule now ends on that date.")
	case "coverage_saved":
		return tr(lang, "服务范围已更新。", "The coverage was updated.")
	case "price_saved":
		return tr(lang, "价格已保存。", "The price was saved.")
	case "contract_added":
		return tr(lang, "合同已登记。", "The contract was recorded.")
	case "caregiver_created":
		return tr(lang, "护理员已登记。", "The caregiver was recorded.")
	case "caregiver_saved":
		return tr(lang, "护理员信息已保存。", "The caregiver was saved.")
	case "cert_added":
		return tr(lang, "证书已添加。", "The certificate was added.")
	case "ban_added":
		return tr(lang, "从业禁止已登记。", "The ban was recorded.")
	case "visit_saved":
		return tr(lang, "探访记录已保存。", "The visit was saved.")
	case "report_updated":
		return tr(lang, "报告办理情况已保存。", "The report was updated.")
	case "order_placed":
		return tr(lang, "预约成功！服务组织会尽快安排护理员。", "Booked! The provider will assign a caregiver soon.")
	case "order_reviewed":
		return tr(lang, "审核结果已记录。", "The review was recorded.")
	case "case_acknowledge":
		return tr(lang, "已接警，升级已停止。", "Acknowledged: escalation stopped.")
	case "case_dispatch":
		return tr(lang, "已派出人员。", "Responder sent.")
	case "case_arrive":
		return tr(lang, "已记录到达。", "Arrival recorded.")
	case "case_close":
		return tr(lang, "警情已结案。", "The case is closed.")
	case "device_bound":
		return tr(lang, "绑定已保存。", "The binding was saved.")
	}
	if a, ok := strings.CutPrefix(key, "order_"); ok && orders.Action(a).Name("zh") != "" {
		return tr(lang, "已"+orders.Action(a).Name("zh")+"。", orders.Action(a).Name("en")+": done.")
	}
	return ""
}
