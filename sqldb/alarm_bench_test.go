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

// BenchmarkHeartbeats: YANGLAO_BENCH_DEVICES devices (default 100,000) with a
// heartbeat every 5 minutes is 333 heartbeats a second. One iteration is one
// second of that load as the server runs it: 334 heartbeats through Ingest
// (a cold device cache, as after a start), then the once-a-second tick —
// flush the heartbeats in one transaction, scan for silent devices, escalate.
// ns/op under 1 s means the server keeps up; run with -benchtime=300x to give
// every device its heartbeat once (5 simulated minutes).
func BenchmarkHeartbeats(b *testing.B) {
	n := 100000
	if v := os.Getenv("YANGLAO_BENCH_DEVICES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	db := tk.NewDB(b)
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Second)
	// Devices inserted directly in multi-row statements (setup, not timed).
	const per = 500
	for i := 0; i < n; i += per {
		var rows []string
		var args []any
		for j := i; j < min(i+per, n); j++ {
			rows = append(rows, "(?, 'watch', 'bench', 'x', ?, ?, ?, ?, 300, ?, TRUE, ?, ?)")
			args = append(args, fmt.Sprintf("HB-%06d", j), tk.VillageA1, "/430000000000/431000000000/431002000000/431002001000/431002001001/", tk.Beihu,
				"幸福路", start.Add(15*time.Minute), start, start)
		}
		if _, err := db.ExecForTest(ctx, `INSERT INTO devices (serial, kind, vendor, secret_hash, region_code, region_path, county_code, address,
			heartbeat_seconds, silent_after, active, created_at, updated_at) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			b.Fatal(err)
		}
	}
	svc := sqldb.NewAlarmService(db)
	sys := tk.System()
	rate := (n + 299) / 300
	next := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < rate; k++ {
			bat := 50 + next%50
			ev := &yanglao.DeviceEvent{Serial: fmt.Sprintf("HB-%06d", next%n), ID: fmt.Sprint("hb-", i, "-", k), Type: yanglao.EventHeartbeat, At: time.Now(), Battery: &bat}
			if _, err := svc.Ingest(sys, ev, "bench"); err != nil {
				b.Fatal(err)
			}
			next++
		}
		if err := svc.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var seen int
	if err := db.QueryRowForTest(ctx, `SELECT COUNT(*) FROM devices WHERE last_seen IS NOT NULL`).Scan(&seen); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rate), "heartbeats/op")
	b.ReportMetric(float64(seen), "devices_written")
}
