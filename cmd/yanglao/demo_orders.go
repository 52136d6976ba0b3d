package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/sqldb"
)

// demoOrders gives home-care orders something to show (issue 5): the demo
// provider covers the county, prices seven items and holds a government
// contract; 80-year-olds of low income get a 200-yuan monthly life-care
// allowance (demo amount); the demo older person 李秀兰 lives at a known
// position; demo-caregiver is a caregiver of the provider; and today has five
// orders in different states: confirmed and rated (on the statement), assigned
// (for the caregiver's phone), flagged for review (checked in 2 km away), and
// two waiting on the dispatcher's board. Re-running the same day changes
// nothing (orders carry request keys); another day adds that day's orders.
func (a *app) demoOrders(ctx context.Context, cfg *config.Config, s *store, d *demoSetup) error {
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	sys := system(ctx)
	acc := map[yanglao.Role]*demoAccount{}
	for i := range d.accounts {
		acc[d.accounts[i].user.Role] = &d.accounts[i]
	}
	var prov *yanglao.Org
	for _, o := range d.orgs {
		if o.Kind == yanglao.OrgProvider {
			prov = o
		}
	}
	elderAcc, family, cgAcc, official := acc[yanglao.RoleElder], acc[yanglao.RoleFamily], acc[yanglao.RoleCaregiver], acc[yanglao.RoleOfficial]
	if prov == nil || elderAcc == nil || family == nil || cgAcc == nil || official == nil || cgAcc.org == nil || cgAcc.org.ID != prov.ID {
		return nil
	}
	hc := sqldb.NewHomeCareService(s.db, box)
	people := sqldb.NewPersonService(s.db, box)
	orderSvc := sqldb.NewOrderService(s.db, hc)

	// The provider: coverage, prices, a contract for the year.
	if err := hc.SetCoverage(sys, prov.ID, d.county.Code, true); err != nil {
		return fmt.Errorf("demo coverage: %w", err)
	}
	items, err := hc.ServiceItems(sys, false)
	if err != nil {
		return err
	}
	byCode := map[string]*yanglao.ServiceItem{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	prices := map[string]int64{"meal_delivery": 1500, "clean": 6000, "bath": 8000, "walk": 4000, "daily_nursing": 7000, "care_visit": 3000, "medical_escort": 10000} // demo prices
	var ids []int64
	for code, fen := range prices {
		it := byCode[code]
		if it == nil {
			continue
		}
		if err := hc.SetProviderItem(sys, &yanglao.ProviderItem{OrgID: prov.ID, ItemID: it.ID, PriceFen: fen, Active: true}); err != nil {
			return fmt.Errorf("demo price %s: %w", code, err)
		}
		ids = append(ids, it.ID)
	}
	profile, err := hc.Provider(sys, prov.ID)
	if err != nil {
		return err
	}
	year := time.Now().In(yanglao.Shanghai).Year()
	if len(profile.Contracts) == 0 {
		if err := hc.AddContract(sys, &yanglao.ProviderContract{OrgID: prov.ID, Number: fmt.Sprintf("BH-JJSM-%d（演示）", year), RegionCode: d.county.Code,
			Start: yanglao.Date{Year: year, Month: time.January, Day: 1}, End: yanglao.Date{Year: year, Month: time.December, Day: 31}, ItemIDs: ids}); err != nil {
			return fmt.Errorf("demo contract: %w", err)
		}
	}
	rules, err := hc.Allowances(sys, yanglao.AllowanceFilter{RegionCode: d.county.Code, Category: yanglao.CatLifeCare})
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		if err := hc.AddAllowance(sys, &yanglao.ServiceAllowance{RegionCode: d.county.Code, Category: yanglao.CatLifeCare,
			Statuses: []string{"low_income", "dibao", "tekun_dispersed"}, MinAge: 80, Unit: yanglao.UnitFen, Amount: 20000,
			ValidFrom: yanglao.Date{Year: year, Month: time.January, Day: 1}, Source: "郴州附件第5项 居家上门服务（演示金额）"}); err != nil {
			return fmt.Errorf("demo allowance: %w", err)
		}
	}

	// The demo older person: a position (the village's centre, else the
	// county's) and a low-income status, so the allowance applies.
	found, _, err := people.People(sys, yanglao.PersonFilter{Query: demoElderID(d)})
	if err != nil || len(found) == 0 {
		return err
	}
	elder, err := people.Person(sys, found[0].ID)
	if err != nil {
		return err
	}
	home := elderAcc.region
	if home.Lat == nil {
		home = d.county
	}
	if elder.Lat == nil && home.Lat != nil {
		elder.Lat, elder.Lng = home.Lat, home.Lng
		if err := people.UpdatePerson(sys, elder); err != nil {
			return fmt.Errorf("demo elder position: %w", err)
		}
	}
	held := false
	for _, st := range elder.Statuses {
		held = held || st.Kind == "low_income"
	}
	if !held {
		if err := people.AddStatus(sys, &yanglao.Status{PersonID: elder.ID, Kind: "low_income", Source: "民政（演示）", Start: yanglao.Date{Year: 2024, Month: time.January, Day: 1}}); err != nil {
			return err
		}
	}
	if elder.Lat == nil {
		return nil // no coordinates anywhere on the path: nothing to check in against
	}

	// demo-caregiver's record, near the elder, qualified for every demo item.
	cgs, _, err := hc.Caregivers(sys, yanglao.CaregiverFilter{OrgID: prov.ID, Page: yanglao.Page{Limit: yanglao.MaxPageSize}})
	if err != nil {
		return err
	}
	var cg *yanglao.Caregiver
	for _, c := range cgs {
		if c.UserID != nil && *c.UserID == cgAcc.user.ID {
			cg = c
		}
	}
	if cg == nil {
		lat, lng := *elder.Lat+0.004, *elder.Lng+0.003
		uid := cgAcc.user.ID
		cg = &yanglao.Caregiver{OrgID: prov.ID, UserID: &uid, Name: "赵春梅", Skills: []string{"bath", "clean", "meal", "nursing", "visit", "walk", "medical"},
			IDNumber: idcard.Generate(d.county.Code[:6], time.Date(1978, time.April, 12, 0, 0, 0, 0, time.UTC), 912), Lat: &lat, Lng: &lng, Active: true,
			Certs: []*yanglao.CaregiverCert{
				{Kind: yanglao.CertNursing, Level: "中级", Number: "DEMO-NURSE-1", Issued: yanglao.Date{Year: 2022, Month: time.March, Day: 1}},
				{Kind: yanglao.CertHealth, Number: "DEMO-HEALTH-1", Issued: yanglao.Date{Year: year, Month: time.January, Day: 5}, Expires: yanglao.Date{Year: year + 1, Month: time.January, Day: 4}},
			}}
		if err := hc.CreateCaregiver(sys, cg); err != nil {
			return fmt.Errorf("demo caregiver: %w", err)
		}
	}

	// Today's orders. The store refuses orders in the past, so the clock is
	// set to early this morning while they are placed and walked through.
	today := yanglao.DateOf(time.Now())
	at := func(hh, mm int) time.Time {
		return time.Date(today.Year, today.Month, today.Day, hh, mm, 0, 0, yanglao.Shanghai)
	}
	realNow := s.db.Now
	defer func() { s.db.Now = realNow }()
	clock := at(7, 0)
	s.db.Now = func() time.Time { return clock }
	as := func(acc *demoAccount) context.Context {
		return yanglao.NewContextWithActor(ctx, yanglao.ActorOf(acc.user, "demo"))
	}
	dispatcher := acc[yanglao.RoleDispatcher]
	step := func(who *demoAccount, id int64, st yanglao.OrderStep) error {
		if _, err := orderSvc.StepOrder(as(who), id, &st); err != nil {
			return fmt.Errorf("demo order %d %s: %w", id, st.Action, err)
		}
		return nil
	}
	type plan struct {
		by     *demoAccount
		item   string
		hh, mm int
		needs  string
		walk   func(o *yanglao.Order) error
	}
	visit := func(o *yanglao.Order, northDeg float64, minutes int) error {
		for _, st := range []yanglao.OrderStep{{Action: "accept"}, {Action: "assign", CaregiverID: cg.ID}} {
			if err := step(dispatcher, o.ID, st); err != nil {
				return err
			}
		}
		lat, lng := *elder.Lat+northDeg, *elder.Lng
		clock = o.Start.Add(3 * time.Minute)
		if err := step(cgAcc, o.ID, yanglao.OrderStep{Action: "check_in", Lat: &lat, Lng: &lng, Accuracy: 25}); err != nil {
			return err
		}
		clock = clock.Add(time.Duration(minutes) * time.Minute)
		return step(cgAcc, o.ID, yanglao.OrderStep{Action: "check_out", Lat: &lat, Lng: &lng, Accuracy: 25})
	}
	plans := []plan{
		{family, "clean", 8, 0, "厨房和卫生间重点打扫", func(o *yanglao.Order) error {
			if err := visit(o, 0.0004, 115); err != nil {
				return err
			}
			code, err := orderSvc.Order(as(family), o.ID)
			if err != nil {
				return err
			}
			if err := step(cgAcc, o.ID, yanglao.OrderStep{Action: "confirm", Code: code.ConfirmCode}); err != nil {
				return err
			}
			return step(elderAcc, o.ID, yanglao.OrderStep{Action: "rate", Rating: 5, Note: "打扫得很干净"})
		}},
		{elderAcc, "meal_delivery", 10, 30, "少油少盐", func(o *yanglao.Order) error {
			if err := step(dispatcher, o.ID, yanglao.OrderStep{Action: "assign", CaregiverID: cg.ID}); err != nil {
				return err
			}
			return step(cgAcc, o.ID, yanglao.OrderStep{Action: "depart"})
		}},
		{family, "walk", 11, 30, "陪同去社区卫生服务站", func(o *yanglao.Order) error {
			return visit(o, 0.018, 20) // 2 km away and 20 of 60 minutes: flagged for review
		}},
		{family, "bath", 14, 0, "老人行动不便，需两人协助", nil},
		{elderAcc, "care_visit", 16, 0, "", func(o *yanglao.Order) error {
			return step(dispatcher, o.ID, yanglao.OrderStep{Action: "accept"})
		}},
	}
	before, _, err := orderSvc.Orders(sys, yanglao.OrderFilter{PersonID: elder.ID, Day: today})
	if err != nil {
		return err
	}
	had := map[int64]bool{}
	for _, o := range before {
		had[o.ID] = true
	}
	n := 0
	for i, p := range plans {
		it := byCode[p.item]
		if it == nil {
			continue
		}
		clock = at(7, i)
		o, err := orderSvc.PlaceOrder(as(p.by), &yanglao.OrderRequest{PersonID: elder.ID, ProviderID: prov.ID, ItemID: it.ID, Start: at(p.hh, p.mm),
			Needs: p.needs, RequestKey: fmt.Sprintf("demo-%s-%d", today, i)})
		if err != nil {
			return fmt.Errorf("demo order %s: %w", p.item, err)
		}
		if had[o.ID] {
			continue // an earlier run today placed and walked it
		}
		n++
		if p.walk != nil {
			if err := p.walk(o); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(a.stdout, "演示上门服务订单 (demo home-care orders): 今天新增 %d 单 (%d added today) — %s, %s\n", n, n, prov.Name, cg.Name)
	return nil
}

// demoElderID is the citizen ID linkDemoElder gives 李秀兰.
func demoElderID(d *demoSetup) string {
	return idcard.Generate(d.county.Code[:6], time.Date(1943, time.October, 9, 0, 0, 0, 0, time.UTC), 902)
}
