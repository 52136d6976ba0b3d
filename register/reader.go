package register

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yanglao/yanglao"
)

// RowReader reads a file row by row. Next returns the row's number as a
// spreadsheet shows it (the header is row 1) and its cells, valid until the
// next call; io.EOF at the end.
type RowReader interface {
	Next() (row int, cells []string, err error)
	// Total is the number of rows the file says it has (header included), 0 when unknown.
	Total() int
}

// NewReader opens a CSV or .xlsx file for reading.
func NewReader(f Format, r io.ReaderAt, size int64) (RowReader, error) {
	if f == XLSX {
		return NewXLSXReader(r, size)
	}
	return NewCSVReader(io.NewSectionReader(r, 0, size))
}

type csvReader struct {
	cr  *csv.Reader
	row int
}

// NewCSVReader reads CSV as Excel and WPS write it: UTF-8 with or without a
// byte-order mark, or GB18030 (what "CSV" means in a Chinese Excel) when the
// start of the file is not UTF-8; a header with tabs and no commas means tab-separated.
func NewCSVReader(r io.Reader) (RowReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	head, _ := br.Peek(64 << 10)
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")):
		return nil, yanglao.Invalid("file", "不支持 UTF-16 编码的文件，请另存为“CSV UTF-8”或 .xlsx (UTF-16 files are not supported: save as CSV UTF-8 or .xlsx)")
	case !validUTF8Prefix(head):
		src = simplifiedchinese.GB18030.NewDecoder().Reader(br)
	}
	cr := csv.NewReader(src)
	firstLine := head
	if i := bytes.IndexByte(firstLine, '\n'); i >= 0 {
		firstLine = firstLine[:i]
	}
	if bytes.IndexByte(firstLine, '\t') >= 0 && bytes.IndexByte(firstLine, ',') < 0 {
		cr.Comma = '\t'
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvReader{cr: cr}, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

func (c *csvReader) Total() int { return 0 }

func (c *csvReader) Next() (int, []string, error) {
	rec, err := c.cr.Read()
	if err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, yanglao.Invalid("file", "CSV 第%d行格式错误 (CSV syntax error on line %d): %v", pe.Line, pe.Line, pe.Err)
		}
		return 0, nil, err
	}
	c.row++
	for _, cell := range rec {
		if !utf8.ValidString(cell) {
			// The start of the file looked like UTF-8 but this row is not: a file in
			// GB18030 whose first rows are plain ASCII. Refuse rather than store mojibake.
			return 0, nil, yanglao.Invalid("file", "第%d行含有无法识别的字符：请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx 后重新上传 (row %d is not valid UTF-8: save the file as CSV UTF-8 or .xlsx and upload it again)", c.row, c.row)
		}
	}
	return c.row, rec, nil
}

// Blank reports whether every cell is empty or white space.
func Blank(cells []string) bool {
	for _, s := range cells {
		for _, r := range s {
			if r != ' ' && r != '\t' && r != '\u3000' && r != '\r' && r != '\n' {
				return false
			}
		}
	}
	return true
}
