package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	tk "github.com/yanglao/yanglao/testkit"
)

// page fetches a UI page without following redirects.
func (e *env) page(method, path, token string, form url.Values) (int, string, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("Location")
}

func TestAssessmentPages(t *testing.T) {
	e := newEnv(t)
	assessor := tk.CreateUser(t, e.db, "pinggu", yanglao.RoleAssessor, tk.TownA, nil)
	workerA := tk.CreateUser(t, e.db, "workera", yanglao.RoleWorker, tk.TownA, nil)
	workerB := tk.CreateUser(t, e.db, "workerb", yanglao.RoleWorker, tk.TownB, nil)
	tok, wa, wb := e.token(assessor), e.token(workerA), e.token(workerB)
	elder := &yanglao.Person{Name: "谭秋菊", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1937-10-10", 31)}
	if err := e.people.CreatePerson(tk.System(), elder); err != nil {
		t.Fatal(err)
	}
	pid := strconv.FormatInt(elder.ID, 10)

	// The form shows every item and every option's full text.
	status, body, _ := e.page("GET", "/people/"+pid+"/assess", tok, nil)
	if status != 200 {
		t.Fatalf("form: %d %s", status, body)
	}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			if !strings.Contains(body, `name="`+it.Code+`"`) || !strings.Contains(body, it.Options[len(it.Options)-1].Text) {
				t.Fatalf("form lacks %s or its option texts", it.Code)
			}
		}
	}
	if !strings.Contains(body, "assess.js") || strings.Contains(body, "<script>") {
		t.Error("the form's script must be a static file (CSP)")
	}
	// Workers read results but get no form.
	if status, _, _ := e.page("GET", "/people/"+pid+"/assess", wa, nil); status != http.StatusForbidden {
		t.Errorf("worker's form: %d", status)
	}

	today := yanglao.DateOf(time.Now())
	form := url.Values{"assessed_on": {today.String()}, "reason": {"first"}, "place": {"家中"}, "assessor_name": {"评估员甲"},
		"dementia": {"1"}, "risk_kind_0": {"fall"}, "risk_date_0": {today.AddDays(-3).String()}, "request_key": {"abc"}}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			form.Set(it.Code, strconv.Itoa(it.Max()))
		}
	}
	// A missing answer: the form comes back, answers kept, the item marked.
	missing := url.Values{}
	for k, v := range form {
		missing[k] = v
	}
	missing.Del("B.2.3")
	status, body, _ = e.page("POST", "/people/"+pid+"/assess", tok, missing)
	if status != http.StatusBadRequest || !strings.Contains(body, `href="#q-B-2-3"`) || !strings.Contains(body, "平地行走") ||
		!strings.Contains(body, `name="B.1.1" value="4" required checked`) {
		t.Fatalf("missing item: %d", status)
	}
	// A risk event without a date.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("risk_date_0", "")
	if status, _, _ := e.page("POST", "/people/"+pid+"/assess", tok, bad); status != http.StatusBadRequest {
		t.Fatalf("event without date: %d", status)
	}

	status, _, loc := e.page("POST", "/people/"+pid+"/assess", tok, form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/assessments/") {
		t.Fatalf("save: %d %s", status, loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/assessments/"), "?saved=1")
	// The same form posted twice is one assessment.
	if _, _, loc2 := e.page("POST", "/people/"+pid+"/assess", tok, form); loc2 != loc {
		t.Fatalf("posted twice: %s then %s", loc, loc2)
	}
	status, body, _ = e.page("GET", loc, wa, nil)
	if status != 200 || !strings.Contains(body, "能力轻度受损") || !strings.Contains(body, "确诊为痴呆") || !strings.Contains(body, "附录C C.4") {
		t.Fatalf("result page: %d", status)
	}
	// The report is Chinese even for an English-speaking user, names the standard and every chosen option.
	req, _ := http.NewRequest("GET", e.srv.URL+"/assessments/"+id+"/report", nil)
	req.Header.Set("Authorization", "Bearer "+wa)
	req.AddCookie(&http.Cookie{Name: "yl_lang", Value: "en"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body = string(rb)
	if res.StatusCode != 200 || !strings.Contains(body, "GB/T 42195-2022《老年人能力评估规范》") || !strings.Contains(body, "老年人能力评估报告") || !strings.Contains(body, "assess.css") {
		t.Fatalf("report: %d", res.StatusCode)
	}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			if !strings.Contains(body, it.Options[0].Text) {
				t.Fatalf("report lacks %s's chosen option", it.Code)
			}
		}
	}
	// A second assessment, then the timeline and the comparison.
	form.Set("request_key", "def")
	form.Set("B.1.1", "1")
	form.Del("dementia")
	_, _, loc3 := e.page("POST", "/people/"+pid+"/assess", tok, form)
	id2 := strings.TrimSuffix(strings.TrimPrefix(loc3, "/assessments/"), "?saved=1")
	status, body, _ = e.page("GET", "/people/"+pid+"/assessments", wa, nil)
	if status != 200 || !strings.Contains(body, "/assessments/"+id+"/compare/"+id2) {
		t.Fatalf("timeline: %d", status)
	}
	status, _, loc = e.page("GET", "/assessments/compare?a="+id+"&b="+id2, wa, nil)
	if status != http.StatusSeeOther || loc != "/assessments/"+id+"/compare/"+id2 {
		t.Fatalf("compare form: %d %s", status, loc)
	}
	status, body, _ = e.page("GET", loc, wa, nil)
	if status != 200 || !strings.Contains(body, "B.1.1 进食") || !strings.Contains(body, "-3") {
		t.Fatalf("compare: %d", status)
	}
	status, body, _ = e.page("GET", "/assessments/worklist?within=400", wa, nil)
	if status != 200 || !strings.Contains(body, "谭秋菊") {
		t.Fatalf("worklist: %d", status)
	}
	if status, _, _ := e.page("GET", "/assessments/worklist?within=x", wa, nil); status != http.StatusBadRequest {
		t.Fatalf("worklist bad filter: %d", status)
	}
	// The sibling township sees none of it.
	for _, p := range []string{loc, "/assessments/" + id, "/assessments/" + id + "/report", "/people/" + pid + "/assessments", "/people/" + pid + "/assess"} {
		if status, body, _ := e.page("GET", p, wb, nil); status != http.StatusNotFound || strings.Contains(body, "谭秋菊") {
			t.Errorf("sibling worker GET %s: %d", p, status)
		}
	}
	if status, body, _ := e.page("GET", "/assessments/worklist?within=400", wb, nil); status != 200 || strings.Contains(body, "谭秋菊") {
		t.Errorf("sibling worklist: %d", status)
	}
}
