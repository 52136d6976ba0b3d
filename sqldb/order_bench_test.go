package sqldb_test

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
)

// BenchmarkPlaceOrder measures placing a government-paid order as a township
// worker: the scoped person read, the provider's offer (coverage, price,
// contract), the allowance left this month, the insert, its event and the
// audit entry, in one transaction. It reports the p50 and p99 latency of one
// placement; the budget is p99 < 30 ms (issue 5). Data: the fixture's region
// tree, ORDER_BENCH_PEOPLE older people (default 2000) and the orders the
// benchmark itself places (b.N, spread over them).
func BenchmarkPlaceOrder(b *testing.B) {
	f := newOrderFixture(b)
	n := 2000
	if v := os.Getenv("ORDER_BENCH_PEOPLE"); v != "" {
		fmt.Sscan(v, &n)
	}
	people := make([]int64, n)
	for i := range people {
		p := &yanglao.Person{Name: fmt.Sprintf("老人%d", i), ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/800).Format(time.DateOnly), 100+i%800)}
		f.must(f.people.CreatePerson(tk.System(), p))
		f.must(f.people.AddStatus(tk.System(), &yanglao.Status{PersonID: p.ID, Kind: "dibao", Source: "民政", Start: day("2020-01-01")}))
		people[i] = p.ID
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := people[i%len(people)]
		start := at("08:00").Add(time.Duration(i%600) * time.Minute)
		t0 := time.Now()
		if _, err := f.orders.PlaceOrder(tk.As(f.worker), &yanglao.OrderRequest{PersonID: p, ProviderID: f.provA, ItemID: f.items["clean"].ID, Start: start}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(float64(len(people)), "people")
}
