package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
)

func TestOpenUpload(t *testing.T) {
	multipartBody := func(name, content string) (*bytes.Buffer, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		if name != "" {
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write([]byte(content))
		}
		mw.WriteField("other", "x")
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	read := func(target, ctype string, body io.Reader, limit int64) (*upload, string, error) {
		r := httptest.NewRequest("POST", target, body)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		u, err := openUpload(httptest.NewRecorder(), r, limit)
		if err != nil {
			return nil, "", err
		}
		defer u.Close()
		data, err := io.ReadAll(u)
		if err != nil {
			return u, "", uploadError(err, limit)
		}
		return u, string(data), nil
	}

	u, data, err := read("/x?file_name=a.csv&format=csv", "text/csv", strings.NewReader("a,b\n"), 10)
	if err != nil || data != "a,b\n" || u.Name != "a.csv" || u.Format != register.CSV {
		t.Fatalf("raw body: %+v %q %v", u, data, err)
	}
	if _, _, err := read("/x", "text/csv", strings.NewReader(strings.Repeat("x", 11)), 10); yanglao.ErrorCode(err) != yanglao.ETOOLARGE || yanglao.ErrorField(err) != "file" {
		t.Fatalf("raw body over the limit: %v", err)
	}
	b, ct := multipartBody(`C:\data\名册.XLSX`, "PK")
	if u, data, err := read("/x", ct, b, 10); err != nil || data != "PK" || u.Name != "名册.XLSX" || u.Format != register.XLSX {
		t.Fatalf("multipart .xlsx: %+v %q %v", u, data, err)
	}
	b, ct = multipartBody("old.xls", "x")
	if _, _, err := read("/x", ct, b, 10); yanglao.ErrorCode(err) != yanglao.EINVALID || !strings.Contains(yanglao.ErrorMessage(err), ".xls") {
		t.Fatalf(".xls: %v", err)
	}
	b, ct = multipartBody("", "")
	if _, _, err := read("/x", ct, b, 10); yanglao.ErrorField(err) != "file" {
		t.Fatalf("no file: %v", err)
	}
	b, ct = multipartBody("big.csv", strings.Repeat("x", 100))
	if _, _, err := read("/x", ct, b, 10); yanglao.ErrorCode(err) != yanglao.ETOOLARGE {
		t.Fatalf("multipart over the limit: %v", err)
	}
}
