package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

func newPerson(name, region, id string, phones ...string) *yanglao.Person {
	return &yanglao.Person{Name: name, ResidenceCode: region, IDNumber: id, Phones: phones}
}

func TestPersonCreateAndValidate(t *testing.T) {
	db := tk.NewDB(t)
	db.Now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	ps := sqldb.NewPersonService(db, tk.Box())
	ctx := tk.System()
	id := tk.CitizenID("431002", "1946-02-28", 11)
	p := newPerson("张桂英", tk.VillageA1, id, "138 0013 8000")
	if err := ps.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.Sex != "M" || p.BirthDate.String() != "1946-02-28" || p.CountyCode != tk.Beihu || p.IDMasked != id[:3]+"***********"+id[14:] {
		t.Fatalf("derived fields: %+v", p)
	}
	got, err := ps.Person(ctx, p.ID)
	if err != nil || got.PhonesMasked[0] != "138****8000" || got.Name != "张桂英" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	// The stored row holds neither the ID nor the phone in clear.
	var raw string
	db.QueryRowForTest(context.Background(), `SELECT COALESCE(CAST(id_sealed AS TEXT), '') || id_hash || phones_masked FROM people WHERE id = ?`, p.ID).Scan(&raw)
	if strings.Contains(raw, id) || strings.Contains(raw, "13800138000") {
		t.Fatal("citizen ID or phone stored in clear")
	}
	// Each failing part of a citizen ID is named.
	bad := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	for _, tc := range []struct{ id, part string }{
		{bad, "校验"},
		{"431002" + "19461302" + "0111", "出生"},
		{"991002" + "19460228" + "0111", "地址码"},
		{"12345", "长度"},
	} {
		err := ps.CreatePerson(ctx, newPerson("李四", tk.VillageA1, tc.id))
		if yanglao.ErrorField(err) != "id_number" || !strings.Contains(yanglao.ErrorMessage(err), tc.part) {
			t.Errorf("id %s: %v, want id_number error mentioning %s", tc.id, err, tc.part)
		}
	}
	// A valid 15-digit legacy ID is converted to 18 digits.
	legacy := &yanglao.Person{Name: "王五", ResidenceCode: tk.VillageA1, IDNumber: "110105491231002"}
	if err := ps.CreatePerson(ctx, legacy); err != nil || legacy.BirthDate.String() != "1949-12-31" {
		t.Fatalf("legacy id: %v %+v", err, legacy)
	}
	if n, _ := ps.CountPeople(ctx, yanglao.PersonFilter{Query: "11010519491231002X"}); n != 1 {
		t.Fatalf("find by converted id: %d", n)
	}
	// Same ID again: conflict naming the field, nothing written.
	if err := ps.CreatePerson(ctx, newPerson("张桂英", tk.VillageA1, id)); yanglao.ErrorCode(err) != yanglao.ECONFLICT || yanglao.ErrorField(err) != "id_number" {
		t.Fatalf("duplicate id: %v", err)
	}
	// Same name and birth date in the county: accepted and flagged.
	twin := newPerson("张桂英", tk.VillageB1, tk.CitizenID("431002", "1946-02-28", 13))
	if err := ps.CreatePerson(ctx, twin); err != nil {
		t.Fatal(err)
	}
	var flags int
	db.QueryRowForTest(context.Background(), `SELECT COUNT(*) FROM person_reviews WHERE person_id = ?`, twin.ID).Scan(&flags)
	if flags != 1 {
		t.Fatalf("duplicate name+birth flagged %d times, want 1", flags)
	}
	// Birth date or sex contradicting the ID.
	p2 := newPerson("赵六", tk.VillageA1, tk.CitizenID("431002", "1950-05-05", 21))
	p2.BirthDate = yanglao.Date{Year: 1950, Month: 5, Day: 6}
	if err := ps.CreatePerson(ctx, p2); yanglao.ErrorField(err) != "birth_date" {
		t.Fatalf("contradicting birth date: %v", err)
	}
	for _, tc := range []struct {
		mut   func(*yanglao.Person)
		field string
	}{
		{func(p *yanglao.Person) { p.Name = "" }, "name"},
		{func(p *yanglao.Person) { p.Name = "<script>" }, "name"},
		{func(p *yanglao.Person) { p.ResidenceCode = "431002999999" }, "residence_code"},
		{func(p *yanglao.Person) { p.Phones = []string{"12345"} }, "phones"},
		{func(p *yanglao.Person) { p.Living = "castle" }, "living"},
		{func(p *yanglao.Person) { p.Life = yanglao.Deceased }, "death_date"},
		{func(p *yanglao.Person) { x := 200.0; p.Lng, p.Lat = &x, &x }, "lng"},
	} {
		p := newPerson("钱七", tk.VillageA1, tk.CitizenID("431002", "1950-05-05", 31))
		tc.mut(p)
		if err := ps.CreatePerson(ctx, p); yanglao.ErrorField(err) != tc.field {
			t.Errorf("want error on %s, got %v", tc.field, err)
		}
	}
}

func TestPersonScopeAndSearch(t *testing.T) {
	db := tk.NewDB(t)
	db.Now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	ps := sqldb.NewPersonService(db, tk.Box())
	sys := tk.System()
	a := newPerson("陈阿婆", tk.VillageA1, tk.CitizenID("431002", "1940-03-01", 12), "13900001111")
	b := newPerson("陈阿公", tk.VillageB1, tk.CitizenID("431002", "1960-03-01", 11), "13900002222")
	c := newPerson("刘奶奶", tk.TownA, tk.CitizenID("431002", "1926-01-01", 22))
	for _, p := range []*yanglao.Person{a, b, c} {
		if err := ps.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ps.AddStatus(sys, &yanglao.Status{PersonID: a.ID, Kind: "dibao", Source: "县民政局", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	// c's 低保 ended: a search for people on 低保 today must not list c.
	if err := ps.AddStatus(sys, &yanglao.Status{PersonID: c.ID, Kind: "dibao", Source: "县民政局", Start: yanglao.Date{Year: 2019, Month: 1, Day: 1},
		End: yanglao.Date{Year: 2021, Month: 12, Day: 31}}); err != nil {
		t.Fatal(err)
	}
	workerA := tk.CreateUser(t, db, "workera", yanglao.RoleWorker, tk.TownA, nil)
	workerB := tk.CreateUser(t, db, "workerb", yanglao.RoleWorker, tk.TownB, nil)
	county := tk.CreateUser(t, db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	caregiverOrg := tk.CreateOrg(t, db, "服务中心", yanglao.OrgProvider, tk.TownA)
	caregiver := tk.CreateUser(t, db, "cg", yanglao.RoleCaregiver, tk.TownA, &caregiverOrg)

	for _, tc := range []struct {
		who  *yanglao.User
		f    yanglao.PersonFilter
		want []int64
	}{
		{workerA, yanglao.PersonFilter{}, []int64{a.ID, c.ID}},
		{workerB, yanglao.PersonFilter{}, []int64{b.ID}},
		{county, yanglao.PersonFilter{}, []int64{a.ID, b.ID, c.ID}},
		{caregiver, yanglao.PersonFilter{}, nil},
		{workerB, yanglao.PersonFilter{Query: "陈"}, []int64{b.ID}},
		{workerB, yanglao.PersonFilter{Query: a.IDNumber}, nil},
		{workerB, yanglao.PersonFilter{RegionCode: tk.TownA}, nil},
		{county, yanglao.PersonFilter{Query: "陈"}, []int64{a.ID, b.ID}},
		{county, yanglao.PersonFilter{Query: "13900001111"}, []int64{a.ID}},
		{county, yanglao.PersonFilter{Query: a.IDNumber}, []int64{a.ID}},
		{county, yanglao.PersonFilter{Status: "dibao"}, []int64{a.ID}},
		{county, yanglao.PersonFilter{MinAge: 80}, []int64{a.ID, c.ID}},
		{county, yanglao.PersonFilter{MinAge: 100}, []int64{c.ID}},
		{county, yanglao.PersonFilter{MaxAge: 66}, []int64{b.ID}},
		{county, yanglao.PersonFilter{MinAge: 66, MaxAge: 66}, []int64{b.ID}},
		{county, yanglao.PersonFilter{Query: "%"}, nil},
		// Status with an age range in a township or village: driven by place and age (byPlaceAndAge).
		{workerA, yanglao.PersonFilter{Status: "dibao", MinAge: 80}, []int64{a.ID}},
		{workerA, yanglao.PersonFilter{Status: "dibao", MinAge: 90}, nil},
		{workerA, yanglao.PersonFilter{Status: "dibao", MaxAge: 80}, nil},
		{workerB, yanglao.PersonFilter{Status: "dibao", MinAge: 60}, nil},
		{county, yanglao.PersonFilter{Status: "dibao", MinAge: 80, RegionCode: tk.TownA}, []int64{a.ID}},
		{county, yanglao.PersonFilter{Status: "dibao", MinAge: 80, RegionCode: tk.VillageA1}, []int64{a.ID}},
		{county, yanglao.PersonFilter{Status: "dibao", MinAge: 80, RegionCode: tk.VillageB1}, nil},
		{county, yanglao.PersonFilter{Status: "dibao", MinAge: 80}, []int64{a.ID}},
	} {
		ctx := tk.As(tc.who)
		tc.f.Sort = "id" // the table lists expected rows in id order
		got, _, err := ps.People(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s %+v: %v", tc.who.Username, tc.f, err)
		}
		n, err := ps.CountPeople(ctx, tc.f)
		if err != nil || n != len(tc.want) || len(got) != len(tc.want) {
			t.Errorf("%s %+v: list %d, count %d (%v), want %d", tc.who.Username, tc.f, len(got), n, err, len(tc.want))
			continue
		}
		for i, p := range got {
			if p.ID != tc.want[i] {
				t.Errorf("%s %+v: row %d is %d, want %d", tc.who.Username, tc.f, i, p.ID, tc.want[i])
			}
		}
	}
	// The default order is by place: village A1's people, then the township's own, then village B1's.
	byPlace, _, err := ps.People(tk.As(county), yanglao.PersonFilter{})
	if err != nil || len(byPlace) != 3 || byPlace[0].ResidenceCode != tk.TownA || byPlace[1].ID != a.ID || byPlace[2].ID != b.ID {
		t.Fatalf("default order by residence path: %v %v", byPlace, err)
	}
	// Listed people carry the statuses in force today.
	listed, _, _ := ps.People(tk.As(county), yanglao.PersonFilter{Status: "dibao"})
	if len(listed) != 1 || len(listed[0].Statuses) != 1 || listed[0].Statuses[0].Kind != "dibao" {
		t.Fatalf("statuses on the list: %+v", listed)
	}
	byCode, err := sqldb.NewRegionService(db).RegionsByCode(context.Background(), []string{tk.TownA, tk.VillageB1, "bogus", tk.TownA})
	if err != nil || len(byCode) != 2 || byCode[tk.TownA].Name != "人民路街道" {
		t.Fatalf("RegionsByCode: %v %v", byCode, err)
	}
	// Reading, revealing and changing out of scope is "not found".
	if _, err := ps.Person(tk.As(workerB), a.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("workerB reading a: %v", err)
	}
	if _, _, err := ps.RevealID(tk.As(workerB), a.ID, "家访"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("workerB revealing a: %v", err)
	}
	// Revealing in scope returns the whole ID and is audited with the reason.
	full, phones, err := ps.RevealID(tk.As(workerA), a.ID, "核对身份")
	if err != nil || full != a.IDNumber || phones[0] != "13900001111" {
		t.Fatalf("reveal: %s %v %v", full, phones, err)
	}
	hist, err := ps.PersonHistory(tk.As(workerA), a.ID)
	if err != nil || hist[len(hist)-1].Action != yanglao.AuditRead || !strings.Contains(hist[len(hist)-1].Detail, "核对身份") {
		t.Fatalf("history after reveal: %v %v", hist, err)
	}
	// Paging a search driven by place and age: one at a time, by id, each once.
	if err := ps.AddStatus(sys, &yanglao.Status{PersonID: c.ID, Kind: "dibao", Source: "县民政局", Start: yanglao.Date{Year: 2024, Month: 1, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	var seen []int64
	for after := ""; ; {
		page, next, err := ps.People(tk.As(workerA), yanglao.PersonFilter{Status: "dibao", MinAge: 80, Page: yanglao.Page{After: after, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			seen = append(seen, p.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(seen, []int64{a.ID, c.ID}) {
		t.Fatalf("paging 低保 80+ in the township: %v, want %v", seen, []int64{a.ID, c.ID})
	}
	// Sorted keyset paging visits everyone once, in name order.
	var names []string
	after := ""
	for {
		page, next, err := ps.People(tk.As(county), yanglao.PersonFilter{Sort: "name", Page: yanglao.Page{After: after, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			names = append(names, p.Name)
		}
		if next == "" {
			break
		}
		after = next
	}
	if strings.Join(names, ",") != "刘奶奶,陈阿公,陈阿婆" && strings.Join(names, ",") != "陈阿公,陈阿婆,刘奶奶" {
		t.Fatalf("name order: %v", names)
	}
}

func TestPersonUpdateDeathAndConflicts(t *testing.T) {
	db := tk.NewDB(t)
	ps := sqldb.NewPersonService(db, tk.Box())
	worker := tk.CreateUser(t, db, "worker", yanglao.RoleWorker, tk.TownA, nil)
	ctx := tk.As(worker)
	p := newPerson("孙大爷", tk.VillageA1, tk.CitizenID("431002", "1936-07-01", 15))
	if err := ps.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	stale := *p
	p.Life, p.DeathDate, p.IDNumber = yanglao.Deceased, yanglao.Date{Year: 2026, Month: 10, Day: 31}, ""
	if err := ps.UpdatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	// A second editor with the old version is refused; nothing changes.
	stale.Name, stale.IDNumber = "改名", ""
	if err := ps.UpdatePerson(ctx, &stale); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	got, _ := ps.Person(ctx, p.ID)
	if got.Name != "孙大爷" || got.Life != yanglao.Deceased || got.DeathDate.String() != "2026-10-31" {
		t.Fatalf("after updates: %+v", got)
	}
	// The death is in the outbox once, even if saved again.
	p.Address = "新地址"
	if err := ps.UpdatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	evs, err := ps.LifeEvents(tk.System(), 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != "person.deceased" || evs[0].PersonID != p.ID || evs[0].Date.String() != "2026-10-31" {
		t.Fatalf("life events: %v %v", evs, err)
	}
	// Moving the person out of the worker's township is refused.
	p.ResidenceCode = tk.VillageB1
	if err := ps.UpdatePerson(ctx, p); yanglao.ErrorField(err) != "residence_code" {
		t.Fatalf("moving out of scope: %v", err)
	}
	// Statuses: overlapping same kind refused, ending works, history kept.
	st := &yanglao.Status{PersonID: p.ID, Kind: "tekun_dispersed", Source: "民政", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}}
	if err := ps.AddStatus(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := ps.AddStatus(ctx, &yanglao.Status{PersonID: p.ID, Kind: "tekun_dispersed", Source: "民政", Start: yanglao.Date{Year: 2021, Month: 1, Day: 1}}); yanglao.ErrorField(err) != "start" {
		t.Fatalf("overlapping status: %v", err)
	}
	if err := ps.EndStatus(ctx, st.ID, yanglao.Date{Year: 2026, Month: 10, Day: 31}); err != nil {
		t.Fatal(err)
	}
	if err := ps.AddStatus(ctx, &yanglao.Status{PersonID: p.ID, Kind: "bogus", Source: "x", Start: yanglao.Date{Year: 2021, Month: 1, Day: 1}}); yanglao.ErrorField(err) != "kind" {
		t.Fatalf("bad kind: %v", err)
	}
	hist, _ := ps.PersonHistory(ctx, p.ID)
	if len(hist) < 5 {
		t.Fatalf("history has %d entries, want create, 2 updates, status added and ended", len(hist))
	}
}

func TestElderAndFamilySeeOnlyTheirOwn(t *testing.T) {
	db := tk.NewDB(t)
	ps := sqldb.NewPersonService(db, tk.Box())
	sys := tk.System()
	mum := newPerson("周妈妈", tk.VillageA1, tk.CitizenID("431002", "1944-04-04", 12))
	neighbour := newPerson("吴邻居", tk.VillageA1, tk.CitizenID("431002", "1945-05-05", 12))
	for _, p := range []*yanglao.Person{mum, neighbour} {
		if err := ps.CreatePerson(sys, p); err != nil {
			t.Fatal(err)
		}
	}
	elder := tk.CreateUser(t, db, "mum", yanglao.RoleElder, tk.VillageA1, nil)
	son := tk.CreateUser(t, db, "son", yanglao.RoleFamily, tk.Suxian, nil) // lives in another county
	stranger := tk.CreateUser(t, db, "stranger", yanglao.RoleFamily, tk.VillageA1, nil)
	if err := ps.LinkUser(sys, elder.ID, mum.ID, "child"); yanglao.ErrorField(err) != "relation" {
		t.Fatalf("elder linked as child: %v", err)
	}
	if err := ps.LinkUser(sys, elder.ID, mum.ID, "self"); err != nil {
		t.Fatal(err)
	}
	if err := ps.LinkUser(sys, son.ID, mum.ID, "child"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  *yanglao.User
		want int
	}{{elder, 1}, {son, 1}, {stranger, 0}} {
		list, _, err := ps.People(tk.As(tc.who), yanglao.PersonFilter{})
		if err != nil || len(list) != tc.want || tc.want == 1 && list[0].ID != mum.ID {
			t.Errorf("%s sees %v (%v), want %d", tc.who.Username, list, err, tc.want)
		}
		if _, err := ps.Person(tk.As(tc.who), neighbour.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
			t.Errorf("%s read the neighbour: %v", tc.who.Username, err)
		}
	}
	// Families read but do not edit the register.
	mum.IDNumber = ""
	if err := ps.UpdatePerson(tk.As(son), mum); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("son editing: %v", err)
	}
}
