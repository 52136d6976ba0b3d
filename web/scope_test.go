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
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/visitrules"
	"github.com/yanglao/yanglao/web"
)

// TestScopeMatrix walks every signed-in API route for every relation an actor
// can have to a record in township A: own township, sibling township, parent
// county, organisation staff, unrelated province. Issue 2: "two officials of
// sibling townships cannot see each other's users or anything else scoped below
// their townships, through any endpoint".
func TestScopeMatrix(t *testing.T) {
	e := newEnv(t)
	homeA := tk.CreateOrg(t, e.db, "人民路敬老院", yanglao.OrgCareHome, tk.TownA)
	homeB := tk.CreateOrg(t, e.db, "燕泉敬老院", yanglao.OrgCareHome, tk.TownB)
	targetUser := tk.CreateUser(t, e.db, "target", yanglao.RoleWorker, tk.VillageA1, nil)
	elder := &yanglao.Person{Name: "目标老人", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1940-01-01", 11), Phones: []string{"13912345678"}}
	if err := e.people.CreatePerson(tk.System(), elder); err != nil {
		t.Fatal(err)
	}
	var statusID int64
	{
		st := &yanglao.Status{PersonID: elder.ID, Kind: "dibao", Source: "民政", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}
		if err := e.people.AddStatus(tk.System(), st); err != nil {
			t.Fatal(err)
		}
		statusID = st.ID
	}

	// Two assessments of the elder, the latest due for reassessment within 30 days.
	assessments := sqldb.NewAssessmentService(e.db)
	fullMarks := map[string]int{}
	for _, d := range assess.Dimensions() {
		for _, it := range d.Items {
			fullMarks[it.Code] = it.Max()
		}
	}
	assessmentIDs := [2]string{}
	for i, ago := range []int{700, 350} {
		as := &yanglao.Assessment{PersonID: elder.ID, AssessedOn: yanglao.DateOf(time.Now()).AddDays(-ago), AssessorName: "评估员", Answers: fullMarks}
		if err := assessments.CreateAssessment(tk.System(), as); err != nil {
			t.Fatal(err)
		}
		assessmentIDs[i] = fmt.Sprint(as.ID)
	}

	// An import job started in township A, with one rejected row.
	var importID string
	{
		data := "姓名,身份证号,常住地区划代码\r\n导入老人," + tk.CitizenID("431002", "1942-02-02", 15) + "," + tk.VillageA1 + "\r\n坏行,123," + tk.VillageA1 + "\r\n"
		u := &register.Upload{Kind: register.People, Mode: register.ValidRows, FileName: "目标导入.csv", File: strings.NewReader(data), Size: int64(len(data))}
		job, err := e.people.BeginImport(tk.As(targetUser), u)
		if err == nil {
			job, err = e.people.RunImport(tk.As(targetUser), job, u)
		}
		if err != nil || job.Rejected != 1 {
			t.Fatalf("import job: %+v %v", job, err)
		}
		importID = fmt.Sprint(job.ID)
	}
	importCSV := "姓名,身份证号,常住地区划代码\r\n导入的人," + tk.CitizenID("431002", "1943-03-03", 17) + "," + tk.VillageA1 + "\r\n"
	hasJob := func(b string) bool { return strings.Contains(b, "目标导入.csv") }

	var batchID string
	lastMonth := time.Now().In(yanglao.Shanghai).AddDate(0, -1, 0).Format("2006-01")
	{
		bs := sqldb.NewBatchService(e.db, tk.Box())
		b, _, err := bs.CreateBatch(tk.System(), tk.TownA, lastMonth)
		if err == nil {
			_, err = bs.RunBatch(tk.System(), b.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		batchID = fmt.Sprint(b.ID)
	}
	hasBatch := func(b string) bool { return strings.Contains(b, `"region_code":"`+tk.TownA+`"`) || hasElderText(b) }

	// Benefits: an application for the elder, and silent granting (CZ-14 for
	// 低保) leaves a notice in township A.
	benefitSvc := sqldb.NewBenefitService(e.db)
	application := &yanglao.BenefitApplication{PersonID: elder.ID, ItemCode: "CZ-24", Reason: "目标申请"}
	if err := benefitSvc.Apply(tk.As(targetUser), application); err != nil {
		t.Fatal(err)
	}
	if rep, err := benefitSvc.GrantSilently(tk.System(), yanglao.DateOf(time.Now())); err != nil || rep.Granted == 0 {
		t.Fatalf("silent granting: %+v %v", rep, err)
	}

	// A voucher batch of township A, to the elder (issue 5).
	var voucherBatchID, voucherID string
	{
		vs := sqldb.NewVoucherService(e.db)
		vb := &yanglao.VoucherBatch{Name: "目标券批次", RegionCode: tk.TownA, FaceFen: 800, Uses: []string{"meal"},
			ValidFrom: yanglao.DateOf(time.Now()), ValidUntil: yanglao.DateOf(time.Now()).AddDays(30), PersonIDs: []int64{elder.ID}}
		if err := vs.IssueVoucherBatch(tk.System(), vb); err != nil {
			t.Fatal(err)
		}
		v, _, err := vs.Vouchers(tk.System(), yanglao.VoucherFilter{BatchID: vb.ID})
		if err != nil || len(v) != 1 {
			t.Fatalf("voucher: %v %v", v, err)
		}
		voucherBatchID, voucherID = fmt.Sprint(vb.ID), fmt.Sprint(v[0].ID)
	}
	hasVoucherBatch := func(b string) bool { return strings.Contains(b, "目标券批次") }
	voucherBody := map[string]any{"name": "插入的券", "region_code": tk.TownA, "face_fen": 500, "uses": []string{"meal"},
		"valid_from": yanglao.DateOf(time.Now()).String(), "valid_until": yanglao.DateOf(time.Now()).AddDays(10).String(), "person_ids": []int64{elder.ID}}

	// Care visits: the county's default rules make the elder (86) a target; a
	// named visitor, the month-end reminders, a visit with a photo and an
	// assessment follow-up in township A, and an abuse report about the elder.
	var careRuleID, careVisitID, carePhotoID, followUpID, careVisitorID, reportID string
	{
		cvs := sqldb.NewCareVisitService(e.db)
		for _, r := range visitrules.Defaults(tk.Beihu, yanglao.Date{Year: 2025, Month: 1, Day: 1}) {
			cr := &yanglao.CareRule{Region: r.Region, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, Source: r.Source}
			if err := cvs.SaveCareRule(tk.System(), cr); err != nil {
				t.Fatal(err)
			}
			careRuleID = fmt.Sprint(cr.ID)
		}
		if rep, err := cvs.RefreshTargets(tk.System(), tk.Beihu, ""); err != nil || rep.Targets == 0 {
			t.Fatalf("care-visit list: %+v %v", rep, err)
		}
		vis := &yanglao.CareVisitor{Name: "目标探访员", Kind: "volunteer", RegionCode: tk.TownA}
		if err := cvs.CreateVisitor(tk.System(), vis); err != nil {
			t.Fatal(err)
		}
		careVisitorID = fmt.Sprint(vis.ID)
		today := yanglao.DateOf(time.Now())
		_, last, _ := visitrules.MonthBounds(visitrules.MonthOf(today))
		if n, err := cvs.Remind(tk.System(), last); err != nil || n == 0 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		v := &yanglao.CareVisit{PersonID: elder.ID, Date: today, Mode: "in_person", Health: "fair", VisitorID: &vis.ID,
			Photos: []*yanglao.VisitPhoto{{ContentType: "image/png", Data: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)}}}
		fus := []*yanglao.FollowUp{{Kind: yanglao.FollowUpAssessment, Detail: "目标评估申请"}}
		if err := cvs.RecordVisit(tk.As(targetUser), v, fus); err != nil {
			t.Fatal(err)
		}
		careVisitID, carePhotoID, followUpID = fmt.Sprint(v.ID), fmt.Sprint(v.Photos[0].ID), fmt.Sprint(fus[0].ID)
		rep := &yanglao.AbuseReport{RegionCode: tk.VillageA1, ElderName: "目标老人", Place: "人民路", Kinds: []string{"neglect"}, Description: "目标报告：无人照料"}
		if _, err := sqldb.NewAbuseReportService(e.db, tk.Box()).SubmitReport(context.Background(), rep, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		reportID = fmt.Sprint(rep.ID)
	}
	hasTownA := func(b string) bool { return strings.Contains(b, `"region_code":"`+tk.TownA+`"`) }
	hasVisitor := func(b string) bool { return strings.Contains(b, "目标探访员") }
	// A canteen of township A with tomorrow's lunch, ordered at its counter for the elder (issue 5).
	var canteenID, mealOrderID string
	tomorrow := yanglao.DateOf(time.Now()).AddDays(1).String()
	{
		ms := sqldb.NewMealService(e.db, tk.Box())
		c := &yanglao.Canteen{Name: "目标食堂", RegionCode: tk.TownA, Type: "xiaoshan", Delivery: true}
		if err := ms.CreateCanteen(tk.System(), c); err != nil {
			t.Fatal(err)
		}
		menu := &yanglao.Menu{CanteenID: c.ID, Day: yanglao.DateOf(time.Now()).AddDays(1), Meal: "lunch", Dishes: "目标菜单", PriceFen: 1000}
		if err := ms.SaveMenu(tk.System(), menu); err != nil {
			t.Fatal(err)
		}
		if err := ms.SetMealSubsidy(tk.System(), &yanglao.MealSubsidy{RegionCode: tk.TownA, Category: "age_80", Fen: 300, From: yanglao.Date{Year: 2020, Month: 1, Day: 1}, Source: "目标补贴"}); err != nil {
			t.Fatal(err)
		}
		cook := tk.CreateUser(t, e.db, "cooka", yanglao.RoleOperator, tk.TownA, &c.ID)
		o, err := ms.PlaceMealOrder(tk.As(cook), &yanglao.MealOrderInput{MenuID: menu.ID, IDNumber: elder.IDNumber, Mode: "eat_in"})
		if err != nil {
			t.Fatal(err)
		}
		canteenID, mealOrderID = fmt.Sprint(c.ID), fmt.Sprint(o.ID)
	}
	hasCanteen := func(b string) bool { return strings.Contains(b, "目标食堂") }
	hasMenu := func(b string) bool { return strings.Contains(b, "目标菜单") }
	canteenBody := map[string]any{"name": "目标食堂", "region_code": tk.TownA, "type": "meal_point", "seats": 10}
	cp := "/api/v1/canteens/" + canteenID

	// A home-care order for the elder from a provider in township A: visited,
	// flagged (checked out at once), accepted on review and confirmed, so it is
	// on the provider's statement (issue 5).
	var orderID, orderProvider string
	{
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		hc := sqldb.NewHomeCareService(e.db, tk.Box())
		osvc := sqldb.NewOrderService(e.db, hc)
		prov := tk.CreateOrg(t, e.db, "目标居家服务中心", yanglao.OrgProvider, tk.TownA)
		items, err := hc.ServiceItems(tk.System(), false)
		must(err)
		var clean int64
		for _, it := range items {
			if it.Code == "clean" {
				clean = it.ID
			}
		}
		today := yanglao.DateOf(time.Now())
		must(hc.SetCoverage(tk.System(), prov, tk.TownA, true))
		must(hc.SetProviderItem(tk.System(), &yanglao.ProviderItem{OrgID: prov, ItemID: clean, PriceFen: 5000, Active: true}))
		must(hc.AddContract(tk.System(), &yanglao.ProviderContract{OrgID: prov, Number: "T-1", RegionCode: tk.TownA, Start: today.AddDays(-1), End: today.AddDays(60), ItemIDs: []int64{clean}}))
		must(hc.AddAllowance(tk.System(), &yanglao.ServiceAllowance{RegionCode: tk.TownA, Category: yanglao.CatLifeCare, Statuses: []string{"dibao"}, Unit: yanglao.UnitFen, Amount: 8000, ValidFrom: today.AddDays(-40), Source: "郴州附件第5项"}))
		disp := tk.CreateUser(t, e.db, "dispt", yanglao.RoleDispatcher, tk.TownA, &prov)
		cgU := tk.CreateUser(t, e.db, "cgt", yanglao.RoleCaregiver, tk.TownA, &prov)
		cg := &yanglao.Caregiver{OrgID: prov, UserID: &cgU.ID, Name: "目标护理员", IDNumber: tk.CitizenID("431002", "1980-01-01", 301), Skills: []string{"clean"}, Active: true}
		must(hc.CreateCaregiver(tk.System(), cg))
		o, err := osvc.PlaceOrder(tk.As(targetUser), &yanglao.OrderRequest{PersonID: elder.ID, ProviderID: prov, ItemID: clean, Start: time.Now().Add(time.Hour)})
		must(err)
		for _, st := range []struct {
			u  *yanglao.User
			st yanglao.OrderStep
		}{{disp, yanglao.OrderStep{Action: "assign", CaregiverID: cg.ID}}, {cgU, yanglao.OrderStep{Action: "check_in"}}, {cgU, yanglao.OrderStep{Action: "check_out"}}} {
			_, err := osvc.StepOrder(tk.As(st.u), o.ID, &st.st)
			must(err)
		}
		var code string
		must(e.db.QueryRowForTest(context.Background(), `SELECT confirm_code FROM orders WHERE id = ?`, o.ID).Scan(&code))
		_, err = osvc.StepOrder(tk.As(cgU), o.ID, &yanglao.OrderStep{Action: "confirm", Code: code})
		must(err)
		_, err = osvc.ReviewOrder(tk.System(), o.ID, yanglao.ReviewDecision{Accept: true, Reason: "回访确认"})
		must(err)
		if st, err := osvc.Statement(tk.System(), prov, sqldb.Month(o.Start)); err != nil || len(st.Lines) != 1 {
			t.Fatalf("scope fixture: statement %+v %v", st, err)
		}
		orderID, orderProvider = fmt.Sprint(o.ID), fmt.Sprint(prov)
	}
	orderBody := map[string]any{"person_id": elder.ID, "provider_id": orderProvider, "item_id": 1, "start": time.Now().Add(2 * time.Hour).Format(time.RFC3339)}
	orderMonth := sqldb.Month(time.Now().Add(time.Hour))
	hasProvider := func(b string) bool { return strings.Contains(b, "目标居家服务中心") }

	// Home-care services (issue 5): a provider in township A offering cleaning,
	// with a caregiver; an allowance rule and an employment ban recorded there.
	var provID, caregiverID, allowanceID, cleanID string
	{
		hc := sqldb.NewHomeCareService(e.db, tk.Box())
		prov := tk.CreateOrg(t, e.db, "目标服务组织", yanglao.OrgProvider, tk.TownA)
		items, err := hc.ServiceItems(tk.System(), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Code == "clean" {
				cleanID = fmt.Sprint(it.ID)
				if err := hc.SetProviderItem(tk.System(), &yanglao.ProviderItem{OrgID: prov, ItemID: it.ID, PriceFen: 3000, Active: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := hc.SetCoverage(tk.System(), prov, tk.TownA, true); err != nil {
			t.Fatal(err)
		}
		lat, lng := 25.77, 113.01
		cg := &yanglao.Caregiver{OrgID: prov, Name: "目标护理员", IDNumber: tk.CitizenID("431002", "1980-01-01", 21), Skills: []string{"clean"}, Lat: &lat, Lng: &lng, Active: true}
		if err := hc.CreateCaregiver(tk.System(), cg); err != nil {
			t.Fatal(err)
		}
		al := &yanglao.ServiceAllowance{RegionCode: tk.TownA, Category: yanglao.CatLifeCare, Statuses: []string{"dibao"}, Unit: yanglao.UnitFen, Amount: 100,
			ValidFrom: yanglao.Date{Year: 2020, Month: 1, Day: 1}, Source: "目标额度规则"}
		if err := hc.AddAllowance(tk.System(), al); err != nil {
			t.Fatal(err)
		}
		ban := &yanglao.EmploymentBan{IDNumber: tk.CitizenID("431002", "1970-01-01", 23), Name: "目标禁止", Source: "法院", Reason: "测试", Start: yanglao.Date{Year: 2025, Month: 1, Day: 1}, RegionCode: tk.TownA}
		if err := hc.AddBan(tk.System(), ban); err != nil {
			t.Fatal(err)
		}
		provID, caregiverID, allowanceID = fmt.Sprint(prov), fmt.Sprint(cg.ID), fmt.Sprint(al.ID)
	}
	hasHomeCare := func(b string) bool {
		return strings.Contains(b, "目标服务组织") || strings.Contains(b, "目标护理员")
	}
	hasAllowance := func(b string) bool { return strings.Contains(b, "目标额度规则") }
	hasBan := func(b string) bool { return strings.Contains(b, "目标禁止") }
	never := func(string) bool { return false }
	suggestAt := time.Now().Add(24 * time.Hour).Truncate(time.Hour)

	actors := map[string]*yanglao.User{
		"own":     tk.CreateUser(t, e.db, "own", yanglao.RoleOfficial, tk.TownA, nil),
		"sibling": tk.CreateUser(t, e.db, "sibling", yanglao.RoleOfficial, tk.TownB, nil),
		"parent":  tk.CreateUser(t, e.db, "parent", yanglao.RoleOfficial, tk.Beihu, nil),
		"staffB":  tk.CreateUser(t, e.db, "staffb", yanglao.RoleOperator, tk.TownB, &homeB),
		"other":   tk.CreateUser(t, e.db, "other", yanglao.RoleOfficial, tk.Dongcheng, nil),
		"worker":  tk.CreateUser(t, e.db, "workera", yanglao.RoleWorker, tk.TownA, nil),
	}
	tokens := map[string]string{}
	for k, u := range actors {
		tokens[k] = e.token(u)
	}
	// Who may see township A's records: account managers there, and for
	// organisations also anyone working in township A.
	manages := map[string]bool{"own": true, "parent": true}
	seesOrgs := map[string]bool{"own": true, "parent": true, "worker": true}

	// Devices and alarms: a device bound to the elder, one case from it, a
	// chain for township A and one rejected message.
	alarmSvc := sqldb.NewAlarmService(e.db)
	device := &yanglao.Device{Serial: "TGT-1", Kind: yanglao.DeviceSOS, Vendor: "厂商", PersonID: &elder.ID}
	if _, err := alarmSvc.CreateDevice(tk.System(), device); err != nil {
		t.Fatal(err)
	}
	alarmCase, err := alarmSvc.Ingest(tk.System(), &yanglao.DeviceEvent{Serial: "TGT-1", ID: "scope-1", Type: "sos", At: time.Now()}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := alarmSvc.SetChain(tk.System(), tk.TownA, []yanglao.EscalationStep{{Name: "目标值班长", AfterSeconds: 60}}); err != nil {
		t.Fatal(err)
	}
	if err := alarmSvc.Reject(tk.System(), "mqtt", "x", "GHOST-1", "unknown", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	hasDevice := func(b string) bool { return strings.Contains(b, "TGT-1") || strings.Contains(b, "目标老人") }
	dv, ac := fmt.Sprint(device.ID), fmt.Sprint(alarmCase.CaseID)

	type probe struct {
		method, path string
		body         any
		// leaks reports whether a 2xx body reveals township A's record.
		leaks func(body string) bool
	}
	tu, ho, pe := fmt.Sprint(targetUser.ID), fmt.Sprint(homeA), fmt.Sprint(elder.ID)
	hasElder := func(b string) bool { return strings.Contains(b, "目标老人") || strings.Contains(b, elder.IDNumber) }
	hasElderText = hasElder
	always := func(string) bool { return true }
	hasTarget := func(b string) bool { return strings.Contains(b, `"username":"target"`) }
	hasHome := func(b string) bool { return strings.Contains(b, "人民路敬老院") }
	bp := "/api/v1/batches/" + batchID
	probes := map[string][]probe{
		"GET /api/v1/batches":                               {{"GET", "/api/v1/batches", nil, hasBatch}, {"GET", "/api/v1/batches?region=" + tk.TownA, nil, hasBatch}},
		"POST /api/v1/batches":                              {{"POST", "/api/v1/batches", map[string]any{"region_code": tk.TownA, "month": lastMonth}, always}},
		"GET /api/v1/batches/{id}":                          {{"GET", bp, nil, hasBatch}},
		"POST /api/v1/batches/{id}/run":                     {{"POST", bp + "/run", nil, always}},
		"GET /api/v1/batches/{id}/totals":                   {{"GET", bp + "/totals", nil, always}},
		"GET /api/v1/batches/{id}/lines":                    {{"GET", bp + "/lines", nil, always}},
		"POST /api/v1/batches/{id}/approve":                 {{"POST", bp + "/approve", nil, always}},
		"GET /api/v1/batches/{id}/export.csv":               {{"GET", bp + "/export.csv", nil, hasElder}},
		"GET /api/v1/batches/{id}/export.xlsx":              {{"GET", bp + "/export.xlsx", nil, func(b string) bool { return hasElder(xlsxText(b)) }}},
		"POST /api/v1/batches/{id}/reconcile":               {{"POST", bp + "/reconcile", "明细号,结果\r\n1,paid\r\n", always}},
		"GET /api/v1/users":                                 {{"GET", "/api/v1/users", nil, hasTarget}, {"GET", "/api/v1/users?region=" + tk.TownA, nil, hasTarget}, {"GET", "/api/v1/users?q=target", nil, hasTarget}},
		"GET /api/v1/users/{id}":                            {{"GET", "/api/v1/users/" + tu, nil, hasTarget}},
		"PATCH /api/v1/users/{id}":                          {{"PATCH", "/api/v1/users/" + tu, map[string]any{"display_name": "改名"}, hasTarget}},
		"PUT /api/v1/users/{id}/password":                   {{"PUT", "/api/v1/users/" + tu + "/password", map[string]any{"password": "a-new-long-password"}, func(string) bool { return true }}},
		"POST /api/v1/users/{id}/tokens":                    {{"POST", "/api/v1/users/" + tu + "/tokens", map[string]any{"name": "steal"}, func(string) bool { return true }}},
		"POST /api/v1/users":                                {{"POST", "/api/v1/users", map[string]any{"username": "planted", "display_name": "X", "role": "worker", "region_code": tk.TownA, "password": "a-long-password"}, func(string) bool { return true }}},
		"GET /api/v1/orgs":                                  {{"GET", "/api/v1/orgs", nil, hasHome}, {"GET", "/api/v1/orgs?q=人民路", nil, hasHome}},
		"GET /api/v1/orgs/{id}":                             {{"GET", "/api/v1/orgs/" + ho, nil, hasHome}},
		"POST /api/v1/orgs":                                 {{"POST", "/api/v1/orgs", map[string]any{"name": "插入的机构", "kind": "canteen", "region_code": tk.TownA}, func(string) bool { return true }}},
		"GET /api/v1/audit":                                 {{"GET", "/api/v1/audit?entity=user&entity_id=" + tu, nil, func(b string) bool { return strings.Contains(b, `"username":"test"`) }}},
		"GET /api/v1/me":                                    {{"GET", "/api/v1/me", nil, hasTarget}},
		"GET /api/v1/people":                                {{"GET", "/api/v1/people", nil, hasElder}, {"GET", "/api/v1/people?q=目标", nil, hasElder}, {"GET", "/api/v1/people?q=" + elder.IDNumber, nil, hasElder}, {"GET", "/api/v1/people?q=13912345678", nil, hasElder}, {"GET", "/api/v1/people?status=dibao&region=" + tk.TownA, nil, hasElder}},
		"GET /api/v1/people/count":                          {{"GET", "/api/v1/people/count?region=" + tk.TownA, nil, func(b string) bool { return strings.Contains(b, `"count":1`) }}},
		"POST /api/v1/people":                               {{"POST", "/api/v1/people", map[string]any{"name": "插入的人", "id_number": tk.CitizenID("431002", "1941-01-01", 13), "residence_code": tk.VillageA1}, always}},
		"GET /api/v1/people/{id}":                           {{"GET", "/api/v1/people/" + pe, nil, hasElder}},
		"PUT /api/v1/people/{id}":                           {{"PUT", "/api/v1/people/" + pe, map[string]any{"name": "目标老人", "residence_code": tk.VillageA1, "version": 99}, always}},
		"POST /api/v1/people/{id}/reveal":                   {{"POST", "/api/v1/people/" + pe + "/reveal", map[string]any{"reason": "test"}, always}},
		"POST /api/v1/people/{id}/statuses":                 {{"POST", "/api/v1/people/" + pe + "/statuses", map[string]any{"kind": "low_income", "source": "x", "start": "2021-01-01"}, always}},
		"POST /api/v1/statuses/{id}/end":                    {{"POST", "/api/v1/statuses/" + fmt.Sprint(statusID) + "/end", map[string]any{"end": "2026-01-01"}, always}},
		"GET /api/v1/people/{id}/history":                   {{"GET", "/api/v1/people/" + pe + "/history", nil, always}},
		"GET /api/v1/people/export.csv":                     {{"GET", "/api/v1/people/export.csv", nil, hasElder}, {"GET", "/api/v1/people/export.csv?region=" + tk.TownA + "&status=dibao", nil, hasElder}},
		"GET /api/v1/people/export.xlsx":                    {{"GET", "/api/v1/people/export.xlsx?region=" + tk.TownA, nil, func(b string) bool { return hasElder(xlsxText(b)) }}},
		"POST /api/v1/imports":                              {{"POST", "/api/v1/imports?mode=all_or_nothing", importCSV, always}},
		"GET /api/v1/imports":                               {{"GET", "/api/v1/imports", nil, hasJob}},
		"GET /api/v1/imports/{id}":                          {{"GET", "/api/v1/imports/" + importID, nil, hasJob}},
		"GET /api/v1/imports/{id}/rejects":                  {{"GET", "/api/v1/imports/" + importID + "/rejects", nil, always}},
		"GET /api/v1/people/{id}/assessments":               {{"GET", "/api/v1/people/" + pe + "/assessments", nil, hasElder}},
		"POST /api/v1/people/{id}/assessments":              {{"POST", "/api/v1/people/" + pe + "/assessments", map[string]any{"assessed_on": yanglao.DateOf(time.Now()).String(), "answers": fullMarks}, always}},
		"GET /api/v1/assessments/worklist":                  {{"GET", "/api/v1/assessments/worklist", nil, hasElder}, {"GET", "/api/v1/assessments/worklist?within=3000&region=" + tk.TownA, nil, hasElder}},
		"GET /api/v1/assessments/{id}":                      {{"GET", "/api/v1/assessments/" + assessmentIDs[0], nil, hasElder}},
		"GET /api/v1/assessments/{id}/compare/{other}":      {{"GET", "/api/v1/assessments/" + assessmentIDs[0] + "/compare/" + assessmentIDs[1], nil, hasElder}},
		"GET /api/v1/benefits/list":                         {{"GET", "/api/v1/benefits/list?region=" + tk.Beihu, nil, func(string) bool { return false }}},
		"POST /api/v1/benefits/list/{region}/items":         {{"POST", "/api/v1/benefits/list/" + tk.Beihu + "/items", map[string]any{"code": "BH-01", "name": "测试项目", "type": "关爱服务", "source": "测试", "from": "2030-01-01", "application": "none", "eligibility": "age >= 60"}, always}},
		"POST /api/v1/benefits/rules/check":                 {{"POST", "/api/v1/benefits/rules/check", map[string]any{"field": "amount", "rule": "80元"}, func(string) bool { return false }}},
		"POST /api/v1/benefits/params":                      {{"POST", "/api/v1/benefits/params", map[string]any{"region": tk.Beihu, "name": "dibao_standard", "from": "2040-01-01", "fen": 1}, always}},
		"GET /api/v1/people/{id}/entitlements":              {{"GET", "/api/v1/people/" + pe + "/entitlements", nil, always}, {"GET", "/api/v1/people/" + pe + "/entitlements?month=2026-01", nil, always}},
		"GET /api/v1/people/{id}/entitlements/{code}":       {{"GET", "/api/v1/people/" + pe + "/entitlements/CZ-14", nil, always}},
		"POST /api/v1/people/{id}/applications":             {{"POST", "/api/v1/people/" + pe + "/applications", map[string]any{"item_code": "CZ-24", "reason": "再申请"}, always}},
		"GET /api/v1/benefits/applications":                 {{"GET", "/api/v1/benefits/applications?status=all", nil, hasElder}},
		"POST /api/v1/benefits/applications/{id}/decision":  {{"POST", "/api/v1/benefits/applications/" + fmt.Sprint(application.ID) + "/decision", map[string]any{"approve": false, "note": "测试驳回"}, always}},
		"GET /api/v1/benefits/notices":                      {{"GET", "/api/v1/benefits/notices", nil, hasElder}},
		"POST /api/v1/benefits/simulate":                    {{"POST", "/api/v1/benefits/simulate", map[string]any{"region": tk.TownA, "code": "CZ-14", "amount": "200元"}, always}},
		"POST /api/v1/orders":                               {{"POST", "/api/v1/orders", orderBody, always}},
		"GET /api/v1/orders":                                {{"GET", "/api/v1/orders", nil, hasElder}, {"GET", "/api/v1/orders?person=" + pe, nil, hasElder}, {"GET", "/api/v1/orders?flagged=true", nil, hasElder}},
		"GET /api/v1/orders/{id}":                           {{"GET", "/api/v1/orders/" + orderID, nil, hasElder}},
		"GET /api/v1/orders/{id}/events":                    {{"GET", "/api/v1/orders/" + orderID + "/events", nil, always}},
		"POST /api/v1/orders/{id}/steps":                    {{"POST", "/api/v1/orders/" + orderID + "/steps", map[string]any{"action": "rate", "rating": 1}, always}},
		"POST /api/v1/orders/{id}/review":                   {{"POST", "/api/v1/orders/" + orderID + "/review", map[string]any{"accept": false, "reason": "x"}, always}},
		"GET /api/v1/orders/{id}/suggestions":               {{"GET", "/api/v1/orders/" + orderID + "/suggestions", nil, always}},
		"GET /api/v1/people/{id}/booking-options":           {{"GET", "/api/v1/people/" + pe + "/booking-options", nil, hasProvider}},
		"GET /api/v1/dispatch/{provider}":                   {{"GET", "/api/v1/dispatch/" + orderProvider + "?day=" + yanglao.DateOf(time.Now().Add(time.Hour)).String(), nil, hasElder}},
		"GET /api/v1/statements/{provider}":                 {{"GET", "/api/v1/statements/" + orderProvider + "?month=" + orderMonth, nil, hasElder}},
		"GET /api/v1/statements/{provider}/export.csv":      {{"GET", "/api/v1/statements/" + orderProvider + "/export.csv?month=" + orderMonth, nil, hasElder}},
		"GET /api/v1/statements/{provider}/export.xlsx":     {{"GET", "/api/v1/statements/" + orderProvider + "/export.xlsx?month=" + orderMonth, nil, func(b string) bool { return hasElder(xlsxText(b)) }}},
		"GET /api/v1/voucher-batches":                       {{"GET", "/api/v1/voucher-batches", nil, hasVoucherBatch}, {"GET", "/api/v1/voucher-batches?region=" + tk.TownA, nil, hasVoucherBatch}},
		"POST /api/v1/voucher-batches":                      {{"POST", "/api/v1/voucher-batches", voucherBody, always}},
		"POST /api/v1/voucher-batches/preview":              {{"POST", "/api/v1/voucher-batches/preview", voucherBody, always}},
		"GET /api/v1/voucher-batches/{id}":                  {{"GET", "/api/v1/voucher-batches/" + voucherBatchID, nil, hasVoucherBatch}},
		"GET /api/v1/vouchers":                              {{"GET", "/api/v1/vouchers", nil, hasElder}, {"GET", "/api/v1/vouchers?region=" + tk.TownA + "&state=unspent&use=meal", nil, hasElder}},
		"GET /api/v1/vouchers/{id}":                         {{"GET", "/api/v1/vouchers/" + voucherID, nil, hasElder}},
		"GET /api/v1/carevisits/rules":                      {{"GET", "/api/v1/carevisits/rules?region=" + tk.TownA, nil, always}},
		"POST /api/v1/carevisits/rules":                     {{"POST", "/api/v1/carevisits/rules", map[string]any{"region": tk.TownA, "group": "alone", "per_month": 2, "from": "2030-01-01", "source": "测试"}, always}},
		"POST /api/v1/carevisits/rules/{id}/end":            {{"POST", "/api/v1/carevisits/rules/" + careRuleID + "/end", map[string]any{"to": "2099-12-31"}, always}},
		"POST /api/v1/carevisits/targets/refresh":           {{"POST", "/api/v1/carevisits/targets/refresh", map[string]any{"region": tk.TownA}, always}},
		"GET /api/v1/carevisits/targets":                    {{"GET", "/api/v1/carevisits/targets", nil, hasElder}, {"GET", "/api/v1/carevisits/targets?pending=true&region=" + tk.TownA, nil, hasElder}, {"GET", "/api/v1/carevisits/targets?mine=true", nil, hasElder}},
		"GET /api/v1/carevisits/rates":                      {{"GET", "/api/v1/carevisits/rates?region=" + tk.TownA, nil, always}, {"GET", "/api/v1/carevisits/rates", nil, hasTownA}},
		"GET /api/v1/carevisits/visitors":                   {{"GET", "/api/v1/carevisits/visitors", nil, hasVisitor}, {"GET", "/api/v1/carevisits/visitors?region=" + tk.TownA, nil, hasVisitor}},
		"POST /api/v1/carevisits/visitors":                  {{"POST", "/api/v1/carevisits/visitors", map[string]any{"name": "插入的探访员", "kind": "volunteer", "region_code": tk.TownA}, always}},
		"POST /api/v1/carevisits/plan/assign":               {{"POST", "/api/v1/carevisits/plan/assign", map[string]any{"region_code": tk.TownA, "visitor_id": json.Number(careVisitorID), "replace": true}, always}},
		"POST /api/v1/carevisits/visits":                    {{"POST", "/api/v1/carevisits/visits", map[string]any{"person_id": elder.ID, "date": yanglao.DateOf(time.Now()).String(), "mode": "phone", "health": "good"}, always}},
		"GET /api/v1/carevisits/visits/{id}":                {{"GET", "/api/v1/carevisits/visits/" + careVisitID, nil, hasElder}},
		"GET /api/v1/carevisits/visits/{id}/photos/{photo}": {{"GET", "/api/v1/carevisits/visits/" + careVisitID + "/photos/" + carePhotoID, nil, always}},
		"GET /api/v1/people/{id}/carevisits":                {{"GET", "/api/v1/people/" + pe + "/carevisits", nil, hasElder}},
		"GET /api/v1/carevisits/followups":                  {{"GET", "/api/v1/carevisits/followups", nil, hasElder}, {"GET", "/api/v1/carevisits/followups?kind=assessment&state=all&person=" + pe, nil, hasElder}},
		"POST /api/v1/carevisits/followups/{id}":            {{"POST", "/api/v1/carevisits/followups/" + followUpID, map[string]any{"state": "in_progress"}, always}},
		"GET /api/v1/carevisits/reminders":                  {{"GET", "/api/v1/carevisits/reminders", nil, hasTownA}},
		"GET /api/v1/abuse-reports":                         {{"GET", "/api/v1/abuse-reports", nil, hasElder}, {"GET", "/api/v1/abuse-reports?state=all", nil, hasElder}},
		"GET /api/v1/abuse-reports/{id}":                    {{"GET", "/api/v1/abuse-reports/" + reportID, nil, hasElder}},
		"POST /api/v1/abuse-reports/{id}/steps":             {{"POST", "/api/v1/abuse-reports/" + reportID + "/steps", map[string]any{"state": "assigned", "assignee_id": targetUser.ID}, always}},
		"GET /api/v1/canteens":                              {{"GET", "/api/v1/canteens", nil, hasCanteen}, {"GET", "/api/v1/canteens?q=目标", nil, hasCanteen}},
		"POST /api/v1/canteens":                             {{"POST", "/api/v1/canteens", canteenBody, always}},
		"GET /api/v1/canteens/{id}":                         {{"GET", cp, nil, hasCanteen}},
		"PUT /api/v1/canteens/{id}":                         {{"PUT", cp, canteenBody, always}},
		"GET /api/v1/canteens/{id}/menus":                   {{"GET", cp + "/menus?to=" + tomorrow, nil, hasMenu}},
		"POST /api/v1/canteens/{id}/menus":                  {{"POST", cp + "/menus", map[string]any{"day": tomorrow, "meal": "dinner", "dishes": "插入的菜", "price_fen": 800}, always}},
		"GET /api/v1/canteens/{id}/kitchen":                 {{"GET", cp + "/kitchen?day=" + tomorrow, nil, hasElder}},
		"GET /api/v1/canteens/{id}/statement":               {{"GET", cp + "/statement?month=" + tomorrow[:7], nil, always}},
		"GET /api/v1/canteens/{id}/statement.csv":           {{"GET", cp + "/statement.csv?month=" + tomorrow[:7], nil, always}},
		"GET /api/v1/canteens/{id}/statement.xlsx":          {{"GET", cp + "/statement.xlsx?month=" + tomorrow[:7], nil, always}},
		"GET /api/v1/meal-subsidies":                        {{"GET", "/api/v1/meal-subsidies?region=" + tk.TownA, nil, func(b string) bool { return strings.Contains(b, "目标补贴") }}},
		"POST /api/v1/meal-subsidies":                       {{"POST", "/api/v1/meal-subsidies", map[string]any{"region_code": tk.TownA, "category": "age_90", "fen": 500, "from": "2030-01-01", "source": "插入"}, always}},
		"GET /api/v1/meal-orders":                           {{"GET", "/api/v1/meal-orders", nil, hasElder}, {"GET", "/api/v1/meal-orders?canteen=" + canteenID, nil, hasElder}},
		"POST /api/v1/meal-orders":                          {{"POST", "/api/v1/meal-orders", map[string]any{"menu_id": 1, "person_id": elder.ID, "mode": "eat_in"}, always}, {"POST", "/api/v1/meal-orders", map[string]any{"menu_id": 1, "id_number": elder.IDNumber, "mode": "eat_in"}, always}},
		"GET /api/v1/meal-orders/{id}":                      {{"GET", "/api/v1/meal-orders/" + mealOrderID, nil, hasElder}},
		"POST /api/v1/meal-orders/{id}/cancel":              {{"POST", "/api/v1/meal-orders/" + mealOrderID + "/cancel", nil, always}},
		"GET /api/v1/service-items":                         {{"GET", "/api/v1/service-items?all=true", nil, never}},
		"POST /api/v1/service-items":                        {{"POST", "/api/v1/service-items", map[string]any{"code": "planted", "category": "visit", "name": "插入的项目", "minutes": 30}, always}},
		"PUT /api/v1/service-items/{id}":                    {{"PUT", "/api/v1/service-items/" + cleanID, map[string]any{"code": "clean", "category": "life_care", "name": "改名", "minutes": 30}, always}},
		"GET /api/v1/service-allowances":                    {{"GET", "/api/v1/service-allowances", nil, hasAllowance}, {"GET", "/api/v1/service-allowances?region=" + tk.TownA, nil, hasAllowance}},
		"POST /api/v1/service-allowances":                   {{"POST", "/api/v1/service-allowances", map[string]any{"region_code": tk.TownA, "category": "visit", "unit": "minutes", "amount": 60, "valid_from": "2030-01-01", "source": "插入"}, always}},
		"POST /api/v1/service-allowances/{id}/end":          {{"POST", "/api/v1/service-allowances/" + allowanceID + "/end", map[string]any{"end": "2099-12-31"}, always}},
		"GET /api/v1/people/{id}/service-allowance":         {{"GET", "/api/v1/people/" + pe + "/service-allowance?category=life_care", nil, always}},
		"GET /api/v1/providers/rates":                       {{"GET", "/api/v1/providers/rates", nil, hasHomeCare}, {"GET", "/api/v1/providers/rates?region=" + tk.TownA, nil, hasHomeCare}},
		"GET /api/v1/providers/{id}":                        {{"GET", "/api/v1/providers/" + provID, nil, hasHomeCare}},
		"POST /api/v1/providers/{id}/coverage":              {{"POST", "/api/v1/providers/" + provID + "/coverage", map[string]any{"region_code": tk.TownB, "covered": true}, always}},
		"POST /api/v1/providers/{id}/items":                 {{"POST", "/api/v1/providers/" + provID + "/items", map[string]any{"item_id": json.Number(cleanID), "price_fen": 1}, always}},
		"POST /api/v1/providers/{id}/contracts":             {{"POST", "/api/v1/providers/" + provID + "/contracts", map[string]any{"number": "插入-1", "region_code": tk.TownA, "start": "2026-01-01", "end": "2026-12-31", "item_ids": []any{json.Number(cleanID)}}, always}},
		"GET /api/v1/providers/{id}/offer":                  {{"GET", "/api/v1/providers/" + provID + "/offer?item=" + cleanID + "&region=" + tk.VillageA1, nil, always}},
		"GET /api/v1/caregivers":                            {{"GET", "/api/v1/caregivers", nil, hasHomeCare}, {"GET", "/api/v1/caregivers?q=目标&sort=name", nil, hasHomeCare}, {"GET", "/api/v1/caregivers?org=" + provID, nil, hasHomeCare}},
		"POST /api/v1/caregivers":                           {{"POST", "/api/v1/caregivers", map[string]any{"org_id": json.Number(provID), "name": "插入的护理员", "id_number": tk.CitizenID("431002", "1985-01-01", 25)}, always}},
		"POST /api/v1/caregivers/suggest":                   {{"POST", "/api/v1/caregivers/suggest", map[string]any{"org_id": json.Number(provID), "item_id": json.Number(cleanID), "start": suggestAt, "end": suggestAt.Add(time.Hour), "lat": 25.77, "lng": 113.01}, always}},
		"GET /api/v1/caregivers/{id}":                       {{"GET", "/api/v1/caregivers/" + caregiverID, nil, hasHomeCare}},
		"PUT /api/v1/caregivers/{id}":                       {{"PUT", "/api/v1/caregivers/" + caregiverID, map[string]any{"name": "目标护理员", "version": 1, "active": false}, always}},
		"POST /api/v1/caregivers/{id}/certs":                {{"POST", "/api/v1/caregivers/" + caregiverID + "/certs", map[string]any{"kind": "health", "issued": "2026-01-01"}, always}},
		"GET /api/v1/caregivers/{id}/eligible":              {{"GET", "/api/v1/caregivers/" + caregiverID + "/eligible?item=" + cleanID, nil, always}},
		"GET /api/v1/employment-bans":                       {{"GET", "/api/v1/employment-bans", nil, hasBan}, {"GET", "/api/v1/employment-bans?q=目标", nil, hasBan}},
		"POST /api/v1/employment-bans":                      {{"POST", "/api/v1/employment-bans", map[string]any{"id_number": tk.CitizenID("431002", "1971-01-01", 27), "name": "插入", "source": "x", "reason": "x", "start": "2025-01-01", "region_code": tk.TownA}, always}},
	}
	for k, v := range map[string][]probe{
		"GET /api/v1/devices":                  {{"GET", "/api/v1/devices", nil, hasDevice}, {"GET", "/api/v1/devices?q=TGT&sort=battery", nil, hasDevice}, {"GET", "/api/v1/devices?region=" + tk.TownA + "&sort=last_seen", nil, hasDevice}},
		"POST /api/v1/devices":                 {{"POST", "/api/v1/devices", map[string]any{"serial": "PLANT-1", "kind": "sos", "vendor": "x", "region_code": tk.VillageA1}, always}},
		"GET /api/v1/devices/{id}":             {{"GET", "/api/v1/devices/" + dv, nil, hasDevice}},
		"PUT /api/v1/devices/{id}/binding":     {{"PUT", "/api/v1/devices/" + dv + "/binding", map[string]any{"region_code": tk.VillageA1, "address": "改"}, always}},
		"POST /api/v1/devices/{serial}/events": {{"POST", "/api/v1/devices/TGT-1/events", map[string]any{"id": "planted", "type": "sos", "at": "2026-03-14T08:00:00+08:00"}, always}},
		"GET /api/v1/alarms":                   {{"GET", "/api/v1/alarms", nil, hasDevice}, {"GET", "/api/v1/alarms?open=1&region=" + tk.TownA, nil, hasDevice}},
		"GET /api/v1/alarms/report":            {{"GET", "/api/v1/alarms/report", nil, func(b string) bool { return strings.Contains(b, `"cases":`) }}},
		"GET /api/v1/alarms/rejected":          {{"GET", "/api/v1/alarms/rejected", nil, func(b string) bool { return strings.Contains(b, "GHOST-1") }}},
		"GET /api/v1/alarms/{id}":              {{"GET", "/api/v1/alarms/" + ac, nil, hasDevice}},
		"POST /api/v1/alarms/{id}/actions":     {{"POST", "/api/v1/alarms/" + ac + "/actions", map[string]any{"action": "acknowledge"}, always}},
		"GET /api/v1/escalation/{code}":        {{"GET", "/api/v1/escalation/" + tk.TownA, nil, func(b string) bool { return strings.Contains(b, "目标值班长") }}},
		"PUT /api/v1/escalation/{code}":        {{"PUT", "/api/v1/escalation/" + tk.TownA, map[string]any{"steps": []map[string]any{{"name": "x", "after_seconds": 30}}}, always}},
	} {
		probes[k] = v
	}
	// Every signed-in route must have probes, so a new route cannot skip this test.
	for _, rt := range web.RouteTableForTest() {
		if rt.SignedIn && strings.HasPrefix(rt.Path, "/api/") {
			if _, ok := probes[rt.Method+" "+rt.Path]; !ok {
				t.Errorf("route %s %s has no scope probe in TestScopeMatrix", rt.Method, rt.Path)
			}
		}
	}
	for name, ps := range probes {
		for _, p := range ps {
			for who, tok := range tokens {
				r := e.do(p.method, p.path, tok, p.body)
				ok := r.status < 300
				leaked := ok && p.leaks(string(r.body))
				mayManage := manages[who]
				if strings.HasPrefix(name, "GET /api/v1/orgs") || strings.Contains(name, "/people") || strings.Contains(name, "/statuses") || strings.Contains(name, "/assessments") || name == "POST /api/v1/imports" ||
					strings.Contains(name, "/benefits/applications") || strings.Contains(name, "/benefits/notices") ||
					strings.HasPrefix(name, "GET /api/v1/voucher") || strings.Contains(name, "/api/v1/orders") ||
					strings.Contains(name, "/carevisits") || strings.Contains(name, "/abuse-reports") ||
					strings.HasPrefix(name, "GET /api/v1/meal-") ||
					(strings.HasPrefix(name, "GET /api/v1/canteens") && !strings.Contains(name, "/kitchen") && !strings.Contains(name, "/statement")) ||
					strings.Contains(name, "/service-") || strings.Contains(name, "/providers") || strings.Contains(name, "/caregivers") ||
					strings.Contains(name, "/devices") || strings.Contains(name, "/alarms") || strings.Contains(name, "/escalation") {
					mayManage = seesOrgs[who] // everyone working in township A, not org staff elsewhere
				}
				switch {
				case name == "GET /api/v1/audit":
					// Only administrators read others' audit entries (here: the system's, which created the user).
					if leaked {
						t.Errorf("%s %s as %s: audit of another user leaked", p.method, p.path, who)
					}
				case name == "GET /api/v1/orders/{id}/suggestions":
					// Only the provider's own dispatcher gets suggestions; nobody here is one.
					if ok {
						t.Errorf("%s %s as %s: suggestions outside the provider: %s", p.method, p.path, who, r.body)
					}
				case name == "GET /api/v1/alarms/rejected":
					// Rejected messages carry no region: administrators only.
					if leaked {
						t.Errorf("%s %s as %s: rejected device messages leaked", p.method, p.path, who)
					}
				case name == "POST /api/v1/benefits/rules/check":
					// Checks a rule and stores nothing: anyone signed in may.
				case mayManage && !ok && p.method == "GET" && r.status != http.StatusConflict:

					t.Errorf("%s %s as %s: status %d, want success (%s)", p.method, p.path, who, r.status, r.body)
				case !mayManage && leaked:
					t.Errorf("%s %s as %s: township A's record leaked: %s", p.method, p.path, who, r.body)
				case !mayManage && ok && p.method != "GET":
					t.Errorf("%s %s as %s: write outside scope succeeded: %s", p.method, p.path, who, r.body)
				}
			}
		}
	}
	// The sibling's 404 and the own official's success are not two spellings of one answer.
	if r := e.do("GET", "/api/v1/users/"+tu, tokens["sibling"], nil); r.status != http.StatusNotFound {
		t.Errorf("sibling reading a user: %d, want 404", r.status)
	}
}

// hasElderText is the scope matrix's leak test for the target elder.
var hasElderText func(string) bool

// xlsxText is the text of every cell of an .xlsx body, for leak checks.
func xlsxText(b string) string {
	rr, err := register.NewXLSXReader(strings.NewReader(b), int64(len(b)))
	if err != nil {
		return ""
	}
	var out []string
	for {
		_, cells, err := rr.Next()
		if err != nil {
			return strings.Join(out, "|")
		}
		out = append(out, cells...)
	}
}
