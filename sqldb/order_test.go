package sqldb_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// orderFixture is a provider covering township A under a government contract
// for cleaning and bathing, a 80-yuan monthly life-care allowance for 低保
// elders, one such elder at a known position with an older-person account and
// a family account linked, and a caregiver with an account.
type orderFixture struct {
	*homeFixture
	orders   *sqldb.OrderService
	clock    time.Time
	elder    *yanglao.Person
	elderU   *yanglao.User
	familyU  *yanglao.User
	cg       *yanglao.Caregiver
	cgU      *yanglao.User
	cg2      *yanglao.Caregiver
	cg2U     *yanglao.User
	worker   *yanglao.User
	contract *yanglao.ProviderContract
}

const homeLat, homeLng = 25.7806, 113.0246

func newOrderFixture(t testing.TB) *orderFixture {
	t.Helper()
	h := newHomeFixture(t)
	f := &orderFixture{homeFixture: h, clock: homeNow}
	f.db.Now = func() time.Time { return f.clock }
	f.orders = sqldb.NewOrderService(f.db, f.svc)
	f.setupProviderA("clean", "bath")
	f.contract = &yanglao.ProviderContract{OrgID: f.provA, Number: "BH-2026-05", RegionCode: tk.Beihu, Start: day("2026-01-01"), End: day("2026-12-31"),
		ItemIDs: []int64{f.items["clean"].ID, f.items["bath"].ID}}
	f.must(f.svc.AddContract(tk.As(f.official), f.contract))
	f.must(f.svc.AddAllowance(tk.As(f.official), &yanglao.ServiceAllowance{RegionCode: tk.Beihu, Category: yanglao.CatLifeCare,
		Statuses: []string{"dibao"}, Unit: yanglao.UnitFen, Amount: 8000, ValidFrom: day("2026-01-01"), Source: "郴州附件第5项"}))
	f.elder = f.person("张秀英", "1940-05-06", tk.VillageA1, "dibao")
	_, err := f.db.ExecForTest(context.Background(), `UPDATE people SET lat = ?, lng = ?, address = ? WHERE id = ?`, homeLat, homeLng, "人民路社区3栋2单元", f.elder.ID)
	f.must(err)
	f.elderU = tk.CreateUser(t, f.db, "elder", yanglao.RoleElder, tk.VillageA1, nil)
	f.familyU = tk.CreateUser(t, f.db, "son", yanglao.RoleFamily, tk.VillageA1, nil)
	f.must(f.people.LinkUser(tk.System(), f.elderU.ID, f.elder.ID, "self"))
	f.must(f.people.LinkUser(tk.System(), f.familyU.ID, f.elder.ID, "child"))
	f.worker = tk.CreateUser(t, f.db, "workera", yanglao.RoleWorker, tk.TownA, nil)
	f.cg, f.cgU = f.carer("cga", "王护理", "1980-01-01", 1)
	f.cg2, f.cg2U = f.carer("cgb", "李护理", "1981-01-01", 2)
	return f
}

// carer is a caregiver of provider A with an account, qualified to clean and bathe.
func (f *orderFixture) carer(username, name, birth string, north float64) (*yanglao.Caregiver, *yanglao.User) {
	f.t.Helper()
	u := tk.CreateUser(f.t, f.db, username, yanglao.RoleCaregiver, tk.TownA, &f.provA)
	f.caregivers++
	lat, lng := homeLat+north*0.001, homeLng
	c := &yanglao.Caregiver{OrgID: f.provA, UserID: &u.ID, Name: name, IDNumber: tk.CitizenID("431002", birth, 300+f.caregivers*2),
		Skills: []string{"bath", "clean"}, Lat: &lat, Lng: &lng, Active: true,
		Certs: []*yanglao.CaregiverCert{nursing("中级", "2020-01-01", ""), health("2026-01-01", "2026-12-31")}}
	f.must(f.svc.CreateCaregiver(tk.System(), c))
	return c, u
}

func (f *orderFixture) place(u *yanglao.User, item string, start time.Time, key string) *yanglao.Order {
	f.t.Helper()
	o, err := f.orders.PlaceOrder(tk.As(u), &yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items[item].ID, Start: start, RequestKey: key})
	f.must(err)
	return o
}

func (f *orderFixture) step(u *yanglao.User, id int64, st yanglao.OrderStep) *yanglao.Order {
	f.t.Helper()
	o, err := f.orders.StepOrder(tk.As(u), id, &st)
	if err != nil {
		f.t.Fatalf("%s %s on order %d: %v", u.Username, st.Action, id, err)
	}
	return o
}

// visit walks an order from requested to done as the provider and caregiver,
// checking in at (lat, lng) at start+2 min and out after minutes.
func (f *orderFixture) visit(o *yanglao.Order, cg *yanglao.Caregiver, cgU *yanglao.User, lat, lng float64, minutes int) *yanglao.Order {
	f.t.Helper()
	f.step(f.dispatchA, o.ID, yanglao.OrderStep{Action: "accept"})
	f.step(f.dispatchA, o.ID, yanglao.OrderStep{Action: "assign", CaregiverID: cg.ID})
	f.step(cgU, o.ID, yanglao.OrderStep{Action: "depart"})
	f.clock = o.Start.Add(2 * time.Minute)
	f.step(cgU, o.ID, yanglao.OrderStep{Action: "check_in", Lat: ptr(lat), Lng: ptr(lng), Accuracy: 20})
	f.clock = f.clock.Add(time.Duration(minutes) * time.Minute)
	return f.step(cgU, o.ID, yanglao.OrderStep{Action: "check_out", Lat: ptr(lat), Lng: ptr(lng)})
}

// TestOrderToStatement is the key scenario of issue 5: an order placed by a
// family member, dispatched, checked in and out on the caregiver's phone and
// confirmed with the older person's code appears on the provider's statement;
// a visit checked in 2 km away is flagged with the distance and stays off the
// statement until an official accepts it on review.
func TestOrderToStatement(t *testing.T) {
	f := newOrderFixture(t)
	tomorrow9 := at("09:00")

	// The son orders cleaning for his mother; a retried POST makes one order.
	o := f.place(f.familyU, "clean", tomorrow9, "k-1")
	if o.State != "requested" || o.Channel != "family" || o.PriceFen != 5000 || o.AllowanceFen != 5000 || o.OwnFen != 0 ||
		o.Address != "人民路社区3栋2单元" || o.Lat == nil || *o.Lat != homeLat || o.Minutes != 120 || !o.End.Equal(tomorrow9.Add(2*time.Hour)) ||
		o.ContractID == nil || *o.ContractID != f.contract.ID {
		t.Fatalf("placed: %+v", o)
	}
	if again := f.place(f.familyU, "clean", tomorrow9, "k-1"); again.ID != o.ID {
		t.Fatalf("a retried POST placed a second order: %d and %d", o.ID, again.ID)
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM orders`); n != 1 {
		t.Fatalf("%d orders after a retry, want 1", n)
	}
	// The mother books bathing herself: 30 yuan of the allowance is left this month.
	bath := f.place(f.elderU, "bath", at("14:00"), "")
	if bath.AllowanceFen != 3000 || bath.OwnFen != 2000 || bath.Channel != "elder" {
		t.Fatalf("second order of the month: %+v", bath)
	}

	// The code is the client's: the family sees it, the caregiver does not.
	done := f.visit(o, f.cg, f.cgU, homeLat+0.001, homeLng, 118) // about 111 m from home, 118 of 120 minutes
	if done.State != "done" || len(done.Flags) != 0 || done.ConfirmCode != "" || done.CheckInM == nil || *done.CheckInM < 100 || *done.CheckInM > 125 {
		t.Fatalf("after check-out, as the caregiver: %+v", done)
	}
	seen, err := f.orders.Order(tk.As(f.familyU), o.ID)
	f.must(err)
	if len(seen.ConfirmCode) != 6 {
		t.Fatalf("the family does not see the code: %+v", seen)
	}
	// Not on the statement before the older person confirms.
	st, err := f.orders.Statement(tk.As(f.dispatchA), f.provA, "2026-11")
	f.must(err)
	if len(st.Lines) != 0 {
		t.Fatalf("unconfirmed visit billed: %+v", st.Lines)
	}
	if _, err := f.orders.StepOrder(tk.As(f.cgU), o.ID, &yanglao.OrderStep{Action: "confirm", Code: "000000x"}); yanglao.ErrorField(err) != "code" {
		t.Fatalf("wrong code: %v", err)
	}
	confirmed := f.step(f.cgU, o.ID, yanglao.OrderStep{Action: "confirm", Code: seen.ConfirmCode})
	if confirmed.State != "confirmed" || confirmed.ConfirmedBy != "code" {
		t.Fatalf("confirmed: %+v", confirmed)
	}
	rated := f.step(f.elderU, o.ID, yanglao.OrderStep{Action: "rate", Rating: 4, Note: "很干净", Concern: "护理员提到老人腿脚浮肿"})
	if rated.Rating != 4 || rated.Concern == "" {
		t.Fatalf("rated: %+v", rated)
	}

	// The bath: checked in 2 km from home and out after 20 of 90 minutes.
	b := f.visit(bath, f.cg2, f.cg2U, homeLat+0.018, homeLng, 20)
	if len(b.Flags) != 3 || b.Review != yanglao.ReviewPending {
		t.Fatalf("flags: %+v", b.Flags)
	}
	if b.Flags[0].Code != "far_check_in" || !strings.Contains(b.Flags[0].ZH, "2.0 公里") || *b.CheckInM < 1990 || *b.CheckInM > 2010 ||
		b.Flags[1].Code != "far_check_out" || b.Flags[2].Code != "short_visit" {
		t.Fatalf("flags: %+v (check-in %v m)", b.Flags, *b.CheckInM)
	}
	f.step(f.elderU, bath.ID, yanglao.OrderStep{Action: "confirm"})

	st, err = f.orders.Statement(tk.As(f.dispatchA), f.provA, "2026-11")
	f.must(err)
	if len(st.Lines) != 1 || st.Lines[0].OrderID != o.ID || st.TotalFen != 5000 || st.Held != 1 || st.Visits != 1 ||
		len(st.Items) != 1 || st.Items[0].ItemCode != "clean" || st.Items[0].TotalFen != 5000 || st.Ratings != 1 || st.Rating != 4 || st.Concerns != 1 ||
		st.Lines[0].ActualMinutes != 118 || st.Lines[0].CaregiverName != "王护理" {
		t.Fatalf("statement before review: %+v lines %+v", st, st.Lines)
	}
	// Only officials review; a reason is required.
	if _, err := f.orders.ReviewOrder(tk.As(f.dispatchA), bath.ID, yanglao.ReviewDecision{Accept: true, Reason: "ok"}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("dispatcher reviews own visit: %v", err)
	}
	if _, err := f.orders.ReviewOrder(tk.As(f.official), bath.ID, yanglao.ReviewDecision{Accept: true}); yanglao.ErrorField(err) != "reason" {
		t.Fatalf("review without reason: %v", err)
	}
	rev, err := f.orders.ReviewOrder(tk.As(f.official), bath.ID, yanglao.ReviewDecision{Accept: true, Reason: "电话回访老人，确认已上门（定位漂移）"})
	if err != nil || rev.Review != yanglao.ReviewAccepted {
		t.Fatalf("review: %+v %v", rev, err)
	}
	if _, err := f.orders.ReviewOrder(tk.As(f.official), bath.ID, yanglao.ReviewDecision{Accept: false, Reason: "again"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("second review: %v", err)
	}
	st, err = f.orders.Statement(tk.As(f.official), f.provA, "2026-11")
	f.must(err)
	if len(st.Lines) != 2 || st.TotalFen != 8000 || st.Held != 0 || !st.Lines[1].Reviewed || len(st.Items) != 2 || st.Items[1].ItemCode != "bath" || st.Items[1].TotalFen != 3000 {
		t.Fatalf("statement after review: %+v", st)
	}
	// Every move is in the history, with who and where; and audited.
	evs, err := f.orders.OrderEvents(tk.As(f.official), bath.ID)
	f.must(err)
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); got != "place,accept,assign,depart,check_in,check_out,confirm,review_accept" {
		t.Fatalf("events: %s", got)
	}
	if evs[4].Lat == nil || evs[4].DistanceM == nil || *evs[4].DistanceM < 1990 || evs[4].Username != "cgb" {
		t.Fatalf("check-in event: %+v", evs[4])
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'order'`); n < 16 {
		t.Fatalf("%d order audit entries", n)
	}
	// A rejected review keeps a visit off; the statement export of the month is the same rows.
	if st.Month != "2026-11" || st.ProviderName != "康乐居家服务中心" {
		t.Fatalf("statement header %+v", st)
	}
}

func TestOrderRefusals(t *testing.T) {
	f := newOrderFixture(t)
	// A provider that does not cover the address is refused, saying why.
	other := f.person("赵大爷", "1941-01-01", tk.VillageB1, "dibao")
	f.must(f.people.LinkUser(tk.System(), f.familyU.ID, other.ID, "relative"))
	_, err := f.orders.PlaceOrder(tk.As(f.familyU), &yanglao.OrderRequest{PersonID: other.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: at("09:00")})
	if yanglao.ErrorField(err) != "provider_id" || !strings.Contains(yanglao.ErrorMessage(err), "不覆盖此地址") {
		t.Fatalf("uncovered address: %v", err)
	}
	// An item the provider does not offer.
	_, err = f.orders.PlaceOrder(tk.As(f.familyU), &yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["walk"].ID, Start: at("09:00")})
	if yanglao.ErrorField(err) != "item_id" {
		t.Fatalf("item not offered: %v", err)
	}
	for _, tc := range []struct {
		name  string
		u     *yanglao.User
		r     yanglao.OrderRequest
		code  string
		field string
	}{
		{"past", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: homeNow.Add(-time.Hour)}, yanglao.EINVALID, "start"},
		{"too far ahead", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: homeNow.AddDate(0, 4, 0)}, yanglao.EINVALID, "start"},
		{"window shorter than the item", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: at("09:00"), End: at("09:30")}, yanglao.EINVALID, "end"},
		{"family enters insurance", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: at("09:00"), LTCFen: 100}, yanglao.EINVALID, "ltc_fen"},
		{"not a provider", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: tk.CreateOrg(t, f.db, "养老院", yanglao.OrgCareHome, tk.TownA), ItemID: f.items["clean"].ID, Start: at("09:00")}, yanglao.EINVALID, "provider_id"},
		{"someone else's parent", tk.CreateUser(t, f.db, "stranger", yanglao.RoleFamily, tk.VillageA1, nil), yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: at("09:00")}, yanglao.EINVALID, "person_id"},
		{"dispatcher", f.dispatchA, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: at("09:00")}, yanglao.EFORBIDDEN, ""},
		{"no item", f.familyU, yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, Start: at("09:00")}, yanglao.EINVALID, "item_id"},
	} {
		_, err := f.orders.PlaceOrder(tk.As(tc.u), &tc.r)
		if yanglao.ErrorCode(err) != tc.code || yanglao.ErrorField(err) != tc.field {
			t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.field)
		}
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM orders`); n != 0 {
		t.Fatalf("refused orders left %d rows", n)
	}

	// A worker's government-paid order with the insurance share.
	w, err := f.orders.PlaceOrder(tk.As(f.worker), &yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["bath"].ID, Start: at("09:00"), LTCFen: 2000})
	if err != nil || w.Channel != "worker" || w.LTCFen != 2000 || w.AllowanceFen != 3000 || w.OwnFen != 0 {
		t.Fatalf("worker's order: %+v %v", w, err)
	}
	// Who may do what, and in which state.
	for _, tc := range []struct {
		u      *yanglao.User
		action string
		code   string
	}{
		{f.elderU, "accept", yanglao.EFORBIDDEN},
		{f.cgU, "check_in", yanglao.ENOTFOUND}, // not assigned: the caregiver does not see it
		{f.dispatchB, "accept", yanglao.ENOTFOUND},
		{f.dispatchA, "check_out", yanglao.EFORBIDDEN},
		{f.dispatchA, "teleport", yanglao.EINVALID},
		{f.dispatchA, "cancel", yanglao.EINVALID}, // no reason
	} {
		_, err := f.orders.StepOrder(tk.As(tc.u), w.ID, &yanglao.OrderStep{Action: tc.action})
		if yanglao.ErrorCode(err) != tc.code {
			t.Errorf("%s %s: %v, want %s", tc.u.Username, tc.action, err, tc.code)
		}
	}
	f.step(f.dispatchA, w.ID, yanglao.OrderStep{Action: "assign", CaregiverID: f.cg.ID})
	if _, err := f.orders.StepOrder(tk.As(f.cgU), w.ID, &yanglao.OrderStep{Action: "confirm", Code: "123456"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("confirm before the visit: %v", err)
	}
	// A stale version is refused.
	if _, err := f.orders.StepOrder(tk.As(f.cgU), w.ID, &yanglao.OrderStep{Action: "depart", Version: 1}); yanglao.ErrorField(err) != "version" {
		t.Fatalf("stale version: %v", err)
	}
	// The worker who placed it cancels; the caregiver's time is freed and the allowance comes back.
	c := f.step(f.worker, w.ID, yanglao.OrderStep{Action: "cancel", Reason: "老人住院"})
	if c.State != "cancelled" {
		t.Fatalf("cancelled: %+v", c)
	}
	if n := count(t, f.db, `SELECT COUNT(*) FROM caregiver_bookings WHERE order_id = ?`, w.ID); n != 0 {
		t.Fatalf("booking kept after cancel")
	}
	again := f.place(f.familyU, "clean", at("15:00"), "")
	if again.AllowanceFen != 5000 {
		t.Fatalf("allowance not given back on cancel: %+v", again)
	}
	// Too many wrong codes: only the client or a signature confirms.
	d := f.visit(again, f.cg, f.cgU, homeLat, homeLng, 120)
	for i := 0; i < 5; i++ {
		if _, err := f.orders.StepOrder(tk.As(f.cgU), d.ID, &yanglao.OrderStep{Action: "confirm", Code: "999999"}); yanglao.ErrorField(err) != "code" {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	code, _ := f.orders.Order(tk.As(f.elderU), d.ID)
	if _, err := f.orders.StepOrder(tk.As(f.cgU), d.ID, &yanglao.OrderStep{Action: "confirm", Code: code.ConfirmCode}); yanglao.ErrorField(err) != "code" || !strings.Contains(yanglao.ErrorMessage(err), "次数过多") {
		t.Fatalf("right code after 5 wrong ones: %v", err)
	}
	sig := f.step(f.cgU, d.ID, yanglao.OrderStep{Action: "confirm", Signature: "data:image/png;base64,iVBORw0KGgo="})
	if sig.ConfirmedBy != "signature" {
		t.Fatalf("signature: %+v", sig)
	}
	// A missing check-out: the dispatcher closes the visit, flagged.
	m := f.place(f.familyU, "clean", at("18:00"), "")
	f.step(f.dispatchA, m.ID, yanglao.OrderStep{Action: "assign", CaregiverID: f.cg2.ID})
	f.clock = m.Start.Add(-5 * time.Hour)
	f.step(f.cg2U, m.ID, yanglao.OrderStep{Action: "check_in"}) // 5 hours early and no position: flagged twice
	closed := f.step(f.dispatchA, m.ID, yanglao.OrderStep{Action: "close", Reason: "护理员手机没电"})
	if closed.State != "done" || len(closed.Flags) != 3 || closed.Flags[0].Code != "no_position" || closed.Flags[1].Code != "off_time" ||
		closed.Flags[1].ZH != "签到比预约开始时间早 5.0 小时" || closed.Flags[2].Code != "missing_check_out" {
		t.Fatalf("closed without check-out: %+v", closed.Flags)
	}
}

// TestOrderScope: each party sees exactly its orders, through lists and by id.
func TestOrderScope(t *testing.T) {
	f := newOrderFixture(t)
	o := f.place(f.familyU, "clean", at("09:00"), "")
	f.step(f.dispatchA, o.ID, yanglao.OrderStep{Action: "assign", CaregiverID: f.cg.ID})
	sibling := tk.CreateUser(t, f.db, "sibling", yanglao.RoleOfficial, tk.TownB, nil)
	stranger := tk.CreateUser(t, f.db, "stranger", yanglao.RoleFamily, tk.VillageA1, nil)
	for _, tc := range []struct {
		u    *yanglao.User
		sees bool
	}{
		{f.elderU, true}, {f.familyU, true}, {f.dispatchA, true}, {f.cgU, true}, {f.worker, true}, {f.official, true},
		{f.cg2U, false}, {f.dispatchB, false}, {sibling, false}, {stranger, false},
	} {
		list, _, err := f.orders.Orders(tk.As(tc.u), yanglao.OrderFilter{})
		f.must(err)
		_, gerr := f.orders.Order(tk.As(tc.u), o.ID)
		if (len(list) == 1) != tc.sees || (gerr == nil) != tc.sees {
			t.Errorf("%s: list %d, get %v; want sees=%v", tc.u.Username, len(list), gerr, tc.sees)
		}
		if !tc.sees && gerr != nil && yanglao.ErrorCode(gerr) != yanglao.ENOTFOUND {
			t.Errorf("%s: %v, want not found", tc.u.Username, gerr)
		}
		_, serr := f.orders.Statement(tk.As(tc.u), f.provA, "2026-11")
		mayStatement := tc.u == f.dispatchA || tc.u == f.official || tc.u == sibling
		if (serr == nil) != mayStatement {
			t.Errorf("%s statement: %v", tc.u.Username, serr)
		}
	}
	// The caregiver's day, in time order.
	day, _, err := f.orders.Orders(tk.As(f.cgU), yanglao.OrderFilter{Day: yanglao.DateOf(at("00:00")), Mine: true})
	if err != nil || len(day) != 1 || len(day[0].Actions) != 3 { // depart, check_in, no_show
		t.Fatalf("caregiver's day: %v %+v", err, day)
	}
	b, err := f.orders.DispatchBoard(tk.As(f.dispatchA), f.provA, yanglao.DateOf(at("00:00")))
	if err != nil || len(b.Assigned) != 1 || len(b.Unassigned) != 0 {
		t.Fatalf("board: %+v %v", b, err)
	}
	if _, err := f.orders.DispatchBoard(tk.As(f.dispatchB), f.provA, yanglao.DateOf(at("00:00"))); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("other provider's board: %v", err)
	}
}

// TestAssignConcurrent: two dispatchers assign the same caregiver to two
// overlapping visits at the same moment; exactly one wins (SQLite and PostgreSQL).
func TestAssignConcurrent(t *testing.T) {
	f := newOrderFixture(t)
	second := tk.CreateUser(t, f.db, "dispa2", yanglao.RoleDispatcher, tk.Beihu, &f.provA)
	for round := 0; round < 3; round++ {
		base := at("08:00").Add(time.Duration(round) * 4 * time.Hour)
		o1 := f.place(f.familyU, "clean", base, "")
		o2 := f.place(f.elderU, "bath", base.Add(30*time.Minute), "")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, pair := range []struct {
			u  *yanglao.User
			id int64
		}{{f.dispatchA, o1.ID}, {second, o2.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.orders.StepOrder(tk.As(pair.u), pair.id, &yanglao.OrderStep{Action: "assign", CaregiverID: f.cg.ID})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch yanglao.ErrorCode(err) {
			case "":
				won++
			case yanglao.ECONFLICT:
				if yanglao.ErrorField(err) != "caregiver_id" {
					t.Fatalf("round %d: conflict on %s: %v", round, yanglao.ErrorField(err), err)
				}
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d assignments won, want exactly 1 (%v)", round, won, errs)
		}
		if n := count(t, f.db, `SELECT COUNT(*) FROM orders WHERE caregiver_id = ? AND id IN (?, ?)`, f.cg.ID, o1.ID, o2.ID); n != 1 {
			t.Fatalf("round %d: %d orders carry the caregiver", round, n)
		}
	}
}

// TestOrderVoucher: a voucher pays what the allowance leaves (up to its face
// value), once; cancelling the order gives it back.
func TestOrderVoucher(t *testing.T) {
	f := newOrderFixture(t)
	vs := sqldb.NewVoucherService(f.db)
	vb := &yanglao.VoucherBatch{Name: "上门服务券", RegionCode: tk.Beihu, FaceFen: 1000, Uses: []string{"any"},
		ValidFrom: day("2026-11-01"), ValidUntil: day("2026-12-31"), PersonIDs: []int64{f.elder.ID}}
	f.must(vs.IssueVoucherBatch(tk.As(f.official), vb))
	list, _, err := vs.Vouchers(tk.System(), yanglao.VoucherFilter{BatchID: vb.ID})
	f.must(err)
	if len(list) != 1 {
		t.Fatalf("vouchers: %+v", list)
	}
	v := list[0].ID
	f.place(f.familyU, "clean", at("09:00"), "") // 50 of the 80 yuan allowance
	o, err := f.orders.PlaceOrder(tk.As(f.familyU), &yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["bath"].ID, Start: at("14:00"), VoucherID: &v})
	f.must(err)
	if o.AllowanceFen != 3000 || o.VoucherFen != 1000 || o.OwnFen != 1000 || o.VoucherID == nil || *o.VoucherID != v {
		t.Fatalf("split with a voucher: %+v", o)
	}
	if _, err := f.orders.PlaceOrder(tk.As(f.familyU), &yanglao.OrderRequest{PersonID: f.elder.ID, ProviderID: f.provA, ItemID: f.items["bath"].ID, Start: at("17:00"), VoucherID: &v}); yanglao.ErrorField(err) != "voucher_id" {
		t.Fatalf("a spent voucher paid again: %v", err)
	}
	f.step(f.familyU, o.ID, yanglao.OrderStep{Action: "cancel", Reason: "改天"})
	back, _, err := vs.Vouchers(tk.System(), yanglao.VoucherFilter{BatchID: vb.ID, State: yanglao.VoucherUnspent})
	if err != nil || len(back) != 1 {
		t.Fatalf("voucher not given back on cancel: %+v %v", back, err)
	}
}
