package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

func TestUIBenefitPages(t *testing.T) {
	db := testkit.NewDB(t)
	ps := sqldb.NewPersonService(db, testkit.Box())
	e := serveUI(t, db, Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: ps, Assessments: sqldb.NewAssessmentService(db), Benefits: sqldb.NewBenefitService(db)})
	p := &yanglao.Person{Name: "九十老人", ResidenceCode: testkit.VillageA1, IDNumber: testkit.CitizenID("431002", "1936-03-31", 11)}
	if err := ps.CreatePerson(testkit.System(), p); err != nil {
		t.Fatal(err)
	}
	if err := ps.AddStatus(testkit.System(), &yanglao.Status{PersonID: p.ID, Kind: "no_fixed_income", Source: "民政", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	testkit.CreateUser(t, db, "county", yanglao.RoleOfficial, testkit.Beihu, nil)
	c := e.client()
	c.login("county")
	pid := strconv.FormatInt(p.ID, 10)
	resp, body := c.get("/people/" + pid + "?month=2026-03")
	uiWant(t, "person page benefits", resp, body, http.StatusOK, `id="benefits"`, "CZ-12", "高龄津贴", "150", "查看理由", "代为申请")
	resp, body = c.get("/benefits/list?region=" + testkit.Beihu)
	uiWant(t, "list page", resp, body, http.StatusOK, "CZ-25", "与上级清单比较", "发布新版本")
	resp, body = c.postCSRF("/benefits/list", url.Values{"region": {testkit.Beihu}, "code": {"CZ-12"}, "name": {"高龄津贴"}, "from": {"2026-01-01"},
		"type": {"物质帮助"}, "application": {"none"}, "source": {"测试"}, "eligibility": {"age >= 80元"}, "amount": {"80元"}})
	uiWant(t, "bad rule", resp, body, http.StatusUnprocessableEntity, "第1行第", `id="eligibility-error"`)
	resp, body = c.postCSRF("/people/"+pid+"/benefits/apply", url.Values{"item_code": {"CZ-11"}, "reason": {"申请能力评估"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d %s", resp.StatusCode, body)
	}
	resp, body = c.get("/benefits/applications")
	uiWant(t, "worklist", resp, body, http.StatusOK, "九十老人", "本人提交，须由他人审批")
	resp, body = c.postCSRF("/benefits/simulate", url.Values{"code": {"CZ-12"}, "amount": {"if age >= 90 then 200元 else 80元"}})
	uiWant(t, "simulation", resp, body, http.StatusOK, "合计", "人民路街道")
	resp, body = c.postCSRF("/benefits/simulate", url.Values{"code": {"CZ-12"}, "amount": {"200"}})
	uiWant(t, "simulation with a bad rule", resp, body, http.StatusUnprocessableEntity, `id="amount-error"`)
}
