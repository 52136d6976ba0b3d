// Package demogen generates a realistic demo population of older people (60+)
// for one county of the region tree: valid citizen IDs issued in the county,
// ages following the 2020 census, policy statuses at published or plausible
// rates, residences in the county's villages with coordinates near their
// centres, and capability assessments consistent with the statuses. It is
// pure: no I/O and no SQL. People are yielded one at a time, so a million
// never sit in memory together.
//
// The output is a function of the regions, the county, Options.Seed,
// Options.AsOf and the person's index only: the same inputs give the same
// people, and the first n people of a larger run are the n people of a
// smaller one. Rates and their sources are in rates.go.
//
//	g, err := demogen.New(regions, "431002000000", demogen.Options{Seed: demogen.DefaultSeed, AsOf: day})
//	for p := range g.People(100_000) {
//		// p.Person is a *yanglao.Person with Statuses; p.Assessment is nil or answers for assess.Score
//	}
package demogen

import (
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	"github.com/yanglao/yanglao/idcard"
)

// DefaultSeed is the seed the demo uses unless told otherwise: the census day.
const DefaultSeed = 20201101

// MaxPeople bounds one run. Citizen IDs are unique per county, birth date and
// sequence code (500 per sex and day), which is far more than this needs.
const MaxPeople = 10_000_000

// Options adjusts a Generator.
type Options struct {
	Seed uint64
	// AsOf is the day ages are reckoned on and status and assessment dates are
	// drawn before. Required. Callers that want the same people whenever they
	// run pick a fixed day (the demo command uses 1 January of the current year).
	AsOf yanglao.Date
}

// Capability is the latent truth the 失能/失智 statuses and the assessments follow.
type Capability int

const (
	Intact       Capability = iota // no status; assessed 能力完好
	SemiDisabled                   // 半失能: assessed 轻度 or 中度受损 (grade 1–2)
	Disabled                       // 失能 or 失智 (status disabled and/or dementia)
)

// Person is one generated older person.
type Person struct {
	// The record for the register, with its Statuses (PersonID 0). IDNumber,
	// Sex and BirthDate agree; CountyCode is set, ResidencePath is left to the
	// register. A new value for every person: keep it as long as you like.
	*yanglao.Person
	Capability Capability
	Dementia   bool        // 失智 (with or without 失能)
	Assessment *Assessment // nil when not assessed
}

// Generator yields the people of one county. It is safe for concurrent use;
// each call of People starts afresh.
type Generator struct {
	opt       Options
	pl        *place
	bandCum   []float64
	disabledP [len(ageBands)]float64
	semiP     [len(ageBands)]float64
	surCum    []float64
	firstDay  int64    // day number of the earliest possible birth date
	assessors []string // the county's assessors
	asOf      time.Time
}

// New prepares a generator for county (6 or 12 digits) from regions, which
// must hold the county and its townships and villages and may hold its
// ancestors (fallback centres for coordinates) and anything else (ignored):
// regiondata.All() will do, or the county's subtree and ancestors from the
// database.
func New(regions []*yanglao.Region, county string, opt Options) (*Generator, error) {
	if len(county) == 6 {
		county += "000000"
	}
	if !yanglao.ValidRegionCode(county) {
		return nil, yanglao.Invalid("county", "县级区划代码应为6位或12位数字 (county code must have 6 or 12 digits): %q", county)
	}
	if opt.AsOf.IsZero() {
		return nil, yanglao.Invalid("as_of", "请给出基准日期 (AsOf is required)")
	}
	pl, err := newPlace(regions, county, opt.Seed)
	if err != nil {
		return nil, err
	}
	g := &Generator{opt: opt, pl: pl, asOf: opt.AsOf.Time()}
	var total, dMean, sMean float64
	for i, b := range ageBands {
		total += b.weight
		g.bandCum = append(g.bandCum, total)
		dMean += b.weight * disabledRisk[i]
		sMean += b.weight * semiRisk[i]
	}
	dMean, sMean = dMean/total, sMean/total
	for i := range ageBands {
		g.disabledP[i] = rateDisabledOrDementia * disabledRisk[i] / dMean
		g.semiP[i] = rateSemiDisabled * semiRisk[i] / sMean
	}
	var s float64
	for _, n := range surnames {
		s += n.w
		g.surCum = append(g.surCum, s)
	}
	g.firstDay = dayNumber(g.asOf.AddDate(-(ageBands[len(ageBands)-1].hi + 2), 0, 0))
	// A county has a handful of assessors (评估员); fixed by the seed.
	st := &state{g: g, pcg: rand.NewPCG(opt.Seed, 0x5eed)}
	st.r = rand.New(st.pcg)
	for i := range 6 {
		g.assessors = append(g.assessors, st.name(i%2 == 1))
	}
	return g, nil
}

// County returns the county the people live in.
func (g *Generator) County() *yanglao.Region { return g.pl.county }

// People yields n people (at most MaxPeople). Stop early by breaking out of the loop.
func (g *Generator) People(n int) iter.Seq[*Person] {
	n = min(n, MaxPeople)
	return func(yield func(*Person) bool) {
		st := &state{
			g:    g,
			pcg:  rand.NewPCG(0, 0),
			used: make([]*[16]uint64, dayNumber(g.asOf)-g.firstDay+1),
		}
		st.r = rand.New(st.pcg)
		for i := range n {
			if !yield(st.person(i)) {
				return
			}
		}
	}
}

// state is one pass over the population: the random source, reseeded for
// every person from (seed, index), and the sequence codes used per birth day.
type state struct {
	g    *Generator
	pcg  *rand.PCG
	r    *rand.Rand
	used []*[16]uint64 // per day since g.firstDay: bit s set when sequence code s is taken
}

func (st *state) person(i int) *Person {
	g, r := st.g, st.r
	st.pcg.Seed(g.opt.Seed, uint64(i)+1)

	// Age band, age, sex, birth date.
	b := pickCum(r, g.bandCum)
	band := ageBands[b]
	age := band.lo + r.IntN(band.hi-band.lo+1)
	if band.lo == 100 {
		age = 100 + min(4, int(r.ExpFloat64()*1.2)) // centenarians thin out fast
	}
	female := r.Float64() < band.female
	birth := st.birthDate(age)
	seq, birth := st.sequence(birth, age, female)
	idNumber := idcard.Generate(g.pl.region6, birth, seq)
	sex := "M"
	if female {
		sex = "F"
	}
	group := 0 // 60–69, 70–79, 80+
	if age >= 80 {
		group = 2
	} else if age >= 70 {
		group = 1
	}

	l := g.pl.pick(r)
	p := &yanglao.Person{
		Name:          st.name(female),
		Sex:           sex,
		BirthDate:     yanglao.DateOf(birth),
		IDNumber:      idNumber,
		Ethnicity:     "汉族",
		ResidenceCode: l.region.Code,
		HouseholdCode: l.region.Code,
		CountyCode:    g.pl.county.Code,
		Life:          yanglao.Alive,
	}
	out := &Person{Person: p}
	if r.Float64() < g.pl.minorP {
		p.Ethnicity = g.pl.minor[r.IntN(len(g.pl.minor))]
	}
	if r.Float64() < rateHouseholdElsewhere && len(g.pl.leaves) > 1 {
		if h := g.pl.pick(r); h != l {
			p.HouseholdCode = h.region.Code
		}
	}
	p.Address = address(r, l)
	if l.hasXY {
		lng, lat := jitter(r, l.lng, l.lat, l.radius)
		p.Lng, p.Lat = &lng, &lat
	}
	if r.Float64() < phoneByAge[group] {
		p.Phones = append(p.Phones, mobile(r))
		if r.IntN(10) == 0 {
			p.Phones = append(p.Phones, mobile(r))
		}
	}

	// Capability: 3 % 失能/失智, 14 % 半失能, by age.
	u := r.Float64()
	dementiaOnly := false
	switch {
	case u < g.disabledP[b]:
		out.Capability = Disabled
		switch v := r.Float64(); {
		case v < shareDementiaOnly:
			out.Dementia, dementiaOnly = true, true
		case v < shareDementiaOnly+shareDementiaAlso:
			out.Dementia = true
		}
	case u < g.disabledP[b]+g.semiP[b]:
		out.Capability = SemiDisabled
	}

	// Living arrangement, then the statuses that depend on it.
	p.Living = pickWeighted(r, livingByAge[group])
	noChild := p.Living == "alone" || p.Living == "empty_nest"

	// Life status: the last day statuses can run to.
	last := g.opt.AsOf
	switch v := r.Float64(); {
	case v < rateDeceased:
		p.Life = yanglao.Deceased
		p.DeathDate = g.opt.AsOf.AddDays(-r.IntN(365))
		last = p.DeathDate
	case v < rateDeceased+rateMovedOut:
		p.Life = yanglao.MovedOut
		p.MovedOutDate = g.opt.AsOf.AddDays(-r.IntN(365))
		p.MovedTo = awayCities[r.IntN(len(awayCities))]
		last = p.MovedOutDate
	}
	status := func(kind, source string, start yanglao.Date) {
		s := &yanglao.Status{Kind: kind, Source: source, Start: start}
		if p.Life != yanglao.Alive {
			s.End = last
		}
		p.Statuses = append(p.Statuses, s)
	}
	// since draws a start date between 30 days and maxYears before last, not
	// before the person turned minAge.
	since := func(maxYears, minAge int) yanglao.Date {
		span := min(maxYears*365, (age-minAge)*365)
		return last.AddDays(-(30 + r.IntN(max(1, span-30))))
	}

	// Assessment first: the 失能/失智 statuses date from it.
	poor := false
	var assessed *Assessment
	wantAssess := func(p float64) bool { return r.Float64() < p }

	// 特困 (exclusive with 低保), 低保, 低收入.
	tekunP := 0.0
	switch p.Living {
	case "alone":
		tekunP = rateTekunAlone
	case "with_others":
		tekunP = rateTekunOthers
	case "institution":
		tekunP = rateTekunInstitution
	}
	dibaoP, lowP := rateDibaoRural, rateLowIncomeRural
	if l.urban {
		dibaoP, lowP = rateDibaoUrban, rateLowIncomeUrban
	}
	switch v := r.Float64(); {
	case v < tekunP:
		poor = true
		if p.Living == "institution" {
			status("tekun_centralised", "县民政局（特困人员认定，集中供养）", since(15, 55))
		} else {
			status("tekun_dispersed", "县民政局（特困人员认定，分散供养）", since(15, 55))
		}
	case r.Float64() < dibaoP:
		poor = true
		status("dibao", "县民政局（最低生活保障）", since(10, 55))
	case r.Float64() < lowP:
		poor = true
		status("low_income", "民政部门低收入人口动态监测", since(5, 58))
	case r.Float64() < 0.02:
		// An earlier 低保 that has ended, for the history.
		start := since(12, 55)
		end := start.AddDays(180 + r.IntN(3*365))
		if !end.Before(last) {
			end = last.AddDays(-1)
		}
		if end.Before(start) {
			end = start
		}
		p.Statuses = append(p.Statuses, &yanglao.Status{Kind: "dibao", Source: "县民政局（最低生活保障）", Start: start, End: end,
			Note: "家庭收入超过保障标准，退出低保"})
	}

	// Assessment, consistent with the capability.
	if p.Life == yanglao.Alive {
		take := false
		switch out.Capability {
		case Disabled:
			take = wantAssess(assessDisabled)
		case SemiDisabled:
			take = wantAssess(assessSemi)
		default:
			take = wantAssess(assessOther) || poor && wantAssess(assessPoor)
		}
		if take {
			assessed = st.assessment(out, dementiaOnly, p.Living)
			out.Assessment = assessed
		}
	}
	if out.Capability == Disabled {
		src, start := "乡镇（街道）摸底排查", since(5, 60)
		if assessed != nil {
			src, start = "老年人能力评估（GB/T 42195-2022）", assessed.Date
		}
		if !dementiaOnly {
			status("disabled", src, start)
		}
		if out.Dementia {
			status("dementia", src, start)
		}
	}

	// 留守: rural, children away.
	if !l.urban && noChild && r.Float64() < rateLeftBehindRuralNoChild {
		status("left_behind", "乡镇（街道）农村留守老年人摸底排查", since(8, 58))
	}
	// Disability certificate; 重度残疾 for grades 1–2.
	certP := rateDisabilityCert / (1 - rateDisabledOrDementia + 4*rateDisabledOrDementia)
	if out.Capability == Disabled {
		certP *= 4
	}
	if r.Float64() < certP {
		p.DisabilityGrade = pickWeighted(r, certGrades)
		cat := pickWeighted(r, certCategories)
		// 第二代残疾人证号 is the citizen ID followed by the category and grade
		// digits. The register keeps this column in clear text, so the demo
		// stores the ID part masked rather than leak the ID through it.
		p.DisabilityCert = idNumber[:3] + "***********" + idNumber[14:] + strconv.Itoa(cat) + strconv.Itoa(p.DisabilityGrade)
		if p.DisabilityGrade <= 2 {
			status("severe_disability", "县残疾人联合会（残疾人证）", since(20, 40))
		}
	}
	if noChild && r.Float64() < rateSpecialFamilyNoChild {
		status("special_family", "县卫生健康局（计划生育特殊家庭）", since(15, 49))
	}
	vet := rateVeteran * 2 * 0.1
	if !female {
		vet = rateVeteran * 2 * 0.9
	}
	if r.Float64() < vet {
		status("veteran", "县退役军人事务局", since(30, 40))
	}
	party := ratePartyMember * 2 * 0.25
	if !female {
		party = ratePartyMember * 2 * 0.75
	}
	if r.Float64() < party {
		status("old_party_member", "县委组织部", since(20, 60))
	}

	// Chronic conditions.
	for _, c := range chronicRates {
		pr := c.w
		if c.v == "脑卒中" && out.Capability == Disabled && !dementiaOnly {
			pr *= 4
		}
		if r.Float64() < pr {
			p.Chronic = append(p.Chronic, c.v)
		}
	}
	if out.Dementia {
		p.Chronic = append(p.Chronic, "阿尔茨海默病")
	}

	// Emergency contact and, for some with dementia, a guardian (意定监护).
	surname := surnameOf(p.Name)
	if r.Float64() < 0.85 {
		p.Contacts = append(p.Contacts, st.contact(surname, p.Living))
	}
	if out.Dementia && r.IntN(2) == 0 {
		c := st.contact(surname, "with_children")
		p.Guardian = &c
	}
	return out
}

// birthDate draws a birth date at which the person is age on AsOf.
func (st *state) birthDate(age int) time.Time {
	asOf := st.g.asOf
	latest := asOf.AddDate(-age, 0, 0)     // birthday today
	earliest := asOf.AddDate(-age-1, 0, 1) // turns age+1 tomorrow
	span := int(dayNumber(latest)-dayNumber(earliest)) + 1
	b := latest.AddDate(0, 0, -st.r.IntN(span))
	// 29 February birthdays count on 1 March in common years (DESIGN §4): nudge
	// the rare date AddDate's normalising put one day off.
	on := yanglao.DateOf(asOf)
	for yanglao.AgeOn(yanglao.DateOf(b), on) < age {
		b = b.AddDate(0, 0, -1)
	}
	for yanglao.AgeOn(yanglao.DateOf(b), on) > age {
		b = b.AddDate(0, 0, 1)
	}
	return b
}

// sequence picks a free sequence code (odd for men, even for women) for the
// birth date; when the day is full, the next earlier day that keeps the age.
func (st *state) sequence(birth time.Time, age int, female bool) (int, time.Time) {
	parity := 1
	if female {
		parity = 0
	}
	for {
		d := dayNumber(birth) - st.g.firstDay
		set := st.used[d]
		if set == nil {
			set = new([16]uint64)
			st.used[d] = set
		}
		free := func(s int) bool { return set[s/64]&(1<<(s%64)) == 0 }
		take := func(s int) (int, time.Time) { set[s/64] |= 1 << (s % 64); return s, birth }
		for range 8 {
			if s := 2*st.r.IntN(500) + parity; free(s) {
				return take(s)
			}
		}
		for s := parity; s < 1000; s += 2 {
			if free(s) {
				return take(s)
			}
		}
		next := birth.AddDate(0, 0, -1)
		if yanglao.AgeOn(yanglao.DateOf(next), yanglao.DateOf(st.g.asOf)) != age {
			next = birth.AddDate(0, 0, 1)
			for yanglao.AgeOn(yanglao.DateOf(next), yanglao.DateOf(st.g.asOf)) != age || st.full(next, parity) {
				next = next.AddDate(0, 0, 1) // rare: walks to a day with room; MaxPeople keeps this finite
			}
		}
		birth = next
	}
}

func (st *state) full(t time.Time, parity int) bool {
	set := st.used[dayNumber(t)-st.g.firstDay]
	if set == nil {
		return false
	}
	for s := parity; s < 1000; s += 2 {
		if set[s/64]&(1<<(s%64)) == 0 {
			return false
		}
	}
	return true
}

func (st *state) name(female bool) string {
	r := st.r
	s := surnames[pickCum(r, st.g.surCum)].v
	given, single := menGiven, menSingle
	if female {
		given, single = womenGiven, womenSingle
	}
	if r.IntN(100) < 15 {
		return s + single[r.IntN(len(single))]
	}
	return s + given[r.IntN(len(given))]
}

func surnameOf(name string) string {
	if strings.HasPrefix(name, "欧阳") {
		return "欧阳"
	}
	_, size := firstRune(name)
	return name[:size]
}

func firstRune(s string) (rune, int) {
	for i, c := range s {
		if i > 0 {
			return c, i
		}
	}
	return 0, len(s)
}

// contact is an emergency contact: mostly a child (a son carries the surname),
// for people with no child at home sometimes a nephew, niece or neighbour.
func (st *state) contact(surname, living string) yanglao.Contact {
	r := st.r
	rel := "儿子"
	switch v := r.Float64(); {
	case living == "alone" && v < 0.15:
		rel = "邻居"
	case living == "alone" && v < 0.30, living == "with_others" && v < 0.5:
		rel = "侄子"
		if r.IntN(2) == 0 {
			rel = "侄女"
		}
	case v < 0.45:
		rel = "女儿"
	}
	var name string
	switch rel {
	case "儿子", "侄子":
		name = surname + menGiven[r.IntN(len(menGiven))]
	case "女儿", "侄女":
		name = surname + womenGiven[r.IntN(len(womenGiven))]
	default:
		name = st.name(r.IntN(2) == 0)
	}
	return yanglao.Contact{Name: name, Relation: rel, Phone: mobile(r)}
}

// assessment draws the grade the capability implies and answers that give it.
func (st *state) assessment(p *Person, dementiaOnly bool, living string) *Assessment {
	r := st.r
	var final assess.Grade
	risk, coma := false, false
	switch {
	case p.Capability == Disabled && dementiaOnly:
		final = assess.ModeratelyImpaired + assess.Grade(r.IntN(2)) // 2–3
	case p.Capability == Disabled:
		final = assess.SeverelyImpaired // 失能: 3–4
		if r.Float64() < 0.45 {
			final = assess.CompletelyLost
		}
		coma = final == assess.CompletelyLost && !p.Dementia && r.Float64() < 0.03
	case p.Capability == SemiDisabled:
		final = assess.MildlyImpaired // 半失能: 1–2
		if r.Float64() < 0.45 {
			final = assess.ModeratelyImpaired
		}
	default:
		final = assess.Intact
	}
	if final >= assess.ModeratelyImpaired && !coma && r.Float64() < 0.10 {
		risk = true
	}
	a := newAssessment(r, assessmentDate(r, st.g.opt.AsOf), final, p.Dementia, risk, coma)
	a.Assessor = st.g.assessors[r.IntN(len(st.g.assessors))]
	switch {
	case living == "institution":
		a.Place = "养老机构"
	case r.IntN(5) == 0:
		a.Place = "社区"
	default:
		a.Place = "居家"
	}
	return a
}

// Certificate grades 1–4 and categories (GB/T 26341-2010: 1 视力 2 听力 3 言语
// 4 肢体 5 智力 6 精神 7 多重), weighted for the old (demo choice).
var (
	certGrades     = []weighted[int]{{1, 15}, {2, 20}, {3, 30}, {4, 35}}
	certCategories = []weighted[int]{{1, 15}, {2, 30}, {3, 2}, {4, 35}, {5, 3}, {6, 5}, {7, 10}}
)

// address is the street address within the leaf: a building and flat in an
// urban community, a group (组) and house number in a village.
func address(r *rand.Rand, l *leaf) string {
	var b strings.Builder
	b.WriteString(l.address)
	if l.urban {
		b.WriteString(strconv.Itoa(1 + r.IntN(40)))
		b.WriteString("栋")
		b.WriteString(strconv.Itoa(1 + r.IntN(4)))
		b.WriteString("单元")
		b.WriteString(strconv.Itoa(1 + r.IntN(9)))
		b.WriteString("0")
		b.WriteString(strconv.Itoa(1 + r.IntN(4)))
		b.WriteString("室")
		return b.String()
	}
	if l.region.Level == yanglao.LevelVillage {
		b.WriteString(strconv.Itoa(1 + r.IntN(15)))
		b.WriteString("组")
	}
	b.WriteString(strconv.Itoa(1 + r.IntN(80)))
	b.WriteString("号")
	return b.String()
}

// mobile is a plausible mainland mobile number.
func mobile(r *rand.Rand) string {
	var b [11]byte
	copy(b[:], mobilePrefixes[r.IntN(len(mobilePrefixes))])
	n := r.IntN(100_000_000)
	for i := 10; i >= 3; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func pickWeighted[T any](r *rand.Rand, ws []weighted[T]) T {
	var sum float64
	for _, w := range ws {
		sum += w.w
	}
	x := r.Float64() * sum
	for _, w := range ws {
		if x < w.w {
			return w.v
		}
		x -= w.w
	}
	return ws[len(ws)-1].v
}

// dayNumber counts days since 1970-01-01 for t's calendar date in its location.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400 // exact: midnight UTC
}
