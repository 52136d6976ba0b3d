package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
)

// Import and export of the register (issue 3, item 3). The handlers parse,
// make the service calls and stream; validation, scope and audit live in the
// register service (sqldb.PersonService, through register.Service).

// maxImportBytes bounds an uploaded file: a million people are about 120 MB of
// CSV or 55 MB of .xlsx.
const maxImportBytes = 512 << 20

// syncImportBytes: files up to this size are imported within the request, which
// answers with the finished job; larger ones run in the background and are polled.
const syncImportBytes = 1 << 20

var errNoRegisterIO = yanglao.Errorf(yanglao.EINTERNAL, "导入导出不可用 (import and export are not available)")

// registerIO is the register's import and export side.
func (s *Server) registerIO() (register.Service, error) {
	if svc, ok := s.People.(register.Service); ok {
		return svc, nil
	}
	return nil, errNoRegisterIO
}

// ImportJobResponse is an import job as the API shows it.
type ImportJobResponse struct {
	Job        *register.Job `json:"job"`
	Percent    int           `json:"percent"`
	RejectsURL string        `json:"rejects_url,omitempty"` // the rejected-rows report (CSV)
}

func importResponse(j *register.Job) ImportJobResponse {
	r := ImportJobResponse{Job: j, Percent: j.Percent()}
	if j.Rejected > 0 {
		r.RejectsURL = fmt.Sprintf("/api/v1/imports/%d/rejects", j.ID)
	}
	return r
}

var pKind = param{Name: "kind", In: "query", Type: "string", Desc: "people（老年人信息）| deaths（死亡）| moves（迁出）"}
var pFormat = param{Name: "format", In: "query", Type: "string", Desc: "csv | xlsx"}
var pImportID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "导入任务编号 (import job id)"}

var docImportTemplate = &apiDoc{Tag: "register import", Summary: "下载导入模板（CSV 带 BOM，或 .xlsx 含代码说明表）(download the import template: CSV with BOM, or .xlsx with a code sheet)",
	Params: []param{pKind, pFormat}}

func (s *Server) apiImportTemplate(w http.ResponseWriter, r *http.Request) error {
	kind, format, err := kindAndFormat(r.URL.Query().Get("kind"), r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	setDownload(w, format, "模板-"+kind.Name("zh"), "template-"+string(kind))
	return register.WriteTemplate(w, kind, format)
}

func kindAndFormat(k, f string) (register.Kind, register.Format, error) {
	kind, format := register.Kind(k), register.Format(f)
	if kind == "" {
		kind = register.People
	}
	if format == "" {
		format = register.CSV
	}
	if !kind.Valid() {
		return "", "", yanglao.Invalid("kind", "导入类型应为 people、deaths 或 moves (kind must be people, deaths or moves)")
	}
	if !format.Valid() {
		return "", "", yanglao.Invalid("format", "格式应为 csv 或 xlsx (format must be csv or xlsx)")
	}
	return kind, format, nil
}

var docStartImport = &apiDoc{Tag: "register import", Status: http.StatusAccepted,
	Summary: "上传并导入文件：multipart 字段 file（及 kind、mode），或请求体就是文件。按身份证号更新；≤1 MiB 的文件当场导入完毕（200，全部或全不模式有错行时 422），更大的文件后台导入（202），轮询任务 " +
		"(upload a file: multipart field file (with kind, mode), or the body is the file; upserts by citizen ID; files up to 1 MiB finish within the request (200, or 422 when all-or-nothing rejected rows), larger ones run in the background (202): poll the job)",
	Params:   []param{pKind, {Name: "mode", In: "query", Type: "string", Desc: "all_or_nothing（默认，有错行则不导入）| valid_rows（导入合格的行）"}, pFormat},
	Response: ImportJobResponse{}}

// apiStartImport receives a file, begins the job and runs it.
func (s *Server) apiStartImport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	up, cleanup, err := receiveUpload(w, r)
	if err != nil {
		return err
	}
	job, err := svc.BeginImport(r.Context(), up)
	if err != nil {
		cleanup()
		return err
	}
	job, finished, err := s.runImport(r, svc, job, up, cleanup)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if finished {
		status = http.StatusOK
		if job.Status == register.Rejected || job.Status == register.Failed {
			status = http.StatusUnprocessableEntity
		}
	}
	writeJSON(w, status, importResponse(job))
	return nil
}

// runImport runs a begun job: a small file within the request (finished is
// true, job is its end state), a larger one in the background, cancelled when
// the server stops and left interrupted, to resume when the same file is
// uploaded again. cleanup removes the uploaded copy when the job ends.
func (s *Server) runImport(r *http.Request, svc register.Service, job *register.Job, up *register.Upload, cleanup func()) (_ *register.Job, finished bool, _ error) {
	if up.Size <= syncImportBytes {
		defer cleanup()
		job, err := svc.RunImport(r.Context(), job, up)
		return job, err == nil, err
	}
	s.goBackground(r.Context(), "import", func(ctx context.Context) {
		defer cleanup()
		if _, err := svc.RunImport(ctx, job, up); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "import", slog.Int64("job", job.ID), slog.String("err", err.Error()))
		} else if err != nil {
			s.log.InfoContext(ctx, "import interrupted by shutdown; uploading the same file resumes it", slog.Int64("job", job.ID))
		}
	})
	return job, false, nil
}

// receiveUpload copies the uploaded file to a temporary file (hashing it on
// the way) that the job reads, possibly twice, and removes when done.
func receiveUpload(w http.ResponseWriter, r *http.Request) (*register.Upload, func(), error) {
	src, err := openUpload(w, r, maxImportBytes)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	q := r.URL.Query()
	up := &register.Upload{Kind: register.Kind(q.Get("kind")), Mode: register.Mode(q.Get("mode")), Format: src.Format, FileName: src.Name}
	if r.MultipartForm != nil {
		for name, dst := range map[string]*string{"kind": (*string)(&up.Kind), "mode": (*string)(&up.Mode)} {
			if v := r.FormValue(name); v != "" {
				*dst = v
			}
		}
	}
	if up.Kind == "" {
		up.Kind = register.People
	}
	if up.Mode == "" {
		up.Mode = register.AllOrNothing
	}
	tmp, err := os.CreateTemp("", "yanglao-import-*")
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	cleanup := func() {
		once.Do(func() {
			tmp.Close()
			os.Remove(tmp.Name())
		})
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		cleanup()
		return nil, nil, uploadError(err, maxImportBytes)
	}
	up.File, up.Size, up.SHA256 = tmp, n, hex.EncodeToString(h.Sum(nil))
	return up, cleanup, nil
}

var docImports = &apiDoc{Tag: "register import", Summary: "导入任务列表（本辖区，新的在前）(import jobs in your region, newest first)",
	Params: []param{pAfter, pLimit}, Response: List[ImportJobResponse]{}}

func (s *Server) apiImports(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	jobs, next, err := svc.ImportJobs(r.Context(), page)
	if err != nil {
		return err
	}
	out := List[ImportJobResponse]{Items: []ImportJobResponse{}, Next: next}
	for _, j := range jobs {
		out.Items = append(out.Items, importResponse(j))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

var docImport = &apiDoc{Tag: "register import", Summary: "一个导入任务及其进度（运行中可轮询）(one import job and its progress; poll while it runs)",
	Params: []param{pImportID}, Response: ImportJobResponse{}}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	job, err := svc.ImportJob(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, importResponse(job))
	return nil
}

var docImportRejects = &apiDoc{Tag: "register import", Summary: "下载不合格行报告：行号、列、原因（中英文）(download the rejected rows: row, column, reason in Chinese and English)",
	Params: []param{pImportID, pFormat}}

func (s *Server) apiImportRejects(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, format, err := kindAndFormat("", r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	job, err := svc.ImportJob(r.Context(), id)
	if err != nil {
		return err
	}
	return s.download(w, r, File{Format: format, Name: fmt.Sprintf("导入%d-不合格行", id), ASCIIName: fmt.Sprintf("import-%d-rejects", id),
		Sheet: "不合格行", Widths: []float64{8, 18, 16, 80}, Header: register.RejectHeader}, func(row func([]string) error) error {
		return svc.ImportRejects(r.Context(), id, func(rj register.Reject) error { return row(register.RejectCells(job.Kind, rj)) })
	})
}

var docExportPeopleCSV = &apiDoc{Tag: "register", Summary: "导出搜索结果为 CSV（UTF-8 带 BOM；证件号和电话脱敏，防公式注入，记入审计；条件同 GET /api/v1/people）" +
	"(export a search as CSV, UTF-8 with BOM: ID and phones masked, formula-safe, audited; same filters as GET /api/v1/people)",
	Params: docPeople.Params[:8]}

var docExportPeopleXLSX = &apiDoc{Tag: "register", Summary: "导出搜索结果为 .xlsx（同上）(export a search as .xlsx, as above)", Params: docPeople.Params[:8]}

func (s *Server) apiExportPeopleCSV(w http.ResponseWriter, r *http.Request) error {
	return s.exportPeople(w, r, register.CSV)
}

func (s *Server) apiExportPeopleXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.exportPeople(w, r, register.XLSX)
}

// exportPeople streams a search of the register page by page. Only masked
// exports exist: the table holds IDs and phones sealed, and an unmasked export
// is not offered.
func (s *Server) exportPeople(w http.ResponseWriter, r *http.Request, format register.Format) error {
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	f, err := personFilter(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	names := map[string]string{}
	regionName := func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		n := ""
		if reg, err := s.Regions.Region(ctx, code); err == nil {
			n = reg.Name
		}
		names[code] = n
		return n
	}
	today := yanglao.DateOf(time.Now())
	return s.download(w, r, File{Format: format, Name: "老年人名册", ASCIIName: "people", Sheet: "老年人名册", Widths: register.ExportWidths, Header: register.ExportHeader},
		func(row func([]string) error) error {
			return svc.ExportPeople(ctx, f, format, func(p *yanglao.Person) error { return row(register.ExportCells(p, today, regionName)) })
		})
}
