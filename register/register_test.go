package register

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yanglao/yanglao"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []string
		field string // "" when it parses
		want  string // an error message fragment
	}{
		{"chinese", []string{"姓名", "身份证号", "常住地区划代码"}, "", ""},
		{"english keys any order", []string{"residence_code", "Name", "ID_NUMBER", "phones"}, "", ""},
		{"marks and notes", []string{"\ufeff*姓名", "身份证号（18位）", " 常住地区划代码 ", "电话(多个用分号)"}, "", ""},
		{"empty columns ignored", []string{"姓名", "", "身份证号", "常住地区划代码", ""}, "", ""},
		{"missing required", []string{"姓名", "电话"}, "file", "身份证号、常住地区划代码"},
		{"unknown column", []string{"姓名", "身份证号", "常住地区划代码", "电 话号"}, "file", "电 话号"},
		{"twice", []string{"姓名", "name", "身份证号", "常住地区划代码"}, "file", "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(People, tc.cells)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !h.Has(ColName) || !h.Has(ColIDNumber) || !h.Has(ColResidence) {
					t.Fatalf("keys: %v", h.Keys())
				}
				return
			}
			if yanglao.ErrorField(err) != tc.field || !strings.Contains(yanglao.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want field %s with %q", err, tc.field, tc.want)
			}
		})
	}
	// Feeds have their own columns.
	if _, err := ParseHeader(Deaths, []string{"身份证号", "死亡日期"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseHeader(Moves, []string{"id_number", "moved_out_date", "moved_to"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseHeader(Deaths, []string{"身份证号", "迁出日期"}); yanglao.ErrorField(err) != "file" {
		t.Fatalf("a moves header as deaths: %v", err)
	}
}

func TestParsePersonRow(t *testing.T) {
	var header []string
	for _, c := range PeopleColumns {
		header = append(header, c.Key)
	}
	h, err := ParseHeader(People, header)
	if err != nil {
		t.Fatal(err)
	}
	row := func(kv ...string) []string {
		cells := make([]string, len(header))
		for i := 0; i < len(kv); i += 2 {
			cells[slices.Index(header, kv[i])] = kv[i+1]
		}
		return cells
	}
	base := []string{"name", " 张三 ", "id_number", "'431002194501010028", "residence_code", "431002001001"}
	p, st, err := h.Person(row(append(base, "phones", "139 0735 0001；13907350002、13907350003", "living", "独居", "disability_grade", "二级",
		"chronic", "高血压、糖尿病", "lng", "113.1", "lat", "25.7", "contact_name", "李明", "contact_phone", "13907350009",
		"status_kind", "低保、失能、低保", "status_source", "民政局", "status_start", "2024年1月5日", "status_end", "20241231")...))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "张三" || p.IDNumber != "431002194501010028" || p.Living != "alone" || p.DisabilityGrade != 2 ||
		!slices.Equal(p.Phones, []string{"139 0735 0001", "13907350002", "13907350003"}) || !slices.Equal(p.Chronic, []string{"高血压", "糖尿病"}) ||
		*p.Lng != 113.1 || *p.Lat != 25.7 || len(p.Contacts) != 1 || p.Contacts[0].Phone != "13907350009" {
		t.Fatalf("person: %+v", p)
	}
	if len(st) != 2 || st[0].Kind != "dibao" || st[1].Kind != "disabled" || st[0].Start.String() != "2024-01-05" || st[0].End.String() != "2024-12-31" {
		t.Fatalf("statuses: %+v", st)
	}
	for _, tc := range []struct {
		name  string
		kv    []string
		field string
	}{
		{"living unknown", []string{"living", "住养老院吧"}, ColLiving},
		{"living by key", []string{"living", "empty_nest"}, ""},
		{"living in English", []string{"living", "Lives alone"}, ""},
		{"grade not a number", []string{"disability_grade", "重"}, ColDisabilityGrade},
		{"grade 5", []string{"disability_grade", "5"}, ColDisabilityGrade},
		{"lng without lat", []string{"lng", "113"}, ColLat},
		{"lng not a number", []string{"lng", "东经113", "lat", "25"}, ColLng},
		{"status unknown", []string{"status_kind", "富豪", "status_source", "x", "status_start", "2024-01-01"}, ColStatusKind},
		{"status without source", []string{"status_kind", "低保", "status_start", "2024-01-01"}, ColStatusSource},
		{"status without start", []string{"status_kind", "低保", "status_source", "x"}, ColStatusStart},
		{"status bad date", []string{"status_kind", "低保", "status_source", "x", "status_start", "2024-02-30"}, ColStatusStart},
		{"status ends before start", []string{"status_kind", "低保", "status_source", "x", "status_start", "2024-02-01", "status_end", "2024-01-01"}, ColStatusEnd},
		{"source without kind", []string{"status_source", "民政局"}, ColStatusKind},
		{"ID as an Excel number", []string{"id_number", "4.31002E+17"}, ColIDNumber},
		{"ethnicity too long", []string{"ethnicity", strings.Repeat("汉", 21)}, ColEthnicity},
		{"status by Chinese name with brackets", []string{"status_kind", "特困(分散供养)", "status_source", "x", "status_start", "2024-01-01"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := h.Person(row(append(slices.Clone(base), tc.kv...)...))
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if yanglao.ErrorField(err) != tc.field || yanglao.ErrorCode(err) != yanglao.EINVALID {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
			if m := yanglao.ErrorMessage(err); !strings.Contains(m, "(") || m[0] < 0x80 {
				t.Fatalf("message not Chinese then English: %q", m)
			}
		})
	}
}

func TestParseDay(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-05": "2024-01-05", "2024/1/5": "2024-01-05", "2024.1.5": "2024-01-05", "20240105": "2024-01-05",
		"2024年1月5日": "2024-01-05", "2024-01-05 00:00:00": "2024-01-05", "45296": "2024-01-05", "2024-02-29": "2024-02-29",
		"2023-02-29": "", "2024-13-01": "", "yesterday": "", "1": "", "45296.5": "", "1850-01-01": "", "": "",
	} {
		d, err := ParseDay("start", in)
		if got := d.String(); got != want || (want == "") != (err != nil) {
			t.Errorf("ParseDay(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err != nil && yanglao.ErrorField(err) != "start" {
			t.Errorf("ParseDay(%q) error names %q", in, yanglao.ErrorField(err))
		}
	}
}

func TestParseFeedRow(t *testing.T) {
	h, err := ParseHeader(Moves, []string{"身份证号", "迁出日期", "迁往", "姓名"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Feed([]string{" 431002194501010028 ", "2025/3/1", "广州", "张三"})
	if err != nil || r.Date.String() != "2025-03-01" || r.MovedTo != "广州" || r.Name != "张三" || r.IDNumber != "431002194501010028" {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := h.Feed([]string{"431002194501010028", ""}); yanglao.ErrorField(err) != ColMovedOutDate {
		t.Fatalf("no date: %v", err)
	}
	if _, err := h.Feed([]string{"", "2025-01-01"}); yanglao.ErrorField(err) != ColIDNumber {
		t.Fatalf("no ID: %v", err)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+861390000": "'+861390000", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"＝HYPERLINK()": "'＝HYPERLINK()", "张三": "张三", "": "", "2024-01-01": "2024-01-01", "a=b": "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func readAll(t *testing.T, rr RowReader) [][]string {
	t.Helper()
	var out [][]string
	for {
		_, cells, err := rr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slices.Clone(cells))
	}
}

func TestCSVReader(t *testing.T) {
	want := [][]string{{"姓名", "备注"}, {"张三", "第一行\n第二行"}, {"李四", "含,逗号"}}
	var plain bytes.Buffer
	for _, r := range want {
		plain.WriteString(r[0] + ",\"" + r[1] + "\"\r\n")
	}
	gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(plain.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tabbed := strings.ReplaceAll(strings.ReplaceAll(plain.String(), ",\"", "\t\""), "含,逗号", "含,逗号")
	for name, data := range map[string][]byte{
		"utf-8":         plain.Bytes(),
		"utf-8 BOM":     append([]byte(BOM), plain.Bytes()...),
		"GB18030":       gbk,
		"tab-separated": []byte(tabbed),
	} {
		t.Run(name, func(t *testing.T) {
			rr, err := NewCSVReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, rr); !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("got %q", got)
			}
		})
	}
	// GB18030 after a long ASCII start cannot be detected up front: the row is refused, not stored garbled.
	late, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("张三,x\r\n"))
	rr, _ := NewCSVReader(bytes.NewReader(append([]byte(strings.Repeat("name,note\r\n", 8000)), late...)))
	var lateErr error
	for lateErr == nil {
		_, _, lateErr = rr.Next()
	}
	if yanglao.ErrorField(lateErr) != "file" || !strings.Contains(yanglao.ErrorMessage(lateErr), "8001") {
		t.Fatalf("late GB18030 row: %v", lateErr)
	}
	if _, err := NewCSVReader(bytes.NewReader([]byte("\xff\xfeA\x00"))); yanglao.ErrorField(err) != "file" {
		t.Fatalf("UTF-16: %v", err)
	}
}

// TestXLSXRoundTrip writes with the fast writer (inline and shared strings)
// and reads back with both our reader and excelize, the pinned library.
func TestXLSXRoundTrip(t *testing.T) {
	rows := [][]string{
		{"姓名", "身份证号", "备注"},
		{"张三", "431002194501010028", "=HYPERLINK(\"http://x\")"},
		{"", "", "a & b < c > d \"q\" 'a'"},
		{"李四", "", ""},
		{"王五\t", "", "控制\x01字符"},
	}
	for _, shared := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewFastXLSXWriter(&buf, XLSXOptions{Sheet: "数据", Widths: []float64{10, 20}, TextColumns: []int{2}, SharedStrings: shared})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		wantCells := [][]string{
			{"姓名", "身份证号", "备注"},
			{"张三", "431002194501010028", "'=HYPERLINK(\"http://x\")"},
			{"", "", "a & b < c > d \"q\" 'a'"},
			{"李四"},
			{"王五\t", "", "控制字符"},
		}
		rr, err := NewXLSXReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, rr); !slices.EqualFunc(got, wantCells, slices.Equal) {
			t.Fatalf("shared=%v: our reader: %q", shared, got)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("excelize cannot open our file: %v", err)
		}
		got, err := f.GetRows("数据")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, wantCells, slices.Equal) {
			t.Fatalf("shared=%v: excelize reads %q", shared, got)
		}
	}
}

// TestXLSXReaderExcelizeFile reads a workbook as excelize (like Excel) writes
// it: shared strings, rich text, numbers, dates, gaps, a second sheet.
func TestXLSXReaderExcelizeFile(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "人员")
	f.SetCellValue("人员", "A1", "姓名")
	f.SetCellValue("人员", "B1", "电话")
	f.SetCellValue("人员", "D1", "日期")
	f.SetCellRichText("人员", "A2", []excelize.RichTextRun{{Text: "张"}, {Text: "三", Font: &excelize.Font{Bold: true}}})
	f.SetCellValue("人员", "B2", 13907350001)
	f.SetCellValue("人员", "D2", time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC))
	f.SetCellValue("人员", "A4", "李&四")
	f.SetCellValue("人员", "C4", true)
	f.SetCellValue("人员", "B4", 1.5)
	f.NewSheet("说明")
	f.SetCellValue("说明", "A1", "不应读到")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rr, err := NewXLSXReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var rowsSeen []int
	var got [][]string
	for {
		row, cells, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rowsSeen = append(rowsSeen, row)
		got = append(got, slices.Clone(cells))
	}
	if !slices.Equal(rowsSeen, []int{1, 2, 4}) {
		t.Fatalf("row numbers %v", rowsSeen)
	}
	if got[1][0] != "张三" || got[1][1] != "13907350001" || got[2][0] != "李&四" || got[2][1] != "1.5" || got[2][2] != "TRUE" {
		t.Fatalf("cells %q", got)
	}
	if d, err := ParseDay("d", got[1][3]); err != nil || d.String() != "2024-01-05" {
		t.Fatalf("date cell %q: %v %v", got[1][3], d, err)
	}
	if _, err := NewXLSXReader(bytes.NewReader([]byte("PK\x03\x04garbage")), 12); yanglao.ErrorField(err) != "file" {
		t.Fatalf("broken zip: %v", err)
	}
}

func TestTemplates(t *testing.T) {
	for _, k := range []Kind{People, Deaths, Moves} {
		var c bytes.Buffer
		if err := WriteTemplate(&c, k, CSV); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(c.Bytes(), []byte(BOM)) {
			t.Fatal("CSV template without BOM")
		}
		rr, _ := NewCSVReader(bytes.NewReader(c.Bytes()))
		rows := readAll(t, rr)
		if _, err := ParseHeader(k, rows[0]); err != nil || len(rows) != 2 {
			t.Fatalf("%s CSV template: %v %q", k, err, rows)
		}
		var x bytes.Buffer
		if err := WriteTemplate(&x, k, XLSX); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[1] != "代码说明" {
			t.Fatalf("sheets %v", sheets)
		}
		xr, err := NewXLSXReader(bytes.NewReader(x.Bytes()), int64(x.Len()))
		if err != nil {
			t.Fatal(err)
		}
		xrows := readAll(t, xr)
		if _, err := ParseHeader(k, xrows[0]); err != nil || !slices.Contains(xrows[1], ExampleID) {
			t.Fatalf("%s xlsx template: %v %q", k, err, xrows)
		}
		if k == People {
			codes, _ := f.GetRows("代码说明")
			all := ""
			for _, r := range codes {
				all += strings.Join(r, " ")
			}
			for _, want := range []string{"低保", "dibao", "独居", "alone", "status_kind", "身份开始日期"} {
				if !strings.Contains(all, want) {
					t.Errorf("code sheet lacks %s", want)
				}
			}
		}
	}
}

func TestExportCells(t *testing.T) {
	g := 2
	p := &yanglao.Person{ID: 7, Name: "=张三", Sex: "F", BirthDate: yanglao.Date{Year: 1945, Month: 6, Day: 1}, IDMasked: "431***********0028",
		PhonesMasked: []string{"139****0001"}, ResidenceCode: "431002001001", Living: "alone", Life: yanglao.Alive, Grade: &g, DisabilityGrade: 2,
		Statuses: []*yanglao.Status{{Kind: "dibao", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}},
			{Kind: "low_income", Start: yanglao.Date{Year: 2020, Month: 1, Day: 1}, End: yanglao.Date{Year: 2021, Month: 1, Day: 1}}}}
	cells := ExportCells(p, yanglao.Date{Year: 2026, Month: 1, Day: 1}, func(string) string { return "人民路社区" })
	if len(cells) != len(ExportHeader) {
		t.Fatalf("%d cells for %d columns", len(cells), len(ExportHeader))
	}
	joined := strings.Join(cells, "|")
	for _, want := range []string{"431***********0028", "139****0001", "女", "80", "独居", "2级", "低保", "在世", "人民路社区", "中度"} {
		if !strings.Contains(joined, want) {
			t.Errorf("export lacks %q: %s", want, joined)
		}
	}
	if strings.Contains(joined, "低收入") {
		t.Error("an ended status is exported as active")
	}
	var b bytes.Buffer
	w, _ := NewCSVWriter(&b)
	w.Row(cells)
	w.Close()
	if !strings.Contains(b.String(), ",'=张三,") {
		t.Fatalf("formula not neutralised in CSV: %s", b.String())
	}
}
