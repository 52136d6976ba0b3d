package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// answers fills items to their maximum in form order until total is reached.
func answers(total int) map[string]int {
	out := map[string]int{}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			v := min(it.Max(), total)
			out[it.Code] = v
			total -= v
		}
	}
	return out
}

func TestAssessmentAPI(t *testing.T) {
	e := newEnv(t)
	assessor := tk.CreateUser(t, e.db, "pinggu", yanglao.RoleAssessor, tk.TownA, nil)
	worker := tk.CreateUser(t, e.db, "worker", yanglao.RoleWorker, tk.TownA, nil)
	tok, wtok := e.token(assessor), e.token(worker)
	elder := &yanglao.Person{Name: "黄桂珍", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1939-03-08", 21)}
	if err := e.people.CreatePerson(tk.System(), elder); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/people/%d/assessments", elder.ID)
	today := yanglao.DateOf(time.Now())
	body := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"assessed_on": today.AddDays(-2).String(), "place": "家中", "reason": "first", "answers": answers(60)}
		if edit != nil {
			edit(m)
		}
		return m
	}
	countAssessments := func() int {
		var n int
		e.db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM assessments`).Scan(&n)
		return n
	}

	// Bad input: 400 naming the field (the item code for the answers), nothing written.
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"missing item", body(func(m map[string]any) { a := answers(60); delete(a, "B.3.2"); m["answers"] = a }), "B.3.2"},
		{"score not allowed", body(func(m map[string]any) { a := answers(60); a["B.4.1"] = 3; m["answers"] = a }), "B.4.1"},
		{"unknown item", body(func(m map[string]any) { a := answers(60); a["B.9.1"] = 0; m["answers"] = a }), "B.9.1"},
		{"future date", body(func(m map[string]any) { m["assessed_on"] = today.AddDays(1).String() }), "assessed_on"},
		{"malformed date", body(func(m map[string]any) { m["assessed_on"] = "2025-02-30" }), "assessed_on"},
		{"missing date", body(func(m map[string]any) { delete(m, "assessed_on") }), "assessed_on"},
		{"event after the assessment", body(func(m map[string]any) {
			m["adjustments"] = map[string]any{"risk_events": []map[string]string{{"kind": "fall", "date": today.AddDays(-5).String()}, {"kind": "fall", "date": today.String()}}}
		}), "risk_events[1].date"},
		{"malformed event date", body(func(m map[string]any) {
			m["adjustments"] = map[string]any{"risk_events": []map[string]string{{"kind": "fall", "date": "yesterday"}}}
		}), "risk_events[0].date"},
		{"unknown event kind", body(func(m map[string]any) {
			m["adjustments"] = map[string]any{"risk_events": []map[string]string{{"kind": "flood", "date": today.AddDays(-5).String()}}}
		}), "risk_events[0].kind"},
		{"coma while conscious", body(func(m map[string]any) { m["adjustments"] = map[string]any{"coma": true}; m["answers"] = answers(80) }), "coma"},
		{"client total", body(func(m map[string]any) { m["total"] = 90 }), "total"},
		{"client grade", body(func(m map[string]any) { m["final_grade"] = 0 }), "final_grade"},
		{"score as text", `{"assessed_on":"` + today.String() + `","answers":{"B.1.1":"4"}}`, "answers"},
		{"unknown reason", body(func(m map[string]any) { m["reason"] = "bored" }), "reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.countAudit()
			r := e.do("POST", base, tok, tc.body)
			if r.status != http.StatusBadRequest || r.err.Field != tc.field {
				t.Fatalf("status %d field %q, want 400 %q: %s", r.status, r.err.Field, tc.field, r.body)
			}
			if r.err.Code != yanglao.EINVALID || r.err.Message == "" {
				t.Errorf("error shape: %s", r.body)
			}
			if e.countAudit() != before {
				t.Error("bad input was audited")
			}
		})
	}
	if n := countAssessments(); n != 0 {
		t.Fatalf("bad input stored %d assessments", n)
	}

	// A good one, with a diagnosis of dementia: the server scores it.
	r := e.do("POST", base, tok, body(func(m map[string]any) { m["adjustments"] = map[string]any{"dementia": true}; m["request_key"] = "k1" }))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var first yanglao.Assessment
	json.Unmarshal(r.body, &first)
	if first.Total != 60 || first.PreliminaryGrade != assess.ModeratelyImpaired || first.FinalGrade != assess.SeverelyImpaired ||
		len(first.Reasons) != 1 || first.AssessorName != assessor.DisplayName || first.ValidUntil != yanglao.AddMonths(first.AssessedOn, 12) {
		t.Fatalf("created: %s", r.body)
	}
	// The same form again stores nothing new.
	r = e.do("POST", base, tok, body(func(m map[string]any) { m["adjustments"] = map[string]any{"dementia": true}; m["request_key"] = "k1" }))
	var again yanglao.Assessment
	json.Unmarshal(r.body, &again)
	if r.status != http.StatusCreated || again.ID != first.ID || countAssessments() != 1 {
		t.Fatalf("repeated form: %d %s", r.status, r.body)
	}
	// The person's grade follows.
	r = e.do("GET", fmt.Sprintf("/api/v1/people/%d", elder.ID), wtok, nil)
	if !strings.Contains(string(r.body), `"assessment_grade":3`) {
		t.Fatalf("person after assessment: %s", r.body)
	}
	// A township worker reads but does not assess.
	if r := e.do("POST", base, wtok, body(nil)); r.status != http.StatusForbidden {
		t.Fatalf("worker assessing: %d %s", r.status, r.body)
	}
	r = e.do("POST", base, tok, body(func(m map[string]any) { m["assessed_on"] = today.String(); m["answers"] = answers(75) }))
	var second yanglao.Assessment
	json.Unmarshal(r.body, &second)

	r = e.do("GET", base, wtok, nil)
	var list web.List[*yanglao.Assessment]
	json.Unmarshal(r.body, &list)
	if r.status != 200 || len(list.Items) != 2 || list.Items[0].ID != second.ID {
		t.Fatalf("history: %d %s", r.status, r.body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/assessments/%d", first.ID), wtok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"person_name":"黄桂珍"`) {
		t.Fatalf("one: %d %s", r.status, r.body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/assessments/%d/compare/%d", second.ID, first.ID), wtok, nil)
	var c yanglao.AssessmentComparison
	json.Unmarshal(r.body, &c)
	if r.status != 200 || c.From.ID != first.ID || c.TotalChange != 15 || c.GradeChange != -2 || c.Trend != "better" || len(c.Items) != 26 {
		t.Fatalf("compare: %d %s", r.status, r.body)
	}
	if r := e.do("GET", fmt.Sprintf("/api/v1/assessments/%d/compare/x", first.ID), wtok, nil); r.status != 400 || r.err.Field != "other" {
		t.Fatalf("bad other id: %d %s", r.status, r.body)
	}
	// Nobody is due within 30 days; within 400 days the person is.
	r = e.do("GET", "/api/v1/assessments/worklist", wtok, nil)
	if r.status != 200 || strings.Contains(string(r.body), "黄桂珍") {
		t.Fatalf("worklist: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/api/v1/assessments/worklist?within=400&limit=10", wtok, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "黄桂珍") {
		t.Fatalf("worklist 400 days: %d %s", r.status, r.body)
	}
	for _, q := range []struct{ q, field string }{{"within=abc", "within"}, {"within=0", "within"}, {"within=5000", "within"}, {"region=12", "region"}, {"after=zz", "after"}} {
		if r := e.do("GET", "/api/v1/assessments/worklist?"+q.q, wtok, nil); r.status != 400 || r.err.Field != q.field {
			t.Errorf("worklist ?%s: %d %s", q.q, r.status, r.body)
		}
	}
}

func TestAssessFormAndCalculator(t *testing.T) {
	e := newEnv(t)
	// Public: no token.
	r := e.do("GET", "/api/v1/assess/form", "", nil)
	var f web.FormDefinition
	if err := json.Unmarshal(r.body, &f); err != nil || r.status != 200 {
		t.Fatalf("form: %d %v", r.status, err)
	}
	items, max := 0, 0
	for _, d := range f.Dimensions {
		for _, it := range d.Items {
			items++
			max += it.Max
			if len(it.Options) == 0 || it.Options[0].Text == "" {
				t.Errorf("%s has no option texts", it.Code)
			}
		}
	}
	if len(f.Dimensions) != 4 || items != 26 || max != 90 || f.MaxTotal != 90 || !strings.Contains(f.Standard, "GB/T 42195-2022") {
		t.Fatalf("form: %d dimensions, %d items, %d points", len(f.Dimensions), items, max)
	}
	bands := []string{}
	for _, g := range f.Grades {
		bands = append(bands, fmt.Sprintf("%d:%d-%d", g.Grade, g.MinTotal, g.MaxTotal))
	}
	if got := strings.Join(bands, " "); got != "0:90-90 1:66-89 2:46-65 3:30-45 4:0-29" {
		t.Fatalf("grade bands %s", got)
	}
	if len(f.RiskKinds) != 5 || len(f.Reasons) != 5 {
		t.Fatalf("kinds %d reasons %d", len(f.RiskKinds), len(f.Reasons))
	}

	// The calculator scores without storing.
	r = e.do("POST", "/api/v1/assess/score", "", map[string]any{"assessed_on": "2026-03-01", "answers": answers(66),
		"adjustments": map[string]any{"risk_events": []map[string]string{{"kind": "fall", "date": "2026-02-20"}, {"kind": "choking", "date": "2026-02-28"}}}})
	var res web.ScoreResult
	json.Unmarshal(r.body, &res)
	if r.status != 200 || res.Total != 66 || res.PreliminaryGrade != assess.MildlyImpaired || res.FinalGrade != assess.ModeratelyImpaired || len(res.Reasons) != 1 {
		t.Fatalf("score: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/assess/score", "", map[string]any{"answers": answers(10)}); r.status != 200 {
		t.Fatalf("score without date: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/assess/score", "", map[string]any{"answers": map[string]int{"B.1.1": 4}})
	if r.status != 400 || r.err.Field != "B.1.2" {
		t.Fatalf("incomplete: %d %s", r.status, r.body)
	}

	// Every assessment route is in the OpenAPI description.
	r = e.do("GET", "/api/v1/openapi.json", "", nil)
	for _, p := range []string{"/api/v1/assess/form", "/api/v1/assess/score", "/api/v1/people/{id}/assessments", "/api/v1/assessments/worklist",
		"/api/v1/assessments/{id}", "/api/v1/assessments/{id}/compare/{other}", `"AssessmentInput"`, `"AssessmentComparison"`} {
		if !strings.Contains(string(r.body), p) {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}
