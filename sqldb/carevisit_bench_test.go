package sqldb

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/visitrules"
)

// BenchmarkCareVisitMonth measures the care-visit programme over the demo
// county's register (issue 6): computing a month's list from the register by
// the rules (first time: every target inserted; again: only the difference),
// the rolled-up visit rate of the county and of a township, and the first
// page of the alert list. Size: YANGLAO_BENCH_PEOPLE (default 100000), the
// same fixture as BenchmarkPeopleSearch (YANGLAO_BENCH_DIR, YANGLAO_TEST_POSTGRES).
func BenchmarkCareVisitMonth(b *testing.B) {
	n := 100000
	if v := os.Getenv("YANGLAO_BENCH_PEOPLE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	db, _ := benchPeopleDB(b, n)
	ctx := context.Background()
	sys := yanglao.NewContextWithActor(ctx, yanglao.SystemActor("bench"))
	cvs := NewCareVisitService(db)
	rs := NewRegionService(db)
	county, _ := rs.Region(ctx, "431002000000")
	kids, _ := rs.Children(ctx, county.Code)
	town := kids[0]
	asCounty := yanglao.NewContextWithActor(ctx, &yanglao.Actor{UserID: 1, Username: "county", Role: yanglao.RoleOfficial, RegionCode: county.Code, RegionPath: county.Path})
	asTown := yanglao.NewContextWithActor(ctx, &yanglao.Actor{UserID: 2, Username: "town", Role: yanglao.RoleWorker, RegionCode: town.Code, RegionPath: town.Path})
	if rules, _ := cvs.CareRules(sys, county.Code); len(rules) == 0 {
		for _, r := range visitrules.Defaults(county.Code, yanglao.Date{Year: 2025, Month: 1, Day: 1}) {
			if err := cvs.SaveCareRule(sys, &yanglao.CareRule{Region: r.Region, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, Source: r.Source}); err != nil {
				b.Fatal(err)
			}
		}
	}
	const month = "2026-01" // a past month: judged on its last day
	clear := func() {
		if _, err := db.write.ExecContext(ctx, db.rebind(`DELETE FROM carevisit_targets WHERE month = ?`), month); err != nil {
			b.Fatal(err)
		}
	}
	// cpu is this process's CPU time: on a machine shared with other builds
	// the wall time says as much about the neighbours as about the code. (On
	// PostgreSQL the server's CPU is not in it.)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var rep *yanglao.RefreshReport
	b.Run("refresh/first", func(b *testing.B) {
		d := make([]time.Duration, 0, b.N)
		var used time.Duration
		for b.Loop() {
			b.StopTimer()
			clear()
			b.StartTimer()
			start, c0 := time.Now(), cpu()
			var err error
			if rep, err = cvs.RefreshTargets(sys, county.Code, month); err != nil {
				b.Fatal(err)
			}
			d, used = append(d, time.Since(start)), used+cpu()-c0
		}
		reportPercentiles(b, d)
		b.ReportMetric(float64(used.Milliseconds())/float64(len(d)), "cpu-ms/op")
		b.ReportMetric(float64(rep.People), "people")
		b.ReportMetric(float64(rep.Targets), "targets")
	})
	b.Run("refresh/unchanged", func(b *testing.B) {
		d := make([]time.Duration, 0, b.N)
		var used time.Duration
		for b.Loop() {
			start, c0 := time.Now(), cpu()
			r, err := cvs.RefreshTargets(sys, county.Code, month)
			if err != nil || r.Added+r.Removed+r.Changed != 0 {
				b.Fatalf("%+v %v", r, err)
			}
			d, used = append(d, time.Since(start)), used+cpu()-c0
		}
		reportPercentiles(b, d)
		b.ReportMetric(float64(used.Milliseconds())/float64(len(d)), "cpu-ms/op")
	})
	// Every third target visited, so the roll-up sums real numbers.
	if _, err := db.write.ExecContext(ctx, db.rebind(`UPDATE carevisit_targets SET visits = 1 WHERE month = ? AND person_id % 3 = 0`), month); err != nil {
		b.Fatal(err)
	}
	{
		tx, err := db.BeginTx(ctx)
		if err != nil {
			b.Fatal(err)
		}
		lo, hi := pathRange(county.Path)
		if err := tx.recountTallies(ctx, month, lo, hi); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect == Postgres {
		db.write.ExecContext(ctx, `ANALYZE carevisit_targets`)
	}
	for _, c := range []struct {
		name   string
		ctx    context.Context
		region string
	}{{"rates/county", asCounty, county.Code}, {"rates/town", asTown, town.Code}} {
		b.Run(c.name, func(b *testing.B) {
			d := make([]time.Duration, 0, b.N)
			var res *yanglao.VisitRates
			for b.Loop() {
				start := time.Now()
				var err error
				if res, err = cvs.VisitRates(c.ctx, c.region, month); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			reportPercentiles(b, d)
			b.ReportMetric(float64(res.Region.Targets), "targets")
			b.ReportMetric(float64(res.Region.Rate)/10, "rate-%")
		})
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"alerts/county-page", asCounty}, {"alerts/town-page", asTown}} {
		b.Run(c.name, func(b *testing.B) {
			d := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, _, err := cvs.CareTargets(c.ctx, yanglao.CareTargetFilter{Month: month, Pending: true}); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			reportPercentiles(b, d)
		})
	}
}
