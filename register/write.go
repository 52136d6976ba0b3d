package register

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
	"github.com/yanglao/yanglao/idcard"
)

// SafeCell protects a cell from spreadsheet formula injection (OWASP "CSV
// injection"): text starting with = + - @ or a tab or carriage return is
// prefixed with a single quote, so Excel and WPS show it as text instead of
// running it.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	// Full-width look-alikes are converted to formulas by some spreadsheet programs.
	if strings.HasPrefix(s, "＝") || strings.HasPrefix(s, "＋") || strings.HasPrefix(s, "－") || strings.HasPrefix(s, "＠") {
		return "'" + s
	}
	return s
}

// Writer writes rows of text cells to a CSV or .xlsx file, every cell through
// SafeCell. Rows stream: a CSV goes out as it is written; an .xlsx is built by
// excelize's stream writer (spilling to a temporary file past 16 MB) and sent
// on Close, since a zip cannot be finished before its last entry.
type Writer interface {
	Row(cells []string) error
	Close() error
}

// BOM starts every CSV we write, so Excel opens the Chinese text as UTF-8.
const BOM = "\ufeff"

type csvWriter struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	buf []string
}

// NewCSVWriter writes UTF-8 CSV with a byte-order mark.
func NewCSVWriter(w io.Writer) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true // what Excel writes and expects
	return &csvWriter{bw: bw, cw: cw}, nil
}

func (c *csvWriter) Row(cells []string) error {
	c.buf = c.buf[:0]
	for _, s := range cells {
		c.buf = append(c.buf, SafeCell(s))
	}
	return c.cw.Write(c.buf)
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// NewWriter returns a CSV or .xlsx writer; opts shape an .xlsx.
func NewWriter(w io.Writer, f Format, opts XLSXOptions) (Writer, error) {
	if f == XLSX {
		return NewFastXLSXWriter(w, opts)
	}
	return NewCSVWriter(w)
}

// ExampleID is the citizen ID of the template's example row. A row carrying it
// is refused, so an example left in the file is not registered as a person.
var ExampleID = idcard.Generate("431002", time.Date(1945, 1, 1, 0, 0, 0, 0, time.UTC), 2)

// ContentType is the MIME type of a format.
func ContentType(f Format) string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// WriteTemplate writes the import template of kind k: the header and one example
// row; an .xlsx has a second sheet explaining every column and code.
func WriteTemplate(w io.Writer, k Kind, f Format) error {
	cols := Columns(k)
	header, example := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
		example[i] = c.Example
		if c.Key == ColIDNumber {
			example[i] = ExampleID
		}
	}
	if f == CSV {
		cw, err := NewCSVWriter(w)
		if err != nil {
			return err
		}
		cw.Row(header)
		cw.Row(example)
		return cw.Close()
	}
	return writeTemplateXLSX(w, k, header, example)
}

func writeTemplateXLSX(w io.Writer, k Kind, header, example []string) error {
	x := excelize.NewFile()
	defer x.Close()
	data := k.Name("zh")
	if err := x.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	textStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text, so IDs and codes stay as typed
	if err != nil {
		return err
	}
	headStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	reqStyle, err := x.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true, Color: "C00000"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	cols := Columns(k)
	last, _ := excelize.ColumnNumberToName(len(cols))
	if err := x.SetColStyle(data, "A:"+last, textStyle); err != nil {
		return err
	}
	for i, c := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		x.SetColWidth(data, name, name, float64(max(10, 2*len([]rune(c.Header))+4)))
		if c.Key == ColIDNumber || c.Key == ColResidence || c.Key == ColHousehold {
			x.SetColWidth(data, name, name, 22)
		}
		cell := name + "1"
		x.SetCellStr(data, cell, header[i])
		st := headStyle
		if c.Required {
			st = reqStyle
		}
		x.SetCellStyle(data, cell, cell, st)
		x.SetCellStr(data, name+"2", example[i])
		if c.Note[0] != "" {
			x.AddComment(data, excelize.Comment{Cell: cell, Author: "yanglao", Paragraph: []excelize.RichTextRun{{Text: c.Note[0] + "\n" + c.Note[1]}}})
		}
	}
	x.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	const codes = "代码说明"
	if _, err := x.NewSheet(codes); err != nil {
		return err
	}
	rows := [][]string{
		{"说明 (Notes)"},
		{"第1行是表头，红色为必填列；表头可以用中文列名，也可以用英文键。第2行是示例，导入前请删除。", "Row 1 is the header (red: required); headers may be the Chinese names or the English keys. Row 2 is an example: delete it before importing."},
		{"按身份证号更新：已登记的人按文件内容更新，文件中没有的列保持不变；同一文件重复导入不会改变任何数据。", "Upsert by citizen ID: registered people are updated from the file, columns the file lacks are kept; importing the same file again changes nothing."},
		{},
		{"列名", "英文键 (key)", "必填 (required)", "说明", "Notes", "示例 (example)"},
	}
	for _, c := range cols {
		req := ""
		if c.Required {
			req = "是 yes"
		}
		ex := c.Example
		if c.Key == ColIDNumber {
			ex = ExampleID
		}
		rows = append(rows, []string{c.Header, c.Key, req, c.Note[0], c.Note[1], ex})
	}
	if k == People {
		rows = append(rows, []string{}, []string{"居住状况 (living arrangement)", "代码 (code)", "", "中文", "English"})
		for _, key := range sortedKeys(yanglao.LivingArrangements) {
			n := yanglao.LivingArrangements[key]
			rows = append(rows, []string{"", key, "", n[0], n[1]})
		}
		rows = append(rows, []string{}, []string{"身份类别 (status kind)", "代码 (code)", "", "中文", "English"})
		for _, key := range sortedKeys(yanglao.StatusKinds) {
			n := yanglao.StatusKinds[key]
			rows = append(rows, []string{"", key, "", n[0], n[1]})
		}
		rows = append(rows, []string{}, []string{"区划代码 (region codes)", "", "", "12位统计用区划代码，可在“区划”页面查询", "12-digit statistical division codes; look them up on the Regions page"})
	}
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			x.SetCellStr(codes, cell, v)
		}
	}
	for col, wd := range map[string]float64{"A": 26, "B": 20, "C": 14, "D": 50, "E": 50, "F": 22} {
		x.SetColWidth(codes, col, col, wd)
	}
	return x.Write(w)
}

func sortedKeys(m map[string][2]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Reject is a row the import refused: its spreadsheet row number (the header is
// row 1), the column at fault and the reason, Chinese then English.
type Reject struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// RejectOf builds the reject of row from a validation error, naming the column.
func RejectOf(row int, err error) Reject {
	field := fieldColumn(yanglao.ErrorField(err))
	if field == "" {
		field = "row"
	}
	return Reject{Row: row, Field: field, Message: yanglao.ErrorMessage(err)}
}

// RejectHeader is the header of the rejected-rows report.
var RejectHeader = []string{"行号 (row)", "列 (column)", "列名 (column name)", "原因 (reason)"}

// RejectCells is one line of the rejected-rows report.
func RejectCells(k Kind, r Reject) []string {
	return []string{strconv.Itoa(r.Row), r.Field, headerOf(k, r.Field), r.Message}
}

// ExportHeader is the header of a people export. Column names match the import
// template where the column is the same.
var ExportHeader = []string{"编号", "姓名", "性别", "出生日期", "年龄", "身份证号（脱敏）", "电话（脱敏）", "常住地区划代码", "常住地",
	"户籍地区划代码", "详细地址", "经度", "纬度", "民族", "居住状况", "残疾证号", "残疾等级", "慢性病", "身份类别", "生存状态",
	"死亡日期", "迁出日期", "迁往", "能力等级", "更新时间"}

// ExportWidths are the column widths of an .xlsx export.
var ExportWidths = []float64{10, 12, 6, 12, 6, 22, 16, 16, 30, 16, 30, 10, 10, 8, 12, 14, 8, 20, 24, 10, 12, 12, 20, 10, 18}

// ExportCells is one person as export cells: the citizen ID and phones masked,
// active statuses on today, names of codes in Chinese. regionName may be nil.
func ExportCells(p *yanglao.Person, today yanglao.Date, regionName func(code string) string) []string {
	sex := map[string]string{"M": "男", "F": "女"}[p.Sex]
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	living := ""
	if n, ok := yanglao.LivingArrangements[p.Living]; ok {
		living = n[0]
	}
	grade := ""
	if p.DisabilityGrade > 0 {
		grade = strconv.Itoa(p.DisabilityGrade) + "级"
	}
	var statuses []string
	for _, st := range p.Statuses {
		if st.ActiveOn(today) {
			if n, ok := yanglao.StatusKinds[st.Kind]; ok {
				statuses = append(statuses, n[0])
			}
		}
	}
	life := map[string]string{yanglao.Alive: "在世", yanglao.Deceased: "已故", yanglao.MovedOut: "已迁出"}[p.Life]
	assessed := ""
	if p.Grade != nil && *p.Grade >= int(assess.Intact) && *p.Grade <= int(assess.CompletelyLost) {
		grade := assess.Grade(*p.Grade)
		assessed = grade.Name()
	}
	residence := ""
	if regionName != nil {
		residence = regionName(p.ResidenceCode)
	}
	return []string{strconv.FormatInt(p.ID, 10), p.Name, sex, p.BirthDate.String(), strconv.Itoa(yanglao.AgeOn(p.BirthDate, today)),
		p.IDMasked, strings.Join(p.PhonesMasked, "；"), p.ResidenceCode, residence, p.HouseholdCode, p.Address, f(p.Lng), f(p.Lat),
		p.Ethnicity, living, p.DisabilityCert, grade, strings.Join(p.Chronic, "、"), strings.Join(statuses, "、"), life,
		p.DeathDate.String(), p.MovedOutDate.String(), p.MovedTo, assessed, p.UpdatedAt.In(yanglao.Shanghai).Format("2006-01-02 15:04")}
}

// FileName is a download's file name: base, today's date, extension.
func FileName(base string, f Format, now time.Time) string {
	return fmt.Sprintf("%s-%s.%s", base, now.In(yanglao.Shanghai).Format("20060102"), f)
}
