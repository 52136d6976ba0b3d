package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
)

// Files in and out of the server: every CSV or .xlsx download (exports,
// reports, bank files) goes through download, every uploaded file through
// openUpload. Use these for new exports and uploads rather than writing
// headers, writers and multipart handling again.

// File describes a download: its name and the layout of its one sheet.
type File struct {
	Format    register.Format
	Name      string    // Chinese base name, e.g. "老年人名册"; the day and the extension are added
	ASCIIName string    // base name for clients that cannot read the Chinese one, e.g. "people"
	Sheet     string    // .xlsx sheet name
	Widths    []float64 // .xlsx column widths in characters; nil sizes them from the rows
	Header    []string  // the first row
}

// download streams f to the client: rows is called once and writes each row
// through row. Nothing is sent before the first row (or before rows returns),
// so an error from rows up to then becomes an ordinary error response (a 403 or
// 409 with its message); an error after that can only cut the file short, and
// is logged. The write deadline is pushed forward every 500 rows, since a large
// export outlasts the server's write timeout.
func (s *Server) download(w http.ResponseWriter, r *http.Request, f File, rows func(row func(cells []string) error) error) error {
	rc := http.NewResponseController(w)
	var out register.Writer
	start := func() error {
		setDownload(w, f.Format, f.Name, f.ASCIIName)
		var err error
		if out, err = register.NewWriter(w, f.Format, register.XLSXOptions{Sheet: f.Sheet, Widths: f.Widths}); err != nil {
			return err
		}
		return out.Row(f.Header)
	}
	n := 0
	err := rows(func(cells []string) error {
		if out == nil {
			if err := start(); err != nil {
				return err
			}
		}
		if n++; n%500 == 1 {
			rc.SetWriteDeadline(time.Now().Add(2 * time.Minute))
		}
		return out.Row(cells)
	})
	if err != nil && out == nil {
		return err // nothing sent yet
	}
	if out == nil { // no rows: the header alone
		if err := start(); err != nil {
			return err
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "download cut short", slog.String("file", f.ASCIIName), slog.String("err", err.Error()))
	}
	return nil
}

// setDownload marks the response as a file to save, named in Chinese with an
// ASCII fallback (RFC 6266, RFC 5987) and today's date in Asia/Shanghai. Use it
// directly only for a file written in one piece (the import template);
// otherwise use download.
func setDownload(w http.ResponseWriter, f register.Format, zhBase, asciiBase string) {
	now := time.Now()
	zh, ascii := register.FileName(zhBase, f, now), register.FileName(asciiBase, f, now)
	w.Header().Set("Content-Type", register.ContentType(f))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(zh)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// An upload is a file a client sent: the multipart field "file" or, for API
// clients, the whole request body.
type upload struct {
	io.Reader
	Name   string          // the client's file name without folders; "" for a raw body unless ?file_name= names it
	Format register.Format // from ?format=, the form field format, or the name's extension; "" when none says
	close  func() error
}

// Close releases the multipart file; it is safe to call on a raw body.
func (u *upload) Close() error {
	if u.close != nil {
		return u.close()
	}
	return nil
}

// openUpload opens the file of an upload of at most limit bytes. A larger
// body fails with ETOOLARGE (field "file") when read; a form without a file,
// or an old .xls file, is EINVALID naming "file". The caller closes it.
func openUpload(w http.ResponseWriter, r *http.Request, limit int64) (*upload, error) {
	q := r.URL.Query()
	u := &upload{Format: register.Format(q.Get("format"))}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		u.Reader = http.MaxBytesReader(w, r.Body, limit)
		u.Name = q.Get("file_name")
		return u, nil
	}
	if r.MultipartForm == nil {
		// The form's other fields are small; the file itself is spooled by
		// ParseMultipartForm past 32 MB of memory.
		r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, uploadError(err, limit)
		}
	}
	if v := r.FormValue("format"); v != "" {
		u.Format = register.Format(v)
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return nil, yanglao.Invalid("file", "请选择要上传的文件 (choose a file to upload)")
	}
	if fh.Size > limit {
		f.Close()
		return nil, tooLarge(limit)
	}
	u.Reader, u.close, u.Name = f, f.Close, fileBase(fh)
	if u.Format == "" {
		switch lower := strings.ToLower(u.Name); {
		case strings.HasSuffix(lower, ".xls"):
			f.Close()
			return nil, yanglao.Invalid("file", "不支持旧的 .xls 格式，请在 Excel 或 WPS 中另存为 .xlsx (old .xls files are not supported: save as .xlsx)")
		case strings.HasSuffix(lower, ".xlsx"):
			u.Format = register.XLSX
		}
	}
	return u, nil
}

func fileBase(fh *multipart.FileHeader) string {
	name := fh.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func tooLarge(limit int64) error {
	mb := limit >> 20
	return &yanglao.Error{Code: yanglao.ETOOLARGE, Field: "file",
		Message: fmt.Sprintf("文件超过 %d MiB，请分成几个文件上传 (the file is larger than %d MiB: split it)", mb, mb)}
}

// uploadError tells an upload cut off by its size limit from one that broke.
func uploadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return yanglao.Invalid("file", "上传没有完成，请重试 (the upload did not complete: try again)")
}
