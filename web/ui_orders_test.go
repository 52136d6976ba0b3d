package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// TestUIOrderPages walks the pages of issue 5 as each party: the son books
// for his mother on the booking page, the dispatcher assigns on the board,
// the caregiver checks in 2 km away and out on the phone pages (flagged, with
// the distance), the mother's code confirms the visit, the statement holds it
// until an official accepts it on review, then bills it.
func TestUIOrderPages(t *testing.T) {
	db := testkit.NewDB(t)
	ctx := testkit.System()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ps := sqldb.NewPersonService(db, testkit.Box())
	hc := sqldb.NewHomeCareService(db, testkit.Box())
	e := serveUI(t, db, Services{Regions: sqldb.NewRegionService(db), Users: sqldb.NewUserService(db), Orgs: sqldb.NewOrgService(db),
		Audit: sqldb.NewAuditService(db), People: ps, Orders: sqldb.NewOrderService(db, hc), Vouchers: sqldb.NewVoucherService(db)})
	prov := testkit.CreateOrg(t, db, "颐康居家服务中心", yanglao.OrgProvider, testkit.TownA)
	items, err := hc.ServiceItems(ctx, false)
	must(err)
	var clean int64
	for _, it := range items {
		if it.Code == "clean" {
			clean = it.ID
		}
	}
	today := yanglao.DateOf(time.Now())
	must(hc.SetCoverage(ctx, prov, testkit.TownA, true))
	must(hc.SetProviderItem(ctx, &yanglao.ProviderItem{OrgID: prov, ItemID: clean, PriceFen: 6000, Active: true}))
	must(hc.AddContract(ctx, &yanglao.ProviderContract{OrgID: prov, Number: "BH-1", RegionCode: testkit.Beihu, Start: today.AddDays(-30), End: today.AddDays(60), ItemIDs: []int64{clean}}))
	must(hc.AddAllowance(ctx, &yanglao.ServiceAllowance{RegionCode: testkit.Beihu, Category: yanglao.CatLifeCare, Statuses: []string{"dibao"},
		Unit: yanglao.UnitFen, Amount: 10000, ValidFrom: today.AddDays(-60), Source: "郴州附件第5项"}))
	lat, lng := 25.7806, 113.0246
	mother := &yanglao.Person{Name: "刘桂芳", ResidenceCode: testkit.VillageA1, IDNumber: testkit.CitizenID("431002", "1941-02-03", 22), Address: "人民路8号", Lat: &lat, Lng: &lng}
	must(ps.CreatePerson(ctx, mother))
	must(ps.AddStatus(ctx, &yanglao.Status{PersonID: mother.ID, Kind: "dibao", Source: "民政", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}))
	must(sqldb.NewVoucherService(db).IssueVoucherBatch(ctx, &yanglao.VoucherBatch{Name: "上门服务券", RegionCode: testkit.Beihu, FaceFen: 1000, Uses: []string{"any"},
		ValidFrom: today.AddDays(-1), ValidUntil: today.AddDays(30), PersonIDs: []int64{mother.ID}}))
	son := testkit.CreateUser(t, db, "son", yanglao.RoleFamily, testkit.VillageA1, nil)
	elder := testkit.CreateUser(t, db, "mother", yanglao.RoleElder, testkit.VillageA1, nil)
	must(ps.LinkUser(ctx, son.ID, mother.ID, "child"))
	must(ps.LinkUser(ctx, elder.ID, mother.ID, "self"))
	testkit.CreateUser(t, db, "disp", yanglao.RoleDispatcher, testkit.TownA, &prov)
	cgU := testkit.CreateUser(t, db, "carer", yanglao.RoleCaregiver, testkit.TownA, &prov)
	cgLat := lat + 0.002
	must(hc.CreateCaregiver(ctx, &yanglao.Caregiver{OrgID: prov, UserID: &cgU.ID, Name: "王护理", IDNumber: testkit.CitizenID("431002", "1980-01-01", 301),
		Skills: []string{"clean"}, Lat: &cgLat, Lng: &lng, Active: true}))
	testkit.CreateUser(t, db, "county", yanglao.RoleOfficial, testkit.Beihu, nil)

	// The son books: one person linked, so no person step; a bad post re-renders with the errors.
	s := e.client()
	s.login("son")
	resp, body := s.get("/")
	uiWant(t, "family home", resp, body, http.StatusOK, `href="/orders/new"`, "预约上门服务")
	resp, body = s.get("/orders/new")
	uiWant(t, "booking page", resp, body, http.StatusOK, "助洁", "颐康居家服务中心", "60.00", "明天", "09:00", `name="request_key"`, "用消费券吗", "上门服务券", "面值 10.00")
	key := regexp.MustCompile(`name="request_key" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	option := strconv.FormatInt(prov, 10) + ":" + strconv.FormatInt(clean, 10)
	resp, body = s.postCSRF("/orders", url.Values{"person": {strconv.FormatInt(mother.ID, 10)}, "option": {option}, "request_key": {key}})
	uiWant(t, "booking without day and time", resp, body, http.StatusBadRequest, `id="time-error"`, "请选择上门时间", `id="error-summary"`)
	tomorrow := today.AddDays(1)
	form := url.Values{"person": {strconv.FormatInt(mother.ID, 10)}, "option": {option}, "day": {tomorrow.String()}, "time": {"09:00"}, "needs": {"厨房油污较多"}, "request_key": {key}}
	resp, _ = s.postCSRF("/orders", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("booking: %d", resp.StatusCode)
	}
	where := resp.Header.Get("Location")
	resp, _ = s.postCSRF("/orders", form) // the same form sent twice: one order
	if resp.Header.Get("Location") != where {
		t.Fatalf("double submit made a second order: %s then %s", where, resp.Header.Get("Location"))
	}
	id := strings.TrimPrefix(strings.Split(where, "?")[0], "/orders/")
	resp, body = s.get(where)
	uiWant(t, "order page", resp, body, http.StatusOK, "预约成功", "待接单", "补贴 60.00", "自付 0.00", "取消这次预约")

	// The dispatcher assigns on the board; the suggestion names the caregiver.
	d := e.client()
	d.login("disp")
	resp, body = d.get("/dispatch?day=" + tomorrow.String())
	uiWant(t, "board", resp, body, http.StatusOK, "待派单", "刘桂芳", "王护理", "派单")
	cgID := regexp.MustCompile(`<option value="(\d+)">王护理`).FindStringSubmatch(body)[1]
	resp, _ = d.postCSRF("/orders/"+id+"/step", url.Values{"action": {"assign"}, "caregiver_id": {cgID}, "back": {"/dispatch?day=" + tomorrow.String()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	resp, _ = d.postCSRF("/orders/"+id+"/step", url.Values{"action": {"accept"}, "back": {"/dispatch?day=" + tomorrow.String()}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "err=") {
		t.Fatalf("accepting an assigned order should come back to the board with the reason: %d %s", resp.StatusCode, loc)
	}

	// The caregiver's phone pages: check in 2 km away, check out at once.
	c := e.client()
	c.login("carer")
	resp, body = c.get("/visits/" + id)
	uiWant(t, "visit page", resp, body, http.StatusOK, "到达，签到", "geo:", "厨房油污较多", "data-geo")
	far := strconv.FormatFloat(lat+0.018, 'f', 6, 64)
	resp, _ = c.postCSRF("/orders/"+id+"/step", url.Values{"action": {"check_in"}, "lat": {far}, "lng": {strconv.FormatFloat(lng, 'f', 6, 64)}, "back": {"/visits/" + id}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("check-in: %d", resp.StatusCode)
	}
	resp, body = c.get("/visits/" + id)
	uiWant(t, "checked in far away", resp, body, http.StatusOK, "签到位置距服务地址 2.0 公里", "服务完成，签退")
	c.postCSRF("/orders/"+id+"/step", url.Values{"action": {"check_out"}, "lat": {far}, "lng": {strconv.FormatFloat(lng, 'f', 6, 64)}, "back": {"/visits/" + id}})
	resp, body = c.postCSRF("/orders/"+id+"/step", url.Values{"action": {"confirm"}, "code": {"12"}, "back": {"/visits/" + id}})
	uiWant(t, "wrong code", resp, body, http.StatusBadRequest, "确认码不正确", `aria-invalid="true"`)

	// The mother reads her code and gives it to the caregiver.
	m := e.client()
	m.login("mother")
	_, body = m.get("/orders/" + id)
	code := regexp.MustCompile(`class="big-code code"[^>]*>(\d{6})<`).FindStringSubmatch(body)
	if code == nil {
		t.Fatalf("the older person's page shows no code: %s", body)
	}
	resp, _ = c.postCSRF("/orders/"+id+"/step", url.Values{"action": {"confirm"}, "code": {code[1]}, "back": {"/visits/" + id}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	resp, _ = m.postCSRF("/orders/"+id+"/step", url.Values{"action": {"rate"}, "rating": {"5"}, "concern": {"希望下次早点到"}, "back": {"/orders/" + id}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate: %d", resp.StatusCode)
	}

	// The statement holds the flagged visit until an official accepts it.
	month := tomorrow.String()[:7]
	resp, body = d.get("/statements?month=" + month)
	uiWant(t, "statement before review", resp, body, http.StatusOK, "本月没有可结算的服务", "异常待审核")
	o := e.client()
	o.login("county")
	resp, body = o.get("/orders?flagged=true")
	uiWant(t, "review queue", resp, body, http.StatusOK, "刘桂芳", "待审核")
	resp, body = o.postCSRF("/orders/"+id+"/review", url.Values{"accept": {"1"}})
	uiWant(t, "review without reason", resp, body, http.StatusBadRequest, "请填写审核理由")
	resp, _ = o.postCSRF("/orders/"+id+"/review", url.Values{"accept": {"1"}, "reason": {"电话回访确认已上门"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("review: %d", resp.StatusCode)
	}
	resp, body = d.get("/statements?month=" + month)
	uiWant(t, "statement after review", resp, body, http.StatusOK, "刘桂芳", "经审核", "60.00", "导出 Excel")
	resp, body = d.get("/api/v1/statements/" + strconv.FormatInt(prov, 10) + "/export.csv?month=" + month)
	uiWant(t, "statement CSV", resp, body, http.StatusOK, "刘桂芳", "60.00", "总计")
	resp, body = o.get("/orders?concerns=true")
	uiWant(t, "concerns reach the official", resp, body, http.StatusOK, "刘桂芳")

	// The caregiver sees only their visits; another family sees none of these.
	resp, body = c.get("/visits")
	uiWant(t, "visits list", resp, body, http.StatusOK, "今日上门")
	testkit.CreateUser(t, db, "other", yanglao.RoleFamily, testkit.VillageA1, nil)
	x := e.client()
	x.login("other")
	resp, _ = x.get("/orders/" + id)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another family reads the order: %d", resp.StatusCode)
	}
	var n int
	must(db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM orders`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d orders", n)
	}
}
