package sqldb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
)

// BenchmarkSimulateCounty simulates "90–99 at 200元 from next January" over a
// county of 100,000 people (rows written straight into people and
// person_statuses; a third have no fixed income, a tenth 低保) for 12 months.
// The internal test package cannot use testkit (it imports sqldb), so it
// builds its own two-node tree.
func BenchmarkSimulateCounty(b *testing.B) {
	ctx := yanglao.NewContextWithActor(context.Background(), yanglao.SystemActor("bench"))
	db, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	regions := []*yanglao.Region{{Code: "430000000000", Name: "湖南省", Level: 1}, {Code: "431000000000", ParentCode: "430000000000", Name: "郴州市", Level: 2},
		{Code: "431002000000", ParentCode: "431000000000", Name: "北湖区", Level: 3}}
	for i := 1; i <= 10; i++ {
		regions = append(regions, &yanglao.Region{Code: fmt.Sprintf("431002%03d000", i), ParentCode: "431002000000", Name: fmt.Sprintf("街道%d", i), Level: 4})
	}
	if _, err := NewRegionService(db).ImportRegions(ctx, regions); err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	const n = 100000
	for i := 0; i < n; i++ {
		town := regions[3+i%10]
		birth := yanglao.Date{Year: 1926 + i%40, Month: time.Month(1 + i%12), Day: 1 + i%28}
		id, err := tx.insertID(ctx, `INSERT INTO people (county_code, residence_code, residence_path, name, sex, birth_date, id_hash, id_sealed, id_masked, created_at, updated_at)
			VALUES ('431002000000', ?, ?, ?, 'M', ?, ?, ?, '', ?, ?)`, town.Code, "/430000000000/431000000000/431002000000/"+town.Code+"/", fmt.Sprint("人", i), birth, fmt.Sprint(i), []byte{1}, tx.now, tx.now)
		if err != nil {
			b.Fatal(err)
		}
		for k, kind := range map[int]string{3: "no_fixed_income", 10: "dibao"} {
			if i%k == 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO person_statuses (person_id, county_code, kind, source, start_date, created_at) VALUES (?, '431002000000', ?, 'x', '2020-01-01', ?)`, id, kind, tx.now); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	svc := NewBenefitService(db)
	b.ResetTimer()
	for b.Loop() {
		res, err := svc.Simulate(ctx, yanglao.SimulationRequest{Region: "431002000000", Code: "CZ-12", Amount: `if age >= 90 then 200元 else 80元`})
		if err != nil {
			b.Fatal(err)
		}
		if res.People != n {
			b.Fatalf("people %d", res.People)
		}
		b.ReportMetric(float64(res.Total.NewTotal-res.Total.BaseTotal)/100, "yuan-more")
	}
}
