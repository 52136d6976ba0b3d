package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
)

// Monthly payment batches (issue 4, item 5): handlers parse and respond; the
// BatchService decides scope, maker-checker and exactly-once.

// BatchInput is the body of POST /api/v1/batches.
type BatchInput struct {
	RegionCode string `json:"region_code"`
	Month      string `json:"month"` // YYYY-MM
}

var pBatchID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "批次编号 (batch id)"}

var docBatches = &apiDoc{Tag: "benefits", Summary: "发放批次列表（辖区内，新的在前）(payment batches in your region, newest first)",
	Params:   []param{{Name: "region", In: "query", Type: "string"}, {Name: "month", In: "query", Type: "string"}, pAfter, pLimit},
	Response: List[*yanglao.Batch]{}}

func (s *Server) batches() (yanglao.BatchService, error) {
	return wired(s.Batches, "发放批次服务", "the batch service")
}

func (s *Server) apiBatches(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := svc.Batches(r.Context(), yanglao.BatchFilter{RegionCode: r.URL.Query().Get("region"), Month: r.URL.Query().Get("month"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Batch]{Items: items, Next: next})
	return nil
}

var docStartBatch = &apiDoc{Tag: "benefits", Status: http.StatusAccepted,
	Summary: "为一个地区和月份运行发放批次（后台计算，轮询批次）；同一地区同一月份只有一个批次，重复提交得到同一个批次并继续未完成的计算；将来的月份和清单生效前的月份被拒绝 " +
		"(run the payment batch of a region and month in the background: poll the batch; one batch per region and month — posting again returns it and resumes an unfinished run; a future month or one before the list is in force is refused)",
	Body: BatchInput{}, Response: yanglao.Batch{}}

func (s *Server) apiStartBatch(w http.ResponseWriter, r *http.Request) error {
	var in BatchInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b, err := s.startBatch(r, in.RegionCode, in.Month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, b)
	return nil
}

// startBatch creates (or finds) the batch and computes it in the background,
// as the same actor, surviving the request but not the server. A batch already running in this
// process is not started twice; one left running by a killed process resumes.
func (s *Server) startBatch(r *http.Request, region, month string) (*yanglao.Batch, error) {
	svc, err := s.batches()
	if err != nil {
		return nil, err
	}
	b, _, err := svc.CreateBatch(r.Context(), region, month)
	if err != nil {
		return nil, err
	}
	if b.Status == yanglao.BatchRunning {
		s.runBatch(r.Context(), b.ID)
	}
	return b, nil
}

// batchRuns holds the ids of batches this process is computing.
var batchRuns sync.Map

func (s *Server) runBatch(ctx context.Context, id int64) {
	if _, busy := batchRuns.LoadOrStore(id, true); busy {
		return
	}
	s.goBackground(ctx, "batch", func(ctx context.Context) {
		defer batchRuns.Delete(id)
		if _, err := s.Batches.RunBatch(ctx, id); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "payment batch failed", slog.Int64("batch", id), slog.String("err", err.Error()))
		} else if err != nil {
			s.log.InfoContext(ctx, "payment batch interrupted by shutdown; it resumes from its last whole page", slog.Int64("batch", id))
		}
	})
}

var docBatch = &apiDoc{Tag: "benefits", Summary: "一个发放批次：状态、进度、合计 (one payment batch: status, progress, totals)",
	Params: []param{pBatchID}, Response: yanglao.Batch{}}

func (s *Server) apiBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.Batch)
}

var docResumeBatch = &apiDoc{Tag: "benefits", Status: http.StatusAccepted,
	Summary: "继续计算一个中断的批次（从最后一个完整的页继续，每人只发一次）(resume an interrupted batch from its last whole page; each person is paid once)",
	Params:  []param{pBatchID}, Response: yanglao.Batch{}}

func (s *Server) apiResumeBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := svc.Batch(r.Context(), id)
	if err != nil {
		return err
	}
	if b.Status == yanglao.BatchRunning {
		s.runBatch(r.Context(), b.ID)
	}
	writeJSON(w, http.StatusAccepted, b)
	return nil
}

var docBatchTotals = &apiDoc{Tag: "benefits", Summary: "批次合计：按下级地区、按项目、按类别（正常、补发、追回）(batch totals by child region, by item, by kind)",
	Params: []param{pBatchID}, Response: yanglao.BatchTotals{}}

func (s *Server) apiBatchTotals(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.BatchTotals)
}

var docBatchLines = &apiDoc{Tag: "benefits", Summary: "批次明细（身份证号脱敏）(batch lines, citizen IDs masked)",
	Params: []param{pBatchID, {Name: "status", In: "query", Type: "string", Desc: "pending | held | paid | failed"},
		{Name: "kind", In: "query", Type: "string", Desc: "regular | arrears | recovery"}, {Name: "region", In: "query", Type: "string"}, pAfter, pLimit},
	Response: List[*yanglao.PaymentLine]{}}

func (s *Server) apiBatchLines(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := svc.BatchLines(r.Context(), id, yanglao.LineFilter{Status: q.Get("status"), Kind: q.Get("kind"), RegionCode: q.Get("region"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.PaymentLine]{Items: items, Next: next})
	return nil
}

var docApproveBatch = &apiDoc{Tag: "benefits",
	Summary: "发放前死亡和身份复核，然后审核批次（须由运行人以外的人）(run the death and status check before release, then approve; not by the runner)",
	Params:  []param{pBatchID}, Response: yanglao.Batch{}}

func (s *Server) apiApproveBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.ApproveBatch)
}

var docExportBatchCSV = &apiDoc{Tag: "benefits",
	Summary: "银行代发文件（CSV）：含完整身份证号，导出记入审计日志 (the bank file as CSV: whole citizen IDs; the export is audited)",
	Params:  []param{pBatchID, {Name: "region", In: "query", Type: "string", Desc: "下级地区（默认整个批次）(a child region; the whole batch by default)"}}}

var docExportBatchXLSX = &apiDoc{Tag: "benefits",
	Summary: "银行代发文件（.xlsx）(the bank file as .xlsx)",
	Params:  []param{pBatchID, {Name: "region", In: "query", Type: "string"}}}

func (s *Server) apiExportBatchCSV(w http.ResponseWriter, r *http.Request) error {
	return s.exportBatch(w, r, register.CSV)
}

func (s *Server) apiExportBatchXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.exportBatch(w, r, register.XLSX)
}

// BankHeader is the bank file's header; the bank's result file names the
// line by its first column.
var BankHeader = []string{"明细号 (line)", "姓名 (name)", "身份证号 (citizen ID)", "地区 (region)", "项目代码 (item)", "项目 (item name)",
	"所属月份 (for month)", "类别 (kind)", "金额（元） (amount, yuan)"}

func (s *Server) exportBatch(w http.ResponseWriter, r *http.Request, format register.Format) error {
	svc, err := s.batches()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.download(w, r, File{Format: format, Name: "银行代发-批次" + strconv.FormatInt(id, 10), ASCIIName: "bank-batch-" + strconv.FormatInt(id, 10),
		Sheet: "代发明细", Header: BankHeader}, func(row func([]string) error) error {
		return svc.ExportBatch(r.Context(), id, r.URL.Query().Get("region"), func(x *yanglao.ExportLine) error {
			return row([]string{strconv.FormatInt(x.LineID, 10), x.Name, x.IDNumber, x.Region, x.ItemCode, x.ItemName, x.ForMonth, x.Kind, sqldb.FenText(x.AmountFen)})
		})
	})
}

var docReconcileBatch = &apiDoc{Tag: "benefits",
	Summary: "导入银行回盘文件（CSV 或 .xlsx，multipart 字段 file 或请求体）：列 明细号 或 身份证号、结果（成功/失败 或 paid/failed）、原因；重复导入结果相同 " +
		"(import the bank's result file, CSV or .xlsx, as multipart field file or the body: columns line or citizen ID, result (paid|failed), reason; importing it again changes nothing more)",
	Params: []param{pBatchID, pFormat}, Response: yanglao.Reconciliation{}}

func (s *Server) apiReconcileBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.reconcile(w, r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

const maxBankFile = 64 << 20

func (s *Server) reconcile(w http.ResponseWriter, r *http.Request, id int64) (*yanglao.Reconciliation, error) {
	svc, err := s.batches()
	if err != nil {
		return nil, err
	}
	src, err := openUpload(w, r, maxBankFile)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, uploadError(err, maxBankFile)
	}
	format := src.Format
	if format == "" {
		format = register.Sniff(data)
	}
	results, err := ParseBankResult(format, data)
	if err != nil {
		return nil, err
	}
	return svc.ReconcileBatch(r.Context(), id, results)
}

// ParseBankResult reads the bank's result file: a header row naming the
// columns (明细号/line, 身份证号/citizen ID, 结果/result, 原因/reason — the
// bank file's own header works), then one row per line.
func ParseBankResult(format register.Format, data []byte) ([]yanglao.BankResult, error) {
	rr, err := register.NewReader(format, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, yanglao.Invalid("file", "无法读取文件 (cannot read the file): %v", err)
	}
	_, head, err := rr.Next()
	if err != nil {
		return nil, yanglao.Invalid("file", "文件是空的 (the file is empty)")
	}
	col := map[string]int{"line": -1, "id": -1, "result": -1, "reason": -1}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case strings.Contains(h, "明细号") || strings.HasPrefix(h, "line") || strings.Contains(h, "ref"):
			col["line"] = i
		case strings.Contains(h, "身份证") || strings.Contains(h, "citizen"):
			col["id"] = i
		case strings.Contains(h, "结果") || strings.Contains(h, "result") || strings.Contains(h, "status"):
			col["result"] = i
		case strings.Contains(h, "原因") || strings.Contains(h, "reason") || strings.Contains(h, "note"):
			col["reason"] = i
		}
	}
	if col["result"] < 0 || col["line"] < 0 && col["id"] < 0 {
		return nil, yanglao.Invalid("file", "表头须含 明细号 或 身份证号，以及 结果 (the header needs a line or citizen ID column and a result column)")
	}
	cell := func(cells []string, k string) string {
		if i := col[k]; i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var out []yanglao.BankResult
	for {
		row, cells, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yanglao.Invalid("file", "第%d行无法读取 (row %d cannot be read)", row, row)
		}
		if register.Blank(cells) {
			continue
		}
		br := yanglao.BankResult{IDNumber: strings.TrimPrefix(cell(cells, "id"), "'"), Note: cell(cells, "reason")}
		if v := cell(cells, "line"); v != "" {
			if br.LineID, err = strconv.ParseInt(strings.TrimPrefix(v, "'"), 10, 64); err != nil {
				return nil, yanglao.Invalid("file", "第%d行明细号不是数字 (row %d: the line reference is not a number)", row, row)
			}
		}
		switch strings.ToLower(cell(cells, "result")) {
		case "paid", "success", "ok", "成功", "已支付", "支付成功":
			br.Paid = true
		case "failed", "fail", "失败", "支付失败", "退回":
		default:
			return nil, yanglao.Invalid("file", "第%d行结果应为 成功/失败 或 paid/failed (row %d: result must be paid or failed)", row, row)
		}
		out = append(out, br)
	}
	return out, nil
}
