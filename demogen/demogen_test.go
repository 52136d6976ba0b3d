package demogen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/regiondata"
)

var allRegions = sync.OnceValues(regiondata.All)

func regions(t testing.TB) []*yanglao.Region {
	t.Helper()
	rs, err := allRegions()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

var asOf = yanglao.Date{Year: 2026, Month: time.January, Day: 1}

func newGen(t testing.TB, county string, seed uint64) *Generator {
	t.Helper()
	g, err := New(regions(t), county, Options{Seed: seed, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// writePerson writes everything generated about p, in a fixed order.
func writePerson(h hash.Hash, p *Person) {
	fmt.Fprintf(h, "%s|%s|%s|%s|%s|%s|%s|%s|%v|%s|%d|%s|%v|%s|%s|%s|%d|%v|%d\n",
		p.Name, p.Sex, p.BirthDate, p.IDNumber, p.Ethnicity, p.ResidenceCode, p.HouseholdCode, p.Address,
		p.Phones, p.Living, p.DisabilityGrade, p.DisabilityCert, p.Chronic, p.Life, p.DeathDate, p.MovedOutDate,
		p.Capability, p.Dementia, len(p.Contacts))
	if p.Lng != nil {
		fmt.Fprintf(h, "xy %.6f %.6f\n", *p.Lng, *p.Lat)
	}
	for _, c := range p.Contacts {
		fmt.Fprintf(h, "c %s %s %s\n", c.Name, c.Relation, c.Phone)
	}
	if p.Guardian != nil {
		fmt.Fprintf(h, "g %s %s %s\n", p.Guardian.Name, p.Guardian.Relation, p.Guardian.Phone)
	}
	for _, s := range p.Statuses {
		fmt.Fprintf(h, "s %s %s %s %s %s\n", s.Kind, s.Source, s.Start, s.End, s.Note)
	}
	if a := p.Assessment; a != nil {
		fmt.Fprintf(h, "a %s %s %s %d %v %v %v %d\n", a.Date, a.Place, a.Assessor, a.Grade, a.Adjustments.Coma, a.Adjustments.Dementia,
			a.Adjustments.MentalDisorder, len(a.Adjustments.RiskEvents))
		for _, it := range items {
			fmt.Fprintf(h, "%d,", a.Answers[it.code])
		}
		for _, e := range a.Adjustments.RiskEvents {
			fmt.Fprintf(h, "%s %s,", e.Kind, e.Date.Format(time.DateOnly))
		}
	}
}

func hashPeople(g *Generator, n int) string {
	h := sha256.New()
	for p := range g.People(n) {
		writePerson(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	const n = 20_000
	a := hashPeople(newGen(t, "431002", 7), n)
	g := newGen(t, "431002000000", 7) // 6 or 12 digits, a new generator
	if b := hashPeople(g, n); b != a {
		t.Errorf("same seed, new generator: hash %s, want %s", b, a)
	}
	if b := hashPeople(g, n); b != a {
		t.Errorf("same generator iterated twice: hash %s, want %s", b, a)
	}
	if b := hashPeople(newGen(t, "431002", 8), n); b == a {
		t.Error("seeds 7 and 8 gave the same people")
	}
	// A smaller run is a prefix of a larger one.
	if small, big := hashPeople(g, 1000), func() string {
		h := sha256.New()
		i := 0
		for p := range g.People(n) {
			if i == 1000 {
				break
			}
			writePerson(h, p)
			i++
		}
		return hex.EncodeToString(h.Sum(nil))
	}(); small != big {
		t.Error("the first 1000 of 20000 differ from a run of 1000")
	}
	// Other days give other people (ages are reckoned on AsOf).
	g2, err := New(regions(t), "431002", Options{Seed: 7, AsOf: asOf.AddDays(1)})
	if err != nil {
		t.Fatal(err)
	}
	if hashPeople(g2, 100) == hashPeople(g, 100) {
		t.Error("AsOf does not change the people")
	}
}

// population is the tally of one 100,000-person run.
type population struct {
	n                        int
	band                     [len(ageBands)]int
	age80                    int
	living                   map[string]int
	status                   map[string]int // people with an open or closed status of the kind
	disabledOrDementia, semi int
	female, han, noPhone     int
	assessed, urban          int
	grades                   [5]int
	deceased, movedOut       int
	withXY                   int
}

const popSize = 100_000

// check validates every person of g and tallies them.
func check(t *testing.T, g *Generator, n int) *population {
	t.Helper()
	byCode := map[string]*yanglao.Region{}
	for _, r := range regions(t) {
		byCode[r.Code] = r
	}
	leafOf := map[string]*leaf{}
	for i := range g.pl.leaves {
		leafOf[g.pl.leaves[i].region.Code] = &g.pl.leaves[i]
	}
	inCounty := func(code string) bool {
		for r := byCode[code]; r != nil; r = byCode[r.ParentCode] {
			if r.Code == g.County().Code {
				return true
			}
		}
		return false
	}
	on := asOf
	now := asOf.Time().Add(12 * time.Hour)
	ids := make(map[string]bool, n)
	pop := &population{living: map[string]int{}, status: map[string]int{}}
	fails := 0
	fail := func(p *Person, format string, args ...any) {
		t.Helper()
		if fails++; fails <= 20 {
			t.Errorf("%s %s: %s", p.Name, p.IDNumber, fmt.Sprintf(format, args...))
		}
	}
	for p := range g.People(n) {
		pop.n++
		id, err := idcard.ParseAt(p.IDNumber, now, nil)
		if err != nil {
			fail(p, "invalid ID: %v", err)
			continue
		}
		if id.Region6() != g.County().Code[:6] {
			fail(p, "ID issued in %s, not the county", id.Region6())
		}
		if ids[p.IDNumber] {
			fail(p, "ID given twice")
		}
		ids[p.IDNumber] = true
		y, m, d := id.BirthDate()
		if (yanglao.Date{Year: y, Month: m, Day: d}) != p.BirthDate || string(id.Sex()) != p.Sex {
			fail(p, "birth date %s / sex %s do not match the ID", p.BirthDate, p.Sex)
		}
		age := yanglao.AgeOn(p.BirthDate, on)
		if age < 60 || age > 104 {
			fail(p, "age %d", age)
		}
		for i, b := range ageBands {
			if age >= b.lo && age <= b.hi {
				pop.band[i]++
			}
		}
		if age >= 80 {
			pop.age80++ // 高龄 is derived from age, not a status
		}
		if !inCounty(p.ResidenceCode) || !inCounty(p.HouseholdCode) {
			fail(p, "residence %s or household %s outside the county", p.ResidenceCode, p.HouseholdCode)
		}
		if p.CountyCode != g.County().Code {
			fail(p, "county code %s", p.CountyCode)
		}
		l := leafOf[p.ResidenceCode]
		if l == nil {
			fail(p, "residence %s is not a village or township of the county", p.ResidenceCode)
			continue
		}
		if l.urban {
			pop.urban++
		}
		if (p.Lng != nil) != l.hasXY {
			fail(p, "coordinates given: %v, centre known: %v", p.Lng != nil, l.hasXY)
		}
		if p.Lng != nil {
			pop.withXY++
			if dist := distanceKm(l.lng, l.lat, *p.Lng, *p.Lat); dist > l.radius*1.01+0.001 {
				fail(p, "%.2f km from the centre of %s, radius %.1f km", dist, l.region.Name, l.radius)
			}
		}
		cp := *p.Person
		if err := cp.ValidateFields(); err != nil {
			fail(p, "ValidateFields: %v", err)
		}
		if len(p.Phones) == 0 {
			pop.noPhone++
		}
		for _, ph := range p.Phones {
			if len(ph) != 11 || ph[0] != '1' || ph[1] < '3' {
				fail(p, "phone %q", ph)
			}
		}
		if p.Sex == "F" {
			pop.female++
		}
		if p.Ethnicity == "汉族" {
			pop.han++
		}
		pop.living[p.Living]++
		switch p.Life {
		case yanglao.Deceased:
			pop.deceased++
		case yanglao.MovedOut:
			pop.movedOut++
		}
		if p.Living == "institution" && hasStatus(p, "tekun_dispersed") || p.Living != "institution" && hasStatus(p, "tekun_centralised") {
			fail(p, "特困 support does not match living %s", p.Living)
		}
		if (hasStatus(p, "tekun_dispersed") || hasStatus(p, "tekun_centralised")) && hasOpenStatus(p, "dibao") {
			fail(p, "特困 and 低保 together")
		}
		if hasStatus(p, "left_behind") && (l.urban || p.Living != "alone" && p.Living != "empty_nest") {
			fail(p, "留守 but urban=%v living=%s", l.urban, p.Living)
		}
		if hasStatus(p, "severe_disability") != (p.DisabilityGrade == 1 || p.DisabilityGrade == 2) {
			fail(p, "重度残疾 status and certificate grade %d disagree", p.DisabilityGrade)
		}
		seen := map[string]bool{}
		for _, s := range p.Statuses {
			if err := s.Validate(); err != nil {
				fail(p, "status %s: %v", s.Kind, err)
			}
			if s.Start.Before(p.BirthDate) || s.Start.After(on) || !s.End.IsZero() && s.End.After(on) {
				fail(p, "status %s runs %s–%s", s.Kind, s.Start, s.End)
			}
			if p.Life != yanglao.Alive && s.End.IsZero() {
				fail(p, "open status %s after %s", s.Kind, p.Life)
			}
			if !seen[s.Kind] {
				pop.status[s.Kind]++
			}
			seen[s.Kind] = true
		}
		dis, dem := hasStatus(p, "disabled"), hasStatus(p, "dementia")
		if (dis || dem) != (p.Capability == Disabled) || dem != p.Dementia {
			fail(p, "statuses disabled=%v dementia=%v, capability %d dementia %v", dis, dem, p.Capability, p.Dementia)
		}
		switch p.Capability {
		case Disabled:
			pop.disabledOrDementia++
		case SemiDisabled:
			pop.semi++
		}
		if a := p.Assessment; a != nil {
			pop.assessed++
			pop.grades[a.Grade]++
			res, err := assess.Score(a.Answers, a.Adjustments)
			if err != nil {
				fail(p, "assessment does not score: %v", err)
				continue
			}
			if res.FinalGrade != a.Grade {
				fail(p, "assessment scores %v (total %d), want %v", res.FinalGrade, res.Total, a.Grade)
			}
			var lo, hi assess.Grade
			switch {
			case dis:
				lo, hi = assess.SeverelyImpaired, assess.CompletelyLost // 失能: 3–4
			case dem:
				lo, hi = assess.ModeratelyImpaired, assess.SeverelyImpaired
			case p.Capability == SemiDisabled:
				lo, hi = assess.MildlyImpaired, assess.ModeratelyImpaired
			}
			if a.Grade < lo || a.Grade > hi {
				fail(p, "grade %v, want %v–%v for capability %d dementia %v", a.Grade, lo, hi, p.Capability, p.Dementia)
			}
			if a.Adjustments.Dementia != p.Dementia {
				fail(p, "dementia adjustment %v", a.Adjustments.Dementia)
			}
			if a.Date.After(on) || a.Date.Before(on.AddDays(-550)) {
				fail(p, "assessed on %s", a.Date)
			}
			rec := a.Record(1)
			if err := rec.Validate(on); err != nil {
				fail(p, "Record: %v", err)
			} else if err := rec.Score(); err != nil || rec.FinalGrade != a.Grade {
				fail(p, "Record scores %v, %v; want %v", rec.FinalGrade, err, a.Grade)
			}
		}
	}
	if pop.n != n {
		t.Errorf("generated %d people, want %d", pop.n, n)
	}
	return pop
}

func hasStatus(p *Person, kind string) bool {
	for _, s := range p.Statuses {
		if s.Kind == kind {
			return true
		}
	}
	return false
}

func hasOpenStatus(p *Person, kind string) bool {
	for _, s := range p.Statuses {
		if s.Kind == kind && (s.End.IsZero() || p.Life != yanglao.Alive) {
			return true
		}
	}
	return false
}

func TestPopulation(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 people")
	}
	g := newGen(t, "431002", DefaultSeed) // 郴州市北湖区: villages with coordinates
	pop := check(t, g, popSize)
	n := float64(pop.n)
	share := func(k int) float64 { return 100 * float64(k) / n }
	within := func(name string, got, want, tol float64) {
		t.Helper()
		if got < want-tol || got > want+tol {
			t.Errorf("%s: %.2f %%, want %.2f ± %.2f", name, got, want, tol)
		} else {
			t.Logf("%s: %.2f %% (want %.2f ± %.2f)", name, got, want, tol)
		}
	}
	var total float64
	for _, b := range ageBands {
		total += b.weight
	}
	for i, b := range ageBands {
		within(fmt.Sprintf("age %d–%d", b.lo, b.hi), share(pop.band[i]), 100*b.weight/total, 0.6)
	}
	within("80+ (高龄, census 13.6 %)", share(pop.age80), 13.56, 0.6)
	within("空巢 (alone + couple, Xiangtan 55 %)", share(pop.living["alone"]+pop.living["empty_nest"]), 55, 2)
	within("独居", share(pop.living["alone"]), 13.9, 1)
	within("失能失智 (Xiangtan 3 %)", share(pop.disabledOrDementia), 3, 0.5)
	within("半失能 (Xiangtan 14 %)", share(pop.semi), 14, 1)
	within("特困", share(pop.status["tekun_dispersed"]+pop.status["tekun_centralised"]), 1.28, 0.3)
	within("重度残疾", share(pop.status["severe_disability"]), 2.1, 0.5)
	within("优抚对象", share(pop.status["veteran"]), 1.5, 0.4)
	within("老党员", share(pop.status["old_party_member"]), 8, 1)
	within("women", share(pop.female), 52, 1.5)
	within("汉族", share(pop.han), 96, 1)
	within("deceased", share(pop.deceased), 0.8, 0.3)
	urban := float64(pop.urban) / n
	within("低保 (open or ended)", share(pop.status["dibao"]), 100*(urban*rateDibaoUrban+(1-urban)*rateDibaoRural)+2, 1)
	if pop.status["left_behind"] == 0 || pop.status["special_family"] == 0 || pop.status["low_income"] == 0 {
		t.Errorf("missing statuses: %v", pop.status)
	}
	within("no phone", share(pop.noPhone), 14, 4)
	if pop.withXY < pop.n*9/10 {
		t.Errorf("only %d of %d people have coordinates in 北湖区", pop.withXY, pop.n)
	}
	for gr, k := range pop.grades {
		if k == 0 {
			t.Errorf("no assessment of grade %d", gr)
		}
	}
	t.Logf("assessed %.1f %%, grades %v, urban %.1f %%, statuses %v", share(pop.assessed), pop.grades, 100*urban, pop.status)
}

func TestOtherCounties(t *testing.T) {
	for _, tc := range []struct {
		county   string
		xy       bool   // coordinates
		minority string // a nationality that must appear
	}{
		{"110101", false, ""},      // 北京市东城区: townships only, no coordinates
		{"371322", true, ""},       // 郯城县: villages with coordinates
		{"433101", true, "土家族"},    // 吉首市 in 湘西土家族苗族自治州
		{"431129", true, "瑶族"},     // 江华瑶族自治县
		{"440305", false, ""},      // 深圳市南山区
		{"431021000000", true, ""}, // 桂阳县, 12 digits
	} {
		t.Run(tc.county, func(t *testing.T) {
			g := newGen(t, tc.county, 1)
			pop := check(t, g, 5000)
			if got := pop.withXY > 0; got != tc.xy {
				t.Errorf("coordinates: %v, want %v", got, tc.xy)
			}
			if tc.minority != "" {
				found := 0
				for p := range g.People(2000) {
					if p.Ethnicity == tc.minority {
						found++
					}
				}
				if found < 100 {
					t.Errorf("%s: %d of 2000, want many in an autonomous area", tc.minority, found)
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct{ county, want string }{
		{"999999", "不在区划数据中"},
		{"431002001000", "不是县级区划"}, // a township
		{"110100", "不是县级区划"},       // 市辖区, a city-level placeholder
		{"43100", "6位或12位"},
	} {
		_, err := New(regions(t), tc.county, Options{AsOf: asOf})
		if err == nil || !strings.Contains(err.Error(), tc.want) || yanglao.ErrorCode(err) != yanglao.EINVALID {
			t.Errorf("New(%s): %v, want EINVALID with %q", tc.county, err, tc.want)
		}
	}
	if _, err := New(regions(t), "431002", Options{}); err == nil {
		t.Error("New without AsOf: no error")
	}
}

func TestAutonomousNationalities(t *testing.T) {
	for name, want := range map[string]string{
		"湘西土家族苗族自治州":      "土家族 苗族",
		"江华瑶族自治县":         "瑶族",
		"黔东南苗族侗族自治州":      "苗族 侗族",
		"新疆维吾尔自治区":        "",
		"伊犁哈萨克自治州":        "",
		"北湖区":             "",
		"城步苗族自治县":         "苗族",
		"海西蒙古族藏族自治州":      "蒙古族 藏族",
		"双江拉祜族佤族布朗族傣族自治县": "拉祜族 佤族 布朗族 傣族",
	} {
		if got := strings.Join(autonomousNationalities(name), " "); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// Every grade, with and without each adjustment, scores as intended.
func TestNewAssessment(t *testing.T) {
	for _, tc := range []struct {
		final                assess.Grade
		dementia, risk, coma bool
	}{
		{assess.Intact, false, false, false},
		{assess.MildlyImpaired, false, false, false},
		{assess.ModeratelyImpaired, false, false, false},
		{assess.ModeratelyImpaired, false, true, false},
		{assess.ModeratelyImpaired, true, false, false},
		{assess.SeverelyImpaired, false, false, false},
		{assess.SeverelyImpaired, true, true, false},
		{assess.CompletelyLost, false, false, false},
		{assess.CompletelyLost, true, false, false},
		{assess.CompletelyLost, false, true, false},
		{assess.CompletelyLost, false, false, true},
	} {
		for seed := range uint64(300) {
			r := rand.New(rand.NewPCG(seed, 1))
			a := newAssessment(r, asOf, tc.final, tc.dementia, tc.risk, tc.coma)
			res, err := assess.Score(a.Answers, a.Adjustments)
			if err != nil {
				t.Fatalf("%+v seed %d: %v", tc, seed, err)
			}
			if res.FinalGrade != tc.final || a.Grade != tc.final {
				t.Fatalf("%+v seed %d: scores %v (total %d), want %v", tc, seed, res.FinalGrade, res.Total, tc.final)
			}
			if !tc.coma && a.Answers["B.3.9"] == 0 {
				t.Fatalf("%+v seed %d: B.3.9 scores 0 (coma) without a coma", tc, seed)
			}
		}
	}
}

func BenchmarkPeople(b *testing.B) {
	g := newGen(b, "431002", DefaultSeed)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for range g.People(10_000) {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "people/s")
}
