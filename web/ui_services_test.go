package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// TestUIServicesPages drives the issue-5 pages: an official configures an
// allowance and a provider, the provider's dispatcher records caregivers and
// certificates, and the official keeps the ban list. Bad input re-renders the
// form with the error beside the field and never echoes a citizen ID.
func TestUIServicesPages(t *testing.T) {
	db := testkit.NewDB(t)
	hc := sqldb.NewHomeCareService(db, testkit.Box())
	e := serveUI(t, db, Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: sqldb.NewPersonService(db, testkit.Box()), HomeCare: hc})
	prov := testkit.CreateOrg(t, db, "康乐居家服务中心", yanglao.OrgProvider, testkit.Beihu)
	pid := strconv.FormatInt(prov, 10)
	testkit.CreateUser(t, db, "county", yanglao.RoleOfficial, testkit.Beihu, nil)
	testkit.CreateUser(t, db, "disp", yanglao.RoleDispatcher, testkit.Beihu, &prov)
	official, dispatcher := e.client(), e.client()
	official.login("county")
	dispatcher.login("disp")

	resp, body := official.get("/services")
	uiWant(t, "services page", resp, body, 200, "助浴", "日常护理", "GB/T 43153-2023", `href="/services"`, "设定额度规则", "服务目录由省、市级民政部门维护")
	resp, body = official.postCSRF("/services/allowances?region="+testkit.Beihu, url.Values{"region_code": {testkit.Beihu}, "category": {"life_care"},
		"unit": {"fen"}, "amount": {"两百"}, "valid_from": {"2026-01-01"}, "source": {"郴州附件第5项"}, "statuses": {"dibao"}})
	uiWant(t, "bad amount", resp, body, http.StatusBadRequest, `id="amount-error"`, `aria-invalid="true"`)
	resp, body = official.postCSRF("/services/allowances?region="+testkit.Beihu, url.Values{"region_code": {testkit.Beihu}, "category": {"life_care"},
		"unit": {"fen"}, "amount": {"200.5"}, "valid_from": {"2026-01-01"}, "source": {"郴州附件第5项"}, "statuses": {"dibao"}, "min_age": {"80"}})
	uiWant(t, "allowance saved", resp, body, http.StatusSeeOther)
	_, body = official.get("/services?region=" + testkit.Beihu)
	uiWant(t, "allowance listed", &http.Response{StatusCode: 200}, body, 200, "200.50 元/月", "郴州附件第5项", "低保")

	// Provider page: coverage and contract by the official, prices by the dispatcher.
	resp, body = official.postCSRF("/providers/"+pid+"/coverage", url.Values{"region_code": {testkit.TownA}, "covered": {"1"}})
	uiWant(t, "coverage", resp, body, http.StatusSeeOther)
	items, _ := hc.ServiceItems(testkit.System(), false)
	var bath string
	for _, it := range items {
		if it.Code == "bath" {
			bath = strconv.FormatInt(it.ID, 10)
		}
	}
	resp, body = dispatcher.postCSRF("/providers/"+pid+"/items", url.Values{"item_id": {bath}, "price": {"4.567"}})
	uiWant(t, "bad price", resp, body, http.StatusBadRequest, `id="price-error"`)
	resp, body = dispatcher.postCSRF("/providers/"+pid+"/items", url.Values{"item_id": {bath}, "price": {"45.5"}, "minutes": {"75"}})
	uiWant(t, "price", resp, body, http.StatusSeeOther)
	resp, body = official.postCSRF("/providers/"+pid+"/contracts", url.Values{"number": {"BH-2026-1"}, "region_code": {testkit.Beihu},
		"start": {"2026-12-01"}, "end": {"2026-01-01"}, "item_ids": {bath}})
	uiWant(t, "contract dates", resp, body, http.StatusBadRequest, `id="end-error"`)
	resp, body = official.postCSRF("/providers/"+pid+"/contracts", url.Values{"number": {"BH-2026-1"}, "region_code": {testkit.Beihu},
		"start": {"2026-01-01"}, "end": {"2026-12-31"}, "item_ids": {bath}})
	uiWant(t, "contract", resp, body, http.StatusSeeOther)
	resp, _ = dispatcher.get("/providers")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/providers/"+pid {
		t.Fatalf("a dispatcher's /providers goes to their own: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = dispatcher.get("/providers/" + pid)
	uiWant(t, "provider page", resp, body, 200, "人民路街道", "45.50", "75 分钟", "BH-2026-1", "持证上岗率", "郯城县实施方案")
	uiWantNot(t, "dispatcher has no contract form", body, `action="/providers/`+pid+`/contracts"`)

	// Caregivers: bad ID is named and not echoed; a good record lands on its page.
	resp, body = dispatcher.get("/caregivers/new")
	uiWant(t, "new caregiver form", resp, body, 200, "登记护理员", `name="cert_level"`)
	badID := "431002198001010000"
	resp, body = dispatcher.postCSRF("/caregivers", url.Values{"org_id": {pid}, "name": {"王护理"}, "id_number": {badID}, "skills": {"bath"}})
	uiWant(t, "bad citizen ID", resp, body, http.StatusBadRequest, `id="id_number-error"`, "身份证号码无效")
	uiWantNot(t, "ID not echoed", body, badID)
	goodID := testkit.CitizenID("431002", "1980-05-01", 12)
	soon := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	resp, body = dispatcher.postCSRF("/caregivers", url.Values{"org_id": {pid}, "name": {"王护理"}, "id_number": {goodID}, "phone": {"13800138000"},
		"skills": {"bath", "clean"}, "lat": {"25.78"}, "lng": {"113.02"}, "cert_kind": {"nursing"}, "cert_level": {"大师"}, "cert_issued": {"2022-01-01"}})
	uiWant(t, "bad level", resp, body, http.StatusBadRequest, `id="cert_level-error"`)
	resp, body = dispatcher.postCSRF("/caregivers", url.Values{"org_id": {pid}, "name": {"王护理"}, "id_number": {goodID}, "phone": {"13800138000"},
		"skills": {"bath", "clean"}, "lat": {"25.78"}, "lng": {"113.02"}, "cert_kind": {"nursing"}, "cert_level": {"中级"}, "cert_issued": {"2022-01-01"}, "cert_expires": {soon}})
	uiWant(t, "caregiver created", resp, body, http.StatusSeeOther)
	page := resp.Header.Get("Location")
	resp, body = dispatcher.get(page)
	uiWant(t, "caregiver page", resp, body, 200, "王护理", "138****8000", "中级", "将于 "+soon+" 到期", "持证")
	uiWantNot(t, "caregiver page", body, goodID, "13800138000")
	cid := strings.TrimPrefix(strings.SplitN(page, "?", 2)[0], "/caregivers/")
	resp, body = dispatcher.postCSRF("/caregivers/"+cid+"/certs", url.Values{"cert_kind": {"health"}, "cert_issued": {"2026-01-01"}, "cert_expires": {"2025-01-01"}})
	uiWant(t, "cert dates", resp, body, http.StatusBadRequest, `id="cert_expires-error"`)
	resp, body = dispatcher.postCSRF("/caregivers/"+cid, url.Values{"name": {""}, "version": {"1"}, "skills": {"bath"}})
	uiWant(t, "empty name", resp, body, http.StatusBadRequest, `id="name-error"`)
	resp, body = dispatcher.postCSRF("/caregivers/"+cid, url.Values{"name": {"王秀梅"}, "version": {"1"}, "skills": {"bath"}, "lat": {"25.78"}, "lng": {"113.02"}})
	uiWant(t, "caregiver saved", resp, body, http.StatusSeeOther)
	resp, body = dispatcher.get("/caregivers?expiring=true&sort=name")
	uiWant(t, "caregiver list", resp, body, 200, "王秀梅", "⚠")

	// The ban list: officials only; a banned person is flagged when recorded.
	resp, _ = dispatcher.get("/bans")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dispatcher reads the ban list: %d", resp.StatusCode)
	}
	resp, body = official.postCSRF("/bans", url.Values{"name": {"赵某"}, "id_number": {"123"}, "source": {"法院"}, "reason": {"虐待"}, "start": {"2025-01-01"}})
	uiWant(t, "bad ban", resp, body, http.StatusBadRequest, `id="id_number-error"`)
	banned := testkit.CitizenID("431002", "1970-01-01", 13)
	resp, body = official.postCSRF("/bans", url.Values{"name": {"赵某"}, "id_number": {banned}, "source": {"北湖区人民法院"}, "reason": {"虐待被看护人"}, "start": {"2025-01-01"}})
	uiWant(t, "ban", resp, body, http.StatusSeeOther)
	_, body = official.get("/bans")
	uiWant(t, "ban list", &http.Response{StatusCode: 200}, body, 200, "赵某", "生效中", "北湖区人民法院")
	resp, body = dispatcher.postCSRF("/caregivers", url.Values{"org_id": {pid}, "name": {"赵某"}, "id_number": {banned}, "skills": {"clean"}})
	uiWant(t, "banned caregiver recorded", resp, body, http.StatusSeeOther)
	_, body = dispatcher.get(resp.Header.Get("Location"))
	uiWant(t, "banned flag", &http.Response{StatusCode: 200}, body, 200, "此人在从业禁止名单中")
	for _, lang := range []string{"en", "zh"} {
		official.setCookie(langCookie, lang)
		for _, p := range []string{"/services", "/providers", "/providers/" + pid, "/caregivers", page, "/bans"} {
			resp, body := official.get(p)
			uiWant(t, p+" "+lang, resp, body, 200, `<main id="main"`, "<h1")
		}
	}
}
