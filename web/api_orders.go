package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
)

// Home-care orders, dispatch, proof of visit and settlement (issue 5):
// handlers parse and respond; scope, the state machine and the flags live in
// the OrderService and package orders.

var (
	pProvider = param{Name: "provider", In: "path", Type: "integer", Required: true, Desc: "服务组织编号 (provider org id)"}
	pDay      = param{Name: "day", In: "query", Type: "string", Desc: "YYYY-MM-DD，默认今天 (default: today)"}
)

func (s *Server) orders() (yanglao.OrderService, error) {
	return wired(s.Orders, "上门服务模块", "home-care orders")
}

var docPlaceOrder = &apiDoc{Tag: "orders", Status: http.StatusCreated,
	Summary: "下单：老年人本人、家属（为关联的老人）或工作人员（政府购买服务）。地址默认老人登记地址；费用按长护险、本月补贴余额、服务券、自付依次拆分（分）；同一账号同一 request_key（或 Idempotency-Key 头）只下一单 " +
		"(place an order: the older person, a linked family member, or a worker for a government-paid service; the address defaults to the registered one; the price is split in fen: insurance, this month's allowance left, voucher, own money; one order per request_key or Idempotency-Key header per account)",
	Body: yanglao.OrderRequest{}, Response: &yanglao.Order{}}

func (s *Server) apiPlaceOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	// Times are decoded here so a malformed one is reported against its field.
	var body struct {
		yanglao.OrderRequest
		Start string `json:"start"`
		End   string `json:"end,omitempty"`
	}
	if err := decodeJSON(r, &body); err != nil {
		var de *yanglao.Error
		if errors.As(err, &de) && strings.HasPrefix(de.Field, "OrderRequest.") { // the embedding is ours, not the client's
			de.Message = strings.ReplaceAll(de.Message, "OrderRequest.", "")
			de.Field = strings.TrimPrefix(de.Field, "OrderRequest.")
		}
		return err
	}
	in := body.OrderRequest
	for _, t := range []struct {
		field, v string
		dst      *time.Time
	}{{"start", body.Start, &in.Start}, {"end", body.End, &in.End}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return yanglao.Invalid(t.field, "%s 应为 RFC 3339 时间，如 2026-11-23T09:00:00+08:00 (%s must be an RFC 3339 time)", t.field, t.field)
		}
		*t.dst = v
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" && in.RequestKey == "" {
		in.RequestKey = k
	}
	o, err := svc.PlaceOrder(r.Context(), &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

var docOrders = &apiDoc{Tag: "orders", Summary: "订单列表（按本人范围：关联老人、本组织、本人的服务、本辖区）；day 给出某天按时间排序的全部 (orders in your scope, newest first; with day: that day's, in time order)",
	Params: []param{{Name: "person", In: "query", Type: "integer"}, {Name: "provider", In: "query", Type: "integer"},
		{Name: "state", In: "query", Type: "string"}, pDay, {Name: "flagged", In: "query", Type: "boolean", Desc: "只看待审核的异常 (flagged, waiting for review)"},
		{Name: "concerns", In: "query", Type: "boolean", Desc: "只看老人反映了问题的 (with a concern)"}, {Name: "mine", In: "query", Type: "boolean"},
		{Name: "after", In: "query", Type: "string"}, {Name: "limit", In: "query", Type: "integer"}},
	Response: List[*yanglao.Order]{}}

func (s *Server) apiOrders(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	f, err := orderFilter(r)
	if err != nil {
		return err
	}
	items, next, err := svc.Orders(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Order]{Items: items, Next: next})
	return nil
}

// orderFilter reads a list's query parameters.
func orderFilter(r *http.Request) (yanglao.OrderFilter, error) {
	q := r.URL.Query()
	page, err := pageParams(r)
	if err != nil {
		return yanglao.OrderFilter{}, err
	}
	f := yanglao.OrderFilter{State: q.Get("state"), Page: page}
	for name, dst := range map[string]*int64{"person": &f.PersonID, "provider": &f.ProviderID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return f, yanglao.Invalid(name, "%s 应为正整数 (%s must be a positive integer)", name, name)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*bool{"flagged": &f.Flagged, "concerns": &f.Concerns, "mine": &f.Mine} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return f, yanglao.Invalid(name, "%s 应为 true 或 false (%s must be true or false)", name, name)
			}
			*dst = b
		}
	}
	if v := q.Get("day"); v != "" {
		d, err := yanglao.ParseDate(v)
		if err != nil {
			return f, yanglao.Invalid("day", "日期格式应为 YYYY-MM-DD (day must be YYYY-MM-DD)")
		}
		f.Day = d
	}
	return f, nil
}

var docOrder = &apiDoc{Tag: "orders", Summary: "一个订单，含当前可执行的操作；确认码只对老人和家属显示 (one order, with the actions you may take now; the confirmation code only for the older person and family)",
	Params: []param{pID}, Response: &yanglao.Order{}}

func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.Order)
}

var docOrderEvents = &apiDoc{Tag: "orders", Summary: "订单的全部流转记录：谁、何时、从何状态到何状态、签到签退位置与距离 (the order's history: who, when, from and to, positions and distances)",
	Params: []param{pID}, Response: []*yanglao.OrderEvent{}}

func (s *Server) apiOrderEvents(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.OrderEvents)
}

var docStepOrder = &apiDoc{Tag: "orders",
	Summary: "推进订单：accept、decline、assign（caregiver_id）、depart、check_in / check_out（lat、lng，超出距离或时长不足会被标记待审核）、close（补结束，标记）、confirm（护理员输入老人给的 code 或 signature；老人家属直接确认）、rate（rating、note、concern）、cancel、no_show；reason 为取消、拒单、未上门、补结束所必需 " +
		"(move an order: accept, decline, assign with caregiver_id, depart, check_in/check_out with lat and lng — far or short visits are flagged for review — close (flagged), confirm (the caregiver with the client's code or a signature; the client directly), rate, cancel, no_show; reason is required to cancel, decline, no_show and close)",
	Params: []param{pID}, Body: yanglao.OrderStep{}, Response: &yanglao.Order{}}

func (s *Server) apiStepOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in yanglao.OrderStep
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := svc.StepOrder(r.Context(), id, &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

var docReviewOrder = &apiDoc{Tag: "orders", Summary: "民政干部审核被标记的服务记录：通过后才进入结算单 (an official accepts or rejects a flagged visit, with a reason; only accepted ones reach the statement)",
	Params: []param{pID}, Body: yanglao.ReviewDecision{}, Response: &yanglao.Order{}}

func (s *Server) apiReviewOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in yanglao.ReviewDecision
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := svc.ReviewOrder(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

var docBookingOptions = &apiDoc{Tag: "orders", Summary: "覆盖该老人住址的服务组织提供的项目与价格 (the items and prices of the providers covering the person's address)",
	Params: []param{pID}, Response: []*yanglao.BookingOption{}}

func (s *Server) apiBookingOptions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.BookingOptions)
}

var docDispatchBoard = &apiDoc{Tag: "orders", Summary: "调度台：某服务组织某天的订单，待派单在前，按时间排序 (the dispatcher's board: a provider's day, unassigned first, in time order)",
	Params: []param{pProvider, pDay}, Response: &yanglao.DispatchBoard{}}

func (s *Server) apiDispatchBoard(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "provider")
	if err != nil {
		return err
	}
	var day yanglao.Date
	if v := r.URL.Query().Get("day"); v != "" {
		if day, err = yanglao.ParseDate(v); err != nil {
			return yanglao.Invalid("day", "日期格式应为 YYYY-MM-DD (day must be YYYY-MM-DD)")
		}
	}
	b, err := svc.DispatchBoard(r.Context(), id, day)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

var docStatement = &apiDoc{Tag: "orders", Summary: "服务组织月度结算单：只含已确认且无异常（或异常经审核通过）的政府支付服务，按项目合计（分）(a provider's monthly statement: verified government-paid visits only, totals per item in fen)",
	Params: []param{pProvider, pMonth}, Response: &yanglao.Statement{}}

func (s *Server) statement(r *http.Request) (*yanglao.Statement, error) {
	svc, err := s.orders()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "provider")
	if err != nil {
		return nil, err
	}
	month := r.URL.Query().Get("month")
	if month == "" {
		month = sqldb.Month(time.Now())
	}
	return svc.Statement(r.Context(), id, month)
}

func (s *Server) apiStatement(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statement(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

var docStatementCSV = &apiDoc{Tag: "orders", Summary: "结算单（CSV）(the statement as CSV)", Params: []param{pProvider, pMonth}}
var docStatementXLSX = &apiDoc{Tag: "orders", Summary: "结算单（.xlsx）(the statement as .xlsx)", Params: []param{pProvider, pMonth}}

func (s *Server) apiStatementCSV(w http.ResponseWriter, r *http.Request) error {
	return s.exportStatement(w, r, register.CSV)
}

func (s *Server) apiStatementXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.exportStatement(w, r, register.XLSX)
}

// StatementHeader is the header of a statement export.
var StatementHeader = []string{"订单号 (order)", "服务时间 (time)", "老人 (person)", "区划代码 (region)", "项目代码 (item)", "项目 (item name)",
	"护理员 (caregiver)", "预约分钟 (booked min)", "实际分钟 (actual min)", "价格（元） (price)", "补贴（元） (allowance)", "服务券（元） (voucher)",
	"长护险（元） (LTC)", "自付（元） (own)", "政府支付（元） (government pays)", "经审核 (reviewed)"}

func (s *Server) exportStatement(w http.ResponseWriter, r *http.Request, format register.Format) error {
	st, err := s.statement(r)
	if err != nil {
		return err
	}
	setDownload(w, format, "结算单-"+st.Month+"-"+strconv.FormatInt(st.ProviderID, 10), "statement-"+st.Month+"-"+strconv.FormatInt(st.ProviderID, 10))
	out, err := register.NewWriter(w, format, register.XLSXOptions{Sheet: "结算明细"})
	if err != nil {
		return err
	}
	if err := out.Row(StatementHeader); err != nil {
		return err
	}
	yn := map[bool]string{true: "是", false: ""}
	for _, l := range st.Lines {
		if err := out.Row([]string{strconv.FormatInt(l.OrderID, 10), whenText(l.Start), l.PersonName, l.RegionCode, l.ItemCode, l.ItemName,
			l.CaregiverName, strconv.Itoa(l.Minutes), strconv.Itoa(l.ActualMinutes), sqldb.FenText(l.PriceFen), sqldb.FenText(l.AllowanceFen),
			sqldb.FenText(l.VoucherFen), sqldb.FenText(l.LTCFen), sqldb.FenText(l.OwnFen), sqldb.FenText(l.AllowanceFen + l.VoucherFen), yn[l.Reviewed]}); err != nil {
			return err
		}
	}
	out.Row([]string{})
	for _, it := range st.Items {
		if err := out.Row([]string{"合计 (total)", "", "", "", it.ItemCode, it.ItemName, strconv.Itoa(it.Visits) + " 次", "", "", "",
			sqldb.FenText(it.AllowanceFen), sqldb.FenText(it.VoucherFen), "", "", sqldb.FenText(it.TotalFen), ""}); err != nil {
			return err
		}
	}
	if err := out.Row([]string{"总计 (grand total)", "", "", "", "", "", strconv.Itoa(st.Visits) + " 次", "", "", "", "", "", "", "", sqldb.FenText(st.TotalFen), ""}); err != nil {
		return err
	}
	return out.Close()
}

var docOrderSuggestions = &apiDoc{Tag: "orders", Summary: "为订单推荐护理员：本组织、有资质、时间空闲、离老人家最近 (caregivers for an order: the provider's, qualified, free, nearest the home first)",
	Params: []param{pID}, Response: []*yanglao.CaregiverSuggestion{}}

func (s *Server) apiOrderSuggestions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.SuggestCaregivers)
}
