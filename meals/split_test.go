package meals

import "testing"

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Terms
		want Shares
	}{
		{"nobody helps", Terms{Price: 1200}, Shares{Person: 1200}},
		{"all five, room for all", Terms{Price: 1200, Enterprise: 100, Collective: 100, Social: 100, Government: 500, MinPersonal: 100},
			Shares{Person: 400, Enterprise: 100, Collective: 100, Social: 100, Government: 500}},
		{"government capped by what is left", Terms{Price: 800, Enterprise: 100, Collective: 100, Social: 100, Government: 800},
			Shares{Person: 0, Enterprise: 100, Collective: 100, Social: 100, Government: 500}},
		{"minimum personal keeps the person paying", Terms{Price: 800, Government: 800, MinPersonal: 200},
			Shares{Person: 200, Government: 600}},
		{"minimum above the price: the person pays the price", Terms{Price: 150, Government: 500, MinPersonal: 200},
			Shares{Person: 150}},
		{"discount larger than the price", Terms{Price: 300, Enterprise: 500, Government: 200},
			Shares{Enterprise: 300}},
		{"donations before the subsidy", Terms{Price: 1000, Social: 600, Government: 600},
			Shares{Social: 600, Government: 400}},
		{"one fen", Terms{Price: 1, Enterprise: 1, Government: 1}, Shares{Enterprise: 1}},
		{"odd fen stay whole", Terms{Price: 999, Enterprise: 333, Collective: 333, Government: 333}, Shares{Enterprise: 333, Collective: 333, Government: 333}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Split(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Split(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.Total() != tc.in.Price {
				t.Errorf("shares add up to %d, price %d", got.Total(), tc.in.Price)
			}
		})
	}
	for _, bad := range []Terms{{Price: 0}, {Price: -5}, {Price: 100, Government: -1}, {Price: 100, MinPersonal: -1}, {Price: 100, Social: -3}} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%+v): no error", bad)
		}
	}
}

// TestSplitInvariants sweeps a grid: the shares always add up to the price and
// none is negative or above what was offered.
func TestSplitInvariants(t *testing.T) {
	vals := []int64{0, 1, 50, 299, 300, 301, 1000, 5000}
	for _, price := range []int64{1, 2, 300, 999, 1500, 2500} {
		for _, e := range vals {
			for _, c := range vals {
				for _, g := range vals {
					for _, m := range []int64{0, 100, 3000} {
						in := Terms{Price: price, Enterprise: e, Collective: c, Social: e / 2, Government: g, MinPersonal: m}
						s, err := Split(in)
						if err != nil {
							t.Fatal(err)
						}
						if s.Total() != price || s.Person < 0 || s.Enterprise < 0 || s.Collective < 0 || s.Social < 0 || s.Government < 0 ||
							s.Enterprise > e || s.Collective > c || s.Social > e/2 || s.Government > g || s.Person < min(m, price) {
							t.Fatalf("Split(%+v) = %+v", in, s)
						}
						v, err := s.PayByVoucher(s.Person / 2)
						if err != nil || v.Total() != price || v.Person < 0 {
							t.Fatalf("voucher on %+v: %+v %v", s, v, err)
						}
					}
				}
			}
		}
	}
	if _, err := (Shares{Person: 100}).PayByVoucher(101); err == nil {
		t.Error("a voucher paid more than the personal share")
	}
	if _, err := (Shares{Person: 100}).PayByVoucher(-1); err == nil {
		t.Error("a negative voucher was accepted")
	}
}
