// Package register is the file side of the register of older people (issue 3,
// item 3): the column spec of import files and their templates, row parsing
// into yanglao.Person values, streaming CSV and .xlsx readers and writers,
// the rejected-rows report, and exports that are masked and safe from
// spreadsheet formula injection. It does no I/O beyond the readers and writers
// it is handed and holds no SQL: validation of a parsed person is the
// register's own (sqldb.PersonService), so there is exactly one validator.
package register

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/yanglao/yanglao"
)

// Kind is what a file holds.
type Kind string

const (
	People Kind = "people" // 老年人信息
	Deaths Kind = "deaths" // 死亡信息（民政、公安、卫健、殡葬等部门交换）
	Moves  Kind = "moves"  // 迁出信息
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == People || k == Deaths || k == Moves }

// Name is the kind in the user's language.
func (k Kind) Name(lang string) string {
	names := map[Kind][2]string{People: {"老年人信息", "People"}, Deaths: {"死亡信息", "Deaths"}, Moves: {"迁出信息", "Moves"}}
	n := names[k]
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// Mode decides what happens to the valid rows of a file that has rejected rows.
type Mode string

const (
	// AllOrNothing checks the whole file first and imports nothing if any row is rejected.
	AllOrNothing Mode = "all_or_nothing"
	// ValidRows imports the valid rows and reports the rejected ones.
	ValidRows Mode = "valid_rows"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == AllOrNothing || m == ValidRows }

// Format is a file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Valid reports whether f is a known format.
func (f Format) Valid() bool { return f == CSV || f == XLSX }

// Sniff tells the format from the first bytes of a file: an .xlsx is a zip.
func Sniff(head []byte) Format {
	if len(head) >= 4 && string(head[:4]) == "PK\x03\x04" {
		return XLSX
	}
	return CSV
}

// Column is one column of an import file. A file names a column by its Chinese
// header or by its English key; columns may come in any order.
type Column struct {
	Key      string // English key, also accepted as the header
	Header   string // Chinese header, written in templates
	Required bool
	Note     [2]string // what to write, Chinese and English
	Example  string
}

// Column keys.
const (
	ColName            = "name"
	ColIDNumber        = "id_number"
	ColPhones          = "phones"
	ColResidence       = "residence_code"
	ColHousehold       = "household_code"
	ColAddress         = "address"
	ColLng             = "lng"
	ColLat             = "lat"
	ColEthnicity       = "ethnicity"
	ColLiving          = "living"
	ColDisabilityCert  = "disability_cert"
	ColDisabilityGrade = "disability_grade"
	ColChronic         = "chronic"
	ColContactName     = "contact_name"
	ColContactRelation = "contact_relation"
	ColContactPhone    = "contact_phone"
	ColStatusKind      = "status_kind"
	ColStatusSource    = "status_source"
	ColStatusStart     = "status_start"
	ColStatusEnd       = "status_end"
	ColDeathDate       = "death_date"
	ColMovedOutDate    = "moved_out_date"
	ColMovedTo         = "moved_to"
)

// PeopleColumns is the spec of a people file, in template order.
var PeopleColumns = []Column{
	{ColName, "姓名", true, [2]string{"必填，最多50个字", "Required, at most 50 characters"}, "张桂英"},
	{ColIDNumber, "身份证号", true, [2]string{"必填，18位（15位旧号自动升位）；Excel中请把该列设为文本", "Required, 18 characters (15-digit legacy numbers are converted); format the column as text in Excel"}, "431002194501010028"},
	{ColPhones, "电话", false, [2]string{"最多3个，用分号或顿号分隔", "Up to 3, separated by ; or 、"}, "13907350001"},
	{ColResidence, "常住地区划代码", true, [2]string{"必填，12位统计用区划代码（村/社区或乡镇街道），须在您的辖区内", "Required, 12-digit division code (village or township) inside your region"}, "431002001001"},
	{ColHousehold, "户籍地区划代码", false, [2]string{"12位统计用区划代码", "12-digit division code"}, "431002001001"},
	{ColAddress, "详细地址", false, [2]string{"最多200个字", "At most 200 characters"}, "人民路12号3栋101"},
	{ColLng, "经度", false, [2]string{"GCJ-02，与纬度成对填写", "GCJ-02, together with latitude"}, "113.0146"},
	{ColLat, "纬度", false, [2]string{"GCJ-02，与经度成对填写", "GCJ-02, together with longitude"}, "25.7706"},
	{ColEthnicity, "民族", false, [2]string{"如：汉族", "E.g. 汉族"}, "汉族"},
	{ColLiving, "居住状况", false, [2]string{"见“代码说明”表", "See the code sheet"}, "独居"},
	{ColDisabilityCert, "残疾证号", false, [2]string{"", ""}, ""},
	{ColDisabilityGrade, "残疾等级", false, [2]string{"1到4级，1级最重", "1 (most severe) to 4"}, ""},
	{ColChronic, "慢性病", false, [2]string{"多个用顿号分隔", "Several separated by 、"}, "高血压、糖尿病"},
	{ColContactName, "紧急联系人", false, [2]string{"", ""}, "李明"},
	{ColContactRelation, "联系人关系", false, [2]string{"如：儿子、女儿", "E.g. son, daughter"}, "儿子"},
	{ColContactPhone, "联系人电话", false, [2]string{"", ""}, "13907350002"},
	{ColStatusKind, "身份类别", false, [2]string{"见“代码说明”表，多个用顿号分隔，共用来源和日期", "See the code sheet; several separated by 、 share source and dates"}, "低保"},
	{ColStatusSource, "身份来源", false, [2]string{"认定部门或数据交换来源，填了身份类别则必填", "Department or data exchange; required with a status"}, "北湖区民政局"},
	{ColStatusStart, "身份开始日期", false, [2]string{"YYYY-MM-DD，填了身份类别则必填", "YYYY-MM-DD; required with a status"}, "2024-01-01"},
	{ColStatusEnd, "身份结束日期", false, [2]string{"YYYY-MM-DD，可空", "YYYY-MM-DD, may be empty"}, ""},
}

// DeathColumns is the spec of a deaths feed.
var DeathColumns = []Column{
	{ColIDNumber, "身份证号", true, [2]string{"必填", "Required"}, "431002194501010028"},
	{ColDeathDate, "死亡日期", true, [2]string{"必填，YYYY-MM-DD", "Required, YYYY-MM-DD"}, "2025-03-01"},
	{ColName, "姓名", false, [2]string{"可选；填写则须与登记一致", "Optional; must match the register when given"}, "张桂英"},
}

// MoveColumns is the spec of a moves feed.
var MoveColumns = []Column{
	{ColIDNumber, "身份证号", true, [2]string{"必填", "Required"}, "431002194501010028"},
	{ColMovedOutDate, "迁出日期", true, [2]string{"必填，YYYY-MM-DD", "Required, YYYY-MM-DD"}, "2025-03-01"},
	{ColMovedTo, "迁往", false, [2]string{"迁往地，最多200个字", "Destination, at most 200 characters"}, "广东省广州市"},
	{ColName, "姓名", false, [2]string{"可选；填写则须与登记一致", "Optional; must match the register when given"}, "张桂英"},
}

// Columns returns the spec of a kind.
func Columns(k Kind) []Column {
	switch k {
	case Deaths:
		return DeathColumns
	case Moves:
		return MoveColumns
	}
	return PeopleColumns
}

// Header maps the columns of one file to their keys.
type Header struct {
	Kind  Kind
	index map[string]int // key → cell index
}

// Has reports whether the file has the column.
func (h *Header) Has(key string) bool { _, ok := h.index[key]; return ok }

// Keys lists the keys present, in spec order.
func (h *Header) Keys() []string {
	var out []string
	for _, c := range Columns(h.Kind) {
		if h.Has(c.Key) {
			out = append(out, c.Key)
		}
	}
	return out
}

// CellFor returns the trimmed cell of key in a row, "" when absent.
func (h *Header) CellFor(cells []string, key string) string { return h.cell(cells, key) }

// cell returns the trimmed cell of key, "" when the column or the cell is absent.
func (h *Header) cell(cells []string, key string) string {
	i, ok := h.index[key]
	if !ok || i >= len(cells) {
		return ""
	}
	return strings.TrimFunc(cells[i], func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' })
}

// normHeader folds a header cell for matching: no spaces, no BOM, no "*" marking
// a required column, no "(…)" explanations, lower case.
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = s[:i]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return s
}

// ParseHeader reads the header row of a file of kind k. Every required column must
// be there; a column the spec does not know is an error (a typo would otherwise
// drop data silently), as is the same column twice.
func ParseHeader(k Kind, cells []string) (*Header, error) {
	byName := map[string]string{}
	for _, c := range Columns(k) {
		byName[normHeader(c.Header)] = c.Key
		byName[normHeader(c.Key)] = c.Key
	}
	h := &Header{Kind: k, index: map[string]int{}}
	var unknown []string
	for i, cell := range cells {
		n := normHeader(cell)
		if n == "" {
			continue
		}
		key, ok := byName[n]
		if !ok {
			if len(unknown) < 5 {
				unknown = append(unknown, clip(strings.TrimSpace(cell)))
			}
			continue
		}
		if _, dup := h.index[key]; dup {
			return nil, yanglao.Invalid("file", "表头中“%s”列重复 (column %q appears twice in the header)", cell, key)
		}
		h.index[key] = i
	}
	if len(unknown) > 0 {
		return nil, yanglao.Invalid("file", "表头中有无法识别的列：%s；请使用模板中的列名 (unknown columns in the header: %s; use the template's column names)",
			strings.Join(unknown, "、"), strings.Join(unknown, ", "))
	}
	var missing, missingEn []string
	for _, c := range Columns(k) {
		if c.Required && !h.Has(c.Key) {
			missing, missingEn = append(missing, c.Header), append(missingEn, c.Key)
		}
	}
	if len(missing) > 0 {
		return nil, yanglao.Invalid("file", "缺少必填列：%s (missing required columns: %s)", strings.Join(missing, "、"), strings.Join(missingEn, ", "))
	}
	return h, nil
}

// headerOf returns the Chinese header of key in kind k.
func headerOf(k Kind, key string) string {
	for _, c := range Columns(k) {
		if c.Key == key {
			return c.Header
		}
	}
	return key
}

// FieldHeader names a field of a report in Chinese and English, e.g. "身份证号 id_number".
func FieldHeader(k Kind, field string) string {
	h := headerOf(k, fieldColumn(field))
	if h == field {
		return field
	}
	return fmt.Sprintf("%s %s", h, field)
}

// fieldColumn maps a validation field name (from yanglao.Error.Field) to the column that holds it.
func fieldColumn(field string) string {
	switch field {
	case "phones":
		return ColPhones
	case "contacts":
		return ColContactPhone
	case "kind":
		return ColStatusKind
	case "source":
		return ColStatusSource
	case "start":
		return ColStatusStart
	case "end":
		return ColStatusEnd
	}
	return field
}
