package dispatch

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDistanceM(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want, tol              float64
	}{
		{"same point", 25.77, 113.01, 25.77, 113.01, 0, 0.001},
		// One degree of latitude is 111.2 km on the mean sphere.
		{"one degree north", 25, 113, 26, 113, 111_195, 5},
		// Along a parallel a degree shrinks with cos(latitude).
		{"one degree east at 60N", 60, 10, 60, 11, 55_597, 60},
		// 郴州 to 长沙 city centres, about 273 km as the crow flies.
		{"Chenzhou to Changsha", 25.7706, 113.0146, 28.2282, 112.9388, 273_400, 2_000},
		{"antipodes", 0, 0, 0, 180, math.Pi * earthRadiusM, 1},
	} {
		got := DistanceM(tc.lat1, tc.lng1, tc.lat2, tc.lng2)
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: %.1f m, want %.1f ± %.1f", tc.name, got, tc.want, tc.tol)
		}
		if back := DistanceM(tc.lat2, tc.lng2, tc.lat1, tc.lng1); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: not symmetric: %f vs %f", tc.name, got, back)
		}
	}
}

func TestRank(t *testing.T) {
	home := Prefs{HomeLat: 25.77, HomeLng: 113.01}
	// Points due north of home at 0.001°, 0.002° … (≈111 m apart).
	at := func(id int64, sex string, steps float64) Candidate {
		return Candidate{ID: id, Sex: sex, Lat: 25.77 + steps*0.001, Lng: 113.01}
	}
	cands := []Candidate{at(1, "F", 5), at(2, "M", 1), at(3, "F", 3), at(4, "F", 1), at(5, "M", 9)}
	ids := func(rs []Ranked) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		p    func(Prefs) Prefs
		want []int64
	}{
		{"nearest first, ties by id", func(p Prefs) Prefs { return p }, []int64{2, 4, 3, 1, 5}},
		{"only women", func(p Prefs) Prefs { p.Sex = "F"; return p }, []int64{4, 3, 1}},
		{"only men", func(p Prefs) Prefs { p.Sex = "M"; return p }, []int64{2, 5}},
		{"limit 2", func(p Prefs) Prefs { p.Limit = 2; return p }, []int64{2, 4}},
		{"within 400 m", func(p Prefs) Prefs { p.MaxM = 400; return p }, []int64{2, 4, 3}},
		{"women within 400 m, limit 1", func(p Prefs) Prefs { p.Sex, p.MaxM, p.Limit = "F", 400, 1; return p }, []int64{4}},
		{"nobody that close", func(p Prefs) Prefs { p.MaxM = 50; return p }, nil},
	} {
		got := ids(Rank(cands, tc.p(home)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := Rank(nil, home); len(got) != 0 {
		t.Errorf("no candidates: %v", got)
	}
}

// TestRankLimitMatchesFullSort: the bounded buffer gives the same head as sorting everything.
func TestRankLimitMatchesFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cands := make([]Candidate, 5000)
	for i := range cands {
		cands[i] = Candidate{ID: int64(i + 1), Lat: 25.6 + r.Float64()*0.4, Lng: 112.8 + r.Float64()*0.4}
	}
	p := Prefs{HomeLat: 25.77, HomeLng: 113.01}
	all := Rank(cands, p)
	p.Limit = 25
	head := Rank(cands, p)
	if len(head) != 25 || !slices.Equal(head, all[:25]) {
		t.Fatalf("limited rank differs from the full sort's head")
	}
	for i := 1; i < len(all); i++ {
		if all[i].DistanceM < all[i-1].DistanceM {
			t.Fatalf("not ordered at %d", i)
		}
	}
}

// TestBox: every point at the radius, in any direction, lies inside the box.
func TestBox(t *testing.T) {
	for _, c := range []struct{ lat, lng, r float64 }{{25.77, 113.01, 3000}, {53.5, 122.3, 48000}, {18.2, 109.5, 12000}, {-33.9, 151.2, 5000}} {
		latLo, latHi, lngLo, lngHi := Box(c.lat, c.lng, c.r)
		for deg := 0.0; deg < 360; deg += 5 {
			// Walk out from the centre along a bearing until the distance reaches r.
			b := deg * math.Pi / 180
			lo, hi := 0.0, 2.0
			for range 60 {
				mid := (lo + hi) / 2
				if DistanceM(c.lat, c.lng, c.lat+mid*math.Cos(b), c.lng+mid*math.Sin(b)) < c.r {
					lo = mid
				} else {
					hi = mid
				}
			}
			pl, pg := c.lat+lo*math.Cos(b), c.lng+lo*math.Sin(b)
			if pl < latLo || pl > latHi || pg < lngLo || pg > lngHi {
				t.Errorf("%+v bearing %.0f: point (%f, %f) outside box [%f,%f]x[%f,%f]", c, deg, pl, pg, latLo, latHi, lngLo, lngHi)
			}
		}
	}
}
