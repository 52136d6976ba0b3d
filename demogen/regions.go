package demogen

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/yanglao/yanglao"
)

// Radii (km) people are spread over around a centre, by what the centre is the
// centre of. An urban community is a few blocks; a rural administrative village
// spreads over its hamlets (自然村); a township's centre stands in for its
// villages when they have no coordinates, and so on up (demo choices).
const (
	radiusUrbanVillage = 0.6
	radiusRuralVillage = 1.5
	radiusTownship     = 4
	radiusCounty       = 12
	radiusCity         = 30
	radiusProvince     = 100
)

// leaf is a place people live in: a village or community, or a township that
// has no villages in the data (the national tree stops at townships outside
// Hunan and Tancheng).
type leaf struct {
	region  *yanglao.Region
	town    *yanglao.Region // the township (itself for a township leaf)
	urban   bool
	lng     float64 // centre people are spread around; hasXY false when no ancestor has one
	lat     float64
	radius  float64 // km
	hasXY   bool
	address string // prefix of the street address: the village's or township's name
}

// place is the county's subtree prepared for drawing residences.
type place struct {
	county  *yanglao.Region
	leaves  []leaf
	cum     []float64 // cumulative weights of leaves
	minor   []string  // minorities drawn from
	minorP  float64   // share of minorities
	region6 string
}

// newPlace picks the county and its subtree out of regions (which may hold
// anything else too) and prepares the leaves. Ancestors of the county in
// regions serve as fallback centres.
func newPlace(regions []*yanglao.Region, countyCode string, seed uint64) (*place, error) {
	byCode := make(map[string]*yanglao.Region, len(regions))
	children := map[string][]*yanglao.Region{}
	for _, r := range regions {
		byCode[r.Code] = r
	}
	county := byCode[countyCode]
	if county == nil {
		return nil, yanglao.Invalid("county", "区划 %s 不在区划数据中 (region %s is not in the region data)", countyCode, countyCode)
	}
	if county.Level != yanglao.LevelCounty || county.Placeholder {
		return nil, yanglao.Invalid("county", "%s %s 不是县级区划 (%s %s is not a county-level region)", county.Code, county.Name, county.Code, county.Name)
	}
	// Only the subtree: children of the county and of its townships, found by
	// parent code (a code prefix is not a subtree test, DESIGN §4).
	for _, r := range regions {
		if r.ParentCode == "" {
			continue
		}
		if p := byCode[r.ParentCode]; p != nil && (p == county || p.ParentCode == county.Code) {
			children[r.ParentCode] = append(children[r.ParentCode], r)
		}
	}
	for _, c := range children {
		slices.SortFunc(c, func(a, b *yanglao.Region) int { return strings.Compare(a.Code, b.Code) })
	}
	var ancestors []*yanglao.Region // nearest first
	for p := byCode[county.ParentCode]; p != nil; p = byCode[p.ParentCode] {
		ancestors = append(ancestors, p)
	}

	pl := &place{county: county, region6: county.Code[:6]}
	pl.minor, pl.minorP = minorities(county, ancestors)

	// Fallback centre for a township: its own, else the county's, else an ancestor's.
	upper := func(town *yanglao.Region) (lng, lat, radius float64, ok bool) {
		if town.Lng != nil {
			return *town.Lng, *town.Lat, radiusTownship, true
		}
		if county.Lng != nil {
			return *county.Lng, *county.Lat, radiusCounty, true
		}
		for _, a := range ancestors {
			if a.Lng != nil && !a.Placeholder {
				r := radiusCity
				if a.Level == yanglao.LevelProvince {
					r = radiusProvince
				}
				return *a.Lng, *a.Lat, float64(r), true
			}
		}
		return 0, 0, 0, false
	}

	// Leaf weights: each village 0.5–1.5 (fixed by the seed, so villages differ
	// in size); a township without villages counts as many villages as the
	// county's townships have on average. Villages named …虚拟社区 (NBS units for
	// the residents of farms, parks and prisons) get a fifth.
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	towns := []*yanglao.Region{}
	villages := 0
	for _, t := range children[county.Code] {
		if t.Level == yanglao.LevelTownship && !t.Placeholder {
			towns = append(towns, t)
			villages += len(children[t.Code])
		}
	}
	perTown := 1.0
	if len(towns) > 0 && villages > 0 {
		perTown = max(1, float64(villages)/float64(len(towns)))
	}
	var total float64
	add := func(l leaf, w float64) {
		total += w
		pl.leaves = append(pl.leaves, l)
		pl.cum = append(pl.cum, total)
	}
	for _, t := range towns {
		tLng, tLat, tR, tOK := upper(t)
		townUrban := strings.HasSuffix(t.Name, "街道") || strings.HasSuffix(t.Name, "街道办事处")
		vs := children[t.Code]
		if len(vs) == 0 {
			add(leaf{region: t, town: t, urban: townUrban, lng: tLng, lat: tLat, radius: tR, hasXY: tOK, address: t.Name},
				perTown*(0.5+rng.Float64()))
			continue
		}
		for _, v := range vs {
			urban := townUrban
			if v.URCode != "" {
				urban = v.URCode[0] == '1' // 1xx 城镇, 2xx 乡村 (统计用城乡划分代码)
			}
			l := leaf{region: v, town: t, urban: urban, lng: tLng, lat: tLat, radius: tR, hasXY: tOK, address: v.Name}
			if v.Lng != nil {
				l.lng, l.lat, l.radius, l.hasXY = *v.Lng, *v.Lat, radiusRuralVillage, true
				if urban {
					l.radius = radiusUrbanVillage
				}
			}
			w := 0.5 + rng.Float64()
			if strings.Contains(v.Name, "虚拟") {
				w /= 5
			}
			add(l, w)
		}
	}
	if len(pl.leaves) == 0 { // a county without townships in the data
		lng, lat, r, ok := upper(county)
		if county.Lng != nil {
			r = radiusCounty
		}
		add(leaf{region: county, town: county, lng: lng, lat: lat, radius: r, hasXY: ok, address: county.Name}, 1)
	}
	return pl, nil
}

// pick draws a leaf by weight.
func (pl *place) pick(r *rand.Rand) *leaf {
	x := r.Float64() * pl.cum[len(pl.cum)-1]
	i, _ := slices.BinarySearch(pl.cum, x)
	return &pl.leaves[min(i, len(pl.leaves)-1)]
}

// minorities returns which nationalities other than 汉族 live in the county and
// their share: those named by the nearest autonomous area (the county itself
// or its prefecture), else the province's larger minorities.
func minorities(county *yanglao.Region, ancestors []*yanglao.Region) ([]string, float64) {
	for _, r := range append([]*yanglao.Region{county}, ancestors...) {
		if ns := autonomousNationalities(r.Name); len(ns) > 0 {
			return ns, autonomousMinorityShare
		}
	}
	if ms := minoritiesByProvince[county.Code[:2]]; ms != nil {
		return ms, minorityShare
	}
	return nationalMinorities, minorityShare
}

// jitter returns a point within radius km of (lng, lat), denser towards the
// centre (distance uniform in [0, radius)), rounded to 6 decimals (~0.1 m).
func jitter(r *rand.Rand, lng, lat, radius float64) (float64, float64) {
	d := radius * r.Float64()
	theta := 2 * math.Pi * r.Float64()
	dLat := d * math.Sin(theta) / kmPerDegLat
	dLng := d * math.Cos(theta) / (kmPerDegLat * math.Cos(lat*math.Pi/180))
	return round6(lng + dLng), round6(lat + dLat)
}

const kmPerDegLat = 111.2 // mean; the tests measure with the haversine formula

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// distanceKm is the great-circle distance (haversine, mean Earth radius).
func distanceKm(lng1, lat1, lng2, lat2 float64) float64 {
	const earth = 6371.0088
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earth * math.Asin(math.Sqrt(a))
}
