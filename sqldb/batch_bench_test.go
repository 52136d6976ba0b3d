package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// BenchmarkBatchMonth is the monthly batch end to end (read people, statuses
// and grades by page, evaluate all 25 items, write lines, finish) over
// YANGLAO_BENCH_BATCH_PEOPLE people (default 100000; the budget is stated
// for 1000000). The people are inserted directly in multi-row statements
// (setup, not timed): ages 60–105, 10 % 低保, 5 % 低收入, 3 % 特困, 40 %
// without a fixed income, 15 % with a grade, 4 % disabled, 1 % died in the
// month. Run with -benchtime=1x.
func BenchmarkBatchMonth(b *testing.B) {
	n := 100000
	if v := os.Getenv("YANGLAO_BENCH_BATCH_PEOPLE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	db := tk.NewDB(b)
	db.Now = func() time.Time { return time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	t0 := time.Now()
	seedBatchPeople(b, db, n)
	b.Logf("setup: %d people in %s", n, time.Since(t0).Round(time.Millisecond))
	runner := tk.As(tk.CreateUser(b, db, "runner", yanglao.RoleOfficial, tk.Beihu, nil))
	bs := sqldb.NewBatchService(db, tk.Box())
	if v := os.Getenv("YANGLAO_BENCH_BATCH_PAGE"); v != "" {
		bs.PageSize, _ = strconv.Atoi(v)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		month := fmt.Sprintf("2026-%02d", 2-i%2)
		start := time.Now()
		bt, _, err := bs.CreateBatch(runner, tk.Beihu, month)
		if err != nil {
			b.Fatal(err)
		}
		bt, err = bs.RunBatch(runner, bt.ID)
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(el.Milliseconds())/1000, "s/batch")
		b.Logf("%s %s: %d people, %d lines, ¥%s, %d held (no parameter), %s (%.0f people/s)", db.Dialect, month, bt.Progress, bt.Lines,
			sqldb.FenText(bt.TotalFen), bt.Errors, el.Round(time.Millisecond), float64(bt.Progress)/el.Seconds())
		_ = ctx
	}
}

func seedBatchPeople(b *testing.B, db *sqldb.DB, n int) {
	ctx := context.Background()
	paths := map[string]string{}
	for _, code := range []string{tk.VillageA1, tk.VillageB1} {
		var p string
		if err := db.QueryRowForTest(ctx, `SELECT path FROM regions WHERE code = ?`, code).Scan(&p); err != nil {
			b.Fatal(err)
		}
		paths[code] = p
	}
	state := uint64(42)
	rnd := func(k int) int {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return int(state % uint64(k))
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 500
	const txRows = 50000
	type st struct {
		pid         int64
		kind, start string
	}
	var tx *sqldb.Tx
	var err error
	var statuses []st
	flushStatuses := func() {
		for i := 0; i < len(statuses); i += chunk {
			c := statuses[i:min(i+chunk, len(statuses))]
			var q strings.Builder
			q.WriteString(`INSERT INTO person_statuses (person_id, county_code, kind, source, start_date, created_at) VALUES `)
			args := make([]any, 0, len(c)*6)
			for k, s := range c {
				if k > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, s.pid, tk.Beihu, s.kind, "bench", s.start, now)
			}
			if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
				b.Fatal(err)
			}
		}
		statuses = statuses[:0]
	}
	kinds := []string{"tekun_dispersed", "tekun_centralised", "left_behind", "special_family", "veteran", "severe_disability"}
	livings := []string{"alone", "empty_nest", "with_children", "with_children", "with_others", "institution"}
	for i := 0; i < n; i += chunk {
		if i%txRows == 0 {
			if tx != nil {
				flushStatuses()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			if tx, err = db.BeginTx(ctx); err != nil {
				b.Fatal(err)
			}
		}
		m := min(chunk, n-i)
		var q strings.Builder
		q.WriteString(`INSERT INTO people (id, county_code, residence_code, residence_path, name, sex, birth_date, id_hash, id_sealed, id_masked,
			living, disability_grade, life_status, death_date, grade, grade_valid_until, created_at, updated_at) VALUES `)
		args := make([]any, 0, m*18)
		for k := 0; k < m; k++ {
			id := int64(i + k + 1)
			if k > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			region := tk.VillageA1
			if id%2 == 0 {
				region = tk.VillageB1
			}
			age := 60 + rnd(20) + rnd(15) + rnd(12)
			birth := fmt.Sprintf("%04d-%02d-%02d", 2026-age, 1+rnd(12), 1+rnd(28))
			life, death := "alive", any(nil)
			if rnd(100) < 1 {
				life, death = "deceased", fmt.Sprintf("2026-02-%02d", 1+rnd(28))
			}
			var grade, until any
			if rnd(100) < 15 {
				grade, until = rnd(5), "2026-12-31"
			}
			dis := 0
			if rnd(100) < 4 {
				dis = 1 + rnd(4)
			}
			args = append(args, id, tk.Beihu, region, paths[region], "老人", []string{"M", "F"}[rnd(2)], birth,
				fmt.Sprintf("h%d", id), []byte("x"), "431***********0000", livings[rnd(len(livings))], dis, life, death, grade, until, now, now)
			switch r := rnd(100); {
			case r < 10:
				statuses = append(statuses, st{id, "dibao", fmt.Sprintf("%d-01-01", 2015+rnd(9))})
			case r < 15:
				statuses = append(statuses, st{id, "low_income", "2015-01-01"})
			case r < 18:
				statuses = append(statuses, st{id, kinds[rnd(2)], "2018-03-01"})
			case r < 22:
				statuses = append(statuses, st{id, kinds[2+rnd(4)], "2019-01-01"})
			}
			if rnd(100) < 40 {
				statuses = append(statuses, st{id, "no_fixed_income", "2000-01-01"})
			}
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	flushStatuses()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if db.Dialect == sqldb.Postgres {
		// Keep the identity ahead of the ids given, and let the planner see the data.
		tx, _ := db.BeginTx(ctx)
		tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('people', 'id'), (SELECT MAX(id) FROM people))`)
		tx.Commit()
		tx, _ = db.BeginTx(ctx)
		tx.Exec(ctx, `ANALYZE`)
		tx.Commit()
	} else {
		tx, _ := db.BeginTx(ctx)
		tx.Exec(ctx, `ANALYZE`)
		tx.Commit()
	}
}
