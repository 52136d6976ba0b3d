package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// Web UI scenarios against a real router and a real database.

type uiEnv struct {
	t   *testing.T
	db  *sqldb.DB
	srv *httptest.Server
}

// newUIEnv serves the foundation's pages (regions, users, organisations, audit).
func newUIEnv(t *testing.T) *uiEnv {
	t.Helper()
	db := testkit.NewDB(t)
	return serveUI(t, db, Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db),
		Orgs: sqldb.NewOrgService(db), Audit: sqldb.NewAuditService(db)})
}

// serveUI serves the pages of svc on db for the test's lifetime.
func serveUI(t *testing.T, db *sqldb.DB, svc Services) *uiEnv {
	t.Helper()
	srv := httptest.NewServer(New(svc, Config{Version: "test", Logger: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	return &uiEnv{t: t, db: db, srv: srv}
}

// uiClient is one browser: a cookie jar, no automatic redirects. Every UI test
// drives the pages through it.
type uiClient struct {
	e    *uiEnv
	c    *http.Client
	csrf string
}

// client is a browser that has not signed in.
func (e *uiEnv) client() *uiClient {
	jar, _ := cookiejar.New(nil)
	return &uiClient{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn is a browser signed in as username (testkit.Password).
func (e *uiEnv) signIn(username string) *uiClient {
	e.t.Helper()
	c := e.client()
	c.login(username)
	return c
}

func (c *uiClient) do(req *http.Request) (*http.Response, string) {
	c.e.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// get fetches path; header is name, value pairs (e.g. "HX-Request", "true").
func (c *uiClient) get(path string, header ...string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.srv.URL+path, nil)
	return c.do(withHeader(req, header))
}

// post posts the form as it is, without the CSRF token (see postCSRF).
func (c *uiClient) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(withHeader(req, header))
}

// postCSRF posts the form with the session's CSRF token, as every page's forms do.
func (c *uiClient) postCSRF(path string, form url.Values, header ...string) (*http.Response, string) {
	c.e.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf_token", c.csrf)
	return c.post(path, f, header...)
}

func withHeader(req *http.Request, header []string) *http.Request {
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func (c *uiClient) setCookie(name, value string) {
	u, _ := url.Parse(c.e.srv.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

var uiCSRFRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login signs in through the form and keeps the page's CSRF token.
func (c *uiClient) login(username string) {
	c.e.t.Helper()
	resp, body := c.post("/login", url.Values{"username": {username}, "password": {testkit.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		c.e.t.Fatalf("login %s: status %d\n%s", username, resp.StatusCode, body)
	}
	_, body = c.get("/")
	m := uiCSRFRe.FindStringSubmatch(body)
	if m == nil {
		c.e.t.Fatalf("login %s: no CSRF token on the home page", username)
	}
	c.csrf = m[1]
}

func uiWant(t *testing.T, what string, resp *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q", what, s)
		}
	}
}

func uiWantNot(t *testing.T, what, body string, absent ...string) {
	t.Helper()
	for _, s := range absent {
		if strings.Contains(body, s) {
			t.Errorf("%s: body contains %q", what, s)
		}
	}
}

func TestUILoginFlow(t *testing.T) {
	e := newUIEnv(t)
	testkit.CreateUser(t, e.db, "beihu", yanglao.RoleOfficial, testkit.Beihu, nil)
	c := e.client()

	resp, _ := c.get("/users?q=x")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/users?q=x") {
		t.Fatalf("signed out: %d %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := c.get("/login")
	uiWant(t, "login page", resp, body, 200, `<html lang="zh-CN"`, `action="/login"`, `for="username"`, `for="password"`, "vendor/htmx.min.js")

	resp, body = c.post("/login", url.Values{"username": {"beihu"}, "password": {"wrong-password-1"}})
	uiWant(t, "wrong password", resp, body, http.StatusUnauthorized, "用户名或密码错误", `value="beihu"`)
	uiWantNot(t, "wrong password", body, "wrong username or password")

	resp, body = c.post("/login", url.Values{"username": {"beihu"}, "password": {testkit.Password}, "next": {"/regions?q=北湖"}})
	if loc, _ := url.QueryUnescape(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || loc != "/regions?q=北湖" {
		t.Fatalf("login: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || session.Value == "" || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("login set no HttpOnly SameSite session cookie: %+v", resp.Cookies())
	}
	resp, body = c.get("/")
	uiWant(t, "home", resp, body, 200, "您好，Beihu", "民政干部", `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;`, `href="/users"`)
	c.csrf = uiCSRFRe.FindStringSubmatch(body)[1]

	// An open redirect through next= is refused.
	c2 := e.client()
	resp, _ = c2.post("/login", url.Values{"username": {"beihu"}, "password": {testkit.Password}, "next": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil: redirected to %q", loc)
	}

	resp, _ = c.postCSRF("/logout", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?msg=signed_out" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = c.get("/")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout: %d, want a redirect to sign in", resp.StatusCode)
	}
	resp, body = c.get("/login?msg=signed_out")
	uiWant(t, "signed out", resp, body, 200, "您已安全退出")
}

func TestUICSRF(t *testing.T) {
	e := newUIEnv(t)
	testkit.CreateUser(t, e.db, "beihu", yanglao.RoleOfficial, testkit.Beihu, nil)
	c := e.client()
	c.login("beihu")
	form := url.Values{"username": {"newworker"}, "display_name": {"新同事"}, "role": {"worker"},
		"region_code": {testkit.VillageA1}, "password": {"a-long-enough-password"}}

	resp, body := c.post("/users", form)
	uiWant(t, "POST without CSRF token", resp, body, http.StatusForbidden, "表单已过期")
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf_token", "not-the-token")
	resp, body = c.post("/users", f)
	uiWant(t, "POST with a wrong CSRF token", resp, body, http.StatusForbidden)
	if n, _ := sqldb.NewUserService(e.db).CountUsers(testkit.System(), yanglao.UserFilter{Query: "newworker"}); n != 0 {
		t.Fatalf("a refused POST created %d accounts", n)
	}
	resp, body = c.post("/prefs", url.Values{"lang": {"en"}, "back": {"/"}})
	uiWant(t, "prefs without CSRF token while signed in", resp, body, http.StatusForbidden)

	resp, body = c.postCSRF("/users", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/users/") {
		t.Fatalf("POST with CSRF token: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = c.get(resp.Header.Get("Location"))
	uiWant(t, "new account page", resp, body, 200, "账号已创建", "新同事", "乡镇村社工作人员", "人民路社区")

	// htmx sends the token in a header instead of the form.
	req, _ := http.NewRequest("POST", e.srv.URL+"/prefs", strings.NewReader("large=1&back=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("HX-Request", "true")
	resp, _ = c.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with X-CSRF-Token header: %d", resp.StatusCode)
	}
}

// scopeFixture: two sibling townships, each with an official and a worker.
type scopeFixture struct {
	officialA, workerA, officialB, workerB *yanglao.User
}

func newScopeFixture(t *testing.T, e *uiEnv) scopeFixture {
	return scopeFixture{
		officialA: testkit.CreateUser(t, e.db, "offa", yanglao.RoleOfficial, testkit.TownA, nil),
		workerA:   testkit.CreateUser(t, e.db, "worka", yanglao.RoleWorker, testkit.VillageA1, nil),
		officialB: testkit.CreateUser(t, e.db, "offb", yanglao.RoleOfficial, testkit.TownB, nil),
		workerB:   testkit.CreateUser(t, e.db, "workb", yanglao.RoleWorker, testkit.VillageB1, nil),
	}
}

func TestUITownshipOfficialNeverSeesSibling(t *testing.T) {
	e := newUIEnv(t)
	fx := newScopeFixture(t, e)
	c := e.client()
	c.login("offa")
	for _, path := range []string{"/users", "/users?q=work", "/users?q=workb", "/users?role=worker",
		"/users?region=" + testkit.TownB, "/users?region=" + testkit.VillageB1, "/users?region=" + testkit.Beihu,
		"/users?after=0", "/audit", "/orgs", "/"} {
		resp, body := c.get(path)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		uiWantNot(t, path, body, ">workb<", ">offb<", ">Workb<", ">Offb<", "/users/"+strconv.FormatInt(fx.workerB.ID, 10)+`"`)
	}
	resp, body := c.get("/users")
	uiWant(t, "own users", resp, body, 200, "worka", "offa", "共 <strong>2</strong> 个账号")
	resp, body = c.get("/users?region=" + testkit.TownB)
	uiWant(t, "sibling region filter", resp, body, 200, "不在您的辖区内")
	resp, _ = c.get("/users/" + strconv.FormatInt(fx.workerB.ID, 10))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("sibling's account page: %d, want 404", resp.StatusCode)
	}
	resp, body = c.get("/users/" + strconv.FormatInt(fx.workerA.ID, 10))
	uiWant(t, "own worker's page", resp, body, 200, "worka", "停用账号")
	resp, _ = c.postCSRF("/users/"+strconv.FormatInt(fx.workerB.ID, 10)+"/status", url.Values{"disabled": {"1"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("disable a sibling's account: %d, want 404", resp.StatusCode)
	}
	resp, _ = c.postCSRF("/users/"+strconv.FormatInt(fx.workerB.ID, 10)+"/password", url.Values{"password": {"another-long-password"}, "password2": {"another-long-password"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("reset a sibling's password: %d, want 404", resp.StatusCode)
	}
	// Creating an account in the sibling township is refused next to the region field.
	resp, body = c.postCSRF("/users", url.Values{"username": {"sneaky"}, "display_name": {"S"}, "role": {"worker"},
		"region_code": {testkit.VillageB1}, "password": {"a-long-enough-password"}})
	uiWant(t, "create in sibling", resp, body, http.StatusBadRequest, `id="region_code-error"`, "只能在本辖区内创建账号")
	// The home page counts only what is in scope.
	_, body = c.get("/")
	if !regexp.MustCompile(`<span class="num">2</span><span class="lbl">辖区内账号`).MatchString(body) {
		t.Errorf("home page count of accounts in scope is not 2")
	}
	// The picker offers nothing from the sibling township.
	resp, body = c.get("/regions/picker?field=region_code&region_code_q=燕泉", "HX-Request", "true")
	uiWant(t, "picker search", resp, body, 200, "您的辖区内没有")
	uiWantNot(t, "picker search", body, testkit.VillageB1)
	resp, body = c.get("/regions/picker?field=region_code&part=results&region_code_q=社区", "HX-Request", "true")
	uiWant(t, "picker search in scope", resp, body, 200, testkit.VillageA1, "人民路社区")
	uiWantNot(t, "picker search in scope", body, testkit.VillageB1, "燕泉社区")
}

func TestUIPreferences(t *testing.T) {
	e := newUIEnv(t)
	c := e.client()
	resp, _ := c.post("/prefs", url.Values{"lang": {"en"}, "back": {"/login?next=%2Fusers"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fusers" {
		t.Fatalf("lang switch: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := c.get("/login")
	uiWant(t, "English login", resp, body, 200, `<html lang="en"`, "Sign in", "Username", `lang="zh-CN">中文</button>`)
	uiWantNot(t, "English login", body, "用户名")

	resp, _ = c.post("/prefs", url.Values{"large": {"1"}, "back": {"/login"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("large switch: %d", resp.StatusCode)
	}
	_, body = c.get("/login")
	uiWant(t, "large type", resp, body, http.StatusSeeOther, `class="large"`, `aria-pressed="true"`)

	c.post("/prefs", url.Values{"large": {"0"}, "lang": {"zh"}, "back": {"//evil.example/x"}})
	_, body = c.get("/login")
	uiWant(t, "back to normal", resp, body, http.StatusSeeOther, `<html lang="zh-CN">`, `aria-pressed="false"`, "用户名")

	resp, _ = c.post("/prefs", url.Values{"lang": {"en"}, "back": {"//evil.example/x"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("prefs back=//evil: redirected to %q", loc)
	}

	// Signed in, the switch works with the CSRF token and returns to the page.
	testkit.CreateUser(t, e.db, "w", yanglao.RoleWorker, testkit.TownA, nil)
	c.login("w")
	resp, _ = c.postCSRF("/prefs", url.Values{"lang": {"zh"}, "back": {"/regions/" + testkit.TownA}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/regions/"+testkit.TownA {
		t.Fatalf("signed-in lang switch: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.get("/regions/" + testkit.TownA)
	uiWant(t, "region page", resp, body, http.StatusSeeOther, "下级区划", `name="back" value="/regions/`+testkit.TownA+`"`)
}

func TestUIValidationReRendersForm(t *testing.T) {
	e := newUIEnv(t)
	testkit.CreateUser(t, e.db, "beihu", yanglao.RoleOfficial, testkit.Beihu, nil)
	orgID := testkit.CreateOrg(t, e.db, "人民路养老院", yanglao.OrgCareHome, testkit.TownA)
	c := e.client()
	c.login("beihu")
	good := func() url.Values {
		return url.Values{"username": {"zhang.san"}, "display_name": {"张三"}, "role": {"caregiver"},
			"region_code": {testkit.TownA}, "org_id": {strconv.FormatInt(orgID, 10)}, "password": {"a-long-enough-password"}}
	}
	cases := []struct {
		name, field, value string
		status             int
		want               []string
	}{
		{"short password", "password", "short", 400, []string{`id="password-error"`, "密码至少10个字符", `aria-invalid="true"`}},
		{"bad username", "username", "张 三", 400, []string{`id="username-error"`, "用户名只能包含"}},
		{"no name", "display_name", " ", 400, []string{`id="display_name-error"`, "请填写姓名"}},
		{"bad region", "region_code", "12345", 400, []string{`id="region_code-error"`, "区划代码应为12位数字"}},
		{"unknown region", "region_code", "431002999999", 400, []string{`id="region_code-error"`, "不存在"}},
		{"org role without org", "org_id", "", 400, []string{`id="org_id-error"`, "该角色必须属于一个机构"}},
		{"unknown role", "role", "king", 400, []string{`id="role-error"`, "未知角色"}},
	}
	for _, tc := range cases {
		form := good()
		form.Set(tc.field, tc.value)
		resp, body := c.postCSRF("/users", form)
		uiWant(t, tc.name, resp, body, tc.status, tc.want...)
		kept := `value="zhang.san"`
		if tc.field == "username" {
			kept = `value="张三"`
		}
		uiWant(t, tc.name+" keeps the input", resp, body, tc.status, kept, `class="error-summary"`)
		uiWantNot(t, tc.name+" password not echoed", body, "a-long-enough-password")
		uiWantNot(t, tc.name+" one language", body, "(password must", "(username", "(display name")
	}
	// The same in English.
	c.setCookie(langCookie, "en")
	form := good()
	form.Set("password", "short")
	resp, body := c.postCSRF("/users", form)
	uiWant(t, "English error", resp, body, 400, "password must have at least 10 characters", `value="zhang.san"`)
	uiWantNot(t, "English error", body, "密码至少10个字符")
	c.setCookie(langCookie, "zh")

	// Success, then the same username again is a conflict on the username field.
	resp, body = c.postCSRF("/users", good())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid form: %d\n%s", resp.StatusCode, body)
	}
	resp, body = c.postCSRF("/users", good())
	uiWant(t, "duplicate username", resp, body, http.StatusConflict, `id="username-error"`, "用户名已被使用")

	// Organisation form.
	resp, body = c.postCSRF("/orgs", url.Values{"name": {""}, "kind": {"care_home"}, "region_code": {testkit.TownA}})
	uiWant(t, "org without name", resp, body, 400, `id="name-error"`, "请填写机构名称")
	resp, _ = c.postCSRF("/orgs", url.Values{"name": {"燕泉日间照料中心"}, "kind": {"day_care"}, "region_code": {testkit.TownB}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create org: %d", resp.StatusCode)
	}
	_, body = c.get("/orgs?msg=org_created")
	uiWant(t, "orgs list", resp, body, http.StatusSeeOther, "机构已登记", "燕泉日间照料中心", "日间照料中心", "人民路养老院")

	// Password reset on the account page.
	u := testkit.CreateUser(t, e.db, "resetme", yanglao.RoleWorker, testkit.TownA, nil)
	path := "/users/" + strconv.FormatInt(u.ID, 10)
	resp, body = c.postCSRF(path+"/password", url.Values{"password": {"short"}, "password2": {"short"}})
	uiWant(t, "short reset", resp, body, 400, `id="password-error"`, "密码至少10个字符")
	resp, body = c.postCSRF(path+"/password", url.Values{"password": {"one-long-password"}, "password2": {"another-long-password"}})
	uiWant(t, "mismatched reset", resp, body, 400, `id="password2-error"`, "两次输入的密码不一致")
	resp, _ = c.postCSRF(path+"/password", url.Values{"password": {"one-long-password"}, "password2": {"one-long-password"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?msg=password_reset" {
		t.Fatalf("reset: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	w := e.client()
	resp, _ = w.post("/login", url.Values{"username": {"resetme"}, "password": {"one-long-password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the reset password: %d", resp.StatusCode)
	}

	// Disable and enable.
	resp, _ = c.postCSRF(path+"/status", url.Values{"disabled": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, body = c.get(path + "?msg=user_disabled")
	uiWant(t, "disabled", resp, body, http.StatusSeeOther, "账号已停用", "启用账号")
	resp, _ = w.get("/")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the disabled account's session still works: %d", resp.StatusCode)
	}
	resp, _ = c.postCSRF(path+"/status", url.Values{"disabled": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
}

func TestUIOwnPassword(t *testing.T) {
	e := newUIEnv(t)
	testkit.CreateUser(t, e.db, "elder1", yanglao.RoleElder, testkit.VillageA1, nil)
	c := e.client()
	c.login("elder1")
	resp, body := c.postCSRF("/account/password", url.Values{"current": {"not-my-password"}, "password": {"a-new-long-password"}, "password2": {"a-new-long-password"}})
	uiWant(t, "wrong current", resp, body, http.StatusBadRequest, `id="current-error"`, "当前密码不正确")
	resp, body = c.postCSRF("/account/password", url.Values{"current": {testkit.Password}, "password": {"a-new-long-password"}, "password2": {"different-long-password"}})
	uiWant(t, "mismatch", resp, body, http.StatusBadRequest, `id="password2-error"`)
	resp, _ = c.postCSRF("/account/password", url.Values{"current": {testkit.Password}, "password": {"a-new-long-password"}, "password2": {"a-new-long-password"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?msg=password_changed" {
		t.Fatalf("change: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = c.post("/login", url.Values{"username": {"elder1"}, "password": {"a-new-long-password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", resp.StatusCode)
	}
}

func TestUIPagesForEveryRole(t *testing.T) {
	e := newUIEnv(t)
	org := testkit.CreateOrg(t, e.db, "北湖区社会福利院", yanglao.OrgCareHome, testkit.TownA)
	users := map[yanglao.Role]*yanglao.User{}
	for _, role := range yanglao.Roles {
		var orgID *int64
		if role.NeedsOrg() {
			orgID = &org
		}
		region := testkit.TownA
		if role == yanglao.RoleAdmin {
			region = testkit.Hunan
		}
		users[role] = testkit.CreateUser(t, e.db, "u_"+string(role), role, region, orgID)
	}
	common := []string{"/", "/account", "/audit", "/regions", "/regions/" + testkit.Beihu, "/regions/" + testkit.BeijingSXQ,
		"/regions?q=街道", "/users/" + strconv.FormatInt(users[yanglao.RoleWorker].ID, 10)}
	managers := []string{"/users", "/users/new", "/orgs", "/orgs/new", "/users?role=worker&region=" + testkit.TownA, "/audit?entity=user"}
	for _, role := range yanglao.Roles {
		t.Run(string(role), func(t *testing.T) {
			c := e.client()
			c.login("u_" + string(role))
			pages := common
			if role == yanglao.RoleWorker {
				pages = append(pages[:len(pages)-1:len(pages)-1], "/users/"+strconv.FormatInt(users[role].ID, 10)) // own account
			} else if !manages(&yanglao.Actor{Role: role}) {
				pages = pages[:len(pages)-1]
			}
			if manages(&yanglao.Actor{Role: role}) {
				pages = append(pages, managers...)
			}
			for _, p := range pages {
				for _, lang := range []string{"zh", "en"} {
					c.setCookie(langCookie, lang)
					resp, body := c.get(p)
					uiWant(t, p+" "+lang, resp, body, 200, `<main id="main"`, "<h1", `id="menu"`)
				}
			}
			c.setCookie(langCookie, "zh")
			resp, body := c.get("/regions/picker?field=region_code", "HX-Request", "true")
			uiWant(t, "picker", resp, body, 200, `id="picker-region_code"`)
			_, body = c.get("/")
			switch role {
			case yanglao.RoleAdmin:
				uiWant(t, "admin nav", &http.Response{StatusCode: 200}, body, 200, `href="/users"`, `href="/orgs"`, `href="/audit"`, `href="/api/docs"`, "全部账号")
			case yanglao.RoleOfficial:
				uiWant(t, "official nav", &http.Response{StatusCode: 200}, body, 200, `href="/users"`, `href="/orgs"`, `href="/regions"`, "辖区内账号", "辖区内机构")
				uiWantNot(t, "official nav", body, `href="/api/docs"`)
			case yanglao.RoleElder, yanglao.RoleFamily:
				uiWant(t, "simple home", &http.Response{StatusCode: 200}, body, 200, "tiles big", "字大一点", "即将推出")
				uiWantNot(t, "simple home", body, `href="/users"`, `href="/regions"`)
			case yanglao.RoleAssessor:
				uiWant(t, "assessor nav", &http.Response{StatusCode: 200}, body, 200, `href="/regions"`, `href="/assessments/worklist"`, `href="/people"`)
				uiWantNot(t, "assessor nav", body, `href="/users"`, `href="/orgs"`)
			default:
				uiWant(t, "staff nav", &http.Response{StatusCode: 200}, body, 200, `href="/regions"`, "即将推出")
				uiWantNot(t, "staff nav", body, `href="/users"`, `href="/orgs"`)
			}
			// Coming-soon tiles are never links.
			uiWantNot(t, "soon tiles", body, `<a class="tile" href="">`)
			if !manages(&yanglao.Actor{Role: role}) {
				resp, _ := c.get("/users/new")
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("/users/new for %s: %d, want 403", role, resp.StatusCode)
				}
			}
		})
	}
}

func TestUIRegionBrowser(t *testing.T) {
	e := newUIEnv(t)
	var extra []*yanglao.Region
	for i := 1; i <= 25; i++ {
		extra = append(extra, &yanglao.Region{Code: fmt.Sprintf("431002001%03d", 100+i), ParentCode: testkit.TownA, Name: fmt.Sprintf("测试村%02d", i), Level: 5})
	}
	if _, err := sqldb.NewRegionService(e.db).ImportRegions(testkit.System(), extra); err != nil {
		t.Fatal(err)
	}
	testkit.CreateUser(t, e.db, "beihu", yanglao.RoleOfficial, testkit.Beihu, nil)
	c := e.client()
	c.login("beihu")

	resp, body := c.get("/regions/" + testkit.Beihu)
	uiWant(t, "county", resp, body, 200, "<h1>北湖区", `href="/regions/`+testkit.Chenzhou+`">郴州市</a>`, `href="/regions/`+testkit.Hunan+`">湖南省</a>`,
		"人民路街道", "燕泉街道", "乡镇街道", `href="/users?region=`+testkit.Beihu+`"`)
	resp, body = c.get("/regions/" + testkit.TownA)
	uiWant(t, "township", resp, body, 200, "村社区", "测试村01", "下级区划 (26)")
	resp, body = c.get("/regions/" + testkit.BeijingSXQ)
	uiWant(t, "placeholder", resp, body, 200, `badge ph`, "统计分组", "东城区")
	uiWantNot(t, "placeholder outside scope", body, `href="/users?region=`)
	resp, body = c.get("/regions")
	uiWant(t, "provinces", resp, body, 200, "湖南省", "北京市", "湖北省")
	resp, _ = c.get("/regions/999")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/regions/999: %d, want 404", resp.StatusCode)
	}

	// Live search: the first page, then the keyset "more" rows.
	resp, body = c.get("/regions/search?q=测试村", "HX-Request", "true")
	uiWant(t, "live search", resp, body, 200, "测试村01", "测试村20", "更多结果")
	uiWantNot(t, "live search", body, "<html", "测试村21")
	more := regexp.MustCompile(`hx-get="(/regions/search\?q=[^"]+after=\d{12})"`).FindStringSubmatch(body)
	if more == nil {
		t.Fatalf("no more-button with a cursor:\n%s", body)
	}
	resp, body = c.get(strings.ReplaceAll(more[1], "&amp;", "&"), "HX-Request", "true")
	uiWant(t, "more rows", resp, body, 200, "测试村21", "测试村25")
	uiWantNot(t, "more rows", body, "测试村20", "更多结果", "<html")
	// Without htmx the same search is a whole page with a plain link to the next page.
	resp, body = c.get("/regions?q=测试村")
	uiWant(t, "search page", resp, body, 200, "<html", "测试村01", `href="/regions?q=`)
	resp, _ = c.get("/regions/search?q=测试村")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("search without htmx: %d, want a redirect to the page", resp.StatusCode)
	}
	resp, body = c.get("/regions?q=" + strings.Repeat("长", 51))
	uiWant(t, "long query", resp, body, http.StatusBadRequest, "名称最多50个字")

	// The picker: drill down, scope, bad field.
	resp, body = c.get("/regions/picker?field=region_code&code="+testkit.TownA, "HX-Request", "true")
	uiWant(t, "picker", resp, body, 200, `id="picker-region_code"`, `value="`+testkit.TownA+`"`, "已选", "人民路街道", "测试村01")
	uiWantNot(t, "picker is a partial", body, "<html")
	resp, body = c.get("/regions/picker?field=region_code&code="+testkit.Suxian, "HX-Request", "true")
	uiWant(t, "picker outside scope", resp, body, 200, "不在您的辖区内", `aria-invalid="true"`)
	resp, body = c.get("/regions/picker?field=region_code&part=results&region_code_q=测试村0", "HX-Request", "true")
	uiWant(t, "picker search", resp, body, 200, "测试村01", "测试村09")
	resp, _ = c.get("/regions/picker?field=onclick", "HX-Request", "true")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("picker with an unknown field: %d", resp.StatusCode)
	}
}

func TestUINotFoundAndStatic(t *testing.T) {
	e := newUIEnv(t)
	c := e.client()
	resp, body := c.get("/no/such/page")
	uiWant(t, "404 signed out", resp, body, http.StatusNotFound, "找不到页面", "养老服务平台", `<main id="main"`)
	testkit.CreateUser(t, e.db, "w", yanglao.RoleWorker, testkit.TownA, nil)
	c.login("w")
	resp, body = c.get("/no/such/page")
	uiWant(t, "404 signed in", resp, body, http.StatusNotFound, "找不到页面", `id="menu"`, "返回首页")
	resp, body = c.get("/users/123456")
	uiWant(t, "unknown user", resp, body, http.StatusNotFound, "用户不存在")
	uiWantNot(t, "unknown user", body, "(user not found)")
	resp, _ = c.get("/api/v1/nothing")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("unknown API path answered %q, want JSON", ct)
	}

	_, body = c.get("/")
	for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js"} {
		u := assets[name]
		if u == "" || !strings.Contains(body, u) {
			t.Fatalf("%s: hashed URL %q not on the page", name, u)
		}
		resp, data := c.get(u)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(data) == 0 {
			t.Errorf("%s: %d %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if !strings.Contains(body, `<script defer src="`+assets["vendor/htmx.min.js"]+`"></script>`) {
		t.Error("htmx is not loaded with a defer script tag")
	}
	// The CSP forbids inline scripts: every script tag loads a file and holds nothing.
	tags := regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(body, -1)
	if len(tags) != strings.Count(body, "<script") {
		t.Error("a script tag is not a plain <script src>")
	}
	for _, m := range tags {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script: %s", m[0])
		}
	}
}

func TestUILocalMsg(t *testing.T) {
	for _, tc := range []struct{ in, zh, en string }{
		{"请填写姓名 (display name is required)", "请填写姓名", "display name is required"},
		{"区划代码 431 不存在 (region 431 does not exist)", "区划代码 431 不存在", "region 431 does not exist"},
		{"登录失败次数过多，账号已锁定至 10:15 (too many failed sign-ins: locked until 10:15)", "登录失败次数过多，账号已锁定至 10:15", "too many failed sign-ins: locked until 10:15"},
		{"a (b (c)) d (e (f))", "a (b (c)) d", "e (f)"},
		{"只有中文", "只有中文", "只有中文"},
		{"(only)", "(only)", "(only)"},
	} {
		if got := localMsg("zh", tc.in); got != tc.zh {
			t.Errorf("localMsg(zh, %q) = %q, want %q", tc.in, got, tc.zh)
		}
		if got := localMsg("en", tc.in); got != tc.en {
			t.Errorf("localMsg(en, %q) = %q, want %q", tc.in, got, tc.en)
		}
	}
	for in, want := range map[string]string{"": "/", "/users?q=a": "/users?q=a", "//evil": "/", "/\\evil": "/", "https://x": "/", "/a/../b": "/b"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTMXErrorsAreHTMLAndFormsAreBounded(t *testing.T) {
	e := newUIEnv(t)
	testkit.CreateUser(t, e.db, "off1", yanglao.RoleOfficial, testkit.TownA, nil)
	c := e.client()
	c.login("off1")
	resp, body := c.get("/users/999999", "HX-Request", "true")
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), `role="alert"`) {
		t.Fatalf("htmx error: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A form body over the limit is refused, not read into memory.
	resp, _ = c.postCSRF("/orgs", url.Values{"name": {strings.Repeat("x", 2<<20)}, "kind": {"canteen"}, "region_code": {testkit.TownA}})
	if resp.StatusCode < 400 {
		t.Fatalf("2 MiB form accepted: %d", resp.StatusCode)
	}
}

// The menu offers the import page to the roles that may write the register
// (sqldb canWriteRegister: officials, workers, assessors, administrators).
func TestNavImport(t *testing.T) {
	may := map[yanglao.Role]bool{yanglao.RoleAdmin: true, yanglao.RoleOfficial: true, yanglao.RoleWorker: true, yanglao.RoleAssessor: true}
	for _, role := range yanglao.Roles {
		for _, lang := range []string{"zh", "en"} {
			var got *navLink
			for _, l := range navFor(&yanglao.Actor{Role: role}, lang, "/import/3") {
				if l.Href == "/import" {
					got = &l
				}
			}
			if (got != nil) != may[role] {
				t.Errorf("%s (%s): import in the menu %v, want %v", role, lang, got != nil, may[role])
			}
			if got != nil && (!got.Current || got.Label != map[string]string{"zh": "导入导出", "en": "Import and export"}[lang]) {
				t.Errorf("%s (%s): import link %+v", role, lang, *got)
			}
		}
	}
}
