package web

import (
	"bytes"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/visitrules"
)

// TestUICareVisits walks the worker's phone pages, the plan, the rate
// dashboard, and the public report through the county's worklist.
func TestUICareVisits(t *testing.T) {
	db := testkit.NewDB(t)
	ps := sqldb.NewPersonService(db, testkit.Box())
	cvs := sqldb.NewCareVisitService(db)
	s := New(Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: ps, Assessments: sqldb.NewAssessmentService(db),
		CareVisits: cvs, AbuseReports: sqldb.NewAbuseReportService(db, testkit.Box())},
		Config{Version: "test", Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &uiEnv{t: t, db: db, srv: srv}
	p := &yanglao.Person{Name: "独居老人", ResidenceCode: testkit.VillageA1, Living: "alone", IDNumber: testkit.CitizenID("431002", "1945-03-31", 11)}
	if err := ps.CreatePerson(testkit.System(), p); err != nil {
		t.Fatal(err)
	}
	for _, r := range visitrules.Defaults(testkit.Beihu, yanglao.Date{Year: 2025, Month: 1, Day: 1}) {
		if err := cvs.SaveCareRule(testkit.System(), &yanglao.CareRule{Region: r.Region, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, Source: r.Source}); err != nil {
			t.Fatal(err)
		}
	}
	worker := testkit.CreateUser(t, db, "worker", yanglao.RoleWorker, testkit.TownA, nil)
	testkit.CreateUser(t, db, "county", yanglao.RoleOfficial, testkit.Beihu, nil)
	testkit.CreateUser(t, db, "townb", yanglao.RoleWorker, testkit.TownB, nil)
	if _, err := cvs.RefreshTargets(testkit.System(), testkit.Beihu, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := cvs.Assign(testkit.System(), yanglao.AssignRequest{RegionCode: testkit.TownA, UserID: worker.ID}); err != nil {
		t.Fatal(err)
	}
	pid := strconv.FormatInt(p.ID, 10)
	today := yanglao.DateOf(time.Now()).String()

	w := e.client()
	w.login("worker")
	resp, body := w.get("/carevisits")
	uiWant(t, "worker's list", resp, body, http.StatusOK, "独居老人", "记录探访", "0/1", "未完成")
	resp, body = w.get("/carevisits/people/" + pid + "/visit")
	uiWant(t, "visit form", resp, body, http.StatusOK, `name="mode"`, `name="health"`, `name="request_key"`, "保存探访记录")
	resp, body = w.postCSRF("/carevisits/people/"+pid+"/visit", url.Values{"date": {today}, "mode": {"in_person"}, "health": {"splendid"}})
	uiWant(t, "bad health", resp, body, http.StatusBadRequest, `id="health-error"`, "请修改标出的项目")
	resp, body = w.postCSRF("/carevisits/people/"+pid+"/visit", url.Values{"date": {today}, "mode": {"in_person"}, "health": {"good"}, "fu_kind": {"referral"}, "fu_detail": {"转介"}})
	uiWant(t, "referral without destination", resp, body, http.StatusBadRequest, `id="fu_referred_to-error"`)

	// A multipart post with a photo, as the phone sends it.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"date": today, "mode": "in_person", "health": "fair", "hazards": "fall", "request_key": "ui-1", "lat": "25.77", "lng": "113.01"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("photos", "p.png")
	fw.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...))
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/carevisits/people/"+pid+"/visit", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", w.csrf)
	resp, body = w.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record a visit: %d %s", resp.StatusCode, body)
	}
	resp, body = w.get(resp.Header.Get("Location"))
	uiWant(t, "after the visit", resp, body, http.StatusOK, "探访记录已保存", "1/1", "已完成")
	resp, body = w.get("/carevisits/people/" + pid + "/visits")
	uiWant(t, "person's visits", resp, body, http.StatusOK, "独居老人", "上门")
	m := regexp.MustCompile(`/carevisits/visits/(\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no visit link: %s", body)
	}
	resp, body = w.get("/carevisits/visits/" + m[1])
	uiWant(t, "visit page", resp, body, http.StatusOK, "跌倒风险", "/photos/", "25.77")
	resp, body = w.get("/carevisits/rates")
	uiWant(t, "worker's rate", resp, body, http.StatusOK, "100.0%", "人民路社区", "rate-chart", "echarts.min.js")
	resp, body = w.get("/carevisits/plan")
	uiWant(t, "plan", resp, body, http.StatusOK, "批量指派探访人", "独居老人", "Worker", "独居")
	resp, body = w.get("/carevisits/alerts")
	uiWant(t, "alerts", resp, body, http.StatusOK, "没有未探访的老人")
	// A visit that asks for a capability assessment puts the person on the assessors' worklist.
	resp, body = w.postCSRF("/carevisits/people/"+pid+"/visit", url.Values{"date": {today}, "mode": {"phone"}, "health": {"poor"}, "fu_kind": {"assessment"}, "fu_detail": {"走路不稳，申请评估"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("visit with an assessment request: %d %s", resp.StatusCode, body)
	}
	testkit.CreateUser(t, db, "assessor", yanglao.RoleAssessor, testkit.Beihu, nil)
	as := e.client()
	as.login("assessor")
	resp, body = as.get("/assessments/worklist")
	uiWant(t, "assessors' worklist", resp, body, http.StatusOK, "探访中提出的能力评估申请", "走路不稳，申请评估", "/people/"+pid+"/assess")

	// The county official drills down; the sibling township's worker sees nothing of township A.
	c := e.client()
	c.login("county")
	resp, body = c.get("/carevisits/rates?region=" + testkit.Beihu)
	uiWant(t, "county rate", resp, body, http.StatusOK, "人民路街道", "燕泉街道", "region="+testkit.TownA)
	resp, body = c.postCSRF("/carevisits/plan/rules", url.Values{"region_code": {testkit.Beihu}, "group": {"alone"}, "per_month": {"0"}, "from": {today}, "source": {"x"}, "back_region": {testkit.Beihu}})
	uiWant(t, "rule below monthly", resp, body, http.StatusBadRequest, `id="per_month-error"`)
	b := e.client()
	b.login("townb")
	resp, body = b.get("/carevisits?all=1")
	uiWant(t, "sibling's list", resp, body, http.StatusOK)
	uiWantNot(t, "sibling's list", body, "独居老人")
	resp, _ = b.get("/carevisits/rates?region=" + testkit.TownA)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("sibling read township A's rate: %d", resp.StatusCode)
	}

	// A member of the public reports; the county works the report.
	pub := e.client()
	resp, body = pub.get("/report")
	uiWant(t, "report form", resp, body, http.StatusOK, "challenge_token", "防止滥用", `name="website"`)
	q := regexp.MustCompile(`(\d) 加 (\d) 等于几`).FindStringSubmatch(body)
	tok := regexp.MustCompile(`name="challenge_token" value="([^"]+)"`).FindStringSubmatch(body)
	if q == nil || tok == nil {
		t.Fatalf("no challenge: %s", body)
	}
	x, _ := strconv.Atoi(q[1])
	y, _ := strconv.Atoi(q[2])
	form := url.Values{"region_code": {testkit.VillageA1}, "elder_name": {"王爷爷"}, "place": {"人民路5号"}, "kinds": {"neglect"},
		"description": {"老人长期无人照料，门外堆满垃圾"}, "challenge_token": {tok[1]}, "challenge_answer": {strconv.Itoa(x + y + 1)}}
	resp, body = pub.post("/report", form)
	uiWant(t, "wrong answer", resp, body, http.StatusBadRequest, `id="challenge_answer-error"`)
	time.Sleep(challengeMinAge)
	form.Set("challenge_answer", strconv.Itoa(x+y))
	resp, body = pub.post("/report", form)
	uiWant(t, "report sent", resp, body, http.StatusCreated, "报告已收到", `id="tracking-code"`)
	code := regexp.MustCompile(`id="tracking-code">([0-9A-Z-]+)<`).FindStringSubmatch(body)
	if code == nil {
		t.Fatalf("no code: %s", body)
	}
	resp, body = pub.get("/report/track?code=" + code[1])
	uiWant(t, "tracking", resp, body, http.StatusOK, "已受理")
	uiWantNot(t, "tracking", body, "王爷爷", "人民路5号")
	resp, body = c.get("/abuse-reports")
	uiWant(t, "county worklist", resp, body, http.StatusOK, "王爷爷", "疏于照料")
	id := regexp.MustCompile(`/abuse-reports/(\d+)`).FindStringSubmatch(body)
	resp, body = c.postCSRF("/abuse-reports/"+id[1], url.Values{"state": {"concluded"}})
	uiWant(t, "conclude without outcome", resp, body, http.StatusBadRequest, `id="outcome-error"`)
	resp, body = c.postCSRF("/abuse-reports/"+id[1], url.Values{"state": {"assigned"}, "assignee_id": {strconv.FormatInt(worker.ID, 10)}, "note": {"请核查"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", resp.StatusCode, body)
	}
	resp, body = pub.get("/report/track?code=" + strings.ToLower(code[1]))
	uiWant(t, "tracking after assignment", resp, body, http.StatusOK, "已指派")
	uiWantNot(t, "tracking after assignment", body, "请核查", "Worker")
}
