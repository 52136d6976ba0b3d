package yanglao

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Emergency alarms (紧急呼叫, 助急: Chenzhou §2, §13; DESIGN §1 "emergency
// operator"). A device event becomes a case; an operator acknowledges it, sends a
// responder, records the arrival and closes it with an outcome. A case not
// acknowledged in time is escalated along the region's chain.

// Event types a device publishes (docs/mqtt.md).
const (
	EventSOS       = "sos"
	EventFall      = "fall"
	EventSmoke     = "smoke"
	EventGas       = "gas"
	EventDoor      = "door"
	EventBed       = "bed"
	EventHeartbeat = "heartbeat"
	EventBattery   = "battery"
	// Technical alarms the platform raises itself.
	EventSilent     = "silent"
	EventLowBattery = "low_battery"
)

var eventNames = map[string][2]string{
	EventSOS:        {"紧急呼叫", "SOS call"},
	EventFall:       {"跌倒", "Fall"},
	EventSmoke:      {"烟雾", "Smoke"},
	EventGas:        {"燃气泄漏", "Gas leak"},
	EventDoor:       {"门磁异常", "Door"},
	EventBed:        {"离床异常", "Out of bed"},
	EventHeartbeat:  {"心跳", "Heartbeat"},
	EventBattery:    {"电量", "Battery"},
	EventSilent:     {"设备失联", "Device silent"},
	EventLowBattery: {"电量低", "Low battery"},
}

// EventName names an event type in the language.
func EventName(typ, lang string) string { return NameIn(eventNames, typ, lang) }

// IsAlarm reports whether an event type makes a case (heartbeats and battery
// readings only update the device).
func IsAlarm(typ string) bool { return typ != EventHeartbeat && typ != EventBattery }

// DeviceEvent is one message from a device, over MQTT or posted by a vendor
// platform. ID is the device's own event id: the same id twice is one event.
type DeviceEvent struct {
	Serial  string    `json:"serial,omitempty"`
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	At      time.Time `json:"at"`
	Battery *int      `json:"battery,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// MaxEventPayload bounds a device message.
const MaxEventPayload = 4 << 10

// ParseEvent decodes and validates a device message. serial is the device the
// transport vouches for (the topic, or the vendor post); a serial in the payload
// must agree with it. Unknown fields are ignored (vendors add their own), but
// the known ones must be right.
func ParseEvent(serial string, payload []byte) (*DeviceEvent, error) {
	if len(payload) > MaxEventPayload {
		return nil, &Error{Code: ETOOLARGE, Field: "body", Message: "设备消息超过 4 KiB (device message larger than 4 KiB)"}
	}
	var raw struct {
		Serial  string          `json:"serial"`
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		At      string          `json:"at"`
		Battery json.RawMessage `json:"battery"`
		Detail  string          `json:"detail"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&raw); err != nil {
		return nil, Invalid("body", "设备消息不是有效的 JSON 对象 (device message is not a valid JSON object)")
	}
	if dec.More() {
		return nil, Invalid("body", "设备消息只能包含一个 JSON 对象 (device message must hold exactly one JSON object)")
	}
	if raw.Serial != "" && raw.Serial != serial {
		return nil, Invalid("serial", "消息中的序列号与主题或凭据不符 (serial in the message does not match the topic or credentials)")
	}
	ev := &DeviceEvent{Serial: serial, ID: strings.TrimSpace(raw.ID), Type: raw.Type, Detail: raw.Detail}
	if err := CheckSerial("serial", serial); err != nil {
		return nil, err
	}
	if ev.ID == "" || len(ev.ID) > 64 || !utf8.ValidString(ev.ID) {
		return nil, Invalid("id", "事件编号必填，最多64个字符 (id is required, at most 64 characters)")
	}
	if _, ok := eventNames[ev.Type]; !ok || ev.Type == EventSilent || ev.Type == EventLowBattery {
		return nil, Invalid("type", "事件类型应为 sos、fall、smoke、gas、door、bed、heartbeat 或 battery (type must be sos, fall, smoke, gas, door, bed, heartbeat or battery)")
	}
	at, err := time.Parse(time.RFC3339Nano, raw.At)
	if err != nil {
		return nil, Invalid("at", "时间应为 RFC 3339 格式，如 2026-03-14T08:00:00+08:00 (at must be RFC 3339, e.g. 2026-03-14T08:00:00+08:00)")
	}
	ev.At = at.UTC()
	if len(raw.Battery) > 0 && string(raw.Battery) != "null" {
		var b int
		if err := json.Unmarshal(raw.Battery, &b); err != nil || b < 0 || b > 100 {
			return nil, Invalid("battery", "电量应为 0 到 100 的整数 (battery must be an integer from 0 to 100)")
		}
		ev.Battery = &b
	}
	if utf8.RuneCountInString(ev.Detail) > 500 {
		return nil, Invalid("detail", "说明最多500个字符 (detail: at most 500 characters)")
	}
	return ev, nil
}

// Case statuses, in order.
const (
	CaseReceived     = "received"
	CaseAcknowledged = "acknowledged"
	CaseDispatched   = "dispatched"
	CaseArrived      = "arrived"
	CaseClosed       = "closed"
)

var caseStatusNames = map[string][2]string{
	CaseReceived:     {"待接警", "Waiting"},
	CaseAcknowledged: {"已接警", "Acknowledged"},
	CaseDispatched:   {"已派出", "Responder sent"},
	CaseArrived:      {"已到达", "Arrived"},
	CaseClosed:       {"已结案", "Closed"},
}

// CaseStatusName names a status in the language.
func CaseStatusName(s, lang string) string { return NameIn(caseStatusNames, s, lang) }

// Responders an operator can send.
var Responders = []string{"family", "neighbour", "volunteer", "community", "120"}

var responderNames = map[string][2]string{
	"family":    {"家属", "Family"},
	"neighbour": {"邻居", "Neighbour"},
	"volunteer": {"志愿者", "Volunteer"},
	"community": {"社区工作人员", "Community worker"},
	"120":       {"120 急救", "Ambulance (120)"},
}

// ResponderName names a responder kind in the language.
func ResponderName(r, lang string) string { return NameIn(responderNames, r, lang) }

// Outcomes a case is closed with.
var Outcomes = []string{"resolved", "hospital", "false_alarm", "technical", "no_answer"}

var outcomeNames = map[string][2]string{
	"resolved":    {"已处置", "Resolved on site"},
	"hospital":    {"送医", "Taken to hospital"},
	"false_alarm": {"误报", "False alarm"},
	"technical":   {"设备问题已处理", "Device problem handled"},
	"no_answer":   {"无人应答，已上门确认", "No answer, checked in person"},
}

// OutcomeName names an outcome in the language.
func OutcomeName(o, lang string) string { return NameIn(outcomeNames, o, lang) }

// DefaultAckTimeout is how long a case may wait for an operator before it is
// escalated. 60 s follows UK telecare practice (TSA: 97.5 % of alarm calls
// answered within 60 s); a region's chain may set its own steps.
const DefaultAckTimeout = 60 * time.Second

// AckTarget is the share of alarms to acknowledge within DefaultAckTimeout.
const AckTarget = 0.975

// Case is one alarm and its handling.
type Case struct {
	ID           int64      `json:"id"`
	DeviceID     int64      `json:"device_id"`
	Serial       string     `json:"serial"`
	DeviceKind   string     `json:"device_kind"`
	EventID      string     `json:"event_id"`
	EventType    string     `json:"event_type"`
	Technical    bool       `json:"technical"`
	PersonID     *int64     `json:"person_id,omitempty"`
	PersonName   string     `json:"person_name,omitempty"`
	Address      string     `json:"address"`
	RegionCode   string     `json:"region_code"`
	RegionPath   string     `json:"-"`
	CountyCode   string     `json:"county_code"`
	Status       string     `json:"status"`
	Level        int        `json:"level"` // escalation level reached, 0 = none yet
	OccurredAt   time.Time  `json:"occurred_at"`
	ReceivedAt   time.Time  `json:"received_at"`
	EscalateAt   *time.Time `json:"escalate_at,omitempty"`
	AckAt        *time.Time `json:"ack_at,omitempty"`
	AckBy        string     `json:"ack_by,omitempty"`
	DispatchedAt *time.Time `json:"dispatched_at,omitempty"`
	Responder    string     `json:"responder,omitempty"`
	ArrivedAt    *time.Time `json:"arrived_at,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Outcome      string     `json:"outcome,omitempty"`
	Note         string     `json:"note,omitempty"`
	Detail       string     `json:"detail,omitempty"`
	Version      int        `json:"version"`
}

// CaseStep is one recorded step of a case.
type CaseStep struct {
	ID       int64     `json:"id"`
	CaseID   int64     `json:"case_id"`
	At       time.Time `json:"at"`
	Step     string    `json:"step"` // received, acknowledged, dispatched, arrived, closed, escalated, duplicate
	Username string    `json:"username"`
	Detail   string    `json:"detail"`
}

// CaseFilter selects cases.
type CaseFilter struct {
	Open       bool   // not closed
	Status     string // one status
	RegionCode string
	DeviceID   int64
	Page       Page
}

// CaseAction is what an operator does to a case.
type CaseAction struct {
	Action    string `json:"action"` // acknowledge, dispatch, arrive, close
	Responder string `json:"responder,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Validate checks an action's fields.
func (a *CaseAction) Validate() error {
	a.Note = strings.TrimSpace(a.Note)
	if utf8.RuneCountInString(a.Note) > 500 {
		return Invalid("note", "备注最多500个字符 (note: at most 500 characters)")
	}
	switch a.Action {
	case "acknowledge", "arrive":
	case "dispatch":
		if _, ok := responderNames[a.Responder]; !ok {
			return Invalid("responder", "请选择派出的人员：family、neighbour、volunteer、community 或 120 (responder must be family, neighbour, volunteer, community or 120)")
		}
	case "close":
		if _, ok := outcomeNames[a.Outcome]; !ok {
			return Invalid("outcome", "请选择处置结果 (choose an outcome: resolved, hospital, false_alarm, technical, no_answer)")
		}
	default:
		return Invalid("action", "操作应为 acknowledge、dispatch、arrive 或 close (action must be acknowledge, dispatch, arrive or close)")
	}
	return nil
}

// EscalationStep is one level of a region's escalation chain: who is called
// next when a case waits AfterSeconds without acknowledgement.
type EscalationStep struct {
	Level        int    `json:"level"`
	Name         string `json:"name"`    // 值班长, 街道应急办 …
	Contact      string `json:"contact"` // phone or duty line
	AfterSeconds int    `json:"after_seconds"`
}

// ValidateChain checks a chain: 1–10 steps, each named, waiting 10 s to 1 h.
func ValidateChain(steps []EscalationStep) error {
	if len(steps) == 0 || len(steps) > 10 {
		return Invalid("steps", "升级链应有 1 到 10 级 (a chain has 1 to 10 steps)")
	}
	for i := range steps {
		s := &steps[i]
		s.Level = i + 1
		s.Name, s.Contact = strings.TrimSpace(s.Name), strings.TrimSpace(s.Contact)
		if s.Name == "" || utf8.RuneCountInString(s.Name) > 64 {
			return Invalid("steps", "第 %d 级：请填写名称，最多64个字符 (step %d: name is required, at most 64 characters)", i+1, i+1)
		}
		if utf8.RuneCountInString(s.Contact) > 64 {
			return Invalid("steps", "第 %d 级：联系方式最多64个字符 (step %d: contact at most 64 characters)", i+1, i+1)
		}
		if s.AfterSeconds < 10 || s.AfterSeconds > 3600 {
			return Invalid("steps", "第 %d 级：等待时间应为 10 到 3600 秒 (step %d: after_seconds must be 10 to 3600)", i+1, i+1)
		}
	}
	return nil
}

// AckStat is the acknowledgement record of one region in one month.
type AckStat struct {
	Month      string        `json:"month"` // YYYY-MM, Asia/Shanghai
	RegionCode string        `json:"region_code"`
	RegionName string        `json:"region_name"`
	Cases      int           `json:"cases"`
	Acked      int           `json:"acked"`
	Within60   int           `json:"within_60s"`
	Share60    float64       `json:"share_within_60s"` // of all cases, unacknowledged ones count as late
	P50        time.Duration `json:"-"`
	P99        time.Duration `json:"-"`
	P50Seconds float64       `json:"p50_seconds"`
	P99Seconds float64       `json:"p99_seconds"`
	MeetsTSA   bool          `json:"meets_target"`
}

// RejectedEvent is a device message refused, kept for the operators to see.
type RejectedEvent struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Via     string    `json:"via"` // mqtt or http
	Topic   string    `json:"topic"`
	Serial  string    `json:"serial"`
	Reason  string    `json:"reason"`
	Payload string    `json:"payload"`
}

// IngestResult says what an event did.
type IngestResult struct {
	CaseID    int64 `json:"case_id,omitempty"`
	Duplicate bool  `json:"duplicate"`
}

// AlarmService turns device events into cases and lets operators work them.
type AlarmService interface {
	// Ingest records one event exactly once: an alarm makes one case per
	// (device, event id), a heartbeat or battery reading updates the device.
	Ingest(ctx context.Context, ev *DeviceEvent, via string) (*IngestResult, error)
	// Reject records a refused message.
	Reject(ctx context.Context, via, topic, serial, reason string, payload []byte) error
	RejectedEvents(ctx context.Context, page Page) ([]*RejectedEvent, string, error)

	Case(ctx context.Context, id int64) (*Case, []*CaseStep, error)
	Cases(ctx context.Context, f CaseFilter) ([]*Case, string, error)
	Act(ctx context.Context, id int64, a CaseAction) (*Case, error)

	Chain(ctx context.Context, regionCode string) ([]EscalationStep, error)
	SetChain(ctx context.Context, regionCode string, steps []EscalationStep) error

	AckReport(ctx context.Context, regionCode, month string) ([]*AckStat, error)
}
