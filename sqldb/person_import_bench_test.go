package sqldb_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/regiondata"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// BenchmarkImportPeople imports a generated register of YANGLAO_BENCH_PEOPLE
// people (default 1,000,000) from CSV and from .xlsx into a fresh database
// holding the shipped region tree, timing BeginImport+RunImport end to end:
// reading, parsing, validating, sealing, upserting with phones, statuses, audit
// entries and duplicate flags. Run it one iteration at a time:
//
//	go test ./sqldb/ -run '^$' -bench ImportPeople -benchtime 1x -timeout 60m
//	YANGLAO_TEST_POSTGRES=postgres://… go test ./sqldb/ -run '^$' -bench ImportPeople -benchtime 1x -timeout 60m
//
// The files are generated once into $TMPDIR/yanglao-bench and reused.
func BenchmarkImportPeople(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("YANGLAO_BENCH_PEOPLE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	regions, err := regiondata.All()
	if err != nil {
		b.Fatal(err)
	}
	var villages []string
	for _, r := range regions {
		if r.Level == yanglao.LevelVillage && r.Code[:4] == "4310" { // the villages of 郴州
			villages = append(villages, r.Code)
		}
	}
	for _, format := range []register.Format{register.CSV, register.XLSX} {
		path := benchFile(b, n, format, villages)
		for _, mode := range []register.Mode{register.ValidRows, register.AllOrNothing} {
			b.Run(fmt.Sprintf("%s/%s/%d", format, mode, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					db := tk.NewDB(b)
					if _, err := sqldb.NewRegionService(db).ImportRegions(tk.System(), regions); err != nil {
						b.Fatal(err)
					}
					ps := sqldb.NewPersonService(db, tk.Box())
					f, err := os.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					st, _ := f.Stat()
					u := &register.Upload{Kind: register.People, Mode: mode, FileName: filepath.Base(path), File: f, Size: st.Size()}
					b.StartTimer()
					start := time.Now()
					job, err := ps.BeginImport(tk.System(), u)
					if err != nil {
						b.Fatal(err)
					}
					if job, err = ps.RunImport(tk.System(), job, u); err != nil {
						b.Fatal(err)
					}
					elapsed := time.Since(start)
					b.StopTimer()
					f.Close()
					if job.Status != register.Done || job.Created != n {
						ps.ImportRejects(tk.System(), job.ID, func(r register.Reject) error { b.Log(r); return nil })
						b.Fatalf("job: %+v", job)
					}
					b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
					b.ReportMetric(elapsed.Seconds(), "s/import")
					b.Logf("%s %s: %d people in %v (%.0f rows/s), %d bytes", format, mode, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), st.Size())
				}
			})
		}
	}
}

// benchFile writes (once) a register of n people: valid citizen IDs for 北湖区
// born 1926–1965, a phone each, villages of 郴州, and statuses, living
// arrangements and chronic conditions at plausible rates.
func benchFile(b *testing.B, n int, format register.Format, villages []string) string {
	dir := filepath.Join(os.TempDir(), "yanglao-bench")
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, fmt.Sprintf("people-%d.%s", n, format))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var w register.Writer
	if format == register.XLSX {
		// Excel stores text in a shared-string table; so does this file.
		w, err = register.NewFastXLSXWriter(bw, register.XLSXOptions{Sheet: "老年人信息", SharedStrings: true})
	} else {
		w, err = register.NewCSVWriter(bw)
	}
	if err != nil {
		b.Fatal(err)
	}
	var header []string
	for _, c := range register.PeopleColumns {
		header = append(header, c.Header)
	}
	w.Row(header)
	rng := rand.New(rand.NewPCG(1, 2))
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("桂英秀兰玉梅凤珍淑华德顺建国明福贵春生海文金山永红志强秋菊冬梅翠花爱民学军玉芬素芳长林光荣")
	livings := []string{"独居", "空巢", "与子女同住", "与其他亲属同住", "", ""}
	chronic := []string{"", "", "高血压", "糖尿病", "高血压、糖尿病", "冠心病", "慢阻肺"}
	start := time.Date(1926, 1, 1, 0, 0, 0, 0, time.UTC)
	const days = 14600 // 1926 to 1965
	row := make([]string, len(header))
	for i := range n {
		clear(row)
		birth := start.AddDate(0, 0, i%days)
		name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
		if rng.IntN(2) == 0 {
			name += string(given[rng.IntN(len(given))])
		}
		row[0] = name
		row[1] = idcard.Generate("431002", birth, 100+i/days) // never the template's example (seq 2)
		row[2] = "1" + strconv.Itoa(30+rng.IntN(70)) + fmt.Sprintf("%08d", i)
		row[3] = villages[rng.IntN(len(villages))]
		row[4] = row[3]
		row[5] = fmt.Sprintf("%d组%d号", 1+rng.IntN(20), 1+rng.IntN(200))
		row[8] = "汉族"
		row[9] = livings[rng.IntN(len(livings))]
		row[12] = chronic[rng.IntN(len(chronic))]
		if rng.IntN(10) == 0 {
			row[16], row[17], row[18] = "低保", "郴州市民政局", "2024-01-01"
		}
		if err := w.Row(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}
