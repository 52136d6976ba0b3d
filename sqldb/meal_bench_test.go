package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// BenchmarkPlaceMealOrder is one meal order at the counter end to end: the
// citizen-ID lookup, menu and canteen, the subsidy rules on the path and the
// person's statuses, the split, the insert, a voucher redeemed (every third
// order), the audit entry, the commit, and the order read back. 2,000 people
// and 14 days × 3 meals of menus; each iteration orders a different
// (person, day, meal).
func BenchmarkPlaceMealOrder(b *testing.B) {
	f := newMealBench(b, 2000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := f.ids[i%len(f.ids)]
		m := f.menus[(i/len(f.ids))%len(f.menus)]
		if _, err := f.ms.PlaceMealOrder(f.staff, &yanglao.MealOrderInput{MenuID: m, IDNumber: p, Mode: "eat_in", UseVoucher: i%3 == 0}); err != nil {
			b.Fatal(err)
		}
	}
}

type mealBench struct {
	db    *sqldb.DB
	ms    *sqldb.MealService
	staff context.Context
	c     *yanglao.Canteen
	ids   []string
	pids  []int64
	menus []int64
}

func newMealBench(b *testing.B, people int) *mealBench {
	b.Helper()
	db := tk.NewDB(b)
	db.Now = func() time.Time { return time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC) } // 08:30 in Shanghai
	f := &mealBench{db: db, ms: sqldb.NewMealService(db, tk.Box())}
	sys := tk.System()
	f.c = &yanglao.Canteen{Name: "基准食堂", RegionCode: tk.TownA, Type: "xiaoshan", Delivery: true, EnterpriseFen: 100, SocialFen: 50}
	if err := f.ms.CreateCanteen(sys, f.c); err != nil {
		b.Fatal(err)
	}
	f.staff = tk.As(tk.CreateUser(b, db, "benchcook", yanglao.RoleOperator, tk.TownA, &f.c.ID))
	for cat, fen := range map[string]int64{"age_80": 300, "age_90": 500, "dibao": 400, "tekun_dispersed": 800} {
		if err := f.ms.SetMealSubsidy(sys, &yanglao.MealSubsidy{RegionCode: tk.Beihu, Category: cat, Fen: fen, From: mustDate("2026-01-01"), Source: "基准"}); err != nil {
			b.Fatal(err)
		}
	}
	for d := range 14 {
		for _, meal := range yanglao.MealOrderOfDay {
			m := &yanglao.Menu{CanteenID: f.c.ID, Day: mustDate("2026-11-22").AddDays(d), Meal: meal, Dishes: "米饭、青菜、红烧肉", PriceFen: 1200}
			if err := f.ms.SaveMenu(sys, m); err != nil {
				b.Fatal(err)
			}
			f.menus = append(f.menus, m.ID)
		}
	}
	ps := sqldb.NewPersonService(db, tk.Box())
	var all []int64
	for i := range people {
		// Birth dates cycle over 30 years × 12 months × 28 days; the sequence
		// code keeps IDs apart within a day.
		id := tk.CitizenID("431002", fmt.Sprintf("%d-%02d-%02d", 1930+i%30, 1+i/30%12, 1+i/360%28), 100+i%800)
		p := newPerson(fmt.Sprintf("基准老人%d", i), tk.VillageA1, id)
		if err := ps.CreatePerson(sys, p); err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			if err := ps.AddStatus(sys, &yanglao.Status{PersonID: p.ID, Kind: "dibao", Source: "民政", Start: mustDate("2020-01-01")}); err != nil {
				b.Fatal(err)
			}
		}
		f.ids, f.pids = append(f.ids, p.IDNumber), append(f.pids, p.ID)
		all = append(all, p.ID)
	}
	vs := sqldb.NewVoucherService(db)
	if err := vs.IssueVoucherBatch(sys, &yanglao.VoucherBatch{Name: "基准券", RegionCode: tk.Beihu, FaceFen: 500, Uses: []string{"meal"},
		ValidFrom: mustDate("2026-11-01"), ValidUntil: mustDate("2026-12-31"), PersonIDs: all}); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkCanteenStatement is one canteen's monthly statement at 30 days ×
// 500 meals (15,000 orders in the month), in a table that also holds three
// other canteens' months of the same size (60,000 orders). The orders are
// inserted directly (setup, not timed).
func BenchmarkCanteenStatement(b *testing.B) {
	f := newMealBench(b, 2000) // 500 regulars per canteen: one live order per person and meal
	sys := tk.System()
	canteens := []*yanglao.Canteen{f.c}
	for i := range 3 {
		c := &yanglao.Canteen{Name: fmt.Sprintf("其他食堂%d", i), RegionCode: tk.TownB, Type: "meal_point"}
		if err := f.ms.CreateCanteen(sys, c); err != nil {
			b.Fatal(err)
		}
		canteens = append(canteens, c)
	}
	ctx := context.Background()
	t0 := time.Now()
	for k, c := range canteens {
		regulars := f.pids[k*500 : (k+1)*500]
		// One menu per day of October: the orders point at them.
		menus := make([]int64, 30)
		for d := range 30 {
			day := fmt.Sprintf("2026-10-%02d", d+1)
			if _, err := f.db.ExecForTest(ctx, `INSERT INTO canteen_menus (org_id, region_path, county_code, day, meal, dishes, price_fen, updated_at)
				VALUES (?, ?, '431002', ?, 'lunch', '米饭', 1200, ?)`, c.ID, c.RegionPath, day, time.Now().UTC()); err != nil {
				b.Fatal(err)
			}
			var id int64
			if err := f.db.QueryRowForTest(ctx, `SELECT id FROM canteen_menus WHERE org_id = ? AND day = ? AND meal = 'lunch'`, c.ID, day).Scan(&id); err != nil {
				b.Fatal(err)
			}
			menus[d] = id
		}
		for d := range 30 {
			day := fmt.Sprintf("2026-10-%02d", d+1)
			var q strings.Builder
			q.WriteString(`INSERT INTO meal_orders (org_id, region_path, county_code, person_id, menu_id, day, meal, mode, status, channel, price_fen,
				person_fen, voucher_fen, enterprise_fen, government_fen, collective_fen, social_fen, category, created_at) VALUES `)
			args := []any{}
			for i, pid := range regulars {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString(`(?, ?, '431002', ?, ?, ?, 'lunch', 'eat_in', 'ordered', 'counter', 1200, ?, ?, 100, ?, 0, 50, ?, ?)`)
				gov, voucher, cat := int64(0), int64(0), ""
				if i%4 == 0 {
					gov, cat = 300, "age_80"
				}
				if i%7 == 0 {
					voucher = 500
				}
				args = append(args, c.ID, c.RegionPath, pid, menus[d], day, 1200-100-50-gov-voucher, voucher, gov, cat, time.Now().UTC())
			}
			if _, err := f.db.ExecForTest(ctx, q.String(), args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	if f.db.Dialect == sqldb.Postgres {
		f.db.ExecForTest(ctx, `ANALYZE meal_orders`)
	} else {
		f.db.ExecForTest(ctx, `ANALYZE`)
	}
	b.Logf("setup: %d orders in %s", 4*30*500, time.Since(t0).Round(time.Millisecond))
	official := tk.As(tk.CreateUser(b, f.db, "benchofficial", yanglao.RoleOfficial, tk.Beihu, nil))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := f.ms.CanteenStatement(official, f.c.ID, "2026-10")
		if err != nil {
			b.Fatal(err)
		}
		if st.Total.Meals != 30*500 || st.Total.Shares.Total() != st.Total.Price {
			b.Fatalf("statement: %+v", st.Total)
		}
	}
}
