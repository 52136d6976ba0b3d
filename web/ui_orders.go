package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/orders"
	"github.com/yanglao/yanglao/sqldb"
)

// Pages of home-care orders (issue 5): the older person's and the family's
// booking (few steps, big buttons, phone first), their orders with the
// confirmation code, the dispatcher's board, the caregiver's phone pages with
// check-in and check-out, the officials' review, and the provider's statement.

// orderView is an order with what its pages show.
type orderView struct {
	*yanglao.Order
	StateName string
	When      string       // "11月23日 09:00–11:00"
	Day       string       // 今天, 明天 or the date
	MapHref   template.URL // geo: is not among html/template's safe schemes; built from numbers and an escaped address
	Can       map[string]bool
	Flagged   bool
}

func (s *Server) viewOrder(l string, o *yanglao.Order, now time.Time) *orderView {
	v := &orderView{Order: o, StateName: orders.State(o.State).Name(l), Can: map[string]bool{}, Flagged: len(o.Flags) > 0}
	for _, a := range o.Actions {
		v.Can[a] = true
	}
	start, end := o.Start.In(yanglao.Shanghai), o.End.In(yanglao.Shanghai)
	day := yanglao.DateOf(start)
	today := yanglao.DateOf(now)
	switch day {
	case today:
		v.Day = tr(l, "今天", "Today")
	case today.AddDays(1):
		v.Day = tr(l, "明天", "Tomorrow")
	default:
		v.Day = tr(l, fmt.Sprintf("%d月%d日", start.Month(), start.Day()), start.Format("2 Jan"))
	}
	v.When = start.Format("15:04") + "–" + end.Format("15:04")
	if o.Lat != nil && o.Lng != nil {
		// A geo: URI opens the phone's own map app; nothing is fetched from the
		// internet by the page itself (RFC 5870).
		v.MapHref = template.URL(fmt.Sprintf("geo:%.6f,%.6f?q=%.6f,%.6f(%s)", *o.Lat, *o.Lng, *o.Lat, *o.Lng, url.QueryEscape(o.Address)))
	}
	return v
}

func (s *Server) viewOrders(r *http.Request, list []*yanglao.Order) []*orderView {
	out := make([]*orderView, len(list))
	for i, o := range list {
		out[i] = s.viewOrder(lang(r), o, time.Now())
	}
	return out
}

// --- the list

type ordersData struct {
	Client  bool // older person or family: cards and the big booking button
	Staff   bool
	Orders  []*orderView
	Flagged bool
	Concern bool
	Next    string
}

func (s *Server) pageOrders(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	switch a.Role {
	case yanglao.RoleDispatcher:
		seeOther(w, r, "/dispatch")
		return nil
	case yanglao.RoleCaregiver:
		seeOther(w, r, "/visits")
		return nil
	}
	svc, err := s.orders()
	if err != nil {
		return err
	}
	f, err := orderFilter(r)
	if err != nil {
		return err
	}
	list, next, err := svc.Orders(r.Context(), f)
	if err != nil {
		return err
	}
	d := ordersData{Client: a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily, Orders: s.viewOrders(r, list), Flagged: f.Flagged, Concern: f.Concerns}
	d.Staff = !d.Client
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		d.Next = "/orders?" + q.Encode()
	}
	title := [2]string{"上门服务订单", "Home-care orders"}
	if d.Client {
		title = [2]string{"我的上门服务", "My home-care visits"}
	}
	return s.render(w, http.StatusOK, "orders.html", s.newPage(r, title[0], title[1], d))
}

// --- booking

type bookingChoice struct {
	Value, Label, Detail string
	Checked              bool
}

type bookingData struct {
	People   []*yanglao.Person
	Person   *yanglao.Person
	Options  []bookingChoice
	Days     []bookingChoice
	Times    []bookingChoice
	Needs    string
	Key      string
	Vouchers []bookingChoice // the person's unspent vouchers that may pay for home services
	Errors   map[string]string
	Summary  []fieldError
	NoAnswer bool // nobody covers the address
}

// bookingTimes are the start times offered as big buttons (a visit can be
// moved by the provider by phone; the platform keeps the booked window).
var bookingTimes = []string{"08:00", "09:00", "10:00", "11:00", "14:00", "15:00", "16:00", "17:00"}

func (s *Server) pageNewOrder(w http.ResponseWriter, r *http.Request) error {
	return s.renderBooking(w, r, http.StatusOK, url.Values{}, nil)
}

// renderBooking shows the booking form, with what was posted and the errors by field.
func (s *Server) renderBooking(w http.ResponseWriter, r *http.Request, status int, posted url.Values, errs map[string]string) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	ctx := r.Context()
	l := lang(r)
	d := bookingData{Errors: errs, Needs: posted.Get("needs"), Key: posted.Get("request_key")}
	if d.Key == "" {
		var b [12]byte
		rand.Read(b[:])
		d.Key = hex.EncodeToString(b[:])
	}
	personID, _ := strconv.ParseInt(firstOf(posted.Get("person"), r.URL.Query().Get("person")), 10, 64)
	a := actor(r)
	if a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily {
		people, _, err := s.People.People(ctx, yanglao.PersonFilter{Life: yanglao.Alive, Page: yanglao.Page{Limit: 20}})
		if err != nil {
			return err
		}
		d.People = people
		if personID == 0 && len(people) > 0 {
			personID = people[0].ID
		}
	}
	if personID == 0 {
		return yanglao.Invalid("person", "请先选择老人：从老年人名册进入预约 (choose the person first: book from the register)")
	}
	if d.Person, err = s.People.Person(ctx, personID); err != nil {
		return err
	}
	opts, err := svc.BookingOptions(ctx, personID)
	if err != nil {
		return err
	}
	d.NoAnswer = len(opts) == 0
	for i, o := range opts {
		v := fmt.Sprintf("%d:%d", o.ProviderID, o.ItemID)
		d.Options = append(d.Options, bookingChoice{Value: v, Label: o.ItemName,
			Detail:  fmt.Sprintf("%s · %d %s · %s %s", o.ProviderName, o.Minutes, tr(l, "分钟", "min"), yuan(o.PriceFen), tr(l, "元", "yuan")),
			Checked: posted.Get("option") == v || posted.Get("option") == "" && i == 0 && len(opts) == 1})
	}
	if s.Vouchers != nil {
		vs, _, err := s.Vouchers.Vouchers(ctx, yanglao.VoucherFilter{PersonID: personID, State: yanglao.VoucherUnspent, Page: yanglao.Page{Limit: 20}})
		if err != nil {
			return err
		}
		for _, v := range vs {
			if len(v.Uses) == 1 && v.Uses[0] == yanglao.VoucherMeal {
				continue // meals only: not for a home visit
			}
			id := strconv.FormatInt(v.ID, 10)
			d.Vouchers = append(d.Vouchers, bookingChoice{Value: id, Label: v.BatchName,
				Detail:  fmt.Sprintf("%s %s · %s %s", tr(l, "面值", "worth"), yuan(v.FaceFen), tr(l, "有效至", "valid until"), v.ValidUntil),
				Checked: posted.Get("voucher") == id})
		}
	}
	today := yanglao.DateOf(time.Now())
	for i := 0; i < 7; i++ {
		dd := today.AddDays(i)
		label := tr(l, fmt.Sprintf("%d月%d日", dd.Month, dd.Day), dd.Time().Format("2 Jan"))
		switch i {
		case 0:
			label = tr(l, "今天", "Today")
		case 1:
			label = tr(l, "明天", "Tomorrow")
		case 2:
			label = tr(l, "后天", "In 2 days")
		}
		d.Days = append(d.Days, bookingChoice{Value: dd.String(), Label: label, Detail: weekday(l, dd),
			Checked: posted.Get("day") == dd.String() || posted.Get("day") == "" && i == 1})
	}
	for _, t := range bookingTimes {
		d.Times = append(d.Times, bookingChoice{Value: t, Label: t, Checked: posted.Get("time") == t})
	}
	for _, f := range []string{"option", "day", "time", "voucher", "needs", "person"} {
		if m := errs[f]; m != "" {
			d.Summary = append(d.Summary, fieldError{f, m})
		}
	}
	p := s.newPage(r, "预约上门服务", "Book a home visit", d)
	return s.render(w, status, "order_new.html", p)
}

func weekday(l string, d yanglao.Date) string {
	wd := d.Time().Weekday()
	if l == "en" {
		return wd.String()
	}
	return "星期" + []string{"日", "一", "二", "三", "四", "五", "六"}[wd]
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// bookingField maps a service error's field to the form's.
var bookingField = map[string]string{"provider_id": "option", "item_id": "option", "start": "time", "end": "time", "needs": "needs", "person_id": "person", "voucher_id": "voucher"}

func (s *Server) postOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	l := lang(r)
	errs := map[string]string{}
	in := yanglao.OrderRequest{Needs: f.Get("needs"), RequestKey: f.Get("request_key")}
	in.PersonID, _ = strconv.ParseInt(f.Get("person"), 10, 64)
	if v, err := strconv.ParseInt(f.Get("voucher"), 10, 64); err == nil && v > 0 {
		in.VoucherID = &v
	}
	prov, item, ok := strings.Cut(f.Get("option"), ":")
	in.ProviderID, _ = strconv.ParseInt(prov, 10, 64)
	in.ItemID, _ = strconv.ParseInt(item, 10, 64)
	if !ok || in.ProviderID <= 0 || in.ItemID <= 0 {
		errs["option"] = tr(l, "请选择一项服务", "Choose a service")
	}
	day, err := yanglao.ParseDate(f.Get("day"))
	if err != nil {
		errs["day"] = tr(l, "请选择日期", "Choose a day")
	}
	hm, err := time.ParseInLocation("15:04", f.Get("time"), yanglao.Shanghai)
	if err != nil {
		errs["time"] = tr(l, "请选择上门时间", "Choose a time")
	}
	if len(errs) > 0 {
		return s.renderBooking(w, r, http.StatusBadRequest, f, errs)
	}
	in.Start = time.Date(day.Year, day.Month, day.Day, hm.Hour(), hm.Minute(), 0, 0, yanglao.Shanghai)
	o, err := svc.PlaceOrder(r.Context(), &in)
	if err != nil {
		if code := yanglao.ErrorCode(err); code == yanglao.EINVALID || code == yanglao.ECONFLICT {
			field := bookingField[yanglao.ErrorField(err)]
			if field == "" {
				field = "option"
			}
			errs[field] = localMsg(l, yanglao.ErrorMessage(err))
			return s.renderBooking(w, r, http.StatusBadRequest, f, errs)
		}
		return err
	}
	seeOther(w, r, "/orders/"+strconv.FormatInt(o.ID, 10)+"?msg=order_placed")
	return nil
}

// --- one order

type orderPageData struct {
	O        *orderView
	Events   []*yanglao.OrderEvent
	Client   bool
	Official bool
	Error    string
	Field    string
}

func (s *Server) pageOrder(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrder(w, r, http.StatusOK, nil)
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, status int, stepErr error) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := svc.Order(r.Context(), id)
	if err != nil {
		return err
	}
	evs, err := svc.OrderEvents(r.Context(), id)
	if err != nil {
		return err
	}
	a := actor(r)
	d := orderPageData{O: s.viewOrder(lang(r), o, time.Now()), Events: evs,
		Client:   a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily,
		Official: a.Role == yanglao.RoleOfficial || a.Unrestricted()}
	if stepErr != nil {
		d.Error, d.Field = localMsg(lang(r), yanglao.ErrorMessage(stepErr)), yanglao.ErrorField(stepErr)
	}
	return s.render(w, status, "order_view.html", s.newPage(r, "订单 "+strconv.FormatInt(id, 10), "Order "+strconv.FormatInt(id, 10), d))
}

// postOrderStep moves an order from a page's form; the page it came from
// (order, visit or board) shows the refusal next to the buttons.
func (s *Server) postOrderStep(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	st := yanglao.OrderStep{Action: f.Get("action"), Reason: f.Get("reason"), Code: f.Get("code"), Note: f.Get("note"), Concern: f.Get("concern")}
	st.Version, _ = strconv.Atoi(f.Get("version"))
	st.CaregiverID, _ = strconv.ParseInt(f.Get("caregiver_id"), 10, 64)
	st.Rating, _ = strconv.Atoi(f.Get("rating"))
	if lat, err1 := strconv.ParseFloat(f.Get("lat"), 64); err1 == nil {
		if lng, err2 := strconv.ParseFloat(f.Get("lng"), 64); err2 == nil {
			st.Lat, st.Lng = &lat, &lng
			st.Accuracy, _ = strconv.ParseFloat(f.Get("accuracy"), 64)
		}
	}
	back := safeNext(f.Get("back"))
	_, err = svc.StepOrder(r.Context(), id, &st)
	if err != nil {
		code := yanglao.ErrorCode(err)
		if code != yanglao.EINVALID && code != yanglao.ECONFLICT && code != yanglao.EFORBIDDEN {
			return err
		}
		switch {
		case strings.HasPrefix(back, "/visits/"):
			return s.renderOrderVisit(w, r, statusOf(code), err)
		case strings.HasPrefix(back, "/dispatch"):
			seeOther(w, r, back+sep(back)+"err="+url.QueryEscape(localMsg(lang(r), yanglao.ErrorMessage(err)))+"&order="+strconv.FormatInt(id, 10)+"#o"+strconv.FormatInt(id, 10))
			return nil
		}
		return s.renderOrder(w, r, statusOf(code), err)
	}
	seeOther(w, r, back+sep(back)+"msg=order_"+url.QueryEscape(st.Action))
	return nil
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func (s *Server) postOrderReview(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, err = svc.ReviewOrder(r.Context(), id, yanglao.ReviewDecision{Accept: r.PostFormValue("accept") == "1", Reason: r.PostFormValue("reason")})
	if err != nil {
		if code := yanglao.ErrorCode(err); code == yanglao.EINVALID || code == yanglao.ECONFLICT || code == yanglao.EFORBIDDEN {
			return s.renderOrder(w, r, statusOf(code), err)
		}
		return err
	}
	seeOther(w, r, "/orders/"+strconv.FormatInt(id, 10)+"?msg=order_reviewed")
	return nil
}

// --- the dispatcher's board

type boardRow struct {
	*orderView
	Suggestions []*yanglao.CaregiverSuggestion
	Error       string
	Lang, CSRF  string // for the row's forms
	Day         string
}

type boardData struct {
	Board      *yanglao.DispatchBoard
	Day        string
	Prev, Next string
	Unassigned []*boardRow
	Assigned   []*boardRow
	Closed     []*boardRow
	Providers  []*yanglao.Org
}

func (s *Server) pageDispatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := actor(r)
	q := r.URL.Query()
	d := boardData{}
	var providerID int64
	if a.Role == yanglao.RoleDispatcher && a.OrgID != nil {
		providerID = *a.OrgID
	} else if providerID, err = strconv.ParseInt(q.Get("provider"), 10, 64); err != nil || providerID <= 0 {
		providers, _, err := s.Orgs.Orgs(ctx, yanglao.OrgFilter{Kind: yanglao.OrgProvider, Page: yanglao.Page{Limit: 200}})
		if err != nil {
			return err
		}
		d.Providers = providers
		return s.render(w, http.StatusOK, "dispatch.html", s.newPage(r, "调度台", "Dispatch board", d))
	}
	var day yanglao.Date
	if v := q.Get("day"); v != "" {
		if day, err = yanglao.ParseDate(v); err != nil {
			return yanglao.Invalid("day", "日期格式应为 YYYY-MM-DD (day must be YYYY-MM-DD)")
		}
	}
	b, err := svc.DispatchBoard(ctx, providerID, day)
	if err != nil {
		return err
	}
	d.Board, d.Day = b, b.Day.String()
	base := "/dispatch?"
	if a.Role != yanglao.RoleDispatcher {
		base += "provider=" + strconv.FormatInt(providerID, 10) + "&"
	}
	d.Prev, d.Next = base+"day="+b.Day.AddDays(-1).String(), base+"day="+b.Day.AddDays(1).String()
	errOrder, _ := strconv.ParseInt(q.Get("order"), 10, 64)
	row := func(o *yanglao.Order, suggest bool) *boardRow {
		br := &boardRow{orderView: s.viewOrder(lang(r), o, time.Now()), Lang: lang(r), Day: b.Day.String()}
		if sess := sessionOf(ctx); sess != nil {
			br.CSRF = sess.CSRFToken
		}
		if o.ID == errOrder {
			br.Error = q.Get("err")
		}
		if suggest && a.Role == yanglao.RoleDispatcher {
			br.Suggestions, _ = svc.SuggestCaregivers(ctx, o.ID) // none is a message on the board, not an error
		}
		return br
	}
	for _, o := range b.Unassigned {
		d.Unassigned = append(d.Unassigned, row(o, true))
	}
	for _, o := range b.Assigned {
		d.Assigned = append(d.Assigned, row(o, o.State == string(orders.Assigned)))
	}
	for _, o := range b.Closed {
		d.Closed = append(d.Closed, row(o, false))
	}
	return s.render(w, http.StatusOK, "dispatch.html", s.newPage(r, "调度台", "Dispatch board", d))
}

// --- the caregiver's phone pages

type orderVisitsData struct {
	Day    string
	Visits []*orderView
}

func (s *Server) pageOrderVisits(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	today := yanglao.DateOf(time.Now())
	list, _, err := svc.Orders(r.Context(), yanglao.OrderFilter{Day: today, Mine: true})
	if err != nil {
		return err
	}
	d := orderVisitsData{Day: today.String(), Visits: s.viewOrders(r, list)}
	return s.render(w, http.StatusOK, "visits.html", s.newPage(r, "今日上门", "Today's visits", d))
}

type orderVisitData struct {
	O     *orderView
	Error string
	Field string
}

func (s *Server) pageOrderVisit(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrderVisit(w, r, http.StatusOK, nil)
}

func (s *Server) renderOrderVisit(w http.ResponseWriter, r *http.Request, status int, stepErr error) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := svc.Order(r.Context(), id)
	if err != nil {
		return err
	}
	d := orderVisitData{O: s.viewOrder(lang(r), o, time.Now())}
	if stepErr != nil {
		d.Error, d.Field = localMsg(lang(r), yanglao.ErrorMessage(stepErr)), yanglao.ErrorField(stepErr)
	}
	return s.render(w, status, "visit.html", s.newPage(r, o.PersonName+" · "+o.ItemName, o.PersonName+" · "+o.ItemName, d))
}

// --- the statement

type statementData struct {
	St        *yanglao.Statement
	Month     string
	Provider  int64
	Providers []*yanglao.Org
	CSV, XLSX string
}

func (s *Server) pageStatement(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.orders()
	if err != nil {
		return err
	}
	ctx := r.Context()
	a := actor(r)
	q := r.URL.Query()
	d := statementData{Month: q.Get("month")}
	if d.Month == "" {
		d.Month = sqldb.Month(time.Now())
	}
	if a.Role == yanglao.RoleDispatcher && a.OrgID != nil {
		d.Provider = *a.OrgID
	} else {
		d.Provider, _ = strconv.ParseInt(q.Get("provider"), 10, 64)
		providers, _, err := s.Orgs.Orgs(ctx, yanglao.OrgFilter{Kind: yanglao.OrgProvider, Page: yanglao.Page{Limit: 200}})
		if err != nil {
			return err
		}
		d.Providers = providers
	}
	if d.Provider > 0 {
		if d.St, err = svc.Statement(ctx, d.Provider, d.Month); err != nil {
			return err
		}
		base := fmt.Sprintf("/api/v1/statements/%d/export", d.Provider)
		d.CSV, d.XLSX = base+".csv?month="+d.Month, base+".xlsx?month="+d.Month
	}
	return s.render(w, http.StatusOK, "statement.html", s.newPage(r, "月度结算单", "Monthly statement", d))
}

// orderNav is the menu entries of home-care orders for a role: href, 中文, English.
func orderNav(role yanglao.Role) [][3]string {
	switch role {
	case yanglao.RoleDispatcher:
		return [][3]string{{"/dispatch", "调度台", "Dispatch board"}, {"/statements", "结算单", "Statements"}}
	case yanglao.RoleCaregiver:
		return [][3]string{{"/visits", "今日上门", "Today's visits"}}
	case yanglao.RoleOfficial, yanglao.RoleAdmin:
		return [][3]string{{"/orders", "上门服务", "Home care"}, {"/statements", "结算单", "Statements"}}
	case yanglao.RoleWorker:
		return [][3]string{{"/orders", "上门服务", "Home care"}}
	case yanglao.RoleElder, yanglao.RoleFamily:
		return [][3]string{{"/orders", "我的服务", "My visits"}}
	}
	return nil
}
