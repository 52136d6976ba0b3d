package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

// Consumption vouchers (消费券, issue 5): officials issue batches; everyone in
// scope lists them; spending happens inside meal and service orders.

// VoucherBatchInput is the body of POST /api/v1/voucher-batches and its preview.
type VoucherBatchInput struct {
	Name           string                     `json:"name"`
	RegionCode     string                     `json:"region_code"`
	FaceFen        int64                      `json:"face_fen"`
	Uses           []string                   `json:"uses"`
	ValidFrom      string                     `json:"valid_from"`  // YYYY-MM-DD
	ValidUntil     string                     `json:"valid_until"` // YYYY-MM-DD
	Filter         *yanglao.VoucherFilterSpec `json:"filter,omitempty"`
	PersonIDs      []int64                    `json:"person_ids,omitempty"`
	IdempotencyKey string                     `json:"idempotency_key,omitempty"`
}

func (in VoucherBatchInput) batch() (*yanglao.VoucherBatch, error) {
	b := &yanglao.VoucherBatch{Name: in.Name, RegionCode: in.RegionCode, FaceFen: in.FaceFen, Uses: in.Uses,
		Filter: in.Filter, PersonIDs: in.PersonIDs, RequestKey: in.IdempotencyKey}
	var err error
	if b.ValidFrom, err = dateField("valid_from", in.ValidFrom); err != nil {
		return nil, err
	}
	if b.ValidUntil, err = dateField("valid_until", in.ValidUntil); err != nil {
		return nil, err
	}
	return b, nil
}

// dateField parses an optional YYYY-MM-DD input, naming the field when it is wrong.
func dateField(field, s string) (yanglao.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return yanglao.Date{}, nil
	}
	d, err := yanglao.ParseDate(s)
	if err != nil {
		return d, yanglao.Invalid(field, "日期应为存在的 YYYY-MM-DD (%s must be a real date YYYY-MM-DD)", field)
	}
	return d, nil
}

// VoucherPreview is the answer of the preview: how many people would get one.
type VoucherPreview struct {
	People int `json:"people"`
}

func (s *Server) vouchers() (yanglao.VoucherService, error) {
	return wired(s.Vouchers, "消费券服务", "the voucher service")
}

var docPreviewVoucherBatch = &apiDoc{Tag: "vouchers",
	Summary: "预览消费券发放人数（不写入）；按登记筛选条件（在世、居住在该地区）或人员编号名单，名单中不符合的编号会被逐一指出 " +
		"(count who would get a voucher, writing nothing: register filters (alive, living in the region) or a list of person ids; ids that do not qualify are named)",
	Body: VoucherBatchInput{}, Response: VoucherPreview{}}

func (s *Server) apiPreviewVoucherBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	var in VoucherBatchInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b, err := in.batch()
	if err != nil {
		return err
	}
	n, err := svc.PreviewVoucherBatch(r.Context(), b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, VoucherPreview{People: n})
	return nil
}

var docIssueVoucherBatch = &apiDoc{Tag: "vouchers", Status: http.StatusCreated,
	Summary: "发放一批消费券（民政干部，本辖区内）：每人一张，全部成功或全部不发；同一幂等键重复提交返回同一批次 " +
		"(issue a voucher batch (officials, inside their region): one voucher per person, all or none; the same idempotency_key again returns the same batch)",
	Body: VoucherBatchInput{}, Response: yanglao.VoucherBatch{}}

func (s *Server) apiIssueVoucherBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	var in VoucherBatchInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b, err := in.batch()
	if err != nil {
		return err
	}
	if err := svc.IssueVoucherBatch(r.Context(), b); err != nil {
		return err
	}
	b.PersonIDs = nil
	writeJSON(w, http.StatusCreated, b)
	return nil
}

var docVoucherBatches = &apiDoc{Tag: "vouchers", Summary: "消费券批次（辖区内，新的在前）(voucher batches in your region, newest first)",
	Params: []param{pRegion, pAfter, pLimit}, Response: List[*yanglao.VoucherBatch]{}}

func (s *Server) apiVoucherBatches(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := svc.VoucherBatches(r.Context(), yanglao.VoucherBatchFilter{RegionCode: r.URL.Query().Get("region"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.VoucherBatch]{Items: items, Next: next})
	return nil
}

var docVoucherBatch = &apiDoc{Tag: "vouchers", Summary: "一个消费券批次 (one voucher batch)",
	Params: []param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: yanglao.VoucherBatch{}}

func (s *Server) apiVoucherBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.VoucherBatch)
}

var docVouchers = &apiDoc{Tag: "vouchers",
	Summary: "消费券列表：民政干部和工作人员看辖区内的，老年人和家属看关联老人的 (vouchers: officials and workers see their region's, older people and families their linked people's)",
	Params: []param{pRegion, {Name: "batch", In: "query", Type: "integer"}, {Name: "person", In: "query", Type: "integer"},
		{Name: "state", In: "query", Type: "string", Desc: "unspent | spent | expired | pending"},
		{Name: "use", In: "query", Type: "string", Desc: "只列可用于此用途的 (only those that pay for this use: meal, a service category)"}, pAfter, pLimit},
	Response: List[*yanglao.Voucher]{}}

func (s *Server) apiVouchers(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := yanglao.VoucherFilter{RegionCode: q.Get("region"), State: q.Get("state"), Use: q.Get("use"), Page: page}
	if f.BatchID, err = queryID(r, "batch"); err != nil {
		return err
	}
	if f.PersonID, err = queryID(r, "person"); err != nil {
		return err
	}
	items, next, err := svc.Vouchers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Voucher]{Items: items, Next: next})
	return nil
}

// queryID reads an optional positive integer query parameter (0 when absent).
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, yanglao.Invalid(name, "%s 应为正整数 (%s must be a positive integer)", name, name)
	}
	return id, nil
}

var docVoucher = &apiDoc{Tag: "vouchers", Summary: "一张消费券 (one voucher)",
	Params: []param{{Name: "id", In: "path", Type: "integer", Required: true}}, Response: yanglao.Voucher{}}

func (s *Server) apiVoucher(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.Voucher)
}
