package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/sqldb"
)

// The meal-assistance part of the demo (issue 5): two canteens with a week of
// menus, a canteen staff account, demo subsidy rules, a voucher batch and some
// meal orders today. Every step finds what an earlier run made.

// demoSubsidySource marks the demo's subsidy rules: the seeds name who is
// helped (Chenzhou annex item 5; Tancheng §8) but set no amounts, so these
// numbers are for clicking through, not policy.
const demoSubsidySource = "演示数值：政策文件未规定助餐补贴金额 (demo values: the seed documents set no meal-subsidy amounts)"

var demoDishes = [][3]string{
	{"小米粥、鸡蛋、馒头", "红烧鱼块、清炒时蔬、冬瓜汤、米饭", "肉末蒸蛋、炒青菜、小米粥"},
	{"豆浆、油条、咸鸭蛋", "土豆烧鸡、番茄炒蛋、紫菜汤、米饭", "清蒸豆腐、肉丝面"},
	{"南瓜粥、花卷", "萝卜炖排骨、炒白菜、米饭", "鱼片粥、凉拌黄瓜"},
	{"白粥、酱菜、鸡蛋", "郴州鱼粉、青菜", "香菇鸡肉、炒豆芽、米饭"},
	{"牛奶燕麦、包子", "红烧肉（少油）、炒时蔬、米饭", "番茄鸡蛋面"},
	{"玉米糊、蒸红薯", "清蒸鲈鱼、蒜蓉西兰花、米饭", "肉饼蒸蛋、青菜汤"},
	{"红枣粥、馒头", "腊味合蒸（少盐）、炒青菜、米饭", "鸡汤面"},
}

// demoCanteens creates the canteens, their menus for a week from today, the
// demo subsidy rules and the canteen staff account (role operator bound to the
// canteen: there is no canteen role, and an operator's organisation bounds its
// scope — user.go NeedsOrg).
func (a *app) demoCanteens(ctx context.Context, cfg *config.Config, s *store, d *demoSetup, fixedPassword string) ([]*yanglao.Canteen, error) {
	box, err := a.box(cfg)
	if err != nil {
		return nil, err
	}
	ms := sqldb.NewMealService(s.db, box)
	sys := system(ctx)
	town, err := firstChild(ctx, s, d.county.Code, yanglao.LevelTownship)
	if err != nil || town == nil {
		return nil, err
	}
	village, err := firstChild(ctx, s, town.Code, yanglao.LevelVillage)
	if err != nil {
		return nil, err
	}
	if village == nil {
		village = town
	}
	specs := []*yanglao.Canteen{
		{Name: d.county.Name + "孝善食堂（演示）", RegionCode: town.Code, Type: "xiaoshan", Address: town.Name + "人民路 1 号（演示）", Seats: 40,
			Hours: "07:00-08:30 11:00-13:00 17:00-18:30", Delivery: true, EnterpriseFen: 100, SocialFen: 100, MinPersonalFen: 100},
		{Name: village.Name + "长者餐厅（演示）", RegionCode: village.Code, Type: "elder_restaurant", Address: village.Name + "幸福路 3 号（演示）", Seats: 20,
			Hours: "11:00-13:00", Delivery: false, CollectiveFen: 200, MinPersonalFen: 200},
	}
	var canteens []*yanglao.Canteen
	for _, want := range specs {
		found, _, err := ms.Canteens(sys, yanglao.CanteenFilter{Query: want.Name})
		if err != nil {
			return nil, err
		}
		c := want
		if len(found) > 0 {
			c = found[0]
		} else if err := ms.CreateCanteen(sys, c); err != nil {
			return nil, fmt.Errorf("demo canteen: %w", err)
		}
		canteens = append(canteens, c)
	}
	today := yanglao.DateOf(time.Now())
	for ci, c := range canteens {
		for i := range 7 {
			day := today.AddDays(i)
			dishes := demoDishes[(int(day.Time().Weekday())+ci)%len(demoDishes)]
			for mi, meal := range yanglao.MealOrderOfDay {
				if ci == 1 && meal != "lunch" {
					continue // the village restaurant serves lunch only
				}
				price := []int64{500, 1200, 1000}[mi]
				if err := ms.SaveMenu(sys, &yanglao.Menu{CanteenID: c.ID, Day: day, Meal: meal, Dishes: dishes[mi], PriceFen: price}); err != nil {
					return nil, fmt.Errorf("demo menu: %w", err)
				}
			}
		}
	}
	rules, err := ms.MealSubsidies(sys, d.county.Code)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		from := yanglao.Date{Year: today.Year, Month: 1, Day: 1}
		for cat, fen := range map[string]int64{"age_80": 300, "age_90": 500, "tekun_dispersed": 800, "dibao": 400, "disabled": 500, "special_family": 500} {
			if err := ms.SetMealSubsidy(sys, &yanglao.MealSubsidy{RegionCode: d.county.Code, Category: cat, Fen: fen, From: from, Source: demoSubsidySource}); err != nil {
				return nil, err
			}
		}
	}
	pw := fixedPassword
	if pw == "" {
		pw = generatePassword()
	}
	org := &yanglao.Org{ID: canteens[0].ID, Name: canteens[0].Name, Kind: yanglao.OrgCanteen, RegionCode: canteens[0].RegionCode}
	want := &yanglao.User{Username: "demo-canteen", DisplayName: "食堂工作人员（演示）", Role: yanglao.RoleOperator, RegionCode: town.Code, OrgID: &org.ID}
	u, err := ensureDemoUser(sys, s, want, pw, d.county)
	if err != nil {
		return nil, err
	}
	d.orgs = append(d.orgs, org)
	d.accounts = append(d.accounts, demoAccount{user: u, password: pw, region: town, org: org})
	return canteens, nil
}

// demoMeals issues a meal-voucher batch to the county's people aged 80 and
// over (the demo elder among them), and places today's lunch at the counter
// for up to 12 of them, leaving the demo elder's voucher unspent for the
// visitor to use, and orders the demo elder's next open meal through the family
// account, paid without the voucher.
func (a *app) demoMeals(ctx context.Context, cfg *config.Config, s *store, d *demoSetup, canteens []*yanglao.Canteen) error {
	if len(canteens) == 0 {
		return nil
	}
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	ms := sqldb.NewMealService(s.db, box)
	vs := sqldb.NewVoucherService(s.db)
	people := sqldb.NewPersonService(s.db, box)
	sys := system(ctx)
	today := yanglao.DateOf(time.Now())
	var official, staff, family *yanglao.User
	for _, acc := range d.accounts {
		switch {
		case acc.user.Role == yanglao.RoleOfficial:
			official = acc.user
		case acc.user.Username == "demo-canteen":
			staff = acc.user
		case acc.user.Role == yanglao.RoleFamily:
			family = acc.user
		}
	}
	if official == nil || staff == nil {
		return nil
	}
	as := func(u *yanglao.User) context.Context {
		return yanglao.NewContextWithActor(ctx, yanglao.ActorOf(u, "demo"))
	}
	b := &yanglao.VoucherBatch{Name: fmt.Sprintf("%d年助餐消费券（演示）", today.Year), RegionCode: d.county.Code, FaceFen: 500,
		Uses: []string{yanglao.VoucherMeal}, ValidFrom: today, ValidUntil: today.AddDays(60),
		Filter: &yanglao.VoucherFilterSpec{MinAge: 80}, RequestKey: fmt.Sprintf("demo-meal-vouchers-%s-%d", d.county.Code, today.Year)}
	if err := vs.IssueVoucherBatch(as(official), b); err != nil && yanglao.ErrorField(err) != "person_ids" {
		return fmt.Errorf("demo vouchers: %w", err)
	}
	menus, err := ms.Menus(sys, canteens[0].ID, today, today.AddDays(1))
	if err != nil {
		return err
	}
	menuOf := func(day yanglao.Date, meal string) *yanglao.Menu {
		for _, m := range menus {
			if m.Day == day && m.Meal == meal {
				return m
			}
		}
		return nil
	}
	lunch := menuOf(today, "lunch")
	if lunch == nil {
		return nil
	}
	// The demo elder: the family orders the next meal still open, without the voucher.
	elders, _, err := people.People(sys, yanglao.PersonFilter{Query: "李秀兰", RegionCode: d.county.Code})
	if err != nil {
		return err
	}
	if family != nil && len(elders) > 0 {
		now := time.Now().In(yanglao.Shanghai).Format("15:04")
		next := menuOf(today.AddDays(1), "lunch")
		if now < canteens[0].CutoffDinner {
			next = menuOf(today, "dinner")
		}
		if next != nil {
			_, err := ms.PlaceMealOrder(as(family), &yanglao.MealOrderInput{MenuID: next.ID, PersonID: elders[0].ID, Mode: "delivery",
				RequestKey: fmt.Sprintf("demo-%s-family-%d", next.Day, elders[0].ID)})
			if err != nil && yanglao.ErrorCode(err) != yanglao.ECONFLICT {
				return fmt.Errorf("demo family order: %w", err)
			}
		}
	}
	// Up to 12 other people aged 80+ eat today's lunch, ordered at the counter
	// by citizen ID (read through the audited reveal, as a clerk would read the card).
	olds, _, err := people.People(sys, yanglao.PersonFilter{RegionCode: d.county.Code, MinAge: 80, Life: yanglao.Alive, Page: yanglao.Page{Limit: 13}})
	if err != nil {
		return err
	}
	modes := []string{"eat_in", "pickup", "delivery"}
	n := 0
	for _, p := range olds {
		if n == 12 || (len(elders) > 0 && p.ID == elders[0].ID) {
			continue
		}
		id, _, err := people.RevealID(sys, p.ID, "演示：柜台点餐读取身份证 (demo: the counter reads the ID card)")
		if err != nil {
			return err
		}
		mode := modes[n%3]
		if mode == "delivery" && p.Address == "" {
			mode = "pickup"
		}
		_, err = ms.PlaceMealOrder(as(staff), &yanglao.MealOrderInput{MenuID: lunch.ID, IDNumber: id, Mode: mode, UseVoucher: true,
			RequestKey: fmt.Sprintf("demo-%s-lunch-%d", today, p.ID)})
		if err != nil && yanglao.ErrorCode(err) != yanglao.ECONFLICT {
			return fmt.Errorf("demo counter order: %w", err)
		}
		n++
	}
	fmt.Fprintf(a.stdout, "助餐演示 (meals demo): %d 个食堂 (canteens)，一周菜单 (a week of menus)，消费券批次 (voucher batch) #%d，今日柜台订餐 (counter orders today) %d\n",
		len(canteens), b.ID, n)
	return nil
}
