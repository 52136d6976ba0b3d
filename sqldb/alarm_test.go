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

// clock is an injectable clock for the database: tests move it by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type alarmFixture struct {
	t     *testing.T
	db    *sqldb.DB
	clock *clock
	svc   *sqldb.AlarmService
}

func newAlarmFixture(t *testing.T) *alarmFixture {
	db := tk.NewDB(t)
	c := &clock{t: time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return &alarmFixture{t: t, db: db, clock: c, svc: sqldb.NewAlarmService(db)}
}

// restart is a new process on the same database: nothing in memory survives.
func (f *alarmFixture) restart() { f.svc = sqldb.NewAlarmService(f.db) }

func (f *alarmFixture) device(serial, region string, person *int64) *yanglao.Device {
	f.t.Helper()
	d := &yanglao.Device{Serial: serial, Kind: yanglao.DeviceSOS, Vendor: "厂商", RegionCode: region, PersonID: person, HeartbeatSeconds: 60}
	if _, err := f.svc.CreateDevice(tk.System(), d); err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (f *alarmFixture) event(serial, id, typ string, battery ...int) *yanglao.IngestResult {
	f.t.Helper()
	ev := &yanglao.DeviceEvent{Serial: serial, ID: id, Type: typ, At: f.clock.Now()}
	if len(battery) > 0 {
		ev.Battery = &battery[0]
	}
	r, err := f.svc.Ingest(tk.System(), ev, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *alarmFixture) get(id int64) (*yanglao.Case, []*yanglao.CaseStep) {
	f.t.Helper()
	c, steps, err := f.svc.Case(tk.System(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c, steps
}

func TestAlarmEventExactlyOnce(t *testing.T) {
	f := newAlarmFixture(t)
	f.device("A-1", tk.VillageA1, nil)
	first := f.event("A-1", "e1", "sos")
	again := f.event("A-1", "e1", "sos")
	if first.CaseID == 0 || first.Duplicate || !again.Duplicate || again.CaseID != first.CaseID {
		t.Fatalf("first %+v, again %+v", first, again)
	}
	// Concurrent deliveries of one event (two listeners, a retry racing the first try).
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.svc.Ingest(tk.System(), &yanglao.DeviceEvent{Serial: "A-1", ID: "e2", Type: "fall", At: f.clock.Now()}, "test")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.CaseID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one event made cases %v", ids)
		}
	}
	cs, _, err := f.svc.Cases(tk.System(), yanglao.CaseFilter{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("cases: %d %v", len(cs), err)
	}
	if _, err := f.svc.Ingest(tk.System(), &yanglao.DeviceEvent{Serial: "NOPE", ID: "x", Type: "sos", At: f.clock.Now()}, "test"); yanglao.ErrorField(err) != "serial" {
		t.Fatalf("unknown device: %v", err)
	}
	// A heartbeat makes no case.
	if r := f.event("A-1", "hb", "heartbeat"); r.CaseID != 0 {
		t.Fatalf("heartbeat made a case: %+v", r)
	}
}

// TestEscalationAcrossRestart: a case nobody acknowledges climbs its region's
// chain on time, and a restarted process (nothing in memory) keeps doing it.
func TestEscalationAcrossRestart(t *testing.T) {
	f := newAlarmFixture(t)
	if err := f.svc.SetChain(tk.System(), tk.TownA, []yanglao.EscalationStep{
		{Name: "值班长", Contact: "0735-1", AfterSeconds: 60},
		{Name: "街道应急办", Contact: "0735-2", AfterSeconds: 120},
	}); err != nil {
		t.Fatal(err)
	}
	f.device("A-2", tk.VillageA1, nil) // the village has no chain: the township's applies
	f.device("B-2", tk.VillageB1, nil) // no chain anywhere above: the default 60 s
	a := f.event("A-2", "e1", "sos").CaseID
	b := f.event("B-2", "e1", "sos").CaseID
	ctx := context.Background()

	f.clock.Add(59 * time.Second)
	if n, _ := f.svc.Escalate(ctx); n != 0 {
		t.Fatalf("escalated %d cases at 59 s", n)
	}
	f.clock.Add(time.Second)
	if n, err := f.svc.Escalate(ctx); n != 2 || err != nil {
		t.Fatalf("at 60 s escalated %d, %v", n, err)
	}
	if c, steps := f.get(a); c.Level != 1 || steps[len(steps)-1].Step != "escalated" || c.EscalateAt == nil || !c.EscalateAt.Equal(f.clock.Now().Add(120*time.Second)) {
		t.Fatalf("case A after the first escalation: %+v", c)
	}
	if c, _ := f.get(b); c.Level != 1 || c.EscalateAt != nil {
		t.Fatalf("case B (no chain) after escalating: %+v", c)
	}

	f.restart()
	f.clock.Add(121 * time.Second) // the process was down when level 2 fell due
	if n, err := f.svc.Escalate(ctx); n != 1 || err != nil {
		t.Fatalf("after restart escalated %d, %v", n, err)
	}
	if c, _ := f.get(a); c.Level != 2 || c.EscalateAt != nil {
		t.Fatalf("case A at the end of its chain: %+v", c)
	}
	if n, _ := f.svc.Escalate(ctx); n != 0 {
		t.Fatal("escalated past the end of the chain")
	}

	// An acknowledged case does not escalate.
	c := f.event("A-2", "e2", "sos").CaseID
	emergency := tk.CreateUser(t, f.db, "operator1", yanglao.RoleEmergency, tk.Beihu, nil)
	if _, err := f.svc.Act(tk.As(emergency), c, yanglao.CaseAction{Action: "acknowledge"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(10 * time.Minute)
	if n, _ := f.svc.Escalate(ctx); n != 0 {
		t.Fatal("an acknowledged case escalated")
	}
}

func TestCaseSteps(t *testing.T) {
	f := newAlarmFixture(t)
	f.device("A-3", tk.VillageA1, nil)
	id := f.event("A-3", "e1", "fall").CaseID
	op := tk.CreateUser(t, f.db, "op", yanglao.RoleEmergency, tk.TownA, nil)
	official := tk.CreateUser(t, f.db, "off", yanglao.RoleOfficial, tk.TownA, nil)
	sibling := tk.CreateUser(t, f.db, "sib", yanglao.RoleEmergency, tk.TownB, nil)
	act := func(ctx context.Context, a yanglao.CaseAction) error {
		f.clock.Add(5 * time.Second)
		_, err := f.svc.Act(ctx, id, a)
		return err
	}
	if err := act(tk.As(official), yanglao.CaseAction{Action: "acknowledge"}); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("official acknowledging: %v", err)
	}
	if err := act(tk.As(sibling), yanglao.CaseAction{Action: "acknowledge"}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling township's operator: %v", err)
	}
	if err := act(tk.As(op), yanglao.CaseAction{Action: "arrive"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("arrive before acknowledging: %v", err)
	}
	if err := act(tk.As(op), yanglao.CaseAction{Action: "dispatch", Responder: "police"}); yanglao.ErrorField(err) != "responder" {
		t.Fatalf("bad responder: %v", err)
	}
	for _, a := range []yanglao.CaseAction{{Action: "acknowledge"}, {Action: "dispatch", Responder: "neighbour", Note: "王阿姨"},
		{Action: "arrive"}, {Action: "close", Outcome: "resolved", Note: "扶起，无外伤"}} {
		if err := act(tk.As(op), a); err != nil {
			t.Fatalf("%s: %v", a.Action, err)
		}
	}
	c, steps := f.get(id)
	if c.Status != yanglao.CaseClosed || c.AckBy != "op" || c.Responder != "neighbour" || c.Outcome != "resolved" ||
		c.AckAt.Sub(c.ReceivedAt) != 25*time.Second || c.ClosedAt == nil {
		t.Fatalf("closed case: %+v", c)
	}
	var names []string
	for _, s := range steps {
		names = append(names, s.Step)
	}
	if fmt.Sprint(names) != "[received acknowledged dispatched arrived closed]" {
		t.Fatalf("steps %v", names)
	}
	if err := act(tk.As(op), yanglao.CaseAction{Action: "close", Outcome: "resolved"}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("closing twice: %v", err)
	}
	// The sibling township sees neither the case nor the device.
	if cs, _, _ := f.svc.Cases(tk.As(sibling), yanglao.CaseFilter{}); len(cs) != 0 {
		t.Fatal("sibling township lists the case")
	}
	if ds, _, _ := f.svc.Devices(tk.As(sibling), yanglao.DeviceFilter{}); len(ds) != 0 {
		t.Fatal("sibling township lists the device")
	}
}

// TestTechnicalAlarms: silence (no heartbeat for 3 intervals) and low battery
// each raise one technical case, also after a restart, and heartbeats are
// written in batches.
func TestTechnicalAlarms(t *testing.T) {
	f := newAlarmFixture(t)
	f.device("T-1", tk.VillageA1, nil)
	f.device("T-2", tk.VillageA1, nil)
	ctx := context.Background()
	f.clock.Add(30 * time.Second)
	f.event("T-1", "h1", "heartbeat", 90)
	f.event("T-2", "h1", "heartbeat", 15) // low battery
	if n, err := f.svc.FlushHeartbeats(ctx); n != 2 || err != nil {
		t.Fatalf("flush %d %v", n, err)
	}
	d2 := mustDevices(t, f, "battery")[0]
	if d2.Serial != "T-2" || !d2.LowBattery || *d2.Battery != 15 {
		t.Fatalf("lowest battery first: %+v", d2)
	}
	// T-2 keeps reporting low: still one case.
	f.event("T-2", "h2", "battery", 14)
	f.svc.FlushHeartbeats(ctx)
	if cs := openCases(t, f); len(cs) != 1 || cs[0].EventType != yanglao.EventLowBattery || !cs[0].Technical {
		t.Fatalf("after low battery: %+v", cs)
	}

	// T-1 keeps beating; T-2 falls silent. 3 × 60 s after T-2's last beat it is silent.
	for range 2 {
		f.clock.Add(60 * time.Second)
		f.event("T-1", fmt.Sprint("h", f.clock.Now().Unix()), "heartbeat")
		if err := f.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.restart() // the silence scan works from the database, not memory
	f.clock.Add(60 * time.Second)
	if n, err := f.svc.CheckSilent(ctx); n != 1 || err != nil {
		t.Fatalf("silent devices raised %d, %v", n, err)
	}
	if n, _ := f.svc.CheckSilent(ctx); n != 0 {
		t.Fatal("a second case for the same silence")
	}
	ds := mustDevices(t, f, "last_seen")
	if ds[0].Serial != "T-2" || !ds[0].Silent || ds[1].Silent {
		t.Fatalf("devices by silence: %+v %+v", ds[0], ds[1])
	}
	// T-2 comes back: silence clears.
	f.event("T-2", "back", "heartbeat", 80)
	f.svc.FlushHeartbeats(ctx)
	if ds := mustDevices(t, f, "last_seen"); ds[0].Silent || ds[1].Silent {
		t.Fatal("silence not cleared by a heartbeat")
	}
}

func mustDevices(t *testing.T, f *alarmFixture, sort string) []*yanglao.Device {
	t.Helper()
	ds, _, err := f.svc.Devices(tk.System(), yanglao.DeviceFilter{Sort: sort})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func openCases(t *testing.T, f *alarmFixture) []*yanglao.Case {
	t.Helper()
	cs, _, err := f.svc.Cases(tk.System(), yanglao.CaseFilter{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestDeviceRegistry(t *testing.T) {
	f := newAlarmFixture(t)
	people := sqldb.NewPersonService(f.db, tk.Box())
	p := &yanglao.Person{Name: "刘奶奶", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1940-05-05", 22), Address: "人民路 1 号"}
	if err := people.CreatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	worker := tk.CreateUser(t, f.db, "wk", yanglao.RoleWorker, tk.TownA, nil)
	workerB := tk.CreateUser(t, f.db, "wkb", yanglao.RoleWorker, tk.TownB, nil)
	d := &yanglao.Device{Serial: "BIND-1", Kind: yanglao.DeviceFall, Vendor: "厂商", PersonID: &p.ID}
	secret, err := f.svc.CreateDevice(tk.As(worker), d)
	if err != nil || len(secret) != 32 {
		t.Fatalf("create: %q %v", secret, err)
	}
	if d.RegionCode != tk.VillageA1 || d.Address != "人民路 1 号" || d.PersonName != "刘奶奶" {
		t.Fatalf("bound from the person: %+v", d)
	}
	if !f.svc.Authenticate(context.Background(), "BIND-1", secret) || f.svc.Authenticate(context.Background(), "BIND-1", "wrong") {
		t.Fatal("device credentials")
	}
	if _, err := f.svc.CreateDevice(tk.As(worker), &yanglao.Device{Serial: "BIND-1", Kind: "sos", Vendor: "x", RegionCode: tk.VillageA1}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("duplicate serial: %v", err)
	}
	for _, bad := range []*yanglao.Device{
		{Serial: "a/b", Kind: "sos", Vendor: "x", RegionCode: tk.VillageA1},
		{Serial: "ok", Kind: "toaster", Vendor: "x", RegionCode: tk.VillageA1},
		{Serial: "ok", Kind: "sos", Vendor: "", RegionCode: tk.VillageA1},
		{Serial: "ok", Kind: "sos", Vendor: "x"},
		{Serial: "ok", Kind: "sos", Vendor: "x", RegionCode: tk.VillageB1}, // outside the worker's township
	} {
		if _, err := f.svc.CreateDevice(tk.As(worker), bad); yanglao.ErrorCode(err) != yanglao.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if _, err := f.svc.BindDevice(tk.As(workerB), d.ID, yanglao.DeviceBinding{RegionCode: tk.VillageB1}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("binding another township's device: %v", err)
	}
	got, err := f.svc.BindDevice(tk.As(worker), d.ID, yanglao.DeviceBinding{Address: "新地址", RegionCode: tk.VillageA1})
	if err != nil || got.PersonID != nil || got.Address != "新地址" {
		t.Fatalf("unbind: %+v %v", got, err)
	}
	// Keyset paging over many devices, every sort.
	for i := range 7 {
		f.device(fmt.Sprint("P-", i), tk.VillageA1, nil)
	}
	for _, sort := range []string{"id", "last_seen", "battery"} {
		seen := map[int64]bool{}
		after := ""
		for {
			ds, next, err := f.svc.Devices(tk.As(worker), yanglao.DeviceFilter{Sort: sort, Page: yanglao.Page{After: after, Limit: 3}})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if seen[d.ID] {
					t.Fatalf("sort %s: %d twice", sort, d.ID)
				}
				seen[d.ID] = true
			}
			if next == "" {
				break
			}
			after = next
		}
		if len(seen) != 8 {
			t.Fatalf("sort %s: paged through %d of 8", sort, len(seen))
		}
	}
	if ds, _, _ := f.svc.Devices(tk.As(worker), yanglao.DeviceFilter{Query: "BIND"}); len(ds) != 1 {
		t.Fatalf("search by serial: %d", len(ds))
	}
	if _, _, err := f.svc.Devices(tk.As(worker), yanglao.DeviceFilter{Sort: "colour"}); yanglao.ErrorField(err) != "sort" {
		t.Fatalf("bad sort: %v", err)
	}
}

func TestAckReport(t *testing.T) {
	f := newAlarmFixture(t)
	f.device("R-1", tk.VillageA1, nil)
	op := tk.CreateUser(t, f.db, "op", yanglao.RoleEmergency, tk.Beihu, nil)
	// 10 alarms acknowledged after 10 s, 20 s … 100 s.
	for i := 1; i <= 10; i++ {
		id := f.event("R-1", fmt.Sprint("e", i), "sos").CaseID
		f.clock.Add(time.Duration(i*10) * time.Second)
		if _, err := f.svc.Act(tk.As(op), id, yanglao.CaseAction{Action: "acknowledge"}); err != nil {
			t.Fatal(err)
		}
	}
	f.event("R-1", "unacked", "sos")
	rows, err := f.svc.AckReport(tk.As(op), "", "2026-03")
	if err != nil || len(rows) != 1 {
		t.Fatalf("report: %+v %v", rows, err)
	}
	r := rows[0]
	if r.Cases != 11 || r.Acked != 10 || r.Within60 != 6 || r.P50Seconds != 50 || r.P99Seconds != 100 || r.MeetsTSA || r.RegionName != "北湖区" {
		t.Fatalf("report row: %+v", r)
	}
	if _, err := f.svc.AckReport(tk.As(op), "", "March"); yanglao.ErrorField(err) != "month" {
		t.Fatalf("bad month: %v", err)
	}
	if rows, _ := f.svc.AckReport(tk.As(op), "", "2026-04"); len(rows) != 0 {
		t.Fatal("cases in another month")
	}
}

// TestIngestBatch: a group commit makes one case per (device, event id), also
// when the batch holds the same event twice; an unknown device is refused
// alone; only the system (the listener) may use it.
func TestIngestBatch(t *testing.T) {
	f := newAlarmFixture(t)
	f.device("G-1", tk.VillageA1, nil)
	at := f.clock.Now()
	evs := []*yanglao.DeviceEvent{
		{Serial: "G-1", ID: "a", Type: "sos", At: at},
		{Serial: "NOPE", ID: "b", Type: "sos", At: at},
		{Serial: "G-1", ID: "a", Type: "sos", At: at},
		{Serial: "G-1", ID: "hb", Type: "heartbeat", At: at},
		{Serial: "G-1", ID: "c", Type: "fall", At: at},
	}
	res, errs, err := f.svc.IngestBatch(tk.System(), evs, "test")
	if err != nil {
		t.Fatal(err)
	}
	if errs[1] == nil || errs[0] != nil || res[0].Duplicate || !res[2].Duplicate || res[2].CaseID != res[0].CaseID || res[3].CaseID != 0 || res[4].CaseID == 0 {
		t.Fatalf("results %+v %+v %+v %+v, errs %v", res[0], res[2], res[3], res[4], errs)
	}
	if cs := openCases(t, f); len(cs) != 2 {
		t.Fatalf("%d cases", len(cs))
	}
	worker := tk.CreateUser(t, f.db, "wkr", yanglao.RoleWorker, tk.TownA, nil)
	if _, _, err := f.svc.IngestBatch(tk.As(worker), evs, "test"); yanglao.ErrorCode(err) != yanglao.EFORBIDDEN {
		t.Fatalf("a worker batching: %v", err)
	}
}
