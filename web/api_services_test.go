package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestHomeCareAPI walks the issue-5 flow through the API: an official sets up a
// provider; its dispatcher records caregivers and asks for suggestions.
func TestHomeCareAPI(t *testing.T) {
	e := newEnv(t)
	prov := tk.CreateOrg(t, e.db, "康乐居家服务中心", yanglao.OrgProvider, tk.Beihu)
	official := e.token(tk.CreateUser(t, e.db, "county", yanglao.RoleOfficial, tk.Beihu, nil))
	dispatcher := e.token(tk.CreateUser(t, e.db, "disp", yanglao.RoleDispatcher, tk.Beihu, &prov))
	pp := fmt.Sprintf("/api/v1/providers/%d", prov)

	var cat struct {
		Categories []yanglao.ServiceCategory
		Items      []*yanglao.ServiceItem
	}
	r := e.do("GET", "/api/v1/service-items", dispatcher, nil)
	if r.status != 200 || json.Unmarshal(r.body, &cat) != nil || len(cat.Categories) != 7 {
		t.Fatalf("catalogue: %d %s", r.status, r.body)
	}
	var clean int64
	for _, it := range cat.Items {
		if it.Code == "clean" {
			clean = it.ID
		}
	}
	mustStatus := func(r resp, want int) {
		t.Helper()
		if r.status != want {
			t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
		}
	}
	mustStatus(e.do("POST", pp+"/coverage", official, map[string]any{"region_code": tk.TownA, "covered": true}), 200)
	mustStatus(e.do("POST", pp+"/items", dispatcher, map[string]any{"item_id": clean, "price_fen": 4000}), 200)
	mustStatus(e.do("POST", pp+"/contracts", official, map[string]any{"number": "BH-2026-9", "region_code": tk.Beihu, "start": "2026-01-01", "end": "2099-12-31", "item_ids": []int64{clean}}), 201)
	r = e.do("GET", pp+"/offer?item="+fmt.Sprint(clean)+"&region="+tk.VillageA1, dispatcher, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"contract_number":"BH-2026-9"`) || !strings.Contains(string(r.body), `"price_fen":4000`) {
		t.Fatalf("offer: %d %s", r.status, r.body)
	}
	r = e.do("GET", pp+"/offer?item="+fmt.Sprint(clean)+"&region="+tk.VillageB1, dispatcher, nil)
	if r.status != 400 || !strings.Contains(r.err.Message, "不覆盖此地址") {
		t.Fatalf("offer outside coverage: %d %s", r.status, r.body)
	}
	for i, north := range []float64{0.02, 0.01} {
		r = e.do("POST", "/api/v1/caregivers", dispatcher, map[string]any{"org_id": prov, "name": fmt.Sprintf("护理员%d", i), "id_number": tk.CitizenID("431002", "1980-01-01", 30+2*i),
			"phone": "13800138000", "skills": []string{"clean"}, "lat": 25.77 + north, "lng": 113.01, "certs": []map[string]any{{"kind": "nursing", "level": "初级", "issued": "2020-01-01"}}})
		mustStatus(r, 201)
		if strings.Contains(string(r.body), "13800138000") || strings.Contains(string(r.body), tk.CitizenID("431002", "1980-01-01", 30+2*i)) {
			t.Fatalf("create echoes the ID or phone: %s", r.body)
		}
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	r = e.do("POST", "/api/v1/caregivers/suggest", dispatcher, map[string]any{"org_id": prov, "item_id": clean, "start": start, "end": start.Add(2 * time.Hour), "lat": 25.77, "lng": 113.01})
	var sugg []*yanglao.CaregiverSuggestion
	if r.status != 200 || json.Unmarshal(r.body, &sugg) != nil || len(sugg) != 2 || sugg[0].Name != "护理员1" || sugg[0].Level != "初级" {
		t.Fatalf("suggest: %d %s", r.status, r.body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/caregivers/%d/eligible?item=%d", sugg[0].CaregiverID, cat.Items[len(cat.Items)-1].ID), dispatcher, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"eligible":false`) || !strings.Contains(string(r.body), "缺少技能") {
		t.Fatalf("eligibility: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/api/v1/providers/rates", official, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"percent":100`) || !strings.Contains(string(r.body), `"target_percent":90`) {
		t.Fatalf("rates: %d %s", r.status, r.body)
	}
	// The dispatcher may not record bans or see the ban list.
	mustStatus(e.do("GET", "/api/v1/employment-bans", dispatcher, nil), 403)
}
