package regiondata

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/yanglao/yanglao"
)

// The counts of the embedded file, as written in SOURCES.md. Regenerating the
// file with other data must update both.
var wantPerLevel = [6]int{0, 31, 342, 2975, 41351, 26775}

var (
	allOnce sync.Once
	allRegs []*yanglao.Region
	allErr  error
)

func all(t testing.TB) []*yanglao.Region {
	t.Helper()
	allOnce.Do(func() { allRegs, allErr = All() })
	if allErr != nil {
		t.Fatalf("All: %v", allErr)
	}
	return allRegs
}

func byCode(regs []*yanglao.Region) map[string]*yanglao.Region {
	m := make(map[string]*yanglao.Region, len(regs))
	for _, r := range regs {
		m[r.Code] = r
	}
	return m
}

func children(regs []*yanglao.Region, code string) []*yanglao.Region {
	var out []*yanglao.Region
	for _, r := range regs {
		if r.ParentCode == code {
			out = append(out, r)
		}
	}
	return out
}

func TestAllCountsPerLevel(t *testing.T) {
	regs := all(t)
	var got [6]int
	for _, r := range regs {
		got[r.Level]++
	}
	if got != wantPerLevel {
		t.Errorf("per level %v, want %v (update SOURCES.md too)", got[1:], wantPerLevel[1:])
	}
	// Plausibility, independent of the exact numbers: 31 provinces of the
	// mainland, ~340 prefectures, ~2,800-3,000 counties, ~38,000-42,000 townships.
	if got[1] != 31 || got[2] < 330 || got[2] > 350 || got[3] < 2800 || got[3] > 3000 ||
		got[4] < 38000 || got[4] > 42000 || got[5] < 20000 {
		t.Errorf("implausible counts per level: %v", got[1:])
	}
}

func TestAllTreeIsWellFormed(t *testing.T) {
	regs := all(t)
	pos := make(map[string]int, len(regs))
	for i, r := range regs {
		if !yanglao.ValidRegionCode(r.Code) {
			t.Fatalf("row %d: bad code %q", i, r.Code)
		}
		if _, dup := pos[r.Code]; dup {
			t.Fatalf("duplicate code %s", r.Code)
		}
		if r.Path != "" || r.ChildCount != 0 {
			t.Fatalf("%s: Path/ChildCount should be left to the importer", r.Code)
		}
		if r.Name == "" {
			t.Fatalf("%s: empty name", r.Code)
		}
		if r.Level == yanglao.LevelProvince {
			if r.ParentCode != "" {
				t.Fatalf("province %s has parent %s", r.Code, r.ParentCode)
			}
		} else {
			j, ok := pos[r.ParentCode]
			if !ok {
				t.Fatalf("%s %s: parent %s absent or not before it", r.Code, r.Name, r.ParentCode)
			}
			if p := regs[j]; p.Level >= r.Level {
				t.Fatalf("%s (level %d) under %s (level %d)", r.Code, r.Level, p.Code, p.Level)
			}
		}
		if (r.Lng == nil) != (r.Lat == nil) {
			t.Fatalf("%s: half a coordinate", r.Code)
		}
		if r.URCode != "" && r.Level != yanglao.LevelVillage {
			t.Fatalf("%s: ur_code on level %d", r.Code, r.Level)
		}
		pos[r.Code] = i
	}
	// Deterministic order: depth first with children in code order, which for
	// these codes is plain code order.
	for i := 1; i < len(regs); i++ {
		if regs[i-1].Code >= regs[i].Code {
			t.Fatalf("order: %s before %s", regs[i-1].Code, regs[i].Code)
		}
	}
}

// The demo counties must reach down to villages.
func TestDemoCountiesHaveVillages(t *testing.T) {
	regs := all(t)
	m := byCode(regs)
	for _, tc := range []struct{ code, name string }{
		{"431002000000", "北湖区"},
		{"371322000000", "郯城县"},
	} {
		c := m[tc.code]
		if c == nil || c.Name != tc.name || c.Level != yanglao.LevelCounty {
			t.Fatalf("%s: got %+v, want county %s", tc.code, c, tc.name)
		}
		if c.Lng == nil {
			t.Errorf("%s: no coordinates copied from the 2016 data", tc.code)
		}
		towns := children(regs, tc.code)
		villages := 0
		for _, tw := range towns {
			if tw.Level != yanglao.LevelTownship {
				t.Errorf("%s: child %s has level %d", tc.code, tw.Code, tw.Level)
			}
			for _, v := range children(regs, tw.Code) {
				if v.Level != yanglao.LevelVillage || v.URCode == "" {
					t.Errorf("village %s: level %d ur_code %q", v.Code, v.Level, v.URCode)
				}
				villages++
			}
		}
		if len(towns) < 10 || villages < 100 {
			t.Errorf("%s %s: %d townships, %d villages", tc.code, tc.name, len(towns), villages)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	regs := all(t)
	m := byCode(regs)
	for _, code := range []string{"110100000000", "120100000000", "310100000000", "500100000000",
		"500200000000", "419000000000", "429000000000", "469000000000", "659000000000"} {
		if r := m[code]; r == nil || !r.Placeholder {
			t.Errorf("%s: want a placeholder, got %+v", code, r)
		}
	}
	n := 0
	for _, r := range regs {
		if r.Placeholder {
			n++
		}
		if r.Placeholder != IsPlaceholderName(r.Name) {
			t.Errorf("%s %s: placeholder %v", r.Code, r.Name, r.Placeholder)
		}
	}
	if n != 9 {
		t.Errorf("%d placeholders, want 9", n)
	}
	if r := m["110101000000"]; r == nil || r.Placeholder || r.ParentCode != "110100000000" {
		t.Errorf("东城区: %+v", r)
	}
}

func TestMergeDecisions(t *testing.T) {
	regs := all(t)
	m := byCode(regs)
	// 东莞's townships hang on the city; the short-code copy 441900 is gone.
	if r := m["441900003000"]; r == nil || r.ParentCode != "441900000000" || r.Level != yanglao.LevelTownship {
		t.Errorf("东城街道 of 东莞: %+v", r)
	}
	if r := m["441900000000"]; r == nil || r.Level != yanglao.LevelCity {
		t.Errorf("东莞市: %+v", r)
	}
	// 2023 names win; a respelled township keeps its coordinates and villages.
	if r := m["371322001000"]; r == nil || r.Name != "郯城街道" || r.Lng == nil || len(children(regs, r.Code)) == 0 {
		t.Errorf("郯城街道: %+v", r)
	}
	// 雨湖区 renumbered its streets: 430302003 was 平政路街道 in 2016 and is
	// 云塘街道 in 2023. Neither coordinates nor villages cross over.
	if r := m["430302003000"]; r == nil || r.Name != "云塘街道" || r.Lng != nil || len(children(regs, r.Code)) != 0 {
		t.Errorf("云塘街道: %+v", r)
	}
	// 宁乡县 430124 became 宁乡市 430182: nothing of the old code survives.
	for _, r := range regs {
		if strings.HasPrefix(r.Code, "430124") {
			t.Fatalf("retired code kept: %+v", r)
		}
	}
	// Coordinates are inside China (Read checks the box; spot-check Hunan).
	if r := m["430000000000"]; r == nil || r.Lng == nil || *r.Lng < 108 || *r.Lng > 115 || *r.Lat < 24 || *r.Lat > 31 {
		t.Errorf("湖南省: %+v", r)
	}
}

// Write(All()) reproduces the embedded file byte for byte, so the generator
// and Write agree on the format, and Read(Write(x)) == x.
func TestWriteRoundTrip(t *testing.T) {
	regs := all(t)
	var buf bytes.Buffer
	if err := Write(&buf, regs); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		t.Fatalf("Write output (%d bytes) differs from the embedded file (%d bytes)", buf.Len(), len(raw))
	}
	back, err := Read(bytes.NewReader(raw)) // plain, not gzipped
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(regs) {
		t.Fatalf("%d rows back, want %d", len(back), len(regs))
	}
}

func TestWriteKeepsExplicitNonPlaceholder(t *testing.T) {
	in := []*yanglao.Region{{Code: "110000000000", Name: "北京市", Level: 1},
		{Code: "110100000000", ParentCode: "110000000000", Name: "市辖区", Level: 2, Placeholder: false}}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if out[1].Placeholder {
		t.Error("an explicit placeholder=false was lost")
	}
}

// The shared 2016 five-level format, children before parents, gzipped.
const hunanSample = `code,parent,name,level,rank,ur_code,longitude_gcj02,latitude_gcj02
431002001001,431002001000,北湖社区居委会,village,5,111,,
431002001000,431002000000,北湖街道办事处,town,4,,113.01,25.79
431002000000,431000000000,北湖区,county,3,,113.011035,25.784054
431001000000,431000000000,市辖区,county,3,,,
431000000000,430000000000,郴州市,city,2,,113.014984,25.770532
430000000000,100000000000,湖南省,province,1,,112.9836,28.112743
`

func gz(t *testing.T, s string) io.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestReadHunanFormat(t *testing.T) {
	for name, r := range map[string]io.Reader{"plain": strings.NewReader(hunanSample), "gzip": gz(t, hunanSample)} {
		t.Run(name, func(t *testing.T) {
			regs, err := Read(r)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, r := range regs {
				codes = append(codes, r.Code)
			}
			want := "430000000000 431000000000 431002000000 431001000000 431002001000 431002001001"
			if got := strings.Join(codes, " "); got != want {
				t.Fatalf("order %s, want %s", got, want)
			}
			m := byCode(regs)
			if p := m["430000000000"]; p.ParentCode != "" || p.Level != 1 || *p.Lng != 112.9836 || *p.Lat != 28.112743 {
				t.Errorf("province: %+v", p)
			}
			if !m["431001000000"].Placeholder || m["431002000000"].Placeholder {
				t.Error("placeholder not decided by name")
			}
			if v := m["431002001001"]; v.Level != 5 || v.URCode != "111" || v.Lng != nil || v.ParentCode != "431002001000" {
				t.Errorf("village: %+v", v)
			}
		})
	}
}

func TestReadNativeWithBOMAndColumnOrder(t *testing.T) {
	in := "\ufeffname,code,level,parent_code,lat,lng,extra\n" +
		"北京市,110000000000,1,,39.9,116.4,x\n" +
		"市辖区,110100000000,2,110000000000,,,y\n"
	regs, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 2 || *regs[0].Lng != 116.4 || *regs[0].Lat != 39.9 || !regs[1].Placeholder {
		t.Fatalf("%+v %+v", regs[0], regs[1])
	}
}

func TestReadKnownParent(t *testing.T) {
	in := "code,parent_code,name,level\n371322001001,371322001000,前八庙居委会,5\n"
	if _, err := Read(strings.NewReader(in)); err == nil {
		t.Fatal("a parent outside the file was accepted without KnownParent")
	}
	regs, err := ReadWith(strings.NewReader(in), ReadOptions{KnownParent: func(code string) bool { return code == "371322001000" }})
	if err != nil || len(regs) != 1 {
		t.Fatalf("%v %v", regs, err)
	}
}

func TestReadBadInput(t *testing.T) {
	const head = "code,parent_code,name,level,ur_code,lng,lat,placeholder\n" +
		"430000000000,,湖南省,1,,,,\n" +
		"431000000000,430000000000,郴州市,2,,,,\n"
	for _, tc := range []struct {
		name, row, line, col string
	}{
		{"short code", "43100200000,431000000000,北湖区,3,,,,", "line 4", "code"},
		{"letters in code", "43100200000X,431000000000,北湖区,3,,,,", "line 4", "code"},
		{"zero province", "001002000000,431000000000,北湖区,3,,,,", "line 4", "code"},
		{"duplicate code", "431000000000,430000000000,郴州市,2,,,,", "line 4", "code"},
		{"level out of range", "431002000000,431000000000,北湖区,6,,,,", "line 4", "level"},
		{"level not a number", "431002000000,431000000000,北湖区,x,,,,", "line 4", "level"},
		{"level does not match code", "431002000000,431000000000,北湖区,4,,,,", "line 4", "level"},
		{"missing parent", "431002000000,431100000000,北湖区,3,,,,", "line 4", "parent_code"},
		{"no parent below province", "431002000000,,北湖区,3,,,,", "line 4", "parent_code"},
		{"bad parent code", "431002000000,4310,北湖区,3,,,,", "line 4", "parent_code"},
		{"empty name", "431002000000,431000000000, ,3,,,,", "line 4", "name"},
		{"latitude out of range", "431002000000,431000000000,北湖区,3,,113.0,95.0,", "line 4", "lat"},
		{"swapped coordinates", "431002000000,431000000000,北湖区,3,,25.78,113.01,", "line 4", "lng"},
		{"coordinate not a number", "431002000000,431000000000,北湖区,3,,abc,25.78,", "line 4", "lng"},
		{"half a coordinate", "431002000000,431000000000,北湖区,3,,113.01,,", "line 4", "lat"},
		{"bad ur_code", "431002001001,431000000000,北湖社区,5,1111,,,", "line 4", "ur_code"},
		{"bad placeholder", "431002000000,431000000000,北湖区,3,,,,maybe", "line 4", "placeholder"},
		{"wrong field count", "431002000000,431000000000,北湖区,3", "line 4", "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(head + tc.row + "\n"))
			if err == nil {
				t.Fatal("accepted")
			}
			if yanglao.ErrorCode(err) != yanglao.EINVALID {
				t.Errorf("code %q, want invalid", yanglao.ErrorCode(err))
			}
			msg := yanglao.ErrorMessage(err)
			if !strings.Contains(msg, tc.line) || !strings.Contains(msg, "第4行") {
				t.Errorf("message %q does not name %s", msg, tc.line)
			}
			if f := yanglao.ErrorField(err); f != tc.col {
				t.Errorf("field %q, want %q (%s)", f, tc.col, msg)
			}
		})
	}
}

func TestReadBadHeader(t *testing.T) {
	for _, in := range []string{
		"",
		"code,name,level\n",                    // no parent column
		"code,parent,parent_code,name,level\n", // parent twice
		"code,parent_code,name,level,lng\n",    // lng without lat
		"foo,bar\n430000000000,湖南省\n",          // unknown format
		"\x1f\x8bnot really gzip at all......", // gzip magic, broken body
	} {
		_, err := Read(strings.NewReader(in))
		if err == nil || yanglao.ErrorCode(err) != yanglao.EINVALID {
			t.Errorf("%q: err %v", in, err)
		}
	}
}

// A parent whose level is not above the child's is refused even when present.
func TestReadParentLevel(t *testing.T) {
	in := "code,parent_code,name,level\n430000000000,,湖南省,1\n431000000000,430000000000,郴州市,2\n" +
		"431100000000,431000000000,永州市,2\n"
	_, err := Read(strings.NewReader(in))
	if err == nil || !strings.Contains(yanglao.ErrorMessage(err), "line 4") || yanglao.ErrorField(err) != "parent_code" {
		t.Fatalf("err %v", err)
	}
}

func TestIsPlaceholderName(t *testing.T) {
	for name, want := range map[string]bool{
		"市辖区": true, "县": true, "省直辖县级行政区划": true, "自治区直辖县级行政区划": true,
		"省直辖县级行政单位": true, " 市辖区 ": true,
		"郊区": false, "城区": false, "东城区": false, "郯城县": false, "": false, "北湖区": false,
	} {
		if got := IsPlaceholderName(name); got != want {
			t.Errorf("IsPlaceholderName(%q) = %v", name, got)
		}
	}
}

func BenchmarkAll(b *testing.B) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		regs, err := All()
		if err != nil {
			b.Fatal(err)
		}
		n = len(regs)
	}
	b.ReportMetric(float64(n), "regions")
}

// The shared 2016 file itself, when this checkout has it next door.
func TestReadSharedHunanFile(t *testing.T) {
	f, err := os.Open("/work/shared/data/regions/hunan-tancheng-5level-2016.csv")
	if err != nil {
		t.Skip("shared data not available:", err)
	}
	defer f.Close()
	regs, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 31759 {
		t.Errorf("%d rows, want 31759", len(regs))
	}
}
