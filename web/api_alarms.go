package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

// Devices and emergency alarms (issue 6): the registry, vendor posts of device
// events, cases and their steps, escalation chains and the acknowledgement report.

var pSerial = param{Name: "serial", In: "path", Type: "string", Required: true, Desc: "设备序列号 (device serial)"}

// deviceFilter reads the registry's query parameters (shared by the API and the page).
func deviceFilter(r *http.Request) (yanglao.DeviceFilter, error) {
	q := r.URL.Query()
	page, err := pageParams(r)
	if err != nil {
		return yanglao.DeviceFilter{}, err
	}
	f := yanglao.DeviceFilter{Query: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), RegionCode: q.Get("region"), Sort: q.Get("sort"), Page: page}
	if v := q.Get("person"); v != "" {
		if f.PersonID, err = strconv.ParseInt(v, 10, 64); err != nil || f.PersonID <= 0 {
			return f, yanglao.Invalid("person", "person 应为正整数 (person must be a positive integer)")
		}
	}
	return f, nil
}

var docDevices = &apiDoc{Tag: "devices", Summary: "设备列表：搜索、按失联或电量排序 (devices: search, sort by silence or battery)",
	Params: []param{{Name: "q", In: "query", Type: "string"}, {Name: "kind", In: "query", Type: "string"}, {Name: "region", In: "query", Type: "string"},
		{Name: "person", In: "query", Type: "integer"}, {Name: "sort", In: "query", Type: "string", Desc: "id | last_seen | battery"}, pAfter, pLimit},
	Response: List[*yanglao.Device]{}}

func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request) error {
	f, err := deviceFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Devices.Devices(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Device]{Items: items, Next: next})
	return nil
}

// createdDevice is a new device with its MQTT credentials, shown once.
type createdDevice struct {
	*yanglao.Device
	Username string `json:"mqtt_username"`
	Password string `json:"mqtt_password"`
	Topic    string `json:"mqtt_topic"`
}

type deviceBody struct {
	Serial           string `json:"serial"`
	Kind             string `json:"kind"`
	Vendor           string `json:"vendor"`
	PersonID         *int64 `json:"person_id"`
	Address          string `json:"address"`
	RegionCode       string `json:"region_code"`
	HeartbeatSeconds int    `json:"heartbeat_seconds"`
}

var docCreateDevice = &apiDoc{Tag: "devices", Summary: "登记设备，返回一次性显示的 MQTT 密码 (register a device; its MQTT password is shown once)",
	Body: deviceBody{}, Response: createdDevice{}, Status: http.StatusCreated}

func (s *Server) apiCreateDevice(w http.ResponseWriter, r *http.Request) error {
	var b deviceBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	d := &yanglao.Device{Serial: b.Serial, Kind: b.Kind, Vendor: b.Vendor, PersonID: b.PersonID, Address: b.Address, RegionCode: b.RegionCode, HeartbeatSeconds: b.HeartbeatSeconds}
	secret, err := s.Devices.CreateDevice(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdDevice{Device: d, Username: d.Serial, Password: secret, Topic: d.Topic()})
	return nil
}

var docDevice = &apiDoc{Tag: "devices", Summary: "一个设备 (one device)", Params: []param{pID}, Response: &yanglao.Device{}}

func (s *Server) apiDevice(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.Devices.Device)
}

var docBindDevice = &apiDoc{Tag: "devices", Summary: "绑定老年人和安装地址 (bind a device to a person and an address)",
	Params: []param{pID}, Body: yanglao.DeviceBinding{}, Response: &yanglao.Device{}}

func (s *Server) apiBindDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b yanglao.DeviceBinding
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	d, err := s.Devices.BindDevice(r.Context(), id, b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

var docPostDeviceEvent = &apiDoc{Tag: "alarms", Summary: "厂商平台上报设备事件（与 MQTT 消息格式相同，见 docs/mqtt.md）(a vendor platform posts a device event: the MQTT payload, see docs/mqtt.md)",
	Params: []param{pSerial}, Body: yanglao.DeviceEvent{}, Response: yanglao.IngestResult{}}

// apiPostDeviceEvent takes the same payload a device publishes over MQTT. A
// refused event is recorded with the others, whatever the transport.
func (s *Server) apiPostDeviceEvent(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return yanglao.Invalid("Content-Type", "请求体应为 JSON (body must be application/json)")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, yanglao.MaxEventPayload+1))
	if err != nil {
		return yanglao.Invalid("body", "无法读取请求体 (cannot read the request body)")
	}
	ev, err := yanglao.ParseEvent(serial, body)
	if err == nil {
		var res *yanglao.IngestResult
		if res, err = s.Alarms.Ingest(r.Context(), ev, "http"); err == nil {
			status := http.StatusCreated
			if res.Duplicate || res.CaseID == 0 {
				status = http.StatusOK
			}
			writeJSON(w, status, res)
			return nil
		}
	}
	if code := yanglao.ErrorCode(err); code == yanglao.EINVALID || code == yanglao.ETOOLARGE {
		reason := yanglao.ErrorMessage(err)
		if f := yanglao.ErrorField(err); f != "" {
			reason += " field=" + f
		}
		if rerr := s.Alarms.Reject(r.Context(), "http", "", serial, reason+" user="+actor(r).Username, body); rerr != nil {
			return rerr
		}
	}
	return err
}

func caseFilter(r *http.Request) (yanglao.CaseFilter, error) {
	q := r.URL.Query()
	page, err := pageParams(r)
	if err != nil {
		return yanglao.CaseFilter{}, err
	}
	f := yanglao.CaseFilter{Open: q.Get("open") == "1" || q.Get("open") == "true", Status: q.Get("status"), RegionCode: q.Get("region"), Page: page}
	if v := q.Get("device"); v != "" {
		if f.DeviceID, err = strconv.ParseInt(v, 10, 64); err != nil || f.DeviceID <= 0 {
			return f, yanglao.Invalid("device", "device 应为正整数 (device must be a positive integer)")
		}
	}
	return f, nil
}

var docAlarms = &apiDoc{Tag: "alarms", Summary: "警情列表，新的在前 (cases, newest first)",
	Params: []param{{Name: "open", In: "query", Type: "boolean"}, {Name: "status", In: "query", Type: "string"}, {Name: "region", In: "query", Type: "string"},
		{Name: "device", In: "query", Type: "integer"}, pAfter, pLimit},
	Response: List[*yanglao.Case]{}}

func (s *Server) apiAlarms(w http.ResponseWriter, r *http.Request) error {
	f, err := caseFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Alarms.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Case]{Items: items, Next: next})
	return nil
}

type caseWithSteps struct {
	*yanglao.Case
	Steps []*yanglao.CaseStep `json:"steps"`
}

var docAlarm = &apiDoc{Tag: "alarms", Summary: "一个警情及其处置步骤 (one case and its steps)", Params: []param{pID}, Response: caseWithSteps{}}

func (s *Server) apiAlarm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, steps, err := s.Alarms.Case(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, caseWithSteps{Case: c, Steps: steps})
	return nil
}

var docAlarmAction = &apiDoc{Tag: "alarms", Summary: "处置警情：接警、派出、到达、结案 (work a case: acknowledge, dispatch, arrive, close)",
	Params: []param{pID}, Body: yanglao.CaseAction{}, Response: &yanglao.Case{}}

func (s *Server) apiAlarmAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var a yanglao.CaseAction
	if err := decodeJSON(r, &a); err != nil {
		return err
	}
	c, err := s.Alarms.Act(r.Context(), id, a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

var docAlarmReport = &apiDoc{Tag: "alarms", Summary: "接警及时率：60 秒内接警占比与 p50/p99 接警时间，按县区和月份 (share acknowledged within 60 s, p50/p99 time to acknowledge, per county and month)",
	Params:   []param{{Name: "month", In: "query", Type: "string", Desc: "YYYY-MM"}, {Name: "region", In: "query", Type: "string"}},
	Response: []*yanglao.AckStat{}}

func (s *Server) apiAlarmReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rows, err := s.Alarms.AckReport(r.Context(), q.Get("region"), q.Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rows)
	return nil
}

var docRejectedEvents = &apiDoc{Tag: "alarms", Summary: "被拒绝的设备消息（仅管理员）(rejected device messages; administrators only)",
	Params: []param{pAfter, pLimit}, Response: List[*yanglao.RejectedEvent]{}}

func (s *Server) apiRejectedEvents(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Alarms.RejectedEvents(r.Context(), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.RejectedEvent]{Items: items, Next: next})
	return nil
}

type chainBody struct {
	Steps []yanglao.EscalationStep `json:"steps"`
}

var docChain = &apiDoc{Tag: "alarms", Summary: "区划适用的升级链（本级或最近上级）(the escalation chain that applies to a region: its own or the nearest ancestor's)",
	Params: []param{pCode}, Response: chainBody{}}

func (s *Server) apiChain(w http.ResponseWriter, r *http.Request) error {
	steps, err := s.Alarms.Chain(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, chainBody{Steps: steps})
	return nil
}

var docSetChain = &apiDoc{Tag: "alarms", Summary: "设置区划的升级链 (set a region's escalation chain)", Params: []param{pCode}, Body: chainBody{}, Response: chainBody{}}

func (s *Server) apiSetChain(w http.ResponseWriter, r *http.Request) error {
	var b chainBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := s.Alarms.SetChain(r.Context(), r.PathValue("code"), b.Steps); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}
