package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

type homeFixture struct {
	t          testing.TB
	db         *sqldb.DB
	svc        *sqldb.HomeCareService
	people     *sqldb.PersonService
	items      map[string]*yanglao.ServiceItem
	provA      int64 // 北湖区 provider covering 人民路街道 (TownA)
	provB      int64 // a provider registered in 燕泉街道 (TownB)
	official   *yanglao.User
	dispatchA  *yanglao.User
	dispatchB  *yanglao.User
	seq        int
	caregivers int
}

// now: 2026-11-22 10:00 Beijing time.
var homeNow = time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)

func newHomeFixture(t testing.TB) *homeFixture {
	t.Helper()
	db := tk.NewDB(t)
	db.Now = func() time.Time { return homeNow }
	f := &homeFixture{t: t, db: db, svc: sqldb.NewHomeCareService(db, tk.Box()), people: sqldb.NewPersonService(db, tk.Box()), items: map[string]*yanglao.ServiceItem{}}
	items, err := f.svc.ServiceItems(tk.System(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		f.items[it.Code] = it
	}
	f.provA = tk.CreateOrg(t, db, "康乐居家服务中心", yanglao.OrgProvider, tk.Beihu)
	f.provB = tk.CreateOrg(t, db, "燕泉助老服务社", yanglao.OrgProvider, tk.TownB)
	f.official = tk.CreateUser(t, db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	f.dispatchA = tk.CreateUser(t, db, "dispa", yanglao.RoleDispatcher, tk.Beihu, &f.provA)
	f.dispatchB = tk.CreateUser(t, db, "dispb", yanglao.RoleDispatcher, tk.TownB, &f.provB)
	return f
}

func (f *homeFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// offer makes provA cover TownA and offer the items at 50 yuan each.
func (f *homeFixture) setupProviderA(codes ...string) {
	f.t.Helper()
	ctx := tk.As(f.official)
	f.must(f.svc.SetCoverage(ctx, f.provA, tk.TownA, true))
	for _, c := range codes {
		f.must(f.svc.SetProviderItem(tk.As(f.dispatchA), &yanglao.ProviderItem{OrgID: f.provA, ItemID: f.items[c].ID, PriceFen: 5000, Active: true}))
	}
}

// caregiver records a caregiver of org at an offset (in 0.001° steps north) from 北湖区's centre.
func (f *homeFixture) caregiver(org int64, name, birth string, male bool, skills []string, north float64, certs ...*yanglao.CaregiverCert) *yanglao.Caregiver {
	f.t.Helper()
	f.caregivers++
	seq := 200 + f.caregivers*2
	if male {
		seq++
	}
	lat, lng := 25.7706+north*0.001, 113.0146
	c := &yanglao.Caregiver{OrgID: org, Name: name, IDNumber: tk.CitizenID("431002", birth, seq), Skills: skills, Lat: &lat, Lng: &lng, Active: true, Certs: certs}
	f.must(f.svc.CreateCaregiver(tk.System(), c))
	return c
}

func nursing(level, issued, expires string) *yanglao.CaregiverCert {
	c := &yanglao.CaregiverCert{Kind: yanglao.CertNursing, Level: level, Issued: day(issued)}
	if expires != "" {
		c.Expires = day(expires)
	}
	return c
}

func health(issued, expires string) *yanglao.CaregiverCert {
	return &yanglao.CaregiverCert{Kind: yanglao.CertHealth, Issued: day(issued), Expires: day(expires)}
}

func TestServiceCatalogue(t *testing.T) {
	f := newHomeFixture(t)
	// The default catalogue holds the 六助一护 of Shaoyang §4.
	for _, code := range []string{"meal_delivery", "bath", "emergency_help", "walk", "medical_escort", "clean", "daily_nursing"} {
		it := f.items[code]
		if it == nil || it.Minutes <= 0 || len(it.Skills) == 0 || it.Source == "" {
			t.Fatalf("default item %s: %+v", code, it)
		}
	}
	if len(f.items["bath"].Certs) != 2 {
		t.Fatalf("bath certs %v", f.items["bath"].Certs)
	}
	if err := f.svc.SaveServiceItem(tk.As(f.official), &yanglao.ServiceItem{Code: "x3", Category: yanglao.CatVisit, Name: "x", Minutes: 30}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("county official edits the shared catalogue: %v", err)
	}
	ctx := tk.As(tk.CreateUser(t, f.db, "city", yanglao.RoleOfficial, tk.Chenzhou, nil))
	it := &yanglao.ServiceItem{Code: "foot_care", Category: yanglao.CatBasicCare, Name: "足部护理", Minutes: 45, Skills: []string{"nursing", "nursing"}, Active: true, Source: "县民政局"}
	f.must(f.svc.SaveServiceItem(ctx, it))
	if it.ID == 0 || len(it.Skills) != 1 {
		t.Fatalf("saved %+v", it)
	}
	for _, tc := range []struct {
		it    yanglao.ServiceItem
		field string
	}{
		{yanglao.ServiceItem{Code: "foot_care", Category: yanglao.CatBasicCare, Name: "x", Minutes: 30}, "code"},
		{yanglao.ServiceItem{Code: "x1", Category: "cooking", Name: "x", Minutes: 30}, "category"},
		{yanglao.ServiceItem{Code: "x1", Category: yanglao.CatVisit, Name: "x", Minutes: 2}, "minutes"},
		{yanglao.ServiceItem{Code: "x1", Category: yanglao.CatVisit, Name: "x", Minutes: 30, Skills: []string{"juggling"}}, "skills"},
		{yanglao.ServiceItem{Code: "x1", Category: yanglao.CatVisit, Name: "x", Minutes: 30, Certs: []string{"driving"}}, "certs"},
		{yanglao.ServiceItem{Code: "", Category: yanglao.CatVisit, Name: "x", Minutes: 30}, "code"},
	} {
		err := f.svc.SaveServiceItem(ctx, &tc.it)
		if yanglao.ErrorField(err) != tc.field {
			t.Errorf("item %+v: %v, want field %s", tc.it, err, tc.field)
		}
	}
	if err := f.svc.SaveServiceItem(tk.As(f.dispatchA), &yanglao.ServiceItem{Code: "x2", Category: yanglao.CatVisit, Name: "x", Minutes: 30}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("dispatcher edits catalogue: %v", err)
	}
	// Withdrawing hides it from the active list but keeps it.
	it.Active = false
	f.must(f.svc.SaveServiceItem(ctx, it))
	active, _ := f.svc.ServiceItems(ctx, false)
	all, _ := f.svc.ServiceItems(ctx, true)
	if len(all) != len(active)+1 {
		t.Fatalf("all %d active %d", len(all), len(active))
	}
}

func (f *homeFixture) person(name, birth, village string, statuses ...string) *yanglao.Person {
	f.t.Helper()
	f.seq++
	p := &yanglao.Person{Name: name, ResidenceCode: village, IDNumber: tk.CitizenID("431002", birth, 100+f.seq*2)}
	f.must(f.people.CreatePerson(tk.System(), p))
	for _, k := range statuses {
		f.must(f.people.AddStatus(tk.System(), &yanglao.Status{PersonID: p.ID, Kind: k, Source: "民政", Start: day("2020-01-01")}))
	}
	return p
}

func TestMonthlyAllowance(t *testing.T) {
	f := newHomeFixture(t)
	ctx := context.Background()
	cityOfficial := tk.CreateUser(t, f.db, "city", yanglao.RoleOfficial, tk.Chenzhou, nil)
	add := func(u *yanglao.User, r yanglao.ServiceAllowance) *yanglao.ServiceAllowance {
		t.Helper()
		if r.Source == "" {
			r.Source = "郴州附件第5项"
		}
		if r.ValidFrom.IsZero() {
			r.ValidFrom = day("2026-01-01")
		}
		f.must(f.svc.AddAllowance(tk.As(u), &r))
		return &r
	}
	three := 3
	add(cityOfficial, yanglao.ServiceAllowance{RegionCode: tk.Chenzhou, Category: yanglao.CatLifeCare, Statuses: []string{"dibao"}, Unit: yanglao.UnitFen, Amount: 10000})
	cityCare := add(cityOfficial, yanglao.ServiceAllowance{RegionCode: tk.Chenzhou, Category: yanglao.CatBasicCare, Statuses: []string{"dibao"}, Unit: yanglao.UnitMinutes, Amount: 240})
	old := add(f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Statuses: []string{"tekun_dispersed", "dibao"}, MinAge: 80, Unit: yanglao.UnitFen, Amount: 20000})
	frail := add(f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Statuses: []string{"tekun_dispersed", "dibao", "low_income"}, MinGrade: &three, Unit: yanglao.UnitFen, Amount: 30000})

	old85 := f.person("甲", "1941-03-01", tk.VillageA1, "dibao")
	young := f.person("乙", "1956-03-01", tk.VillageA1, "dibao")
	frailP := f.person("丙", "1950-03-01", tk.VillageB1, "low_income")
	f.db.ExecForTest(ctx, `UPDATE people SET grade = 3, grade_valid_until = '2027-06-30' WHERE id = ?`, frailP.ID)
	frailOld := f.person("丁", "1940-03-01", tk.VillageA1, "dibao")
	f.db.ExecForTest(ctx, `UPDATE people SET grade = 4, grade_valid_until = '2027-06-30' WHERE id = ?`, frailOld.ID)
	expired := f.person("戊", "1950-03-01", tk.VillageA1, "dibao")
	f.db.ExecForTest(ctx, `UPDATE people SET grade = 4, grade_valid_until = '2026-10-31' WHERE id = ?`, expired.ID)
	birthday := f.person("己", "1946-11-30", tk.VillageA1, "dibao") // turns 80 on the month's last day
	none := f.person("庚", "1941-03-01", tk.VillageA1)
	for _, tc := range []struct {
		name     string
		p        *yanglao.Person
		category string
		month    string
		amount   int64
		rule     *yanglao.ServiceAllowance
		why      string
	}{
		{"county rule overrides the city's", old85, yanglao.CatLifeCare, "2026-11", 20000, old, "#"},
		{"county rules exist, none met: the city's is not used", young, yanglao.CatLifeCare, "2026-11", 0, nil, "未满80周岁"},
		{"grade rule", frailP, yanglao.CatLifeCare, "2026-11", 30000, frail, "#"},
		{"the larger of two met", frailOld, yanglao.CatLifeCare, "2026-11", 30000, frail, "#"},
		{"expired grade does not count", expired, yanglao.CatLifeCare, "2026-11", 0, nil, "能力等级"},
		{"an 80th birthday counts from its month", birthday, yanglao.CatLifeCare, "2026-11", 20000, old, "#"},
		{"before the birthday month", birthday, yanglao.CatLifeCare, "2026-10", 0, nil, "未满80"},
		{"no status", none, yanglao.CatLifeCare, "2026-11", 0, nil, "无所需身份"},
		{"inherited from the city", old85, yanglao.CatBasicCare, "2026-11", 240, cityCare, "#"},
		{"before the rules start", old85, yanglao.CatLifeCare, "2025-12", 0, nil, "未设定"},
		{"nothing configured", old85, yanglao.CatRetrofit, "2026-11", 0, nil, "未设定"},
	} {
		got, err := f.db.MonthlyAllowanceForTest(ctx, tc.p.ID, tc.category, tc.month)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Amount != tc.amount || (tc.rule == nil) != (got.Rule == nil) || tc.rule != nil && got.Rule.ID != tc.rule.ID || !strings.Contains(got.Why, tc.why) {
			t.Errorf("%s: %d %+v %q; want %d rule %v containing %q", tc.name, got.Amount, got.Rule, got.Why, tc.amount, tc.rule, tc.why)
		}
	}
	// A sibling county inherits the city's rule.
	sux := &yanglao.Person{Name: "辛", ResidenceCode: tk.Suxian, IDNumber: tk.CitizenID("431003", "1956-03-01", 402)}
	f.must(f.people.CreatePerson(tk.System(), sux))
	f.must(f.people.AddStatus(tk.System(), &yanglao.Status{PersonID: sux.ID, Kind: "dibao", Source: "民政", Start: day("2020-01-01")}))
	if got, _ := f.db.MonthlyAllowanceForTest(ctx, sux.ID, yanglao.CatLifeCare, "2026-11"); got.Amount != 10000 {
		t.Errorf("苏仙区 person: %+v", got)
	}
	// Ending the county rules brings the city's back.
	f.must(f.svc.EndAllowance(tk.As(f.official), old.ID, day("2026-11-30")))
	f.must(f.svc.EndAllowance(tk.As(f.official), frail.ID, day("2026-11-30")))
	if got, _ := f.db.MonthlyAllowanceForTest(ctx, young.ID, yanglao.CatLifeCare, "2026-12"); got.Amount != 10000 {
		t.Errorf("after the county rules end: %+v", got)
	}
	// The exported read follows the register's scope.
	townB := tk.CreateUser(t, f.db, "townb", yanglao.RoleOfficial, tk.TownB, nil)
	if _, err := f.svc.PersonAllowance(tk.As(townB), old85.ID, yanglao.CatLifeCare, "2026-11"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("sibling township reads a person's allowance: %v", err)
	}
	if got, err := f.svc.PersonAllowance(tk.As(f.official), old85.ID, yanglao.CatLifeCare, ""); err != nil || got.Month != "2026-11" || got.Amount != 20000 {
		t.Errorf("PersonAllowance this month: %+v %v", got, err)
	}
	// Rules are configured only inside one's region, by officials, in one unit per period.
	for _, tc := range []struct {
		u     *yanglao.User
		r     yanglao.ServiceAllowance
		code  string
		field string
	}{
		{townB, yanglao.ServiceAllowance{RegionCode: tk.TownA, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 1, Source: "x", ValidFrom: day("2026-01-01")}, yanglao.EINVALID, "region_code"},
		{f.dispatchA, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 1, Source: "x", ValidFrom: day("2026-01-01")}, yanglao.EFORBIDDEN, ""},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitMinutes, Amount: 60, Source: "x", ValidFrom: day("2026-06-01")}, yanglao.EINVALID, "unit"},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: "yuan", Amount: 60, Source: "x", ValidFrom: day("2026-06-01")}, yanglao.EINVALID, "unit"},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 0, Source: "x", ValidFrom: day("2026-06-01")}, yanglao.EINVALID, "amount"},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 5, Statuses: []string{"rich"}, Source: "x", ValidFrom: day("2026-06-01")}, yanglao.EINVALID, "statuses"},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 5, Source: "", ValidFrom: day("2026-06-01")}, yanglao.EINVALID, "source"},
		{f.official, yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare, Unit: yanglao.UnitFen, Amount: 5, Source: "x", ValidFrom: day("2026-06-01"), ValidTo: day("2026-05-01")}, yanglao.EINVALID, "valid_to"},
	} {
		err := f.svc.AddAllowance(tk.As(tc.u), &tc.r)
		if yanglao.ErrorCode(err) != tc.code || yanglao.ErrorField(err) != tc.field {
			t.Errorf("add %+v as %s: %v; want %s %s", tc.r, tc.u.Username, err, tc.code, tc.field)
		}
	}
	// A township official sees the rules inherited from above.
	list, err := f.svc.Allowances(tk.As(townB), yanglao.AllowanceFilter{})
	if err != nil || len(list) != 4 {
		t.Fatalf("township's list: %d %v", len(list), err)
	}
}

func TestProviderOffer(t *testing.T) {
	f := newHomeFixture(t)
	ctx := context.Background()
	f.setupProviderA("bath", "clean")
	bath, clean, meal := f.items["bath"].ID, f.items["clean"].ID, f.items["meal_delivery"].ID
	today := day("2026-11-22")
	if _, err := f.db.OfferOnForTest(ctx, f.provA, bath, tk.VillageB1, today); !strings.Contains(yanglao.ErrorMessage(err), "不覆盖此地址") {
		t.Fatalf("address outside coverage: %v", err)
	}
	if _, err := f.db.OfferOnForTest(ctx, f.provA, meal, tk.VillageA1, today); !strings.Contains(yanglao.ErrorMessage(err), "不提供此项目") {
		t.Fatalf("item not offered: %v", err)
	}
	o, err := f.db.OfferOnForTest(ctx, f.provA, bath, tk.VillageA1, today)
	if err != nil || o.PriceFen != 5000 || o.Minutes != 90 || o.ContractID != nil || o.RequireContract() == nil || !strings.Contains(o.NoContract, "合同") {
		t.Fatalf("offer without a contract: %+v %v", o, err)
	}
	// A contract for the township's people, for bathing only, for 2026. (A
	// township official does not see a county-level provider, so the county signs.)
	townA := tk.CreateUser(t, f.db, "towna", yanglao.RoleOfficial, tk.TownA, nil)
	c := &yanglao.ProviderContract{OrgID: f.provA, Number: "RMJD-2026-01", RegionCode: tk.TownA, Start: day("2026-01-01"), End: day("2026-12-31"), ItemIDs: []int64{bath}}
	f.must(f.svc.AddContract(tk.As(f.official), c))
	o, err = f.db.OfferOnForTest(ctx, f.provA, bath, tk.VillageA1, today)
	if err != nil || o.ContractID == nil || *o.ContractID != c.ID || o.ContractNumber != "RMJD-2026-01" || o.RequireContract() != nil {
		t.Fatalf("offer under contract: %+v %v", o, err)
	}
	if o, _ := f.db.OfferOnForTest(ctx, f.provA, clean, tk.VillageA1, today); o.ContractID != nil {
		t.Fatalf("item outside the contract is government-paid: %+v", o)
	}
	if o, _ := f.db.OfferOnForTest(ctx, f.provA, bath, tk.VillageA1, day("2027-01-01")); o.ContractID != nil {
		t.Fatalf("expired contract still pays: %+v", o)
	}
	// Duration per provider overrides the standard.
	f.must(f.svc.SetProviderItem(tk.As(f.dispatchA), &yanglao.ProviderItem{OrgID: f.provA, ItemID: bath, PriceFen: 6000, Minutes: 75, Active: true}))
	if o, _ := f.db.OfferOnForTest(ctx, f.provA, bath, tk.VillageA1, today); o.Minutes != 75 || o.PriceFen != 6000 {
		t.Fatalf("provider's own duration: %+v", o)
	}
	// Who may do what.
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"contract for an item not offered", f.svc.AddContract(tk.As(f.official), &yanglao.ProviderContract{OrgID: f.provA, Number: "X-1", RegionCode: tk.Beihu,
			Start: day("2026-01-01"), End: day("2026-12-31"), ItemIDs: []int64{meal}}), yanglao.EINVALID},
		{"same contract number", f.svc.AddContract(tk.As(f.official), &yanglao.ProviderContract{OrgID: f.provA, Number: "RMJD-2026-01", RegionCode: tk.Beihu,
			Start: day("2026-01-01"), End: day("2026-12-31"), ItemIDs: []int64{bath}}), yanglao.ECONFLICT},
		{"dispatcher records a contract", f.svc.AddContract(tk.As(f.dispatchA), &yanglao.ProviderContract{OrgID: f.provA, Number: "X-2", RegionCode: tk.Beihu,
			Start: day("2026-01-01"), End: day("2026-12-31"), ItemIDs: []int64{bath}}), yanglao.EFORBIDDEN},
		{"other provider's dispatcher sets a price", f.svc.SetProviderItem(tk.As(f.dispatchB), &yanglao.ProviderItem{OrgID: f.provA, ItemID: bath, PriceFen: 1, Active: true}), yanglao.ENOTFOUND},
		{"township official covers a sibling township", f.svc.SetCoverage(tk.As(townA), f.provA, tk.TownB, true), yanglao.ENOTFOUND},
		{"dispatcher sets coverage", f.svc.SetCoverage(tk.As(f.dispatchA), f.provA, tk.TownB, true), yanglao.EFORBIDDEN},
		{"negative price", f.svc.SetProviderItem(tk.As(f.dispatchA), &yanglao.ProviderItem{OrgID: f.provA, ItemID: bath, PriceFen: -1, Active: true}), yanglao.EINVALID},
		{"a care home is not a provider", f.svc.SetCoverage(tk.System(), tk.CreateOrg(t, f.db, "敬老院", yanglao.OrgCareHome, tk.Beihu), tk.TownA, true), yanglao.EINVALID},
	} {
		if yanglao.ErrorCode(tc.err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
		}
	}
	p, err := f.svc.Provider(tk.As(f.dispatchA), f.provA)
	if err != nil || len(p.Coverage) != 1 || p.Coverage[0].RegionName != "人民路街道" || len(p.Items) != 2 || len(p.Contracts) != 1 || p.Contracts[0].ItemCodes[0] != "bath" {
		t.Fatalf("provider page: %+v %v", p, err)
	}
	if _, err := f.svc.Provider(tk.As(f.dispatchB), f.provA); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other provider's page: %v", err)
	}
}

func TestCaregivers(t *testing.T) {
	f := newHomeFixture(t)
	ctx := context.Background()
	f.setupProviderA("bath", "clean", "daily_nursing")
	// Bad input names the field.
	for _, tc := range []struct {
		c     yanglao.Caregiver
		field string
	}{
		{yanglao.Caregiver{OrgID: f.provA, Name: "张三", IDNumber: "431002195001010000"}, "id_number"},
		{yanglao.Caregiver{OrgID: f.provA, Name: "", IDNumber: tk.CitizenID("431002", "1980-01-01", 11)}, "name"},
		{yanglao.Caregiver{OrgID: f.provA, Name: "张三", IDNumber: tk.CitizenID("431002", "1980-01-01", 11), Phone: "12"}, "phone"},
		{yanglao.Caregiver{OrgID: f.provA, Name: "张三", IDNumber: tk.CitizenID("431002", "1980-01-01", 11), Skills: []string{"flying"}}, "skills"},
		{yanglao.Caregiver{OrgID: f.provA, Name: "张三", IDNumber: tk.CitizenID("431002", "1980-01-01", 11), Lat: ptr(25.0)}, "lat"},
		{yanglao.Caregiver{OrgID: f.provA, Name: "张三", IDNumber: tk.CitizenID("431002", "1980-01-01", 11), Certs: []*yanglao.CaregiverCert{{Kind: yanglao.CertNursing, Level: "大师", Issued: day("2020-01-01")}}}, "level"},
		{yanglao.Caregiver{OrgID: 0, Name: "张三", IDNumber: tk.CitizenID("431002", "1980-01-01", 11)}, "org_id"},
	} {
		err := f.svc.CreateCaregiver(tk.As(f.dispatchA), &tc.c)
		if yanglao.ErrorField(err) != tc.field {
			t.Errorf("create %+v: %v, want field %s", tc.c, err, tc.field)
		}
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM caregivers`); n != 0 {
		t.Fatalf("bad input wrote %d caregivers", n)
	}
	wang := f.caregiver(f.provA, "王护理", "1980-05-01", false, []string{"bath", "clean", "nursing"}, 1,
		nursing("中级", "2022-01-01", ""), health("2026-01-01", "2026-12-31"))
	li := f.caregiver(f.provA, "李护理", "1975-05-01", true, []string{"clean"}, 2, nursing("初级", "2020-01-01", "2026-10-31"))
	if wang.Sex != "F" || li.Sex != "M" || !wang.Certified || li.Certified || wang.Banned {
		t.Fatalf("derived: %+v %+v", wang, li)
	}
	// The ID is stored sealed, found by its hash.
	idNumber := tk.CitizenID("431002", "1980-05-01", 200+1*2)
	var raw string
	f.db.QueryRowForTest(ctx, `SELECT COALESCE(CAST(id_sealed AS TEXT), '') || id_hash || id_masked FROM caregivers WHERE id = ?`, wang.ID).Scan(&raw)
	if strings.Contains(raw, idNumber) {
		t.Fatal("caregiver's citizen ID stored in clear")
	}
	if list, _, _ := f.svc.Caregivers(tk.As(f.dispatchA), yanglao.CaregiverFilter{Query: idNumber}); len(list) != 1 || list[0].ID != wang.ID {
		t.Fatalf("find by citizen ID: %v", list)
	}
	// The same person twice at one provider is a conflict.
	dup := &yanglao.Caregiver{OrgID: f.provA, Name: "王护理", IDNumber: idNumber, Active: true}
	if err := f.svc.CreateCaregiver(tk.As(f.dispatchA), dup); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("duplicate: %v", err)
	}
	// A banned person is recorded, flagged, and never eligible.
	badID := tk.CitizenID("431002", "1970-01-01", 301)
	ban := &yanglao.EmploymentBan{IDNumber: badID, Name: "赵某", Source: "北湖区人民法院 (2025)湘1002刑初1号", Reason: "虐待被看护人罪，禁止从事看护工作五年", Start: day("2025-06-01"), End: day("2030-05-31")}
	if err := f.svc.AddBan(tk.As(f.dispatchA), ban); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("dispatcher adds a ban: %v", err)
	}
	f.must(f.svc.AddBan(tk.As(f.official), ban))
	if ban.IDMasked == "" || ban.RegionCode != tk.Beihu {
		t.Fatalf("ban %+v", ban)
	}
	zhao := &yanglao.Caregiver{OrgID: f.provA, Name: "赵某", IDNumber: badID, Skills: []string{"clean"}, Active: true}
	f.must(f.svc.CreateCaregiver(tk.As(f.dispatchA), zhao))
	if !zhao.Banned {
		t.Fatal("banned caregiver not flagged at creation")
	}
	var detail string
	f.db.QueryRowForTest(ctx, `SELECT detail FROM audit_log WHERE entity = 'caregiver' AND entity_id = ?`, fmt.Sprint(zhao.ID)).Scan(&detail)
	if !strings.Contains(detail, "FLAGGED") {
		t.Fatalf("audit of the flagged creation: %q", detail)
	}
	// Eligibility names every reason.
	today := day("2026-11-22")
	if err := f.db.CaregiverEligibleForTest(ctx, wang.ID, f.items["bath"].ID, today); err != nil {
		t.Fatalf("wang bathes: %v", err)
	}
	if err := f.db.CaregiverEligibleForTest(ctx, wang.ID, f.items["bath"].ID, day("2027-01-05")); !strings.Contains(yanglao.ErrorMessage(err), "健康证") {
		t.Fatalf("expired health certificate: %v", err)
	}
	err := f.db.CaregiverEligibleForTest(ctx, li.ID, f.items["daily_nursing"].ID, today)
	if msg := yanglao.ErrorMessage(err); yanglao.ErrorField(err) != "caregiver_id" || !strings.Contains(msg, "缺少技能日常护理") || !strings.Contains(msg, "养老护理员职业技能等级证书无效") {
		t.Fatalf("li nurses: %v", err)
	}
	if err := f.db.CaregiverEligibleForTest(ctx, li.ID, f.items["daily_nursing"].ID, day("2026-10-01")); !strings.Contains(yanglao.ErrorMessage(err), "缺少技能") || strings.Contains(yanglao.ErrorMessage(err), "证书") {
		t.Fatalf("li's certificate was valid in October: %v", err)
	}
	if err := f.db.CaregiverEligibleForTest(ctx, zhao.ID, f.items["clean"].ID, today); !strings.Contains(yanglao.ErrorMessage(err), "从业禁止") {
		t.Fatalf("banned caregiver: %v", err)
	}
	if err := f.db.CaregiverEligibleForTest(ctx, zhao.ID, f.items["clean"].ID, day("2030-06-01")); err != nil {
		t.Fatalf("after the ban ends: %v", err)
	}
	// Deactivation.
	wang.Active = false
	f.must(f.svc.UpdateCaregiver(tk.As(f.dispatchA), wang))
	if err := f.db.CaregiverEligibleForTest(ctx, wang.ID, f.items["clean"].ID, today); !strings.Contains(yanglao.ErrorMessage(err), "已停用") {
		t.Fatalf("inactive: %v", err)
	}
	stale := *wang
	stale.Version--
	if err := f.svc.UpdateCaregiver(tk.As(f.dispatchA), &stale); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	wang.Active = true
	f.must(f.svc.UpdateCaregiver(tk.As(f.dispatchA), wang))
	// The certified rate: wang yes; li expired; zhao none → 1 of 3.
	p, err := f.svc.Provider(tk.As(f.official), f.provA)
	if err != nil || p.Rate.Active != 3 || p.Rate.Certified != 1 || p.Rate.Percent != 33.3 || p.Rate.MeetsTarget || p.Rate.TargetPercent != 90 {
		t.Fatalf("rate %+v %v", p.Rate, err)
	}
	// Scope: the other provider's staff see none; a caregiver account sees its own provider.
	if list, _, _ := f.svc.Caregivers(tk.As(f.dispatchB), yanglao.CaregiverFilter{}); len(list) != 0 {
		t.Fatalf("other provider sees %d caregivers", len(list))
	}
	if _, err := f.svc.Caregiver(tk.As(f.dispatchB), wang.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other provider reads a caregiver: %v", err)
	}
	cgUser := tk.CreateUser(t, f.db, "cg", yanglao.RoleCaregiver, tk.Beihu, &f.provA)
	if list, _, _ := f.svc.Caregivers(tk.As(cgUser), yanglao.CaregiverFilter{}); len(list) != 3 {
		t.Fatalf("caregiver account sees %d", len(list))
	}
	elder := tk.CreateUser(t, f.db, "elder", yanglao.RoleElder, tk.VillageA1, nil)
	if list, _, _ := f.svc.Caregivers(tk.As(elder), yanglao.CaregiverFilter{}); len(list) != 0 {
		t.Fatalf("an older person lists caregivers: %d", len(list))
	}
	if err := f.svc.CreateCaregiver(tk.As(f.dispatchB), &yanglao.Caregiver{OrgID: f.provA, Name: "x", IDNumber: tk.CitizenID("431002", "1980-01-01", 11)}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other provider's dispatcher adds a caregiver: %v", err)
	}
	// Linking an account: only a caregiver account of the same provider, once.
	wang.UserID = &cgUser.ID
	f.must(f.svc.UpdateCaregiver(tk.As(f.dispatchA), wang))
	li.UserID = &cgUser.ID
	if err := f.svc.UpdateCaregiver(tk.As(f.dispatchA), li); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("one account, two caregivers: %v", err)
	}
	li.UserID = &f.dispatchA.ID
	if err := f.svc.UpdateCaregiver(tk.As(f.dispatchA), li); yanglao.ErrorField(err) != "user_id" {
		t.Fatalf("dispatcher account as caregiver: %v", err)
	}
	// Expiring certificates, skill filter, name order with keyset pages.
	if list, _, _ := f.svc.Caregivers(tk.As(f.official), yanglao.CaregiverFilter{Expiring: true}); len(list) != 1 || list[0].ID != li.ID {
		t.Fatalf("expiring: %v", list)
	}
	if list, _, _ := f.svc.Caregivers(tk.As(f.official), yanglao.CaregiverFilter{Skill: "bath"}); len(list) != 1 || list[0].ID != wang.ID {
		t.Fatalf("skill: %v", list)
	}
	var names []string
	after := ""
	for {
		list, next, err := f.svc.Caregivers(tk.As(f.official), yanglao.CaregiverFilter{Sort: "name", Page: yanglao.Page{After: after, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			names = append(names, c.Name)
		}
		if next == "" {
			break
		}
		after = next
	}
	if strings.Join(names, ",") != "李护理,王护理,赵某" {
		t.Fatalf("name order pages: %v", names)
	}
	if _, _, err := f.svc.Caregivers(tk.As(f.official), yanglao.CaregiverFilter{Sort: "age"}); yanglao.ErrorField(err) != "sort" {
		t.Fatalf("bad sort: %v", err)
	}
	// Bans list: officials only, found by ID.
	if list, _, err := f.svc.Bans(tk.As(f.official), yanglao.BanFilter{Query: badID}); err != nil || len(list) != 1 {
		t.Fatalf("ban by id: %v %v", list, err)
	}
	if _, _, err := f.svc.Bans(tk.As(f.dispatchA), yanglao.BanFilter{}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("dispatcher reads bans: %v", err)
	}
}

func at(hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-23 "+hhmm, yanglao.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBookCaregiver(t *testing.T) {
	f := newHomeFixture(t)
	ctx := tk.System()
	cg := f.caregiver(f.provA, "王护理", "1980-05-01", false, []string{"clean"}, 1)
	f.must(f.db.BookCaregiverForTest(ctx, cg.ID, 1, at("09:00"), at("10:00")))
	// Overlap is refused, naming the booking and the order.
	err := f.db.BookCaregiverForTest(ctx, cg.ID, 2, at("09:30"), at("10:30"))
	if yanglao.ErrorCode(err) != yanglao.ECONFLICT || !strings.Contains(yanglao.ErrorMessage(err), "工单 1") || !strings.Contains(yanglao.ErrorMessage(err), "09:00") {
		t.Fatalf("overlap: %v", err)
	}
	// One window inside another, and one around it.
	for _, w := range [][2]string{{"09:10", "09:20"}, {"08:00", "11:00"}, {"08:59", "09:01"}} {
		if err := f.db.BookCaregiverForTest(ctx, cg.ID, 3, at(w[0]), at(w[1])); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
			t.Errorf("window %v: %v", w, err)
		}
	}
	// Back to back is fine; so is the same order retried.
	f.must(f.db.BookCaregiverForTest(ctx, cg.ID, 2, at("10:00"), at("11:00")))
	f.must(f.db.BookCaregiverForTest(ctx, cg.ID, 2, at("10:00"), at("11:00")))
	if err := f.db.BookCaregiverForTest(ctx, cg.ID, 2, at("12:00"), at("13:00")); yanglao.ErrorCode(err) != yanglao.ECONFLICT || yanglao.ErrorField(err) != "order_id" {
		t.Fatalf("rebooking an order without release: %v", err)
	}
	for _, tc := range []struct{ s, e string }{{"10:00", "10:00"}, {"11:00", "10:00"}} {
		if err := f.db.BookCaregiverForTest(ctx, cg.ID, 9, at(tc.s), at(tc.e)); yanglao.ErrorField(err) != "ends_at" {
			t.Errorf("window %v: %v", tc, err)
		}
	}
	if err := f.db.BookCaregiverForTest(ctx, cg.ID, 9, at("10:00"), at("10:00").Add(13*time.Hour)); yanglao.ErrorField(err) != "ends_at" {
		t.Errorf("13-hour booking: %v", err)
	}
	if err := f.db.BookCaregiverForTest(ctx, 999, 9, at("10:00"), at("11:00")); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Errorf("unknown caregiver: %v", err)
	}
	// Release frees the time; releasing twice is harmless.
	f.must(f.db.ReleaseCaregiverForTest(ctx, 1))
	f.must(f.db.ReleaseCaregiverForTest(ctx, 1))
	f.must(f.db.BookCaregiverForTest(ctx, cg.ID, 3, at("09:30"), at("10:00")))
	bs, err := f.db.CaregiverBookingsForTest(ctx, cg.ID, at("00:00"), at("23:59"))
	if err != nil || len(bs) != 2 || bs[0].OrderID != 3 || bs[1].OrderID != 2 || !bs[0].StartsAt.Equal(at("09:30")) {
		t.Fatalf("bookings: %+v %v", bs, err)
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'caregiver_booking'`); n != 4 {
		t.Fatalf("audited %d booking changes, want 4 (3 bookings and 1 release; a retry or an empty release changes nothing)", n)
	}
}

// TestBookCaregiverConcurrent: many transactions book overlapping windows of
// one caregiver at the same moment; exactly one wins, on SQLite and PostgreSQL.
func TestBookCaregiverConcurrent(t *testing.T) {
	f := newHomeFixture(t)
	ctx := tk.System()
	cg := f.caregiver(f.provA, "王护理", "1980-05-01", false, []string{"clean"}, 1)
	other := f.caregiver(f.provA, "李护理", "1975-05-01", true, []string{"clean"}, 2)
	for round := 0; round < 3; round++ {
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		base := at("08:00").Add(time.Duration(round) * 3 * time.Hour)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				// Windows 08:00–09:00, 08:05–09:05 …: every pair overlaps.
				s := base.Add(time.Duration(i) * time.Minute)
				errs[i] = f.db.BookSlowlyForTest(ctx, cg.ID, int64(round*100+i+1), s, s.Add(time.Hour), 5*time.Millisecond)
			}(i)
		}
		// Another caregiver's bookings at the same time are independent.
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := f.db.BookCaregiverForTest(ctx, other.ID, int64(round*100+99), base, base.Add(time.Hour)); err != nil {
				t.Errorf("other caregiver: %v", err)
			}
		}()
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch yanglao.ErrorCode(err) {
			case "":
				won++
			case yanglao.ECONFLICT:
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d bookings won, want exactly 1", round, won)
		}
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM caregiver_bookings WHERE caregiver_id = ?`, cg.ID); n != 3 {
		t.Fatalf("%d bookings stored, want 3", n)
	}
}

func TestSuggestCaregivers(t *testing.T) {
	f := newHomeFixture(t)
	ctx := tk.As(f.dispatchA)
	f.setupProviderA("bath", "clean")
	valid := []*yanglao.CaregiverCert{nursing("高级", "2020-01-01", ""), health("2026-01-01", "2026-12-31")}
	near := f.caregiver(f.provA, "近", "1980-01-01", false, []string{"bath", "clean"}, 1, valid...)
	mid := f.caregiver(f.provA, "中", "1981-01-01", true, []string{"bath"}, 3, nursing("初级", "2020-01-01", ""), health("2026-01-01", "2026-12-31"))
	far := f.caregiver(f.provA, "远", "1982-01-01", false, []string{"bath"}, 9, valid...)
	f.caregiver(f.provA, "无技能", "1983-01-01", false, []string{"clean"}, 0, valid...)
	f.caregiver(f.provA, "证过期", "1984-01-01", false, []string{"bath"}, 0, nursing("中级", "2020-01-01", "2026-11-01"), health("2026-01-01", "2026-12-31"))
	busy := f.caregiver(f.provA, "忙", "1985-01-01", false, []string{"bath"}, 0, valid...)
	f.caregiver(f.provB, "别家", "1986-01-01", false, []string{"bath"}, 0, valid...)
	banID := tk.CitizenID("431002", "1987-01-01", 501)
	f.must(f.svc.AddBan(tk.As(f.official), &yanglao.EmploymentBan{IDNumber: banID, Name: "禁", Source: "法院", Reason: "从业禁止", Start: day("2025-01-01")}))
	lat, lng := 25.7706, 113.0146
	f.must(f.svc.CreateCaregiver(tk.System(), &yanglao.Caregiver{OrgID: f.provA, Name: "禁", IDNumber: banID, Skills: []string{"bath"}, Lat: &lat, Lng: &lng, Active: true, Certs: valid}))
	off := f.caregiver(f.provA, "停用", "1988-01-01", false, []string{"bath"}, 0, valid...)
	off.Active = false
	f.must(f.svc.UpdateCaregiver(tk.System(), off))
	f.must(f.db.BookCaregiverForTest(tk.System(), busy.ID, 77, at("09:30"), at("11:00")))

	q := yanglao.SuggestQuery{OrgID: f.provA, ItemID: f.items["bath"].ID, Start: at("10:00"), End: at("11:30"), Lat: 25.7706, Lng: 113.0146}
	names := func(q yanglao.SuggestQuery) string {
		t.Helper()
		out, err := f.svc.SuggestCaregivers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, c := range out {
			s = append(s, c.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(q); got != "近,中,远" {
		t.Fatalf("suggestions %q", got)
	}
	out, _ := f.svc.SuggestCaregivers(ctx, q)
	if out[0].CaregiverID != near.ID || out[0].DistanceM < 100 || out[0].DistanceM > 120 || out[0].Level != "高级" || out[1].CaregiverID != mid.ID || out[2].CaregiverID != far.ID {
		t.Fatalf("ranked %+v %+v %+v", out[0], out[1], out[2])
	}
	qs := q
	qs.Sex = "M"
	if got := names(qs); got != "中" {
		t.Fatalf("men only: %q", got)
	}
	qs = q
	qs.MaxKm, qs.Limit = 0.5, 1
	if got := names(qs); got != "近" {
		t.Fatalf("within 500 m, one: %q", got)
	}
	// Once the busy caregiver's booking is released, they are nearest.
	f.must(f.db.ReleaseCaregiverForTest(tk.System(), 77))
	if got := names(q); got != "忙,近,中,远" {
		t.Fatalf("after release: %q", got)
	}
	for _, tc := range []struct {
		q     yanglao.SuggestQuery
		field string
	}{
		{yanglao.SuggestQuery{OrgID: f.provA, ItemID: f.items["bath"].ID, Start: at("10:00"), End: at("09:00"), Lat: 25.7, Lng: 113}, "end"},
		{yanglao.SuggestQuery{OrgID: f.provA, ItemID: f.items["bath"].ID, Start: at("10:00"), End: at("11:00")}, "lat"},
		{yanglao.SuggestQuery{OrgID: f.provA, ItemID: f.items["bath"].ID, Start: at("10:00"), End: at("11:00"), Lat: 25.7, Lng: 113, Sex: "X"}, "sex"},
		{yanglao.SuggestQuery{OrgID: f.provA, ItemID: 9999, Start: at("10:00"), End: at("11:00"), Lat: 25.7, Lng: 113}, "item_id"},
		{yanglao.SuggestQuery{OrgID: f.provA, ItemID: f.items["bath"].ID, Start: at("10:00"), End: at("11:00"), Lat: 25.7, Lng: 113, Limit: 1000}, "limit"},
	} {
		if _, err := f.svc.SuggestCaregivers(ctx, tc.q); yanglao.ErrorField(err) != tc.field {
			t.Errorf("query %+v: %v, want field %s", tc.q, err, tc.field)
		}
	}
	if _, err := f.svc.SuggestCaregivers(tk.As(f.dispatchB), q); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other provider's dispatcher: %v", err)
	}
}
