package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/regiondata"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// percentiles runs fn b.N times and reports p50 and p99 in milliseconds.
func percentiles(b *testing.B, fn func()) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		fn()
		d = append(d, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkRegionChildren(b *testing.B) {
	db := tk.NewDB(b)
	all, err := regiondata.All()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sqldb.NewRegionService(db).ImportRegions(tk.System(), all); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(db))
	defer srv.Close()
	codes := []string{"431002000000", "430000000000", "431000000000", "371322000000", "110100000000"}
	i := 0
	percentiles(b, func() {
		res, err := http.Get(srv.URL + "/api/v1/regions/" + codes[i%len(codes)] + "/children")
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		res.Body.Close()
		i++
	})
}

func BenchmarkSignedInPage(b *testing.B) {
	db := tk.NewDB(b)
	u := tk.CreateUser(b, db, "official", yanglao.RoleOfficial, tk.Beihu, nil)
	_, _, token, err := sqldb.NewUserService(db).Login(tk.System(), u.Username, tk.Password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(db))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "yl_session", Value: token})
	percentiles(b, func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res.StatusCode)
		}
		res.Body.Close()
	})
}
