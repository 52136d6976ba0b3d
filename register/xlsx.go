package register

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
)

// The bulk path for .xlsx. excelize (the pinned xlsx library) writes the
// template, but on this file size it is too slow for the register's budget
// (measured: 1,000,000 rows × 20 columns take about 140 s to read with
// Rows/Columns and 50 s to write with its StreamWriter), so rows are read and
// written here with a byte-level scanner and writer for the small part of
// SpreadsheetML that cells need. The tests check both against excelize.

// Limits against zip bombs: a worksheet or shared-string part larger than this
// when unpacked is refused.
const (
	maxSheetBytes   = 8 << 30
	maxStringsBytes = 2 << 30
)

// xlsxReader reads the first worksheet row by row.
type xlsxReader struct {
	sc     *xmlScanner
	closer io.Closer
	sst    []string
	row    int
	cells  []string
	total  int // from <dimension>, 0 when unknown
	done   bool
}

var errNotXLSX = yanglao.Invalid("file", "无法读取该 .xlsx 文件：请用 Excel 或 WPS 另存为 .xlsx 后重试 (cannot read this .xlsx file: save it again as .xlsx from Excel or WPS)")

// NewXLSXReader opens the first worksheet of an .xlsx file.
func NewXLSXReader(r io.ReaderAt, size int64) (RowReader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errNotXLSX
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	sheetPath, stringsPath, err := xlsxParts(files)
	if err != nil {
		return nil, err
	}
	x := &xlsxReader{}
	if f, ok := files[stringsPath]; ok && stringsPath != "" {
		if f.UncompressedSize64 > maxStringsBytes {
			return nil, yanglao.Invalid("file", "文件过大 (the file is too large)")
		}
		if x.sst, err = readSharedStrings(f); err != nil {
			return nil, err
		}
	}
	f, ok := files[sheetPath]
	if !ok {
		return nil, errNotXLSX
	}
	if f.UncompressedSize64 > maxSheetBytes {
		return nil, yanglao.Invalid("file", "文件过大 (the file is too large)")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errNotXLSX
	}
	x.closer = rc
	x.sc = newXMLScanner(io.LimitReader(rc, maxSheetBytes))
	return x, nil
}

// xlsxParts finds the first worksheet and the shared strings through the
// workbook and its relationships, falling back to the usual names.
func xlsxParts(files map[string]*zip.File) (sheet, sst string, err error) {
	sheet, sst = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
	wb, ok := files["xl/workbook.xml"]
	if !ok {
		return "", "", errNotXLSX
	}
	var book struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodeXMLPart(wb, &book); err != nil {
		return "", "", errNotXLSX
	}
	relsFile, ok := files["xl/_rels/workbook.xml.rels"]
	if !ok || len(book.Sheets) == 0 {
		return sheet, sst, nil
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
			Type   string `xml:"Type,attr"`
		} `xml:"Relationship"`
	}
	if err := decodeXMLPart(relsFile, &rels); err != nil {
		return "", "", errNotXLSX
	}
	target := func(t string) string {
		if strings.HasPrefix(t, "/") {
			return strings.TrimPrefix(t, "/")
		}
		return path.Join("xl", t)
	}
	for _, r := range rels.Rel {
		switch {
		case r.ID == book.Sheets[0].ID:
			sheet = target(r.Target)
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			sst = target(r.Target)
		}
	}
	return sheet, sst, nil
}

func decodeXMLPart(f *zip.File, v any) error {
	if f.UncompressedSize64 > 16<<20 {
		return errNotXLSX
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// readSharedStrings reads the shared string table: each <si> is a plain <t> or
// rich-text runs <r><t>; phonetic hints (<rPh>) are not part of the text.
func readSharedStrings(f *zip.File) ([]string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errNotXLSX
	}
	defer rc.Close()
	sc := newXMLScanner(io.LimitReader(rc, maxStringsBytes))
	var out []string
	var b strings.Builder
	inSI, inT, phonetic := false, false, 0
	for {
		tok, err := sc.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, errNotXLSX
		}
		switch tok.kind {
		case tokStart:
			switch string(tok.name) {
			case "sst":
				if n, err := strconv.Atoi(string(tok.attr("uniqueCount"))); err == nil && n > 0 && n < 1<<26 {
					out = make([]string, 0, n)
				}
			case "si":
				inSI = true
				b.Reset()
			case "t":
				inT = inSI && phonetic == 0
			case "rPh":
				phonetic++
			}
		case tokEnd:
			switch string(tok.name) {
			case "si":
				out = append(out, b.String())
				inSI = false
			case "t":
				inT = false
			case "rPh":
				phonetic--
			}
		case tokSelfClose:
			if string(tok.name) == "si" {
				out = append(out, "")
			}
		case tokText:
			if inT {
				if tok.esc {
					b.Write(unescapeXML(nil, tok.text))
				} else {
					b.Write(tok.text)
				}
			}
		}
	}
}

func (x *xlsxReader) Total() int { return x.total }

// Next returns the next row with any cells, padded to its last cell.
func (x *xlsxReader) Next() (int, []string, error) {
	if x.done {
		return 0, nil, io.EOF
	}
	var (
		inRow, inV, inIS, inT bool
		col, phonetic         int
		typ                   string
		val                   []byte
	)
	x.cells = x.cells[:0]
	for {
		tok, err := x.sc.next()
		if err == io.EOF {
			x.done = true
			x.closer.Close()
			if inRow {
				return x.row, x.cells, nil
			}
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, yanglao.Invalid("file", "第%d行附近的 .xlsx 内容无法读取 (cannot read the .xlsx near row %d)", x.row+1, x.row+1)
		}
		switch tok.kind {
		case tokStart, tokSelfClose:
			switch string(tok.name) {
			case "dimension":
				if ref := tok.attrString("ref"); ref != "" {
					if _, last, ok := strings.Cut(ref, ":"); ok {
						if _, r, err := splitCellRef(last); err == nil {
							x.total = r
						}
					}
				}
			case "row":
				inRow = true
				if r, err := strconv.Atoi(string(tok.attr("r"))); err == nil && r > x.row {
					x.row = r
				} else {
					x.row++
				}
				col = 0
				if tok.kind == tokSelfClose {
					inRow = false
				}
			case "c":
				if ref := tok.attr("r"); len(ref) > 0 {
					if c, ok := cellColumn(ref); ok && c > col {
						col = c
					} else {
						col++
					}
				} else {
					col++
				}
				if col > 16384 {
					return 0, nil, yanglao.Invalid("file", "第%d行的列太多 (row %d has too many columns)", x.row, x.row)
				}
				typ = typeOf(tok.attr("t"))
				val = val[:0]
				if tok.kind == tokSelfClose {
					x.set(col, "")
				}
			case "v":
				inV = tok.kind == tokStart
			case "is":
				inIS = tok.kind == tokStart
			case "t":
				inT = inIS && phonetic == 0 && tok.kind == tokStart
			case "rPh":
				if tok.kind == tokStart {
					phonetic++
				}
			}
		case tokEnd:
			switch string(tok.name) {
			case "row":
				if inRow {
					return x.row, x.cells, nil
				}
			case "c":
				s, err := x.cellValue(typ, val)
				if err != nil {
					return 0, nil, err
				}
				x.set(col, s)
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				phonetic--
			case "sheetData":
				x.done = true
				x.closer.Close()
				return 0, nil, io.EOF
			}
		case tokText:
			if inV || inT {
				if tok.esc {
					val = unescapeXML(val, tok.text)
				} else {
					val = append(val, tok.text...)
				}
			}
		}
	}
}

func (x *xlsxReader) set(col int, s string) {
	for len(x.cells) < col-1 {
		x.cells = append(x.cells, "")
	}
	if len(x.cells) == col-1 {
		x.cells = append(x.cells, s)
	} else {
		x.cells[col-1] = s
	}
}

func (x *xlsxReader) cellValue(typ string, v []byte) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(v))
		if err != nil || i < 0 || i >= len(x.sst) {
			return "", yanglao.Invalid("file", "第%d行引用了不存在的共享字符串 (row %d refers to a missing shared string)", x.row, x.row)
		}
		return x.sst[i], nil
	case "b":
		if string(v) == "1" {
			return "TRUE", nil
		}
		return "FALSE", nil
	case "", "n":
		return plainNumber(string(v)), nil
	}
	return string(v), nil // inlineStr, str (formula result), e (error), d (ISO date)
}

// plainNumber writes an integral number stored in E notation (1.3907350001E10)
// as digits, as a person typed it; other numbers are left as stored.
func plainNumber(s string) string {
	if !strings.ContainsAny(s, "Ee") {
		return strings.TrimSuffix(s, ".0")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1e15 {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// typeOf interns a cell type.
func typeOf(t []byte) string {
	switch string(t) {
	case "":
		return ""
	case "s":
		return "s"
	case "n":
		return "n"
	case "str":
		return "str"
	case "inlineStr":
		return "inlineStr"
	case "b":
		return "b"
	}
	return string(t)
}

// cellColumn reads the column of a cell reference such as "AB12".
func cellColumn(ref []byte) (int, bool) {
	col := 0
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		case c == '$':
		default:
			return col, col > 0 && col <= 16384
		}
		if col > 16384 {
			return 0, false
		}
	}
	return col, col > 0
}

// splitCellRef splits "AB12" into column 28 and row 12.
func splitCellRef(ref string) (col, row int, err error) {
	i := 0
	for i < len(ref) && (ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		c := ref[i]
		if c >= 'a' {
			c -= 'a' - 'A'
		}
		col = col*26 + int(c-'A'+1)
		i++
		if col > 16384 {
			return 0, 0, errors.New("column out of range")
		}
	}
	if i == 0 {
		return 0, 0, errors.New("no column")
	}
	row, err = strconv.Atoi(strings.TrimPrefix(ref[i:], "$"))
	return col, row, err
}

// --- a small XML scanner: enough of XML for SpreadsheetML cells, working on
// slices of its own buffer so that a million rows allocate almost nothing.

type tokKind int

const (
	tokStart tokKind = iota
	tokEnd
	tokSelfClose
	tokText
)

type token struct {
	kind  tokKind
	name  []byte // local name, prefix removed
	attrs []byte // raw attribute text of a start tag
	text  []byte // raw text; escaped says whether it holds entities
	esc   bool
}

// attr returns the raw value of a (local-named) attribute, nil when absent.
func (t *token) attr(name string) []byte {
	a := t.attrs
	for {
		i := 0
		for i < len(a) && (a[i] == ' ' || a[i] == '\t' || a[i] == '\r' || a[i] == '\n') {
			i++
		}
		a = a[i:]
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil
		}
		key := a[:eq]
		for len(key) > 0 && (key[len(key)-1] == ' ' || key[len(key)-1] == '\t') {
			key = key[:len(key)-1]
		}
		if c := bytes.IndexByte(key, ':'); c >= 0 {
			key = key[c+1:]
		}
		a = a[eq+1:]
		for len(a) > 0 && (a[0] == ' ' || a[0] == '\t') {
			a = a[1:]
		}
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return nil
		}
		q := a[0]
		end := bytes.IndexByte(a[1:], q)
		if end < 0 {
			return nil
		}
		if string(key) == name {
			return a[1 : 1+end]
		}
		a = a[2+end:]
	}
}

func (t *token) attrString(name string) string {
	v := t.attr(name)
	if bytes.IndexByte(v, '&') >= 0 {
		return string(unescapeXML(nil, v))
	}
	return string(v)
}

type xmlScanner struct {
	r   io.Reader
	buf []byte
	pos int
	eof bool
	err error
}

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, 0, 1<<20)}
}

// fill moves the unread part to the front and reads more; false at the end.
func (s *xmlScanner) fill() bool {
	if s.eof {
		return false
	}
	n := copy(s.buf[:cap(s.buf)], s.buf[s.pos:])
	s.buf, s.pos = s.buf[:n], 0
	if n == cap(s.buf) { // one construct larger than the buffer: grow
		nb := make([]byte, n, 2*cap(s.buf))
		copy(nb, s.buf)
		s.buf = nb
	}
	for {
		m, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+m]
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
			return m > 0 || len(s.buf) > 0
		}
		if m > 0 {
			return true
		}
	}
}

// next returns the next tag or text run; slices are valid until the next call.
// Comments, processing instructions and declarations are skipped; CDATA is text.
func (s *xmlScanner) next() (token, error) {
	for {
		rest := s.buf[s.pos:]
		lt := bytes.IndexByte(rest, '<')
		if lt < 0 {
			if s.eof {
				if s.err != nil {
					return token{}, s.err
				}
				if len(bytes.TrimSpace(rest)) > 0 {
					return token{}, io.ErrUnexpectedEOF
				}
				return token{}, io.EOF
			}
			if len(rest) > 64<<20 {
				return token{}, errors.New("xml: text run too long")
			}
			s.fill()
			continue
		}
		if lt > 0 {
			text := rest[:lt]
			s.pos += lt
			return token{kind: tokText, text: text, esc: bytes.IndexByte(text, '&') >= 0}, nil
		}
		// rest starts with '<'.
		if len(rest) < 9 && !s.eof {
			s.fill()
			continue
		}
		if len(rest) > 1 && (rest[1] == '?' || rest[1] == '!') {
			end, skip := "?>", true
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				end = "-->"
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				end, skip = "]]>", false
			case rest[1] == '!':
				end = ">"
			}
			i := bytes.Index(rest, []byte(end))
			if i < 0 {
				if s.eof {
					return token{}, io.ErrUnexpectedEOF
				}
				s.fill()
				continue
			}
			s.pos += i + len(end)
			if skip {
				continue
			}
			return token{kind: tokText, text: rest[9:i]}, nil
		}
		// A tag: up to a '>' outside quotes.
		gt, quote := -1, byte(0)
		for i := 1; i < len(rest); {
			if quote != 0 {
				j := bytes.IndexByte(rest[i:], quote)
				if j < 0 {
					break
				}
				i += j + 1
				quote = 0
				continue
			}
			for i < len(rest) && rest[i] != '>' && rest[i] != '"' && rest[i] != '\'' {
				i++
			}
			if i == len(rest) {
				break
			}
			if rest[i] == '>' {
				gt = i
				break
			}
			quote = rest[i]
			i++
		}
		if gt < 0 {
			if s.eof {
				return token{}, io.ErrUnexpectedEOF
			}
			s.fill()
			continue
		}
		tag := rest[1:gt]
		s.pos += gt + 1
		t := token{kind: tokStart}
		if len(tag) > 0 && tag[0] == '/' {
			t.kind, tag = tokEnd, tag[1:]
		} else if len(tag) > 0 && tag[len(tag)-1] == '/' {
			t.kind, tag = tokSelfClose, tag[:len(tag)-1]
		}
		n := 0
		for n < len(tag) && tag[n] != ' ' && tag[n] != '\t' && tag[n] != '\r' && tag[n] != '\n' {
			n++
		}
		t.name, t.attrs = tag[:n], tag[n:]
		if i := bytes.IndexByte(t.name, ':'); i >= 0 {
			t.name = t.name[i+1:]
		}
		return t, nil
	}
}

// unescapeXML decodes the five entities and character references.
func unescapeXML(dst, s []byte) []byte {
	for len(s) > 0 {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		semi := bytes.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			dst = append(dst, '&')
			s = s[1:]
			continue
		}
		ent := string(s[1:semi])
		s = s[semi+1:]
		switch ent {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case strings.HasPrefix(ent, "#"):
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				err = errors.New("unknown entity")
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				dst = append(dst, '&')
				dst = append(dst, ent...)
				dst = append(dst, ';')
				continue
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst
}

// --- writing

// XLSXOptions shape a written workbook.
type XLSXOptions struct {
	Sheet         string
	Widths        []float64 // column widths in characters; 0 keeps the default
	TextColumns   []int     // 1-based columns formatted as text ("@")
	SharedStrings bool      // store text in a shared-string table as Excel does (costs memory); default inline
}

// fastXLSX streams a one-sheet workbook: the sheet goes into the zip as rows
// arrive; the shared strings, if any, follow at Close.
type fastXLSX struct {
	zw      *zip.Writer
	sheet   *bufio.Writer
	opts    XLSXOptions
	row     int
	colRefs []string
	sst     map[string]int
	sstList []string
	buf     []byte
}

// NewFastXLSXWriter returns a Writer that streams an .xlsx to w.
func NewFastXLSXWriter(w io.Writer, opts XLSXOptions) (Writer, error) {
	if opts.Sheet == "" {
		opts.Sheet = "Sheet1"
	}
	x := &fastXLSX{zw: zip.NewWriter(w), opts: opts}
	if opts.SharedStrings {
		x.sst = map[string]int{}
	}
	static := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			sstOverride(opts.SharedStrings) + `</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="` + xmlEscape(opts.Sheet) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			sstRel(opts.SharedStrings) + `</Relationships>`},
		// Style 0 is the default; style 1 is text ("@", numFmtId 49); style 2 bold (the header).
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
			`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
			`<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs>` +
			`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`},
	}
	for _, f := range static {
		fw, err := x.zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(fw, f.body); err != nil {
			return nil, err
		}
	}
	fw, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	x.sheet = bufio.NewWriterSize(fw, 64<<10)
	x.sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	textCols := map[int]bool{}
	for _, c := range opts.TextColumns {
		textCols[c] = true
	}
	n := max(len(opts.Widths), maxInt(opts.TextColumns))
	if n > 0 {
		x.sheet.WriteString("<cols>")
		for i := 1; i <= n; i++ {
			w := 0.0
			if i <= len(opts.Widths) {
				w = opts.Widths[i-1]
			}
			if w <= 0 && !textCols[i] {
				continue
			}
			if w <= 0 {
				w = 10
			}
			fmt.Fprintf(x.sheet, `<col min="%d" max="%d" width="%g" customWidth="1"`, i, i, w)
			if textCols[i] {
				x.sheet.WriteString(` style="1"`)
			}
			x.sheet.WriteString("/>")
		}
		x.sheet.WriteString("</cols>")
	}
	x.sheet.WriteString("<sheetData>")
	return x, nil
}

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func sstOverride(on bool) string {
	if !on {
		return ""
	}
	return `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
}

func sstRel(on bool) string {
	if !on {
		return ""
	}
	return `<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
}

func (x *fastXLSX) colRef(i int) string {
	for len(x.colRefs) <= i {
		n := len(x.colRefs) + 1
		var b []byte
		for n > 0 {
			n--
			b = append([]byte{byte('A' + n%26)}, b...)
			n /= 26
		}
		x.colRefs = append(x.colRefs, string(b))
	}
	return x.colRefs[i]
}

func (x *fastXLSX) Row(cells []string) error {
	x.row++
	if x.row > 1048576 {
		return yanglao.Invalid("limit", "超过 .xlsx 的最大行数1048576，请缩小范围或导出为 CSV (more than 1,048,576 rows, the .xlsx limit: narrow the search or export CSV)")
	}
	b := x.buf[:0]
	rs := strconv.Itoa(x.row)
	b = append(b, `<row r="`...)
	b = append(b, rs...)
	b = append(b, `">`...)
	for i, s := range cells {
		if s == "" {
			continue
		}
		s = SafeCell(s)
		b = append(b, `<c r="`...)
		b = append(b, x.colRef(i)...)
		b = append(b, rs...)
		if x.row == 1 {
			b = append(b, `" s="2`...)
		}
		if x.sst != nil {
			idx, ok := x.sst[s]
			if !ok {
				idx = len(x.sstList)
				x.sst[s] = idx
				x.sstList = append(x.sstList, s)
			}
			b = append(b, `" t="s"><v>`...)
			b = strconv.AppendInt(b, int64(idx), 10)
			b = append(b, `</v></c>`...)
			continue
		}
		b = append(b, `" t="inlineStr"><is><t xml:space="preserve">`...)
		b = appendXMLText(b, s)
		b = append(b, `</t></is></c>`...)
	}
	b = append(b, `</row>`...)
	x.buf = b
	_, err := x.sheet.Write(b)
	return err
}

func (x *fastXLSX) Close() error {
	if x.zw == nil {
		return nil
	}
	x.sheet.WriteString("</sheetData></worksheet>")
	if err := x.sheet.Flush(); err != nil {
		return err
	}
	if x.sst != nil {
		fw, err := x.zw.Create("xl/sharedStrings.xml")
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(fw, 64<<10)
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
			`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(x.sstList), len(x.sstList))
		var b []byte
		for _, s := range x.sstList {
			b = append(b[:0], `<si><t xml:space="preserve">`...)
			b = appendXMLText(b, s)
			b = append(b, `</t></si>`...)
			bw.Write(b)
		}
		bw.WriteString(`</sst>`)
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	err := x.zw.Close()
	x.zw = nil
	return err
}

// appendXMLText escapes text for an element, dropping characters XML 1.0 cannot hold.
func appendXMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				// not allowed in XML 1.0: dropped
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			i++
			continue
		}
		b = append(b, s[i:i+size]...)
		i += size
	}
	return b
}

func xmlEscape(s string) string { return string(appendXMLText(nil, s)) }
