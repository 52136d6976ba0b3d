package orders

import (
	"fmt"
	"testing"
	"time"
)

// TestStep walks every (state, action, party) and compares with the table
// written out by hand: who may do what, from where, to where.
func TestStep(t *testing.T) {
	type key struct {
		from   State
		action Action
		party  Party
	}
	allowed := map[key]State{
		{Requested, Accept, Dispatcher}:  Accepted,
		{Requested, Decline, Dispatcher}: Cancelled,
		{Accepted, Decline, Dispatcher}:  Cancelled,
		{Requested, Assign, Dispatcher}:  Assigned,
		{Accepted, Assign, Dispatcher}:   Assigned,
		{Assigned, Assign, Dispatcher}:   Assigned, // reassign
		{OnTheWay, Assign, Dispatcher}:   Assigned, // reassign after the first caregiver set off
		{Assigned, Depart, Carer}:        OnTheWay,
		{Assigned, CheckIn, Carer}:       InService,
		{OnTheWay, CheckIn, Carer}:       InService,
		{InService, CheckOut, Carer}:     Done,
		{InService, Close, Dispatcher}:   Done,
		{Done, Confirm, Client}:          Confirmed,
		{Done, Confirm, Carer}:           Confirmed,
		{Confirmed, Rate, Client}:        Confirmed,
		{Requested, Cancel, Client}:      Cancelled,
		{Accepted, Cancel, Client}:       Cancelled,
		{Assigned, Cancel, Client}:       Cancelled,
		{Requested, Cancel, Placer}:      Cancelled,
		{Accepted, Cancel, Placer}:       Cancelled,
		{Assigned, Cancel, Placer}:       Cancelled,
		{Requested, Cancel, Dispatcher}:  Cancelled,
		{Accepted, Cancel, Dispatcher}:   Cancelled,
		{Assigned, Cancel, Dispatcher}:   Cancelled,
		{Assigned, Miss, Carer}:          NoShow,
		{OnTheWay, Miss, Carer}:          NoShow,
		{Assigned, Miss, Dispatcher}:     NoShow,
		{OnTheWay, Miss, Dispatcher}:     NoShow,
	}
	parties := []Party{Client, Placer, Dispatcher, Carer, Official}
	n := 0
	for _, s := range States {
		for _, a := range Actions {
			for _, p := range parties {
				to, _, err := Step(s, a, p)
				want, ok := allowed[key{s, a, p}]
				switch {
				case ok && err != nil:
					t.Errorf("%s %s by %s refused (%v), want → %s", s, a, p, err, want)
				case ok && to != want:
					t.Errorf("%s %s by %s → %s, want %s", s, a, p, to, want)
				case !ok && err == nil:
					t.Errorf("%s %s by %s allowed (→ %s), want refused", s, a, p, to)
				case !ok && (err.ZH == "" || err.EN == ""):
					t.Errorf("%s %s by %s: refusal without a reason", s, a, p)
				}
				if ok {
					n++
				}
			}
		}
	}
	if n != len(allowed) {
		t.Errorf("checked %d allowed moves, table has %d (a state or party missing from States?)", n, len(allowed))
	}
}

func TestStepRefusalSaysWhy(t *testing.T) {
	_, _, err := Step(Done, Cancel, Client)
	if err == nil || err.EN != "the order is Done, to confirm: cannot Cancel" {
		t.Errorf("cancel after the visit: %v", err)
	}
	_, _, err = Step(Assigned, CheckIn, Dispatcher)
	if err == nil || err.EN != "you may not Check in this order" {
		t.Errorf("dispatcher checking in: %v", err)
	}
	if _, _, err := Step(Assigned, Action("teleport"), Carer); err == nil {
		t.Error("unknown action allowed")
	}
}

func TestNeeds(t *testing.T) {
	for _, tc := range []struct {
		from   State
		action Action
		party  Party
		needs  string
	}{
		{Requested, Decline, Dispatcher, "reason"},
		{Accepted, Assign, Dispatcher, "caregiver"},
		{OnTheWay, CheckIn, Carer, "position"},
		{InService, CheckOut, Carer, "position"},
		{InService, Close, Dispatcher, "reason"},
		{Done, Confirm, Carer, "proof"},
		{Requested, Cancel, Client, "reason"},
		{OnTheWay, Miss, Carer, "reason"},
		{Requested, Accept, Dispatcher, ""},
	} {
		if _, needs, err := Step(tc.from, tc.action, tc.party); err != nil || needs != tc.needs {
			t.Errorf("%s %s: needs %q (%v), want %q", tc.from, tc.action, needs, err, tc.needs)
		}
	}
}

func TestAllowed(t *testing.T) {
	if got := fmt.Sprint(Allowed(Requested, Dispatcher)); got != "[accept decline assign cancel]" {
		t.Errorf("dispatcher on a new order: %s", got)
	}
	if got := fmt.Sprint(Allowed(OnTheWay, Carer)); got != "[check_in no_show]" {
		t.Errorf("caregiver on the way: %s", got)
	}
	if got := Allowed(Confirmed, Dispatcher); len(got) != 0 {
		t.Errorf("dispatcher on a confirmed order: %v", got)
	}
	for _, s := range States {
		if !s.Valid() || s.Name("zh") == "" || s.Name("en") == "" {
			t.Errorf("state %q has no names", s)
		}
		if got := Allowed(s, Official); len(got) != 0 {
			t.Errorf("officials move orders only by review, not by the flow: %s %v", s, got)
		}
	}
	for _, a := range Actions {
		if a.Name("zh") == "" || a.Name("en") == "" {
			t.Errorf("action %q has no names", a)
		}
	}
	if State("lost").Valid() {
		t.Error("unknown state valid")
	}
}

func TestComputeSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   SplitInput
		want Split
	}{
		{"own money only", SplitInput{PriceFen: 6000}, Split{6000, 0, 0, 0, 6000}},
		{"allowance covers all", SplitInput{PriceFen: 6000, AllowanceLeftFen: 10000}, Split{6000, 0, 6000, 0, 0}},
		{"allowance partly used this month", SplitInput{PriceFen: 6000, AllowanceLeftFen: 2500}, Split{6000, 0, 2500, 0, 3500}},
		{"allowance used up", SplitInput{PriceFen: 6000, AllowanceLeftFen: 0}, Split{6000, 0, 0, 0, 6000}},
		{"negative left counts as none", SplitInput{PriceFen: 6000, AllowanceLeftFen: -300}, Split{6000, 0, 0, 0, 6000}},
		{"voucher after allowance", SplitInput{PriceFen: 6000, AllowanceLeftFen: 2000, VoucherFen: 3000}, Split{6000, 0, 2000, 3000, 1000}},
		{"voucher larger than the rest", SplitInput{PriceFen: 6000, AllowanceLeftFen: 2000, VoucherFen: 9000}, Split{6000, 0, 2000, 4000, 0}},
		{"voucher: as much as is left", SplitInput{PriceFen: 6000, AllowanceLeftFen: 2000, VoucherFen: -1}, Split{6000, 0, 2000, 4000, 0}},
		{"insurance first", SplitInput{PriceFen: 10000, LTCFen: 7000, AllowanceLeftFen: 5000}, Split{10000, 7000, 3000, 0, 0}},
		{"insurance above the price", SplitInput{PriceFen: 5000, LTCFen: 7000, AllowanceLeftFen: 5000, VoucherFen: 100}, Split{5000, 5000, 0, 0, 0}},
		{"all four", SplitInput{PriceFen: 10000, LTCFen: 4000, AllowanceLeftFen: 3000, VoucherFen: 1000}, Split{10000, 4000, 3000, 1000, 2000}},
		{"free item", SplitInput{PriceFen: 0, AllowanceLeftFen: 3000, VoucherFen: -1}, Split{}},
		{"one fen", SplitInput{PriceFen: 1, AllowanceLeftFen: 1}, Split{1, 0, 1, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ComputeSplit(tc.in)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.LTCFen+got.AllowanceFen+got.VoucherFen+got.OwnFen != got.PriceFen {
				t.Errorf("parts do not add up to the price: %+v", got)
			}
			if got.GovernmentFen() != got.AllowanceFen+got.VoucherFen {
				t.Error("government share")
			}
		})
	}
}

func TestCheckPosition(t *testing.T) {
	home := &Point{Lat: 25.7706, Lng: 113.0146}
	// 0.018° of latitude is about 2 km.
	far := &Point{Lat: 25.7706 + 0.018, Lng: 113.0146}
	near := &Point{Lat: 25.7706 + 0.001, Lng: 113.0146} // about 111 m
	p := DefaultPolicy
	if d, f := p.CheckPosition(home, near, false); f != nil || d < 100 || d > 120 {
		t.Errorf("near: %d m, %+v", d, f)
	}
	d, f := p.CheckPosition(home, far, false)
	if f == nil || f.Code != FlagFarCheckIn || d < 1990 || d > 2010 {
		t.Fatalf("2 km away: %d m, %+v", d, f)
	}
	if f.ZH != "签到位置距服务地址 2.0 公里（超过 500 米）" || f.EN != "check-in 2.0 km from the home (more than 500 m)" {
		t.Errorf("reason: %q / %q", f.ZH, f.EN)
	}
	if _, f := p.CheckPosition(home, far, true); f == nil || f.Code != FlagFarCheckOut {
		t.Errorf("far check-out: %+v", f)
	}
	if d, f := p.CheckPosition(home, nil, false); f == nil || f.Code != FlagNoPosition || d != -1 {
		t.Errorf("no position: %d %+v", d, f)
	}
	if _, f := p.CheckPosition(nil, near, false); f == nil || f.Code != FlagHomeUnlocated {
		t.Errorf("home without coordinates: %+v", f)
	}
	strict := Policy{MaxDistanceM: 100, MinSharePercent: 50}
	if d, f := strict.CheckPosition(home, near, false); f == nil || f.ZH != fmt.Sprintf("签到位置距服务地址 %d 米（超过 100 米）", d) {
		t.Errorf("configurable distance: %+v", f)
	}
	// The distance itself: 1° of latitude is 111.195 km on the mean sphere.
	if d := DistanceM(Point{0, 0}, Point{1, 0}); d < 111190 || d > 111200 {
		t.Errorf("1° latitude: %.0f m", d)
	}
}

func TestCheckDuration(t *testing.T) {
	in := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p := DefaultPolicy
	for _, tc := range []struct {
		booked int
		lasted time.Duration
		flag   bool
	}{
		{60, 60 * time.Minute, false},
		{60, 30 * time.Minute, false}, // exactly half: accepted
		{60, 29 * time.Minute, true},
		{60, 5 * time.Minute, true},
		{60, 0, true},
		{0, 0, false}, // nothing booked: nothing to compare
		{90, 120 * time.Minute, false},
	} {
		f := p.CheckDuration(tc.booked, in, in.Add(tc.lasted))
		if (f != nil) != tc.flag {
			t.Errorf("booked %d, lasted %s: flag %+v, want %v", tc.booked, tc.lasted, f, tc.flag)
		}
		if f != nil && f.Code != FlagShortVisit {
			t.Errorf("code %s", f.Code)
		}
	}
	if f := p.CheckDuration(60, in, in.Add(10*time.Minute)); f.ZH != "服务 10 分钟，不足预约 60 分钟的 50%" {
		t.Errorf("reason %q", f.ZH)
	}
}

func TestCheckTime(t *testing.T) {
	start := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	p := DefaultPolicy
	for _, tc := range []struct {
		at   time.Time
		flag string
	}{
		{start, ""},
		{start.Add(-2 * time.Hour), ""}, // early within the tolerance
		{end.Add(2 * time.Hour), ""},
		{start.Add(-21 * time.Hour), "签到比预约开始时间早 21.0 小时"},
		{end.Add(3*time.Hour + 30*time.Minute), "签到比预约结束时间晚 3.5 小时"},
	} {
		f := p.CheckTime(start, end, tc.at)
		got := ""
		if f != nil {
			got = f.ZH
			if f.Code != FlagOffTime || f.EN == "" {
				t.Errorf("flag %+v", f)
			}
		}
		if got != tc.flag {
			t.Errorf("at %s: %q, want %q", tc.at, got, tc.flag)
		}
	}
}
