package benefits

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
)

// synthetic returns n people with a plausible mix: ages 60–105 (older ages
// rarer), 10 % 低保, 5 % 低收入, 3 % 特困, 40 % without a fixed income, 15 %
// assessed, 4 % with a disability certificate, 12 % living alone, 1 % dying
// in the benchmark month, a few flags. Deterministic.
func synthetic(n int, params *Params) []Subject {
	state := uint64(42)
	rnd := func(k int) int {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return int(state % uint64(k))
	}
	kinds := []string{"dibao", "low_income", "tekun_dispersed", "tekun_centralised", "left_behind", "special_family", "veteran", "severe_disability"}
	livings := []string{"alone", "empty_nest", "with_children", "with_children", "with_others", "institution"}
	out := make([]Subject, n)
	for i := range out {
		age := 60 + rnd(20) + rnd(15) + rnd(12)
		s := Subject{
			Birth:     yanglao.Date{Year: 2024 - age, Month: time.Month(1 + rnd(12)), Day: 1 + rnd(28)},
			Sex:       []string{"M", "F"}[rnd(2)],
			Residence: "431002001000", ResidencePath: beihuPath,
			Household: "431002000000", HouseholdPath: "/430000000000/431000000000/431002000000/",
			Living: livings[rnd(len(livings))], Params: params,
		}
		switch r := rnd(100); {
		case r < 10:
			s.Statuses = append(s.Statuses, Span{Kind: "dibao", Start: yanglao.Date{Year: 2015 + rnd(9), Month: 1, Day: 1}})
		case r < 15:
			s.Statuses = append(s.Statuses, Span{Kind: "low_income", Start: yanglao.Date{Year: 2015, Month: 1, Day: 1}})
		case r < 18:
			s.Statuses = append(s.Statuses, Span{Kind: kinds[2+rnd(2)], Start: yanglao.Date{Year: 2018, Month: 3, Day: 1}})
		case r < 22:
			s.Statuses = append(s.Statuses, Span{Kind: kinds[4+rnd(4)], Start: yanglao.Date{Year: 2019, Month: 1, Day: 1}})
		}
		if rnd(100) < 40 {
			s.Statuses = append(s.Statuses, Span{Kind: "no_fixed_income", Start: yanglao.Date{Year: 2000, Month: 1, Day: 1}})
		}
		if rnd(100) < 15 {
			s.Grades = []GradeSpan{{Grade: rnd(5), From: yanglao.Date{Year: 2024, Month: 1, Day: 10}, Until: yanglao.Date{Year: 2025, Month: 1, Day: 9}}}
		}
		if rnd(100) < 4 {
			s.DisabilityGrade = 1 + rnd(4)
		}
		if rnd(100) < 1 {
			s.Death = yanglao.Date{Year: 2024, Month: 6, Day: 1 + rnd(30)}
		}
		if rnd(100) < 3 {
			s.Flags = []string{FlagResidentPension}
		}
		out[i] = s
	}
	return out
}

// BenchmarkMonthPerPerson decides all 25 Chenzhou items for one person and
// one month per op (people cycle through 65,536 synthetic ones).
func BenchmarkMonthPerPerson(b *testing.B) {
	people := synthetic(1<<16, beihu())
	e := NewEvaluator(Chenzhou())
	m := Month{2024, 6}
	out := make([]Result, 0, 32)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var err error
		out, err = e.Month(&people[i&(1<<16-1)], m, out[:0])
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkMillion decides all 25 items for 1,000,000 synthetic people (one
// month) per op, on one goroutine and on GOMAXPROCS goroutines, and reports
// ns/person and seconds per million. The people are generated beforehand
// (1,000,000 Subjects, as a batch would stream them from the database).
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	people := synthetic(n, beihu())
	list := Chenzhou()
	m := Month{2024, 6}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var eligible, fen int64
			for b.Loop() {
				eligible, fen = 0, 0
				var wg sync.WaitGroup
				var mu sync.Mutex
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						e := NewEvaluator(list)
						out := make([]Result, 0, 32)
						var el, sum int64
						for i := w; i < n; i += workers {
							out, _ = e.Month(&people[i], m, out[:0])
							for _, r := range out {
								if r.Eligible {
									el++
									sum += r.AmountFen
								}
							}
						}
						mu.Lock()
						eligible += el
						fen += sum
						mu.Unlock()
					}(w)
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/person")
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/1M")
			b.ReportMetric(float64(eligible)/n, "eligible-items/person")
			b.ReportMetric(float64(fen)/100, "yuan/month")
		})
	}
}

// BenchmarkExplainPerson explains all 25 items for one person (the person
// page; budget 20 ms).
func BenchmarkExplainPerson(b *testing.B) {
	s := person("1939-01-15", noIncome, status("dibao", "2020-01-01", ""), grade(3, "2024-01-10", "2025-01-09"), living("alone"))
	l := Chenzhou()
	items := l.InForce(d("2024-06-30"))
	b.ReportAllocs()
	for b.Loop() {
		for _, it := range items {
			if _, _, _, err := Entitlement(s, it, Month{2024, 6}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCheckInheritance(b *testing.B) {
	city := Chenzhou()
	county, _ := city.Derive("431002000000", "北湖区")
	county.Revise("CZ-21", d("2024-01-01"), func(it *Item) { it.Eligibility = `age >= 60 and living = "alone"` })
	for b.Loop() {
		CheckInheritance(city, county)
	}
}
