package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Home devices of 家庭养老床位 (home care beds): call, monitoring and information
// devices that bring help fast (Chenzhou §2 and §13: 紧急呼叫, 助急).

// Device kinds.
const (
	DeviceSOS   = "sos"   // 一键呼叫按钮
	DeviceFall  = "fall"  // 跌倒探测器
	DeviceSmoke = "smoke" // 烟感
	DeviceGas   = "gas"   // 燃气探测器
	DeviceDoor  = "door"  // 门磁
	DeviceBed   = "bed"   // 离床/床垫传感器
	DeviceWatch = "watch" // 智能手表/手环
)

// DeviceKinds lists the kinds in display order.
var DeviceKinds = []string{DeviceSOS, DeviceFall, DeviceSmoke, DeviceGas, DeviceDoor, DeviceBed, DeviceWatch}

var deviceKindNames = map[string][2]string{
	DeviceSOS:   {"一键呼叫", "SOS button"},
	DeviceFall:  {"跌倒探测", "Fall detector"},
	DeviceSmoke: {"烟雾报警", "Smoke sensor"},
	DeviceGas:   {"燃气报警", "Gas sensor"},
	DeviceDoor:  {"门磁", "Door sensor"},
	DeviceBed:   {"床垫传感", "Bed sensor"},
	DeviceWatch: {"智能手表", "Watch"},
}

// DeviceKindName names a device kind in the language.
func DeviceKindName(kind, lang string) string { return NameIn(deviceKindNames, kind, lang) }

// Device health thresholds. A device is silent after SilentFactor missed
// heartbeats; low battery below LowBattery % (cleared again at BatteryOK %, so a
// reading that wobbles around the line does not raise a case each time).
const (
	DefaultHeartbeat = 300 // seconds: a heartbeat every 5 minutes
	SilentFactor     = 3
	LowBattery       = 20
	BatteryOK        = 30
)

// Device is one registered device, bound to the older person it protects and to
// the address where it is installed.
type Device struct {
	ID               int64      `json:"id"`
	Serial           string     `json:"serial"`
	Kind             string     `json:"kind"`
	Vendor           string     `json:"vendor"`
	PersonID         *int64     `json:"person_id,omitempty"`
	PersonName       string     `json:"person_name,omitempty"`
	Address          string     `json:"address"`
	RegionCode       string     `json:"region_code"`
	RegionPath       string     `json:"-"`
	CountyCode       string     `json:"county_code"`
	HeartbeatSeconds int        `json:"heartbeat_seconds"`
	Battery          *int       `json:"battery,omitempty"`
	LastSeen         *time.Time `json:"last_seen,omitempty"`
	Silent           bool       `json:"silent"`      // an open technical case: no heartbeat
	LowBattery       bool       `json:"low_battery"` // an open technical case: battery low
	Active           bool       `json:"active"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// Topic is the MQTT topic the device publishes its events on (docs/mqtt.md).
func (d *Device) Topic() string { return EventTopic(d.Serial) }

// EventTopic is the topic of a device's events.
func EventTopic(serial string) string { return "yanglao/v1/devices/" + serial + "/events" }

// CheckSerial validates a serial: it becomes a topic level and an MQTT user
// name, so only letters, digits, '-', '_' and '.' are allowed.
func CheckSerial(field, s string) error {
	if s == "" {
		return Invalid(field, "请填写设备序列号 (serial is required)")
	}
	if len(s) > 64 {
		return Invalid(field, "序列号最多64个字符 (serial: at most 64 characters)")
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return Invalid(field, "序列号只能包含字母、数字、点、下划线和连字符 (serial: letters, digits, . _ - only)")
		}
	}
	return nil
}

// Validate checks what a caller supplies when registering a device.
func (d *Device) Validate() error {
	d.Serial = strings.TrimSpace(d.Serial)
	d.Vendor = strings.TrimSpace(d.Vendor)
	d.Address = strings.TrimSpace(d.Address)
	if err := CheckSerial("serial", d.Serial); err != nil {
		return err
	}
	if _, ok := deviceKindNames[d.Kind]; !ok {
		return Invalid("kind", "设备类型应为 sos、fall、smoke、gas、door、bed 或 watch (kind must be one of sos, fall, smoke, gas, door, bed, watch)")
	}
	if d.Vendor == "" {
		return Invalid("vendor", "请填写厂商 (vendor is required)")
	}
	if utf8.RuneCountInString(d.Vendor) > 100 {
		return Invalid("vendor", "厂商最多100个字符 (vendor: at most 100 characters)")
	}
	if utf8.RuneCountInString(d.Address) > 200 {
		return Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	}
	if d.HeartbeatSeconds == 0 {
		d.HeartbeatSeconds = DefaultHeartbeat
	}
	if d.HeartbeatSeconds < 10 || d.HeartbeatSeconds > 86400 {
		return Invalid("heartbeat_seconds", "心跳间隔应为 10 到 86400 秒 (heartbeat_seconds must be 10 to 86400)")
	}
	if d.PersonID == nil {
		if d.RegionCode == "" {
			return Invalid("person_id", "请绑定老年人或填写安装地区划 (bind a person or give the region of the address)")
		}
		return CheckRegionCode("region_code", d.RegionCode)
	}
	return nil
}

// DeviceFilter selects devices; the service narrows it to the actor's scope.
type DeviceFilter struct {
	Query      string // serial, vendor or the bound person's name
	Kind       string
	RegionCode string
	PersonID   int64
	Sort       string // "id" (default), "last_seen" (longest silent first), "battery" (lowest first)
	Page       Page
}

// DeviceBinding binds a device to a person and an address.
type DeviceBinding struct {
	PersonID   *int64 `json:"person_id"`
	Address    string `json:"address"`
	RegionCode string `json:"region_code"`
}

// DeviceService is the device registry.
type DeviceService interface {
	// CreateDevice registers d and returns its MQTT password, shown only once.
	CreateDevice(ctx context.Context, d *Device) (string, error)
	Device(ctx context.Context, id int64) (*Device, error)
	Devices(ctx context.Context, f DeviceFilter) ([]*Device, string, error)
	BindDevice(ctx context.Context, id int64, b DeviceBinding) (*Device, error)
}
