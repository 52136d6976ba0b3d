package web

import (
	"fmt"
	"net/http"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
)

// The import page (/import): templates to download, a form to upload a people
// file or a deaths or moves feed in either mode, the recent jobs, and a job
// page whose progress htmx refreshes every second while the job runs.

type importForm struct {
	Kind, Mode string
	Kinds      []option
	Errors     map[string]string
	Problem    string
	Jobs       []importRow
	More       bool
}

type importRow struct {
	*register.Job
	Percent                        int
	KindName, StatusName, ModeName string
}

func importStatusName(status, l string) string {
	names := map[string][2]string{register.Running: {"进行中", "running"}, register.Done: {"已完成", "done"},
		register.Rejected: {"有不合格行，未导入", "rejected: nothing imported"}, register.Failed: {"失败", "failed"},
		register.Interrupted: {"已中断，重新上传同一文件可继续", "interrupted: upload the same file to continue"}}
	return tr(l, names[status][0], names[status][1])
}

func importModeName(mode register.Mode, l string) string {
	if mode == register.ValidRows {
		return tr(l, "导入合格的行", "import the valid rows")
	}
	return tr(l, "全部导入或全不导入", "all or nothing")
}

func importKindOptions(l, selected string) []option {
	var out []option
	for _, k := range []register.Kind{register.People, register.Deaths, register.Moves} {
		out = append(out, option{Value: string(k), Label: k.Name(l), Selected: string(k) == selected})
	}
	return out
}

func (s *Server) pageImport(w http.ResponseWriter, r *http.Request) error {
	return s.renderImport(w, r, http.StatusOK, &importForm{Kind: string(register.People), Mode: string(register.AllOrNothing), Errors: map[string]string{}})
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, f *importForm) error {
	if !keepsRegister(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有名册维护人员可以导入 (only those who keep the register may import)")
	}
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	l := lang(r)
	f.Kinds = importKindOptions(l, f.Kind)
	jobs, next, err := svc.ImportJobs(r.Context(), yanglao.Page{Limit: 20})
	if err != nil {
		return err
	}
	f.Jobs, f.More = importRows(jobs, l), next != ""
	return s.render(w, status, "import.html", s.newPage(r, "导入导出", "Import and export", f))
}

func importRows(jobs []*register.Job, l string) []importRow {
	out := make([]importRow, len(jobs))
	for i, j := range jobs {
		out[i] = importRow{Job: j, Percent: j.Percent(), KindName: j.Kind.Name(l), StatusName: importStatusName(j.Status, l), ModeName: importModeName(j.Mode, l)}
	}
	return out
}

// postImport receives the form, starts the job and goes to its page.
func (s *Server) postImport(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	f := &importForm{Kind: r.FormValue("kind"), Mode: r.FormValue("mode"), Errors: map[string]string{}}
	if !keepsRegister(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有名册维护人员可以导入 (only those who keep the register may import)")
	}
	svc, err := s.registerIO()
	if err != nil {
		return err
	}
	fail := func(err error) error {
		code := yanglao.ErrorCode(err)
		if code != yanglao.EINVALID && code != yanglao.ETOOLARGE && code != yanglao.ECONFLICT {
			return err
		}
		switch field := yanglao.ErrorField(err); field {
		case "file", "kind", "mode":
			f.Errors[field] = localMsg(l, yanglao.ErrorMessage(err))
		default:
			f.Problem = localMsg(l, yanglao.ErrorMessage(err))
		}
		return s.renderImport(w, r, statusOf(code), f)
	}
	up, cleanup, err := receiveUpload(w, r)
	if err != nil {
		return fail(err)
	}
	job, err := svc.BeginImport(r.Context(), up)
	if err != nil {
		cleanup()
		return fail(err)
	}
	if _, _, err := s.runImport(r, svc, job, up, cleanup); err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/import/%d", job.ID))
	return nil
}

type importJobData struct {
	importRow
	Rejects    []register.Reject
	MoreReject bool
	Fields     map[string]string // column key → header, for the rejects table
}

const rejectsShown = 100

func (s *Server) importJobData(r *http.Request) (*importJobData, error) {
	svc, err := s.registerIO()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	job, err := svc.ImportJob(r.Context(), id)
	if err != nil {
		return nil, err
	}
	l := lang(r)
	d := &importJobData{importRow: importRows([]*register.Job{job}, l)[0], Fields: map[string]string{}}
	for _, c := range register.Columns(job.Kind) {
		d.Fields[c.Key] = c.Header
	}
	if job.Finished() && job.Rejected > 0 {
		errStop := fmt.Errorf("enough")
		err := svc.ImportRejects(r.Context(), id, func(rj register.Reject) error {
			if len(d.Rejects) == rejectsShown {
				d.MoreReject = true
				return errStop
			}
			rj.Message = localMsg(l, rj.Message)
			d.Rejects = append(d.Rejects, rj)
			return nil
		})
		if err != nil && err != errStop {
			return nil, err
		}
	}
	return d, nil
}

func (s *Server) pageImportJob(w http.ResponseWriter, r *http.Request) error {
	d, err := s.importJobData(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "import-job", s.newPage(r, fmt.Sprintf("导入任务 %d", d.ID), fmt.Sprintf("Import job %d", d.ID), d))
}

// pageImportProgress is the part of the job page that htmx polls.
func (s *Server) pageImportProgress(w http.ResponseWriter, r *http.Request) error {
	d, err := s.importJobData(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "import-progress", s.newPage(r, "", "", d))
}
