package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

// Pages of the device registry (/devices) and the emergency desk: the live
// operator board (/alarms, fed by /alarms/stream), the case page and the
// acknowledgement report.

// canSeeBoard: the board is for those who answer or supervise alarms;
// older people and families see their devices' cases on the device page.
func (s *Server) canSeeBoard(r *http.Request) error {
	a := actor(r)
	if a == nil || a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权查看警情值守台 (not allowed to see the alarm board)")
	}
	return nil
}

// worksCases: who the UI offers case actions to (the service decides).
func worksCases(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleEmergency)
}

// managesDevices: who the UI offers registration and binding to (the service decides).
func managesDevices(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker)
}

// alarmRowData is one row of the board, rendered for a page or an SSE event.
type alarmRowData struct {
	Lang, CSRF string
	C          *yanglao.Case
	CanAct     bool
}

func (s *Server) alarmRow(r *http.Request, c *yanglao.Case) alarmRowData {
	d := alarmRowData{Lang: lang(r), C: c, CanAct: worksCases(actor(r))}
	if sess := sessionOf(r.Context()); sess != nil {
		d.CSRF = sess.CSRFToken
	}
	return d
}

type alarmBoardData struct {
	Rows []alarmRowData
	More bool
}

func (s *Server) pageAlarmBoard(w http.ResponseWriter, r *http.Request) error {
	if err := s.canSeeBoard(r); err != nil {
		return err
	}
	cases, next, err := s.Alarms.Cases(r.Context(), yanglao.CaseFilter{Open: true, Page: yanglao.Page{Limit: 200}})
	if err != nil {
		return err
	}
	d := alarmBoardData{More: next != ""}
	for _, c := range cases {
		d.Rows = append(d.Rows, s.alarmRow(r, c))
	}
	return s.render(w, http.StatusOK, "alarm_board.html", s.newPage(r, "警情值守台", "Alarm board", d))
}

type caseData struct {
	C          *yanglao.Case
	Steps      []*yanglao.CaseStep
	CanAct     bool
	Responders []option
	Outcomes   []option
	Errors     map[string]string
	Form       yanglao.CaseAction
	Waited     string // time from receipt to acknowledgement
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, status int, id int64, form yanglao.CaseAction, errs map[string]string) error {
	c, steps, err := s.Alarms.Case(r.Context(), id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := caseData{C: c, Steps: steps, CanAct: worksCases(actor(r)), Errors: errs, Form: form}
	for _, v := range yanglao.Responders {
		d.Responders = append(d.Responders, option{Value: v, Label: yanglao.ResponderName(v, l), Selected: v == form.Responder})
	}
	for _, v := range yanglao.Outcomes {
		d.Outcomes = append(d.Outcomes, option{Value: v, Label: yanglao.OutcomeName(v, l), Selected: v == form.Outcome})
	}
	if c.AckAt != nil {
		d.Waited = c.AckAt.Sub(c.ReceivedAt).Round(time.Second).String()
	}
	title := tr(l, "警情 ", "Case ") + strconv.FormatInt(c.ID, 10)
	return s.render(w, status, "alarm_case.html", s.newPage(r, title, title, d))
}

func (s *Server) pageAlarmCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderCase(w, r, http.StatusOK, id, yanglao.CaseAction{}, nil)
}

func (s *Server) postAlarmCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	a := yanglao.CaseAction{Action: r.PostFormValue("action"), Responder: r.PostFormValue("responder"), Outcome: r.PostFormValue("outcome"), Note: r.PostFormValue("note")}
	if _, err := s.Alarms.Act(r.Context(), id, a); err != nil {
		if code := yanglao.ErrorCode(err); code == yanglao.EINVALID || code == yanglao.ECONFLICT {
			field := yanglao.ErrorField(err)
			if field == "" {
				field = "action"
			}
			return s.renderCase(w, r, statusOf(code), id, a, map[string]string{field: localMsg(lang(r), yanglao.ErrorMessage(err))})
		}
		return err
	}
	seeOther(w, r, "/alarms/"+strconv.FormatInt(id, 10)+"?msg=case_"+a.Action)
	return nil
}

type reportData struct {
	Month, Region string
	Rows          []*yanglao.AckStat
	Target        float64
}

func (s *Server) pageAlarmReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := reportData{Month: q.Get("month"), Region: q.Get("region"), Target: yanglao.AckTarget * 100}
	if d.Month == "" {
		d.Month = time.Now().In(yanglao.Shanghai).Format("2006-01")
	}
	rows, err := s.Alarms.AckReport(r.Context(), d.Region, d.Month)
	if err != nil {
		return err
	}
	d.Rows = rows
	return s.render(w, http.StatusOK, "alarm_report.html", s.newPage(r, "接警及时率", "Time to acknowledge", d))
}

// --- devices

func deviceKindOptions(l, selected string) []option {
	var out []option
	for _, k := range yanglao.DeviceKinds {
		out = append(out, option{Value: k, Label: yanglao.DeviceKindName(k, l), Selected: k == selected})
	}
	return out
}

type devicesData struct {
	Q, Kind, Sort string
	Kinds, Sorts  []option
	Rows          []*yanglao.Device
	Next, Prev    string
	CanCreate     bool
	Now           time.Time
}

func (s *Server) pageDevices(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	f, err := deviceFilter(r)
	if err != nil {
		return err
	}
	f.Page.Limit = uiPageSize
	rows, next, err := s.Devices.Devices(r.Context(), f)
	if err != nil {
		return err
	}
	d := devicesData{Q: f.Query, Kind: f.Kind, Sort: f.Sort, Kinds: deviceKindOptions(l, f.Kind), Rows: rows, CanCreate: managesDevices(actor(r)), Now: time.Now()}
	for _, o := range [][3]string{{"id", "登记顺序", "Registration order"}, {"last_seen", "最久未联系在前", "Longest silent first"}, {"battery", "电量最低在前", "Lowest battery first"}} {
		d.Sorts = append(d.Sorts, option{Value: o[0], Label: tr(l, o[1], o[2]), Selected: o[0] == f.Sort || (f.Sort == "" && o[0] == "id")})
	}
	base := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "kind": f.Kind, "sort": f.Sort} {
		if v != "" {
			base.Set(k, v)
		}
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range base {
			nq[k] = v
		}
		nq.Set("after", next)
		d.Next = "/devices?" + nq.Encode()
	}
	if f.Page.After != "" {
		d.Prev = "/devices?" + base.Encode()
	}
	return s.render(w, http.StatusOK, "devices.html", s.newPage(r, "设备", "Devices", d))
}

type deviceForm struct {
	Serial, Kind, Vendor, PersonID, Address, RegionCode, Heartbeat string
	Kinds                                                          []option
	Errors                                                         map[string]string
}

func (s *Server) pageNewDevice(w http.ResponseWriter, r *http.Request) error {
	if !managesDevices(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权登记设备 (not allowed to register devices)")
	}
	f := &deviceForm{Kind: yanglao.DeviceSOS, PersonID: r.URL.Query().Get("person"), Heartbeat: strconv.Itoa(yanglao.DefaultHeartbeat)}
	f.Kinds = deviceKindOptions(lang(r), f.Kind)
	return s.render(w, http.StatusOK, "device_new.html", s.newPage(r, "登记设备", "Register a device", f))
}

type deviceView struct {
	D         *yanglao.Device
	Cases     []*yanglao.Case
	Secret    string // just registered: the MQTT password, shown this once
	Topic     string
	CanBind   bool
	Errors    map[string]string
	Binding   deviceForm
	Heartbeat string
}

func (s *Server) postDevice(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := &deviceForm{Serial: r.PostFormValue("serial"), Kind: r.PostFormValue("kind"), Vendor: r.PostFormValue("vendor"),
		PersonID: strings.TrimSpace(r.PostFormValue("person_id")), Address: r.PostFormValue("address"),
		RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), Heartbeat: strings.TrimSpace(r.PostFormValue("heartbeat_seconds")), Errors: map[string]string{}}
	d := &yanglao.Device{Serial: f.Serial, Kind: f.Kind, Vendor: f.Vendor, Address: f.Address, RegionCode: f.RegionCode}
	if f.PersonID != "" {
		id, err := strconv.ParseInt(f.PersonID, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["person_id"] = tr(lang(r), "老年人编号应为正整数", "The person number must be a positive integer")
		}
		d.PersonID = &id
	}
	if f.Heartbeat != "" {
		n, err := strconv.Atoi(f.Heartbeat)
		if err != nil {
			f.Errors["heartbeat_seconds"] = tr(lang(r), "心跳间隔应为整数秒", "The heartbeat interval must be whole seconds")
		}
		d.HeartbeatSeconds = n
	}
	var secret string
	var err error
	if len(f.Errors) == 0 {
		secret, err = s.Devices.CreateDevice(r.Context(), d)
	}
	if err != nil {
		if code := yanglao.ErrorCode(err); code != yanglao.EINVALID && code != yanglao.ECONFLICT {
			return err
		}
		f.Errors[yanglao.ErrorField(err)] = localMsg(lang(r), yanglao.ErrorMessage(err))
	}
	if len(f.Errors) > 0 {
		f.Kinds = deviceKindOptions(lang(r), f.Kind)
		return s.render(w, http.StatusUnprocessableEntity, "device_new.html", s.newPage(r, "登记设备", "Register a device", f))
	}
	// The password is shown on this response only; a reload does not post again
	// (the serial would conflict) and does not show it again.
	return s.renderDevice(w, r, http.StatusCreated, d.ID, secret, nil, deviceForm{})
}

func (s *Server) renderDevice(w http.ResponseWriter, r *http.Request, status int, id int64, secret string, errs map[string]string, bind deviceForm) error {
	d, err := s.Devices.Device(r.Context(), id)
	if err != nil {
		return err
	}
	cases, _, err := s.Alarms.Cases(r.Context(), yanglao.CaseFilter{DeviceID: id, Page: yanglao.Page{Limit: 20}})
	if err != nil {
		return err
	}
	v := deviceView{D: d, Cases: cases, Secret: secret, Topic: d.Topic(), CanBind: managesDevices(actor(r)), Errors: errs, Binding: bind}
	if errs == nil {
		v.Binding = deviceForm{Address: d.Address, RegionCode: d.RegionCode}
		if d.PersonID != nil {
			v.Binding.PersonID = strconv.FormatInt(*d.PersonID, 10)
		}
	}
	return s.render(w, status, "device_view.html", s.newPage(r, tr(lang(r), "设备 ", "Device ")+d.Serial, tr(lang(r), "设备 ", "Device ")+d.Serial, v))
}

func (s *Server) pageDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderDevice(w, r, http.StatusOK, id, "", nil, deviceForm{})
}

func (s *Server) postBindDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := deviceForm{PersonID: strings.TrimSpace(r.PostFormValue("person_id")), Address: r.PostFormValue("address"), RegionCode: strings.TrimSpace(r.PostFormValue("region_code"))}
	b := yanglao.DeviceBinding{Address: f.Address, RegionCode: f.RegionCode}
	errs := map[string]string{}
	if f.PersonID != "" {
		pid, err := strconv.ParseInt(f.PersonID, 10, 64)
		if err != nil || pid <= 0 {
			errs["person_id"] = tr(lang(r), "老年人编号应为正整数", "The person number must be a positive integer")
		}
		b.PersonID = &pid
	}
	if len(errs) == 0 {
		if _, err := s.Devices.BindDevice(r.Context(), id, b); err != nil {
			if yanglao.ErrorCode(err) != yanglao.EINVALID {
				return err
			}
			errs[yanglao.ErrorField(err)] = localMsg(lang(r), yanglao.ErrorMessage(err))
		}
	}
	if len(errs) > 0 {
		return s.renderDevice(w, r, http.StatusUnprocessableEntity, id, "", errs, f)
	}
	seeOther(w, r, "/devices/"+strconv.FormatInt(id, 10)+"?msg=device_bound")
	return nil
}

// whenSec shows an instant to the second in Asia/Shanghai (alarm steps are seconds apart).
func whenSec(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(yanglao.Shanghai).Format("2006-01-02 15:04:05")
}

func pct(f float64) string  { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }
func secs(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
