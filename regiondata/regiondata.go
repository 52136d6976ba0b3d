// Package regiondata ships the region tree the product needs at run time and
// reads region files for `yanglao regions import FILE`.
//
// The embedded regions.csv.gz holds the national 2023 statistical division
// codes down to townships and, for Hunan province and Tancheng county (371322),
// the villages of 2016 with GCJ-02 centres and urban/rural codes. How it was
// built, from what, under which licences and with what losses is written in
// SOURCES.md; internal/gen rebuilds it.
//
// The file format (also accepted by Read, plain or gzipped):
//
//	code,parent_code,name,level,ur_code,lng,lat,placeholder
//	110000000000,,北京市,1,,,,
//	110100000000,110000000000,市辖区,2,,,,1
//
// Codes have 12 digits; parent_code is empty for provinces; level is 1..5;
// lng/lat are GCJ-02 and either both given or both empty; placeholder is 1/0
// (true/false), and empty means "decide by the name" (IsPlaceholderName).
package regiondata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/regiondata/internal/format"
)

//go:embed regions.csv.gz
var embedded []byte

// All returns the embedded region tree, parents before children (depth first,
// children in code order). Each call parses afresh and returns new values that
// the caller may modify. Path and ChildCount are left empty: the importer fills them.
func All() ([]*yanglao.Region, error) {
	// The gzip trailer holds the uncompressed size; rows average over 45 bytes.
	hint := int(binary.LittleEndian.Uint32(embedded[len(embedded)-4:]) / 45)
	return read(bytes.NewReader(embedded), ReadOptions{}, hint)
}

// IsPlaceholderName reports whether name is the name of a placeholder node: a
// grouping in the code tables rather than a government (市辖区, 县 under
// Chongqing, 省直辖县级行政区划, 自治区直辖县级行政区划 and the GB/T 2260
// spellings …县级行政单位).
func IsPlaceholderName(name string) bool { return format.PlaceholderName(name) }

// ReadOptions adjusts Read.
type ReadOptions struct {
	// KnownParent reports whether a parent code that is not in the file exists
	// already (in the database, say), so that a file may carry only a subtree,
	// such as the villages of one county. When nil every parent must be in the file.
	KnownParent func(code string) bool
}

// Read parses a region file: the format of regions.csv.gz (see the package
// comment) or the shared 5-level 2016 format
//
//	code,parent,name,level,rank,ur_code,longitude_gcj02,latitude_gcj02
//
// with level names province/city/county/town/village and parent 100000000000
// for provinces. The format is told by the header; columns may come in any
// order and unknown columns are ignored. The input may be gzipped.
//
// Every row is checked: a 12-digit code whose structure matches the level, a
// level 1..5, a non-empty name, a parent that is in the file with a lower level,
// a 3-digit ur_code, coordinates inside China. The first problem is returned as
// a *yanglao.Error (EINVALID) whose Field is the column and whose message names
// the line. The result has parents before children: file order when the file
// already has them so, otherwise sorted by level, keeping file order within a level.
func Read(r io.Reader) ([]*yanglao.Region, error) {
	return ReadWith(r, ReadOptions{})
}

// ReadWith is Read with options.
func ReadWith(r io.Reader, opt ReadOptions) ([]*yanglao.Region, error) {
	return read(r, opt, 256)
}

// read parses with room for about hint rows allocated up front.
func read(r io.Reader, opt ReadOptions, hint int) ([]*yanglao.Region, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, yanglao.Invalid("file", "gzip 文件无法读取 (cannot read gzip file): %v", err)
		}
		defer zr.Close()
		src = zr
	}
	p := &parser{opt: opt, cr: csv.NewReader(src), hint: hint}
	p.cr.ReuseRecord = true
	return p.parse()
}

// Write writes regions in the format of regions.csv.gz (not compressed), in
// the given order. It does not validate; Read does.
func Write(w io.Writer, regions []*yanglao.Region) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(format.Header); err != nil {
		return err
	}
	rec := make([]string, len(format.Header))
	for _, r := range regions {
		lng, lat := "", ""
		if r.Lng != nil && r.Lat != nil {
			lng = strconv.FormatFloat(*r.Lng, 'f', -1, 64)
			lat = strconv.FormatFloat(*r.Lat, 'f', -1, 64)
		}
		ph := "" // the reader decides by the name, which agrees
		if r.Placeholder {
			ph = "1"
		} else if IsPlaceholderName(r.Name) {
			ph = "0"
		}
		rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7] =
			r.Code, r.ParentCode, r.Name, strconv.Itoa(r.Level), r.URCode, lng, lat, ph
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Column indexes into a record; -1 when the file has no such column.
type columns struct {
	code, parent, name, level, rank, ur, lng, lat, placeholder int
	names                                                      []string
}

// aliases maps a header name to the column it fills. The second spelling of
// each is the shared 2016 (Vonng/adcode) format.
var aliases = map[string]func(c *columns) *int{
	"code":            func(c *columns) *int { return &c.code },
	"parent_code":     func(c *columns) *int { return &c.parent },
	"parent":          func(c *columns) *int { return &c.parent },
	"name":            func(c *columns) *int { return &c.name },
	"level":           func(c *columns) *int { return &c.level },
	"rank":            func(c *columns) *int { return &c.rank },
	"ur_code":         func(c *columns) *int { return &c.ur },
	"lng":             func(c *columns) *int { return &c.lng },
	"longitude_gcj02": func(c *columns) *int { return &c.lng },
	"lat":             func(c *columns) *int { return &c.lat },
	"latitude_gcj02":  func(c *columns) *int { return &c.lat },
	"placeholder":     func(c *columns) *int { return &c.placeholder },
}

var levelNames = map[string]int{
	"province": 1, "city": 2, "county": 3, "town": 4, "township": 4, "village": 5,
}

// rootParents are the parent codes that mean "no parent": the country node of
// the 2016 format, all zeros, or empty.
var rootParents = map[string]bool{"": true, "100000000000": true, "000000000000": true}

type parser struct {
	opt  ReadOptions
	cr   *csv.Reader
	cols columns
	hint int
}

// fail builds the error for one cell: Chinese first, then English, both naming
// the line and the column as the file spells it.
func (p *parser) fail(line, col int, zh, en string, args ...any) error {
	name := "file"
	if col >= 0 && col < len(p.cols.names) {
		name = p.cols.names[col]
	}
	return yanglao.Invalid(name, "第%d行 %s 列：%s (line %d, column %s: %s)",
		line, name, fmt.Sprintf(zh, args...), line, name, fmt.Sprintf(en, args...))
}

func (p *parser) header() error {
	rec, err := p.cr.Read()
	if err == io.EOF {
		return yanglao.Invalid("file", "第1行：文件为空，缺少表头 (line 1: empty file, header missing)")
	} else if err != nil {
		return p.readErr(err)
	}
	c := &p.cols
	*c = columns{-1, -1, -1, -1, -1, -1, -1, -1, -1, nil}
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		c.names = append(c.names, h)
		if f := aliases[h]; f != nil {
			if *f(c) >= 0 {
				return yanglao.Invalid(h, "第1行：列 %s 重复 (line 1: column %s given twice)", h, h)
			}
			*f(c) = i
		}
	}
	for _, req := range []struct {
		idx  int
		name string
	}{{c.code, "code"}, {c.parent, "parent_code"}, {c.name, "name"}, {c.level, "level"}} {
		if req.idx < 0 {
			return yanglao.Invalid(req.name, "第1行：缺少列 %s，表头为 %s (line 1: column %s missing; header is %s)",
				req.name, strings.Join(rec, ","), req.name, strings.Join(rec, ","))
		}
	}
	if (c.lng < 0) != (c.lat < 0) {
		return yanglao.Invalid("lng", "第1行：经度和纬度列须同时给出 (line 1: lng and lat columns go together)")
	}
	p.cr.FieldsPerRecord = len(rec)
	return nil
}

func (p *parser) readErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return yanglao.Invalid("file", "第%d行第%d列：CSV 格式错误 (line %d, column %d: malformed CSV: %v)",
			pe.Line, pe.Column, pe.Line, pe.Column, pe.Err)
	}
	return yanglao.Invalid("file", "文件无法读取 (cannot read file): %v", err)
}

// chunk hands out Regions from blocks, which halves the allocations of All.
type chunk struct {
	buf  []yanglao.Region
	size int
}

func (c *chunk) next() *yanglao.Region {
	if len(c.buf) == 0 {
		c.buf = make([]yanglao.Region, c.size)
	}
	r := &c.buf[0]
	c.buf = c.buf[1:]
	return r
}

// rowInfo remembers where a row was, for the errors found after the last row.
type rowInfo struct {
	line, parentLine int
}

func (p *parser) parse() ([]*yanglao.Region, error) {
	if err := p.header(); err != nil {
		return nil, err
	}
	c := &p.cols
	var (
		out   = make([]*yanglao.Region, 0, p.hint)
		rows  = make([]rowInfo, 0, p.hint)
		index = make(map[string]int32, p.hint)
		alloc = chunk{size: min(p.hint, 4096)}
	)
	get := func(rec []string, i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for {
		rec, err := p.cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, p.readErr(err)
		}
		line, _ := p.cr.FieldPos(0)
		at := func(col int) int {
			if col < 0 {
				return line
			}
			l, _ := p.cr.FieldPos(col)
			return l
		}
		reg := alloc.next()

		// code
		reg.Code = get(rec, c.code)
		codeLevel := format.CodeLevel(reg.Code)
		if codeLevel == 0 {
			return nil, p.fail(at(c.code), c.code, "区划代码应为12位数字，省级部分不能为00：%q",
				"region code must be 12 digits with a non-zero province part: %q", reg.Code)
		}
		if first, dup := index[reg.Code]; dup {
			return nil, p.fail(at(c.code), c.code, "区划代码 %s 重复（第%d行已有）",
				"region code %s repeats line %d", reg.Code, rows[first].line)
		}

		// level
		lv := get(rec, c.level)
		if n, err := strconv.Atoi(lv); err == nil {
			reg.Level = n
		} else {
			reg.Level = levelNames[strings.ToLower(lv)]
		}
		if reg.Level < yanglao.LevelProvince || reg.Level > yanglao.LevelVillage {
			return nil, p.fail(at(c.level), c.level, "级别应为1至5或 province/city/county/town/village：%q",
				"level must be 1..5 or province/city/county/town/village: %q", lv)
		}
		if reg.Level != codeLevel {
			return nil, p.fail(at(c.level), c.level, "级别 %d 与代码 %s 不符（代码为%d级）",
				"level %d does not match code %s, which is a level-%d code", reg.Level, reg.Code, codeLevel)
		}
		if c.rank >= 0 {
			if rk := get(rec, c.rank); rk != "" && rk != strconv.Itoa(reg.Level) {
				return nil, p.fail(at(c.rank), c.rank, "rank %q 与级别 %d 不符", "rank %q does not match level %d", rk, reg.Level)
			}
		}

		// parent
		parent := get(rec, c.parent)
		switch {
		case rootParents[parent]:
			if reg.Level != yanglao.LevelProvince {
				return nil, p.fail(at(c.parent), c.parent, "%d级区划 %s 须有上级区划",
					"a level-%d region (%s) needs a parent", reg.Level, reg.Code)
			}
		case reg.Level == yanglao.LevelProvince:
			return nil, p.fail(at(c.parent), c.parent, "省级区划 %s 不应有上级区划 %s",
				"province %s cannot have parent %s", reg.Code, parent)
		case !yanglao.ValidRegionCode(parent):
			return nil, p.fail(at(c.parent), c.parent, "上级区划代码应为12位数字：%q",
				"parent code must be 12 digits: %q", parent)
		case parent == reg.Code:
			return nil, p.fail(at(c.parent), c.parent, "区划 %s 不能是自己的上级", "region %s cannot be its own parent", parent)
		default:
			reg.ParentCode = parent
		}

		// name
		reg.Name = get(rec, c.name)
		switch {
		case reg.Name == "":
			return nil, p.fail(at(c.name), c.name, "名称不能为空", "name is empty")
		case !utf8.ValidString(reg.Name):
			return nil, p.fail(at(c.name), c.name, "名称不是有效的 UTF-8 文本（文件须为 UTF-8 编码）",
				"name is not valid UTF-8 (the file must be UTF-8)")
		case utf8.RuneCountInString(reg.Name) > 100:
			return nil, p.fail(at(c.name), c.name, "名称过长（最多100字）", "name is longer than 100 characters")
		}

		// ur_code
		reg.URCode = get(rec, c.ur)
		if reg.URCode != "" && (len(reg.URCode) != 3 || strings.Trim(reg.URCode, "0123456789") != "") {
			return nil, p.fail(at(c.ur), c.ur, "城乡分类代码应为3位数字：%q", "ur_code must be 3 digits: %q", reg.URCode)
		}

		// coordinates
		lngS, latS := get(rec, c.lng), get(rec, c.lat)
		if (lngS == "") != (latS == "") {
			col := c.lat
			if lngS == "" {
				col = c.lng
			}
			return nil, p.fail(at(col), col, "经度和纬度须同时给出", "lng and lat go together; one is missing")
		}
		if lngS != "" {
			xy := new([2]float64)
			for i, s := range []string{lngS, latS} {
				col, lo, hi := c.lng, format.MinLng, format.MaxLng
				if i == 1 {
					col, lo, hi = c.lat, format.MinLat, format.MaxLat
				}
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || math.IsNaN(v) || v < lo || v > hi {
					return nil, p.fail(at(col), col, "坐标 %q 不是 %g 至 %g 之间的数（GCJ-02，中国境内）",
						"coordinate %q is not a number from %g to %g (GCJ-02, inside China)", s, lo, hi)
				}
				xy[i] = v
			}
			reg.Lng, reg.Lat = &xy[0], &xy[1]
		}

		// placeholder
		if ph := get(rec, c.placeholder); ph == "" {
			reg.Placeholder = IsPlaceholderName(reg.Name)
		} else if b, err := strconv.ParseBool(ph); err == nil {
			reg.Placeholder = b
		} else {
			return nil, p.fail(at(c.placeholder), c.placeholder, "placeholder 应为 1/0 或 true/false：%q",
				"placeholder must be 1/0 or true/false: %q", ph)
		}

		index[reg.Code] = int32(len(out))
		rows = append(rows, rowInfo{line: line, parentLine: at(c.parent)})
		out = append(out, reg)
	}

	// Parents: in the file with a lower level, or known outside it.
	ordered := true
	for i, reg := range out {
		if reg.ParentCode == "" {
			continue
		}
		j, ok := index[reg.ParentCode]
		if !ok {
			if p.opt.KnownParent != nil && p.opt.KnownParent(reg.ParentCode) {
				continue
			}
			return nil, p.fail(rows[i].parentLine, c.parent, "上级区划 %s 不在文件中", "parent %s is not in the file", reg.ParentCode)
		}
		if pl := out[j].Level; pl >= reg.Level {
			return nil, p.fail(rows[i].parentLine, c.parent, "上级区划 %s 的级别 %d 不高于本级 %d",
				"parent %s has level %d, not above this row's level %d", reg.ParentCode, pl, reg.Level)
		}
		if int(j) > i {
			ordered = false
		}
	}
	if !ordered {
		// A parent's level is always lower, so ordering by level puts parents first.
		slices.SortStableFunc(out, func(a, b *yanglao.Region) int { return a.Level - b.Level })
	}
	return out, nil
}
