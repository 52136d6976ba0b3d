package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// The register's pages against a real router and a real database, signed in
// through the login form with a cookie and the page's CSRF token.

type peopleEnv struct {
	*uiEnv
	ps               *sqldb.PersonService
	a1, a2, b1, dead *yanglao.Person
}

func newPeopleEnv(t *testing.T) *peopleEnv {
	t.Helper()
	db := testkit.NewDB(t)
	ps := sqldb.NewPersonService(db, testkit.Box())
	e := &peopleEnv{uiEnv: serveUI(t, db, Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: ps, Assessments: sqldb.NewAssessmentService(db)}), ps: ps}
	sys := testkit.System()
	add := func(name, region, birth string, seq int, phones ...string) *yanglao.Person {
		p := &yanglao.Person{Name: name, ResidenceCode: region, IDNumber: testkit.CitizenID("431002", birth, seq), Phones: phones}
		if err := ps.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Two people in 人民路街道 (TownA), one in its sibling 燕泉街道 (TownB).
	e.a1 = add("甲一秀英", testkit.VillageA1, "1940-03-01", 11, "13800138001")
	e.a2 = add("甲二桂兰", testkit.VillageA1, "1955-07-15", 22)
	e.b1 = add("乙一建国", testkit.VillageB1, "1948-01-20", 31, "13800138003")
	e.dead = add("甲三德华", testkit.TownA, "1930-05-05", 41)
	if err := ps.AddStatus(sys, &yanglao.Status{PersonID: e.a2.ID, Kind: "dibao", Source: "民政局", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	e.dead.Life, e.dead.DeathDate = yanglao.Deceased, yanglao.Date{Year: 2024, Month: 2, Day: 1}
	if err := ps.UpdatePerson(sys, e.dead); err != nil {
		t.Fatal(err)
	}
	testkit.CreateUser(t, db, "official", yanglao.RoleOfficial, testkit.Beihu, nil)
	testkit.CreateUser(t, db, "worker_a", yanglao.RoleWorker, testkit.TownA, nil)
	elder := testkit.CreateUser(t, db, "elder_a1", yanglao.RoleElder, testkit.VillageA1, nil)
	testkit.CreateUser(t, db, "family_none", yanglao.RoleFamily, testkit.VillageA1, nil)
	if err := ps.LinkUser(sys, elder.ID, e.a1.ID, "self"); err != nil {
		t.Fatal(err)
	}
	return e
}

func pid(p *yanglao.Person) string { return strconv.FormatInt(p.ID, 10) }

// A township worker's list, search, count and pages never show a person of the
// sibling township, whatever the filters ask.
func TestUIPeopleScope(t *testing.T) {
	e := newPeopleEnv(t)
	w := e.signIn("worker_a")
	for _, path := range []string{
		"/people",
		"/people?sort=name",
		"/people?region=" + testkit.TownB,
		"/people?region=" + testkit.Beihu,
		"/people?q=" + url.QueryEscape("乙一"),
		"/people?q=" + testkit.CitizenID("431002", "1948-01-20", 31),
		"/people?q=13800138003",
		"/people?limit=1",
	} {
		resp, body := w.get(path)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		uiWantNot(t, path, body, e.b1.Name, "/people/"+pid(e.b1)+`"`)
	}
	resp, body := w.get("/people")
	uiWant(t, "worker list", resp, body, http.StatusOK, e.a1.Name, e.a2.Name, e.dead.Name, "<strong>3</strong>", e.a1.IDMasked)
	uiWantNot(t, "worker list", body, testkit.CitizenID("431002", "1940-03-01", 11), "13800138001")
	// The sibling township as a filter is refused next to the picker, with no rows.
	resp, body = w.get("/people?region=" + testkit.TownB)
	uiWant(t, "sibling region filter", resp, body, http.StatusBadRequest, "field-error")
	uiWantNot(t, "sibling region filter", body, e.a1.Name)
	// The sibling's person page is not found; so are their statuses and reveal.
	resp, body = w.get("/people/" + pid(e.b1))
	uiWant(t, "sibling person page", resp, body, http.StatusNotFound)
	uiWantNot(t, "sibling person page", body, e.b1.Name)
	resp, body = w.postCSRF("/people/"+pid(e.b1)+"/reveal", url.Values{"reason": {"curious"}})
	uiWant(t, "sibling reveal", resp, body, http.StatusNotFound)
	// The official of the county sees all four, the sibling included.
	o := e.signIn("official")
	resp, body = o.get("/people")
	uiWant(t, "county official", resp, body, http.StatusOK, e.b1.Name, e.a1.Name, "<strong>4</strong>")
}

func TestUIPeopleFilters(t *testing.T) {
	e := newPeopleEnv(t)
	o := e.signIn("official")
	cases := []struct {
		query       string
		want, avoid []string
	}{
		{"status=dibao", []string{e.a2.Name}, []string{e.a1.Name, e.b1.Name}},
		{"q=" + url.QueryEscape("甲"), []string{e.a1.Name, e.a2.Name, e.dead.Name}, []string{e.b1.Name}},
		{"q=13800138001", []string{e.a1.Name}, []string{e.a2.Name, e.b1.Name}},
		{"region=" + testkit.TownB, []string{e.b1.Name}, []string{e.a1.Name, e.a2.Name}},
		{"min_age=80", []string{e.a1.Name}, []string{e.a2.Name}},
		{"max_age=75", []string{e.a2.Name}, []string{e.a1.Name, e.b1.Name}},
		{"life=deceased", []string{e.dead.Name, "享年"}, []string{e.a1.Name, e.b1.Name}},
		{"life=alive&grade=2", []string{"<strong>0</strong>"}, []string{e.a1.Name}},
	}
	for _, c := range cases {
		resp, body := o.get("/people?" + c.query)
		uiWant(t, c.query, resp, body, http.StatusOK, c.want...)
		uiWantNot(t, c.query, body, c.avoid...)
	}
	// A bad range is shown next to the field; nothing is listed.
	resp, body := o.get("/people?min_age=90&max_age=70")
	uiWant(t, "bad age range", resp, body, http.StatusBadRequest, `id="min_age-error"`, "年龄范围无效")
	uiWantNot(t, "bad age range", body, e.a1.Name)

	// Keyset paging: one per page, sorted by name, each page links the next with
	// the filters kept, and every person turns up exactly once.
	seen := map[string]int{}
	next := "/people?sort=name&limit=1"
	for range 10 {
		resp, body := o.get(next)
		uiWant(t, next, resp, body, http.StatusOK, "<strong>4</strong>")
		for _, p := range []*yanglao.Person{e.a1, e.a2, e.b1, e.dead} {
			if strings.Contains(body, ">"+p.Name+"<") {
				seen[p.Name]++
			}
		}
		m := regexp.MustCompile(`href="(/people\?[^"]*after=[^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			break
		}
		next = strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.Contains(next, "sort=name") || !strings.Contains(next, "limit=1") {
			t.Fatalf("next page link lost the filters: %s", next)
		}
	}
	if len(seen) != 4 {
		t.Fatalf("paging saw %v, want each of 4 once", seen)
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("%s seen %d times", n, c)
		}
	}

	// htmx: only the results, and the canonical URL to push.
	resp, body = o.get("/people?q=&status=dibao&sort=id&region=", "HX-Request", "true", "HX-Target", "people-results")
	uiWant(t, "htmx results", resp, body, http.StatusOK, e.a2.Name)
	uiWantNot(t, "htmx results", body, "<html", "people-filters", e.a1.Name)
	if got := resp.Header.Get("HX-Push-Url"); got != "/people?status=dibao" {
		t.Errorf("HX-Push-Url = %q", got)
	}
}

func TestUIPersonForm(t *testing.T) {
	e := newPeopleEnv(t)
	w := e.signIn("worker_a")
	good := testkit.CitizenID("431002", "1950-06-06", 51)
	bad := good[:17] + map[bool]string{true: "0", false: "1"}[good[17] != '0']
	form := url.Values{"name": {"丙一新登记"}, "id_number": {bad}, "residence_code": {testkit.VillageA1}, "phones": {"13900139000", "", ""}, "life_status": {"alive"}}
	resp, body := w.postCSRF("/people", form)
	uiWant(t, "bad ID", resp, body, http.StatusBadRequest, `id="id_number-error"`, "校验", `value="丙一新登记"`, `value="`+bad+`"`, `value="13900139000"`)
	if i, j := strings.Index(body, `id="id_number-error"`), strings.Index(body, `id="id_number"`); i < 0 || j < i {
		t.Errorf("the id_number error is not next to its field")
	}
	if n, _ := e.ps.CountPeople(testkit.System(), yanglao.PersonFilter{Query: "丙一"}); n != 0 {
		t.Fatalf("a rejected form wrote %d people", n)
	}
	// In English the message is English.
	w.setCookie(langCookie, "en")
	resp, body = w.postCSRF("/people", form)
	uiWant(t, "bad ID in English", resp, body, http.StatusBadRequest, `id="id_number-error"`, "check")
	uiWantNot(t, "bad ID in English", body, "校验码")
	w.setCookie(langCookie, "zh")
	// Several empty required fields are all marked at once.
	resp, body = w.postCSRF("/people", url.Values{"name": {""}, "id_number": {""}, "residence_code": {""}})
	uiWant(t, "empty form", resp, body, http.StatusBadRequest, `id="name-error"`, `id="id_number-error"`, `id="residence_code-error"`)
	// A good form registers and leads to the person page.
	form.Set("id_number", good)
	form.Set("contact_name", "丙小")
	form.Add("contact_relation", "子女")
	form.Add("contact_phone", "13700137000")
	resp, body = w.postCSRF("/people", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	resp, body = w.get(loc)
	uiWant(t, "new person page", resp, body, http.StatusOK, "丙一新登记", "已登记", "139****9000", "人民路社区")
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/people/")

	// Editing without touching phones keeps them; the version guards against a stale form.
	resp, body = w.get("/people/" + id + "/edit")
	uiWant(t, "edit form", resp, body, http.StatusOK, `name="version" value="1"`, "139****9000")
	edit := url.Values{"name": {"丙一新登记"}, "residence_code": {testkit.VillageA1}, "address": {"人民路1号"}, "life_status": {"alive"}, "version": {"1"}}
	resp, body = w.postCSRF("/people/"+id, edit)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, body)
	}
	resp, body = w.get("/people/" + id)
	uiWant(t, "after edit", resp, body, http.StatusOK, "人民路1号", "139****9000")
	n, _ := strconv.ParseInt(id, 10, 64)
	got := &yanglao.Person{ID: n, Name: "x", ResidenceCode: testkit.VillageA1, Version: 2}
	if err := e.ps.UpdatePerson(testkit.System(), got); err != nil || len(got.Contacts) != 1 {
		t.Fatalf("contacts after a UI edit: %v %+v", err, got.Contacts)
	}
	resp, body = w.postCSRF("/people/"+id, edit) // version 1 again: stale
	uiWant(t, "stale edit", resp, body, http.StatusConflict, "已被他人修改", `value="人民路1号"`)
}

func TestUIPersonRevealAndStatuses(t *testing.T) {
	e := newPeopleEnv(t)
	w := e.signIn("worker_a")
	reads := func() int {
		var n int
		e.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity = 'person' AND entity_id = ?`,
			yanglao.AuditRead, pid(e.a1)).Scan(&n)
		return n
	}
	full := testkit.CitizenID("431002", "1940-03-01", 11)
	resp, body := w.get("/people/" + pid(e.a1))
	uiWant(t, "person page", resp, body, http.StatusOK, e.a1.IDMasked, "138****8001", "查看完整号码", `id="benefits"`, `id="services"`, `id="visits"`,
		"即将推出", `id="assessments"`, `id="history"`)
	uiWantNot(t, "person page", body, full, "13800138001")

	// No reason: refused next to the field, nothing read, nothing audited.
	resp, body = w.postCSRF("/people/"+pid(e.a1)+"/reveal", url.Values{"reason": {"  "}})
	uiWant(t, "reveal without reason", resp, body, http.StatusBadRequest, `id="reason-error"`)
	uiWantNot(t, "reveal without reason", body, full)
	resp, body = w.postCSRF("/people/"+pid(e.a1)+"/reveal", url.Values{"reason": {""}}, "HX-Request", "true")
	uiWant(t, "htmx reveal without reason", resp, body, http.StatusOK, `id="reason-error"`)
	uiWantNot(t, "htmx reveal without reason", body, full, "<html")
	if n := reads(); n != 0 {
		t.Fatalf("%d audited reads without a reason", n)
	}
	// With a reason: shown once in the fragment, audited with the reason.
	resp, body = w.postCSRF("/people/"+pid(e.a1)+"/reveal", url.Values{"reason": {"核对身份办理补贴"}}, "HX-Request", "true")
	uiWant(t, "reveal", resp, body, http.StatusOK, full, "13800138001")
	uiWantNot(t, "reveal", body, "<html")
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("revealed numbers may be cached: %q", resp.Header.Get("Cache-Control"))
	}
	if n := reads(); n != 1 {
		t.Fatalf("%d audited reads, want 1", n)
	}
	_, body = w.get("/people/" + pid(e.a1))
	uiWantNot(t, "page after reveal", body, full)
	if !strings.Contains(body, "核对身份办理补贴") {
		t.Errorf("the change history does not show the read and its reason")
	}

	// Statuses: add, see it in force, end it, see it ended; errors stay next to the field.
	resp, body = w.postCSRF("/people/"+pid(e.a1)+"/statuses", url.Values{"kind": {"tekun_dispersed"}, "source": {""}, "start": {"2024-01-01"}})
	uiWant(t, "status without source", resp, body, http.StatusBadRequest, `id="source-error"`)
	resp, _ = w.postCSRF("/people/"+pid(e.a1)+"/statuses", url.Values{"kind": {"tekun_dispersed"}, "source": {"民政局"}, "start": {"2024-01-01"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add status: %d", resp.StatusCode)
	}
	per, _ := e.ps.Person(testkit.System(), e.a1.ID)
	if len(per.Statuses) != 1 {
		t.Fatalf("statuses: %+v", per.Statuses)
	}
	sid := strconv.FormatInt(per.Statuses[0].ID, 10)
	resp, body = w.get("/people/" + pid(e.a1))
	uiWant(t, "status in force", resp, body, http.StatusOK, "特困（分散供养）", "/statuses/"+sid+"/end")
	resp, body = w.postCSRF("/people/"+pid(e.a1)+"/statuses/"+sid+"/end", url.Values{"end": {"2023-01-01"}})
	uiWant(t, "end before start", resp, body, http.StatusBadRequest, "结束日期早于开始日期")
	resp, _ = w.postCSRF("/people/"+pid(e.a1)+"/statuses/"+sid+"/end", url.Values{"end": {"2024-06-30"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end status: %d", resp.StatusCode)
	}
	_, body = w.get("/people/" + pid(e.a1))
	uiWantNot(t, "ended status", body, "/statuses/"+sid+"/end")
	if !strings.Contains(body, "2024-06-30") || !strings.Contains(body, "已结束") {
		t.Errorf("the ended status is not shown with its end")
	}
	// A status of another person cannot be ended through this person's page.
	resp, _ = w.postCSRF("/people/"+pid(e.a2)+"/statuses/"+sid+"/end", url.Values{"end": {"2024-06-30"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("end through another person: %d", resp.StatusCode)
	}
}

// Older people and families see their own record only, in large type, with
// nothing to change.
func TestUIPeopleElderView(t *testing.T) {
	e := newPeopleEnv(t)
	el := e.signIn("elder_a1")
	resp, body := el.get("/")
	uiWant(t, "elder home", resp, body, http.StatusOK, `href="/my-record"`, "我的信息")
	resp, body = el.get("/my-record")
	uiWant(t, "my record", resp, body, http.StatusOK, "我的信息", e.a1.Name, e.a1.IDMasked, "my-record")
	uiWantNot(t, "my record", body, e.a2.Name, e.b1.Name, e.dead.Name, "/edit", `action="/people`, "查看完整号码")
	resp, _ = el.get("/people")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/my-record" {
		t.Fatalf("elder /people: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = el.get("/people/" + pid(e.a1))
	uiWant(t, "own page", resp, body, http.StatusOK, e.a1.Name)
	uiWantNot(t, "own page", body, "/edit", `action="/people`, "查看完整号码", "添加身份")
	resp, body = el.get("/people/" + pid(e.a2))
	uiWant(t, "someone else's page", resp, body, http.StatusNotFound)
	uiWantNot(t, "someone else's page", body, e.a2.Name)
	resp, _ = el.get("/people/new")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("elder /people/new: %d", resp.StatusCode)
	}
	resp, _ = el.postCSRF("/people/"+pid(e.a1), url.Values{"name": {"改名"}, "residence_code": {testkit.VillageA1}, "version": {"1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("elder edit: %d", resp.StatusCode)
	}
	// A family account with no link sees an explanation and nobody.
	f := e.signIn("family_none")
	resp, body = f.get("/my-record")
	uiWant(t, "unlinked family", resp, body, http.StatusOK, "还没有关联")
	uiWantNot(t, "unlinked family", body, e.a1.Name, e.a2.Name)
}
