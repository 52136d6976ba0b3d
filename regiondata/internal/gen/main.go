// Command gen builds regiondata/regions.csv.gz from the shared source files:
//
//	go run ./regiondata/internal/gen -shared /work/shared/data/regions -out regiondata/regions.csv.gz
//
// Sources (see regiondata/SOURCES.md for commits and licences):
//   - national-2023-levels1-4/modood_{provinces,cities,areas,streets}.csv: the
//     NBS 2023 statistical division codes, levels 1-4, with short codes (2, 4, 6
//     and 9 digits) that are padded here to 12;
//   - hunan-tancheng-5level-2016.csv: NBS 2016 codes for Hunan (43) and Tancheng
//     county (371322) down to villages, with GCJ-02 centres and ur_codes.
//
// Merge rule:
//  1. The 2023 tree is the base for levels 1-4: every 2023 node is kept with its
//     2023 name. Rows whose padded code equals their parent's padded code are
//     artefacts of the short-code format (modood gives 东莞, 中山 and 儋州 a
//     county-level row with the city's own code, and 金门县 a township row with
//     the county's code); they are dropped and their children hang on the
//     parent, as in the NBS tables (东莞's towns sit directly under the city).
//  2. A 2016 node of levels 1-4 is the SAME place as the 2023 node with the same
//     code only if the names agree (sameEntity). Then its coordinates are copied.
//     A code that exists in both years with a different name was reused for
//     another place (e.g. 湘潭市雨湖区 renumbered its streets): nothing is copied.
//     2016 nodes whose code is gone in 2023 are dropped (they were merged, renamed
//     or upgraded, e.g. 宁乡县 430124 -> 宁乡市 430182).
//  3. A 2016 village is kept only if its township code exists in 2023 AND is the
//     same place (rule 2). Villages of vanished or reused townships are dropped:
//     re-hanging them under a guessed 2023 township would invent links the NBS
//     never published and could collide with the real 2023 village codes.
//  4. Placeholder = the name is a grouping name (format.PlaceholderName).
//  5. Output order: depth-first from the provinces, children in code order, so
//     every parent precedes its children and each subtree is contiguous.
//
// The generator prints what it kept and dropped; the numbers go into SOURCES.md.
package main

import (
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao/regiondata/internal/format"
)

type node struct {
	code, parent, name string
	level              int
	urCode             string
	lng, lat           string // normalised decimal text, "" when unknown
	placeholder        bool
	children           []*node
}

func main() {
	shared := flag.String("shared", "/work/shared/data/regions", "folder holding national-2023-levels1-4/ and hunan-tancheng-5level-2016.csv")
	out := flag.String("out", "regiondata/regions.csv.gz", "output file")
	flag.Parse()
	log.SetFlags(0)

	g := &gen{nodes: map[string]*node{}}
	g.loadNational(filepath.Join(*shared, "national-2023-levels1-4"))
	g.mergeHunan(filepath.Join(*shared, "hunan-tancheng-5level-2016.csv"))
	order := g.order()
	if err := write(*out, order); err != nil {
		log.Fatal(err)
	}
	g.report(order)
}

type gen struct {
	nodes map[string]*node
	roots []*node
	// statistics
	synthetic      []string
	sameName       [6]int
	renamed        []string // same code, different spelling, judged the same place
	reused         []string // same code, judged a different place
	reusedCodes    map[string]bool
	gone           [6]int
	goneCounties   []string
	coordsCopied   [6]int
	villagesKept   int
	villagesCoords int
	villagesUR     int
	dropGone       int // villages whose township code is not in 2023
	dropReused     int // villages whose township code was reused for another place
	dropTownsGone  map[string]int
}

// readCSV reads a whole CSV file and checks its header.
func readCSV(path string, header ...string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	recs, err := r.ReadAll()
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		log.Fatalf("%s: header %q, want %q", path, recs[0], header)
	}
	return recs[1:]
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// add inserts a 2023 node. short and parentShort are the source's short codes.
func (g *gen) add(file string, line int, short, parentShort, name string, width, level int) {
	if !digits(short, width) || (parentShort != "" && !digits(parentShort, width-map[int]int{2: 2, 3: 2, 4: 3}[level])) {
		log.Fatalf("%s:%d: bad code %q / parent %q", file, line, short, parentShort)
	}
	if parentShort != "" && !strings.HasPrefix(short, parentShort) {
		log.Fatalf("%s:%d: code %s does not extend its parent %s", file, line, short, parentShort)
	}
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) {
		log.Fatalf("%s:%d: bad name %q", file, line, name)
	}
	code, parent := format.Pad(short), ""
	if parentShort != "" {
		parent = format.Pad(parentShort)
	}
	if code == parent {
		// The short-code format repeats a node one level down (东莞市 4419 ->
		// area 441900; 金门县 350527 -> street 350527000). Drop the copy; the
		// children, whose parent pads to the same code, hang on the original.
		g.synthetic = append(g.synthetic, fmt.Sprintf("%s %s (level %d copy of its parent)", short, name, level))
		return
	}
	if format.CodeLevel(code) != level {
		log.Fatalf("%s:%d: code %s is not a level-%d code", file, line, code, level)
	}
	if _, dup := g.nodes[code]; dup {
		log.Fatalf("%s:%d: duplicate code %s", file, line, code)
	}
	n := &node{code: code, parent: parent, name: name, level: level, placeholder: format.PlaceholderName(name)}
	if parent != "" {
		p := g.nodes[parent]
		if p == nil {
			log.Fatalf("%s:%d: parent %s of %s not found", file, line, parent, code)
		}
		p.children = append(p.children, n)
	} else {
		g.roots = append(g.roots, n)
	}
	g.nodes[code] = n
}

func (g *gen) loadNational(dir string) {
	file := func(s string) string { return filepath.Join(dir, "modood_"+s+".csv") }
	for i, r := range readCSV(file("provinces"), "code", "name") {
		g.add("provinces", i+2, r[0], "", r[1], 2, 1)
	}
	for i, r := range readCSV(file("cities"), "code", "name", "provinceCode") {
		g.add("cities", i+2, r[0], r[2], r[1], 4, 2)
	}
	for i, r := range readCSV(file("areas"), "code", "name", "cityCode", "provinceCode") {
		g.add("areas", i+2, r[0], r[2], r[1], 6, 3)
	}
	for i, r := range readCSV(file("streets"), "code", "name", "areaCode", "provinceCode", "cityCode") {
		g.add("streets", i+2, r[0], r[2], r[1], 9, 4)
	}
}

var hunanLevels = map[string]int{"province": 1, "city": 2, "county": 3, "town": 4, "village": 5}

// coord normalises a coordinate pair; it returns "", "" when either is missing.
func coord(file string, line int, lng, lat string) (string, string) {
	if lng == "" || lat == "" {
		if lng != lat {
			log.Fatalf("%s:%d: only one of lng/lat given", file, line)
		}
		return "", ""
	}
	x, err1 := strconv.ParseFloat(lng, 64)
	y, err2 := strconv.ParseFloat(lat, 64)
	if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsNaN(y) ||
		x < format.MinLng || x > format.MaxLng || y < format.MinLat || y > format.MaxLat {
		log.Fatalf("%s:%d: bad coordinates %q,%q", file, line, lng, lat)
	}
	return strconv.FormatFloat(x, 'f', -1, 64), strconv.FormatFloat(y, 'f', -1, 64)
}

func (g *gen) mergeHunan(path string) {
	recs := readCSV(path, "code", "parent", "name", "level", "rank", "ur_code", "longitude_gcj02", "latitude_gcj02")
	g.reusedCodes = map[string]bool{}
	g.dropTownsGone = map[string]int{}
	// Levels 1-4 first, so that villages can ask whether their township matched.
	for pass := 1; pass <= 2; pass++ {
		for i, r := range recs {
			line := i + 2
			code, parent, name := r[0], r[1], strings.TrimSpace(r[2])
			level, ok := hunanLevels[r[3]]
			if !ok || r[4] != strconv.Itoa(level) || format.CodeLevel(code) != level {
				log.Fatalf("%s:%d: bad level %q/%q for %s", path, line, r[3], r[4], code)
			}
			if name == "" || !digits(parent, 12) {
				log.Fatalf("%s:%d: bad row %q", path, line, r)
			}
			if (level == 5) != (pass == 2) {
				continue
			}
			lng, lat := coord(path, line, r[6], r[7])
			if level < 5 {
				if r[5] != "" {
					log.Fatalf("%s:%d: ur_code on a level-%d row", path, line, level)
				}
				n := g.nodes[code]
				if n == nil {
					g.gone[level]++
					if level == 3 {
						g.goneCounties = append(g.goneCounties, code[:6]+" "+name)
					}
					continue
				}
				if n.level != level {
					log.Fatalf("%s:%d: %s is level %d in 2016 but %d in 2023", path, line, code, level, n.level)
				}
				if n.name == name {
					g.sameName[level]++
				} else if sameEntity(name, n.name) {
					g.renamed = append(g.renamed, fmt.Sprintf("%s %s → %s", code[:9], name, n.name))
				} else {
					g.reused = append(g.reused, fmt.Sprintf("%s %s → %s", code[:9], name, n.name))
					g.reusedCodes[code] = true
					continue
				}
				if lng != "" {
					n.lng, n.lat = lng, lat
					g.coordsCopied[level]++
				}
				continue
			}
			// Villages.
			if r[5] != "" && !digits(r[5], 3) {
				log.Fatalf("%s:%d: bad ur_code %q", path, line, r[5])
			}
			if !strings.HasPrefix(code, parent[:9]) {
				log.Fatalf("%s:%d: village %s does not extend its township %s", path, line, code, parent)
			}
			p := g.nodes[parent]
			switch {
			case p == nil:
				g.dropGone++
				g.dropTownsGone[parent]++
				continue
			case g.reusedCodes[parent]:
				g.dropReused++
				continue
			case p.level != 4:
				log.Fatalf("%s:%d: parent %s of village %s is level %d in 2023", path, line, parent, code, p.level)
			}
			if _, dup := g.nodes[code]; dup {
				log.Fatalf("%s:%d: duplicate code %s", path, line, code)
			}
			v := &node{code: code, parent: parent, name: name, level: 5, urCode: r[5], lng: lng, lat: lat,
				placeholder: format.PlaceholderName(name)}
			g.nodes[code] = v
			p.children = append(p.children, v)
			g.villagesKept++
			if lng != "" {
				g.villagesCoords++
			}
			if v.urCode != "" {
				g.villagesUR++
			}
		}
	}
}

// nameSuffixes are the generic parts of township names that changed spelling
// between 2016 and 2023 (街道办事处 -> 街道, 林场 -> 国有林场, 工业园 -> 经济开发区 …).
var nameSuffixes = []string{
	"街道办事处", "办事处", "街道", "管理委员会", "管委会", "管理处", "管理区", "公务中心",
	"湿地保护与发展事务中心", "国有林场", "林场", "农场", "芦苇场", "工业园",
	"经济开发区", "产业开发区", "开发区", "镇", "乡",
}

func core(name string) string {
	for {
		trimmed := false
		for _, s := range nameSuffixes {
			if c, ok := strings.CutSuffix(name, s); ok && c != "" {
				name, trimmed = c, true
			}
		}
		if !trimmed {
			return name
		}
	}
}

// sameEntity decides whether two names given to the same code in 2016 and 2023
// denote the same place: equal after removing generic suffixes, one containing
// the other (长沙雨花经济开发区 / 雨花经济开发区, 东风路 / 东风), or the same
// length differing in one character (variant or corrected characters:
// 榔梨 / 㮾梨, 董家段 / 董家塅, 已略 / 己略). Renumbered codes give names that
// differ entirely (云塘街道 / 广场街道) and are rejected.
func sameEntity(a, b string) bool {
	if a == b || strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	ca, cb := core(a), core(b)
	if ca == cb || strings.Contains(ca, cb) || strings.Contains(cb, ca) {
		return true
	}
	ra, rb := []rune(ca), []rune(cb)
	if len(ra) != len(rb) || len(ra) < 2 {
		return false
	}
	diff := 0
	for i := range ra {
		if ra[i] != rb[i] {
			diff++
		}
	}
	return diff == 1
}

// order returns the nodes depth-first, children in code order.
func (g *gen) order() []*node {
	byCode := func(a, b *node) int { return strings.Compare(a.code, b.code) }
	var out []*node
	var walk func(ns []*node)
	walk = func(ns []*node) {
		slices.SortFunc(ns, byCode)
		for _, n := range ns {
			out = append(out, n)
			walk(n.children)
		}
	}
	walk(g.roots)
	if len(out) != len(g.nodes) {
		log.Fatalf("walked %d nodes of %d", len(out), len(g.nodes))
	}
	return out
}

func write(path string, nodes []*node) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	// No name and no modification time in the gzip header: the output depends
	// only on the data (and on the Go version's compress/flate).
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := writeCSV(zw, nodes); err != nil {
		return err
	}
	return zw.Close()
}

func writeCSV(w io.Writer, nodes []*node) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(format.Header); err != nil {
		return err
	}
	rec := make([]string, len(format.Header))
	for _, n := range nodes {
		ph := ""
		if n.placeholder {
			ph = "1"
		}
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7] =
			n.code, n.parent, n.name, strconv.Itoa(n.level), n.urCode, n.lng, n.lat, ph
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (g *gen) report(order []*node) {
	var perLevel, coords, placeholders [6]int
	var phNames []string
	for _, n := range order {
		perLevel[n.level]++
		if n.lng != "" {
			coords[n.level]++
		}
		if n.placeholder {
			placeholders[n.level]++
			phNames = append(phNames, n.code[:6]+" "+n.name)
		}
	}
	fmt.Printf("rows: %d\n", len(order))
	for l := 1; l <= 5; l++ {
		fmt.Printf("level %d: %6d nodes, %5d with coordinates, %2d placeholders\n", l, perLevel[l], coords[l], placeholders[l])
	}
	fmt.Printf("placeholders: %s\n", strings.Join(phNames, ", "))
	fmt.Printf("dropped short-code copies: %s\n", strings.Join(g.synthetic, "; "))
	fmt.Printf("2016 levels 1-4: same code and name %v; same code, respelled %d; same code, other place %d; gone in 2023 %v\n",
		g.sameName[1:5], len(g.renamed), len(g.reused), g.gone[1:5])
	fmt.Printf("coordinates copied to 2023 nodes per level: %v\n", g.coordsCopied[1:5])
	fmt.Printf("2016 counties gone: %s\n", strings.Join(g.goneCounties, ", "))
	fmt.Printf("respelled (kept): %s\n", strings.Join(g.renamed, "; "))
	fmt.Printf("code reused (not merged): %s\n", strings.Join(g.reused, "; "))
	fmt.Printf("villages: kept %d (%d with coordinates, %d with ur_code); dropped %d under %d townships gone in 2023, %d under reused township codes\n",
		g.villagesKept, g.villagesCoords, g.villagesUR, g.dropGone, len(g.dropTownsGone), g.dropReused)
}
