package sqldb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

type mealFixture struct {
	db                     *sqldb.DB
	clock                  *time.Time
	ms                     *sqldb.MealService
	vs                     *sqldb.VoucherService
	official, staff, other context.Context
	elder, family          context.Context
	canteen                *yanglao.Canteen
	p0, p1                 *yanglao.Person // p0: 85, 低保, elder's own; p1: 70, the family's parent
	lunch, dinner, next    *yanglao.Menu
	voucher                *yanglao.Voucher
}

func (f *mealFixture) at(shanghai string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", shanghai, yanglao.Shanghai)
	if err != nil {
		panic(err)
	}
	*f.clock = t
}

func newMealFixture(t *testing.T) *mealFixture {
	t.Helper()
	db := tk.NewDB(t)
	f := &mealFixture{db: db, clock: new(time.Time), ms: sqldb.NewMealService(db, tk.Box()), vs: sqldb.NewVoucherService(db)}
	f.at("2026-11-22 09:00")
	db.Now = func() time.Time { return *f.clock }
	f.official = tk.As(tk.CreateUser(t, db, "mofficial", yanglao.RoleOfficial, tk.Beihu, nil))
	f.canteen = &yanglao.Canteen{Name: "人民路孝善食堂", RegionCode: tk.TownA, Type: "xiaoshan", Address: "人民路1号", Seats: 40,
		Hours: "11:00-13:00 17:00-18:30", Delivery: true, EnterpriseFen: 100, CollectiveFen: 50, SocialFen: 50}
	if err := f.ms.CreateCanteen(f.official, f.canteen); err != nil {
		t.Fatal(err)
	}
	otherCanteen := &yanglao.Canteen{Name: "燕泉长者餐厅", RegionCode: tk.TownB, Type: "elder_restaurant"}
	if err := f.ms.CreateCanteen(f.official, otherCanteen); err != nil {
		t.Fatal(err)
	}
	f.staff = tk.As(tk.CreateUser(t, db, "cook", yanglao.RoleOperator, tk.TownA, &f.canteen.ID))
	f.other = tk.As(tk.CreateUser(t, db, "othercook", yanglao.RoleOperator, tk.TownB, &otherCanteen.ID))
	ps := sqldb.NewPersonService(db, tk.Box())
	f.p0 = newPerson("吃饭老人", tk.VillageA1, tk.CitizenID("431002", "1941-03-03", 41))
	f.p1 = newPerson("家属的父亲", tk.VillageA1, tk.CitizenID("431002", "1956-04-04", 43))
	for _, p := range []*yanglao.Person{f.p0, f.p1} {
		if err := ps.CreatePerson(tk.System(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ps.AddStatus(tk.System(), &yanglao.Status{PersonID: f.p0.ID, Kind: "dibao", Source: "民政", Start: mustDate("2020-01-01")}); err != nil {
		t.Fatal(err)
	}
	elder := tk.CreateUser(t, db, "eater", yanglao.RoleElder, tk.VillageA1, nil)
	family := tk.CreateUser(t, db, "child", yanglao.RoleFamily, tk.VillageA1, nil)
	if err := ps.LinkUser(tk.System(), elder.ID, f.p0.ID, "self"); err != nil {
		t.Fatal(err)
	}
	if err := ps.LinkUser(tk.System(), family.ID, f.p1.ID, "child"); err != nil {
		t.Fatal(err)
	}
	f.elder, f.family = tk.As(elder), tk.As(family)
	for _, r := range []*yanglao.MealSubsidy{
		{RegionCode: tk.Beihu, Category: "age_80", Fen: 300, From: mustDate("2026-01-01"), Source: "测试"},
		{RegionCode: tk.Beihu, Category: "dibao", Fen: 400, From: mustDate("2026-01-01"), Source: "测试"},
		{RegionCode: tk.TownA, Category: "age_80", Fen: 350, From: mustDate("2026-01-01"), Source: "测试"},
		{RegionCode: tk.Beihu, Category: "age_90", Fen: 900, From: mustDate("2026-01-01"), Until: mustDate("2026-06-30"), Source: "测试：已过期"},
	} {
		if err := f.ms.SetMealSubsidy(f.official, r); err != nil {
			t.Fatal(err)
		}
	}
	f.lunch = &yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-22"), Meal: "lunch", Dishes: "红烧鱼、炒青菜、米饭", PriceFen: 1200}
	f.dinner = &yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-22"), Meal: "dinner", Dishes: "蒸蛋、豆腐汤", PriceFen: 150}
	f.next = &yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-23"), Meal: "lunch", Dishes: "排骨、白菜", PriceFen: 1300}
	for _, m := range []*yanglao.Menu{f.lunch, f.dinner, f.next} {
		if err := f.ms.SaveMenu(f.staff, m); err != nil {
			t.Fatal(err)
		}
	}
	b := &yanglao.VoucherBatch{Name: "助餐券", RegionCode: tk.Beihu, FaceFen: 500, Uses: []string{"meal"},
		ValidFrom: mustDate("2026-11-01"), ValidUntil: mustDate("2026-12-31"), PersonIDs: []int64{f.p0.ID}}
	if err := f.vs.IssueVoucherBatch(f.official, b); err != nil {
		t.Fatal(err)
	}
	vs, _, err := f.vs.Vouchers(tk.System(), yanglao.VoucherFilter{BatchID: b.ID})
	if err != nil || len(vs) != 1 {
		t.Fatal(vs, err)
	}
	f.voucher = vs[0]
	return f
}

func sharesOK(t *testing.T, o *yanglao.MealOrder) {
	t.Helper()
	if o.Shares.Total() != o.PriceFen {
		t.Fatalf("order %d shares %+v add up to %d, price %d", o.ID, o.Shares, o.Shares.Total(), o.PriceFen)
	}
}

func TestMealOrders(t *testing.T) {
	f := newMealFixture(t)
	// The older person orders lunch with a voucher: 低保 (400) beats aged 80+ (350 in township A),
	// the expired 90+ rule does not apply; 1200 = 100 enterprise + 50 collective + 50 social + 400 government + 600 person,
	// and the 5-yuan voucher pays 500 of the person's 600.
	in := &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p0.ID, Mode: "eat_in", UseVoucher: true, RequestKey: "tap-1"}
	o, err := f.ms.PlaceMealOrder(f.elder, in)
	if err != nil {
		t.Fatal(err)
	}
	sharesOK(t, o)
	if o.Category != "dibao" || o.Government != 400 || o.Enterprise != 100 || o.Collective != 50 || o.Social != 50 || o.Voucher != 500 || o.Person != 100 ||
		o.Channel != yanglao.ChannelSelf || o.VoucherID == nil || *o.VoucherID != f.voucher.ID {
		t.Fatalf("order: %+v", o)
	}
	// The ref names a canteen meal, apart from a 助餐 home-service order with the same number.
	if v, _ := f.vs.Voucher(tk.System(), f.voucher.ID); v.State != yanglao.VoucherSpent || v.SpentRef != fmt.Sprintf("meal:canteen-%d", o.ID) {
		t.Fatalf("voucher after the order: %+v", v)
	}
	// A retried tap is the same order; a second order of the same meal is refused.
	again, err := f.ms.PlaceMealOrder(f.elder, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p0.ID, Mode: "eat_in", UseVoucher: true, RequestKey: "tap-1"})
	if err != nil || again.ID != o.ID {
		t.Fatalf("retry: %v %v", again, err)
	}
	if _, err := f.ms.PlaceMealOrder(f.elder, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p0.ID, Mode: "pickup"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("second lunch: %v", err)
	}
	// The family orders for their parent, not for someone else's; delivery needs an address.
	if _, err := f.ms.PlaceMealOrder(f.family, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p0.ID, Mode: "eat_in"}); yanglao.ErrorField(err) != "person_id" {
		t.Fatalf("family ordering for an unlinked person: %v", err)
	}
	if _, err := f.ms.PlaceMealOrder(f.family, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p1.ID, Mode: "delivery"}); yanglao.ErrorField(err) != "address" {
		t.Fatalf("delivery without address: %v", err)
	}
	d, err := f.ms.PlaceMealOrder(f.family, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p1.ID, Mode: "delivery", Address: "人民路社区3栋2单元"})
	if err != nil {
		t.Fatal(err)
	}
	sharesOK(t, d)
	if d.Category != "" || d.Government != 0 || d.Person != 1000 || d.Channel != yanglao.ChannelFamily {
		t.Fatalf("family's order: %+v", d)
	}
	// At the counter by citizen ID; another canteen's staff cannot use this menu.
	c, err := f.ms.PlaceMealOrder(f.staff, &yanglao.MealOrderInput{MenuID: f.dinner.ID, IDNumber: f.p0.IDNumber, Mode: "eat_in"})
	if err != nil {
		t.Fatal(err)
	}
	sharesOK(t, c)
	// 150: enterprise 100, collective 50, nothing left for the others.
	if c.Channel != yanglao.ChannelCounter || c.Enterprise != 100 || c.Collective != 50 || c.Social != 0 || c.Government != 0 || c.Person != 0 {
		t.Fatalf("counter order: %+v", c)
	}
	if _, err := f.ms.PlaceMealOrder(f.other, &yanglao.MealOrderInput{MenuID: f.next.ID, IDNumber: f.p1.IDNumber, Mode: "eat_in"}); yanglao.ErrorField(err) != "menu_id" {
		t.Fatalf("other canteen's staff: %v", err)
	}
	if _, err := f.ms.PlaceMealOrder(f.official, &yanglao.MealOrderInput{MenuID: f.next.ID, PersonID: f.p1.ID, Mode: "eat_in"}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("official ordering: %v", err)
	}

	// Cancelling before the cut-off gives the voucher back; the meal can be ordered again.
	if o, err = f.ms.CancelMealOrder(f.elder, o.ID); err != nil || o.Status != yanglao.MealCancelled {
		t.Fatalf("cancel: %v %v", o, err)
	}
	if v, _ := f.vs.Voucher(tk.System(), f.voucher.ID); v.State != yanglao.VoucherUnspent {
		t.Fatalf("voucher after cancelling: %+v", v)
	}
	if _, err := f.ms.CancelMealOrder(f.elder, o.ID); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("cancel twice: %v", err)
	}
	o2, err := f.ms.PlaceMealOrder(f.elder, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p0.ID, Mode: "pickup", VoucherID: f.voucher.ID})
	if err != nil || o2.Voucher != 500 {
		t.Fatalf("order again: %+v %v", o2, err)
	}
	// After 10:00 ordering and cancelling today's lunch are closed, except a walk-in at the counter.
	f.at("2026-11-22 10:30")
	if _, err := f.ms.CancelMealOrder(f.elder, o2.ID); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("cancel after the cut-off: %v", err)
	}
	if _, err := f.ms.PlaceMealOrder(f.family, &yanglao.MealOrderInput{MenuID: f.lunch.ID, PersonID: f.p1.ID, Mode: "eat_in"}); yanglao.ErrorField(err) != "menu_id" {
		t.Fatalf("order after the cut-off: %v", err)
	}

	// The kitchen's day: lunch 1 pickup + 1 delivery, dinner 1 eat-in; the delivery list.
	k, err := f.ms.KitchenDay(f.staff, f.canteen.ID, mustDate("2026-11-22"))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(len(k.Counts), k.Total, len(k.Deliveries))
	if got != "3 3 1" || k.Counts[0].Meal != "lunch" || k.Counts[2].Meal != "dinner" || k.Deliveries[0].Address != "人民路社区3栋2单元" {
		t.Fatalf("kitchen: %s %+v", got, k.Counts)
	}
	if _, err := f.ms.KitchenDay(f.elder, f.canteen.ID, mustDate("2026-11-22")); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("elder reading the kitchen: %v", err)
	}
	if _, err := f.ms.KitchenDay(f.other, f.canteen.ID, mustDate("2026-11-22")); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other canteen reading the kitchen: %v", err)
	}

	// The month's statement: cancelled meals left out, shares totalled, government owes subsidy + vouchers.
	st, err := f.ms.CanteenStatement(f.official, f.canteen.ID, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	tot := st.Total
	if tot.Meals != 3 || tot.Price != 1200+1200+150 || tot.Shares.Total() != tot.Price || tot.Voucher != 500 || tot.Government != 400 ||
		tot.GovernmentOwes != 900 || st.ByCategory["dibao"] != 2 || st.ByCategory[""] != 1 || len(st.Days) != 1 {
		t.Fatalf("statement: %+v %+v", tot, st.ByCategory)
	}
	// Lists: the elder sees their own orders only, the other canteen's staff none of these.
	if os, _, err := f.ms.MealOrders(f.elder, yanglao.MealOrderFilter{}); err != nil || len(os) != 3 {
		t.Fatalf("elder's orders: %d %v", len(os), err)
	}
	if os, _, err := f.ms.MealOrders(f.other, yanglao.MealOrderFilter{}); err != nil || len(os) != 0 {
		t.Fatalf("other canteen's orders: %d %v", len(os), err)
	}
	if os, _, err := f.ms.MealOrders(f.staff, yanglao.MealOrderFilter{Status: yanglao.MealOrdered}); err != nil || len(os) != 3 {
		t.Fatalf("canteen's live orders: %d %v", len(os), err)
	}
}

func TestMealCanteensAndMenus(t *testing.T) {
	f := newMealFixture(t)
	// Canteens: the elder sees those of their county; the other canteen's staff only their own.
	if cs, _, err := f.ms.Canteens(f.elder, yanglao.CanteenFilter{}); err != nil || len(cs) != 2 {
		t.Fatalf("elder's canteens: %d %v", len(cs), err)
	}
	if cs, _, err := f.ms.Canteens(f.other, yanglao.CanteenFilter{}); err != nil || len(cs) != 1 || cs[0].Name != "燕泉长者餐厅" {
		t.Fatalf("staff's canteens: %v %v", cs, err)
	}
	// Staff edit their canteen but not its funding shares; officials do.
	c, _ := f.ms.Canteen(f.staff, f.canteen.ID)
	c.Seats, c.EnterpriseFen = 60, 0
	if err := f.ms.UpdateCanteen(f.staff, c); err != nil {
		t.Fatal(err)
	}
	if c, _ = f.ms.Canteen(f.official, f.canteen.ID); c.Seats != 60 || c.EnterpriseFen != 100 {
		t.Fatalf("staff edit: seats %d enterprise %d", c.Seats, c.EnterpriseFen)
	}
	c.EnterpriseFen = 0
	if err := f.ms.UpdateCanteen(f.official, c); err != nil {
		t.Fatal(err)
	}
	if c, _ = f.ms.Canteen(f.official, f.canteen.ID); c.EnterpriseFen != 0 {
		t.Fatalf("official edit: enterprise %d", c.EnterpriseFen)
	}
	if err := f.ms.UpdateCanteen(f.other, c); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other staff editing: %v", err)
	}
	// Saving a menu again replaces it; menus come back by day and meal.
	f.lunch.PriceFen = 1100
	if err := f.ms.SaveMenu(f.staff, f.lunch); err != nil {
		t.Fatal(err)
	}
	ms, err := f.ms.Menus(f.elder, f.canteen.ID, mustDate("2026-11-22"), mustDate("2026-11-28"))
	if err != nil || len(ms) != 3 || ms[0].Meal != "lunch" || ms[0].PriceFen != 1100 || ms[1].Meal != "dinner" {
		t.Fatalf("menus: %v %v", ms, err)
	}
	if err := f.ms.SaveMenu(f.other, &yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "lunch", Dishes: "x", PriceFen: 1}); yanglao.ErrorField(err) != "canteen_id" {
		t.Fatalf("other staff saving a menu: %v", err)
	}
	if err := f.ms.SaveMenu(f.elder, &yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "lunch", Dishes: "x", PriceFen: 1}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("elder saving a menu: %v", err)
	}
	// Bad input names its field.
	for _, tc := range []struct {
		field string
		m     yanglao.Menu
	}{
		{"price_fen", yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "lunch", Dishes: "x", PriceFen: 0}},
		{"price_fen", yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "lunch", Dishes: "x", PriceFen: -100}},
		{"meal", yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "brunch", Dishes: "x", PriceFen: 100}},
		{"dishes", yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-24"), Meal: "lunch", Dishes: " ", PriceFen: 100}},
		{"day", yanglao.Menu{CanteenID: f.canteen.ID, Day: mustDate("2026-11-01"), Meal: "lunch", Dishes: "x", PriceFen: 100}},
	} {
		if err := f.ms.SaveMenu(f.staff, &tc.m); yanglao.ErrorField(err) != tc.field {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	for field, c := range map[string]*yanglao.Canteen{
		"type":         {Name: "x", RegionCode: tk.TownA, Type: "bar"},
		"cutoff_lunch": {Name: "x", RegionCode: tk.TownA, Type: "meal_point", CutoffLunch: "25:00"},
		"social_fen":   {Name: "x", RegionCode: tk.TownA, Type: "meal_point", SocialFen: -1},
		"seats":        {Name: "x", RegionCode: tk.TownA, Type: "meal_point", Seats: -3},
		"region_code":  {Name: "x", RegionCode: "12", Type: "meal_point"},
		"name":         {Name: "", RegionCode: tk.TownA, Type: "meal_point"},
	} {
		if err := f.ms.CreateCanteen(f.official, c); yanglao.ErrorField(err) != field {
			t.Errorf("canteen %s: %v", field, err)
		}
	}
	if err := f.ms.SetMealSubsidy(f.official, &yanglao.MealSubsidy{RegionCode: tk.Beihu, Category: "rich", Fen: 1, From: mustDate("2026-01-01"), Source: "x"}); yanglao.ErrorField(err) != "category" {
		t.Errorf("subsidy category: %v", err)
	}
	if err := f.ms.SetMealSubsidy(f.staff, &yanglao.MealSubsidy{RegionCode: tk.TownA, Category: "age_80", Fen: 1, From: mustDate("2026-01-01"), Source: "x"}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Errorf("staff setting a subsidy: %v", err)
	}
	if rs, err := f.ms.MealSubsidies(f.elder, tk.TownA); err != nil || len(rs) != 4 {
		t.Errorf("subsidies on township A's path: %d %v", len(rs), err)
	}
}

// TestMealOrderRetriedConcurrently: the same order sent several times at once
// (a double tap, a retry over a bad connection) makes one order.
func TestMealOrderRetriedConcurrently(t *testing.T) {
	f := newMealFixture(t)
	var wg sync.WaitGroup
	ids := make([]int64, 6)
	errs := make([]error, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := f.ms.PlaceMealOrder(f.elder, &yanglao.MealOrderInput{MenuID: f.next.ID, PersonID: f.p0.ID, Mode: "eat_in", UseVoucher: true, RequestKey: "double-tap"})
			errs[i] = err
			if o != nil {
				ids[i] = o.ID
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("attempt %d: id %d (first %d) %v", i, ids[i], ids[0], errs[i])
		}
	}
	if os, _, _ := f.ms.MealOrders(f.elder, yanglao.MealOrderFilter{}); len(os) != 1 || os[0].Voucher != 500 {
		t.Fatalf("orders after a double tap: %v", os)
	}
}
