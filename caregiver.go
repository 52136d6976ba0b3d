package yanglao

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Caregivers (护理员) work for a home-care provider. Their citizen ID and phone
// are sealed like the register's; the employment-ban list (从业禁止, Hunan 2025
// §12: "完善养老服务从业人员入职查询和从业禁止制度") is keyed by the ID's hash.

// Certificate kinds a caregiver holds.
const (
	CertNursing  = "nursing"  // 养老护理员职业技能等级证书
	CertHealth   = "health"   // 健康证
	CertTraining = "training" // 岗前培训合格证明
)

// CertKinds names the certificate kinds.
var CertKinds = map[string][2]string{
	CertNursing:  {"养老护理员职业技能等级证书", "Elderly-care worker skill certificate"},
	CertHealth:   {"健康证", "Health certificate"},
	CertTraining: {"岗前培训合格证明", "Pre-job training certificate"},
}

// NursingLevels are the levels of the 养老护理员 occupational skill standard
// (国家职业技能标准 养老护理员 2019: 五级/初级工 … 一级/高级技师), lowest first.
var NursingLevels = [][2]string{
	{"初级", "Junior (level 5)"},
	{"中级", "Intermediate (level 4)"},
	{"高级", "Senior (level 3)"},
	{"技师", "Technician (level 2)"},
	{"高级技师", "Senior technician (level 1)"},
}

// CertifiedTargetPercent is the target share of caregivers working with a
// certificate: tancheng-county-2025-implementation.txt §17 "到2025年持证上岗率达到90%以上".
const CertifiedTargetPercent = 90

// CertifiedTargetSource cites the target.
const CertifiedTargetSource = "郯城县实施方案 §17：到2025年持证上岗率达到90%以上"

// Caregiver is a caregiver record under a provider.
type Caregiver struct {
	ID          int64            `json:"id"`
	OrgID       int64            `json:"org_id"`
	OrgName     string           `json:"org_name,omitempty"`
	UserID      *int64           `json:"user_id,omitempty"` // optional caregiver account
	Name        string           `json:"name"`
	Sex         string           `json:"sex"` // M or F, from the citizen ID
	IDNumber    string           `json:"id_number,omitempty"`
	IDMasked    string           `json:"id_masked"`
	Phone       string           `json:"phone,omitempty"`
	PhoneMasked string           `json:"phone_masked"`
	Skills      []string         `json:"skills"`
	Lng         *float64         `json:"lng,omitempty"` // home position
	Lat         *float64         `json:"lat,omitempty"`
	Active      bool             `json:"active"`
	Banned      bool             `json:"banned"` // on the employment-ban list today
	Certified   bool             `json:"certified"`
	Certs       []*CaregiverCert `json:"certs,omitempty"`
	CountyCode  string           `json:"county_code"`
	RegionPath  string           `json:"-"`
	Version     int              `json:"version"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// ValidateFields checks everything but the citizen ID (the store parses that).
// IDNumber and Phone are plaintext only on the way in; they are cleared before
// the record is returned.
func (c *Caregiver) ValidateFields() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.OrgID <= 0 {
		return Invalid("org_id", "请选择服务组织 (org_id is required)")
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 40 {
		return Invalid("name", "请填写姓名（最多40个字符） (name is required, at most 40 characters)")
	}
	if c.Phone != "" {
		p, err := NormalizePhone("phone", c.Phone)
		if err != nil {
			return err
		}
		c.Phone = p
	}
	var err error
	if c.Skills, err = checkKeys("skills", c.Skills, CaregiverSkills, "技能", "skill"); err != nil {
		return err
	}
	if (c.Lng == nil) != (c.Lat == nil) {
		return Invalid("lat", "经纬度需同时填写 (give both longitude and latitude)")
	}
	if c.Lng != nil && (math.IsNaN(*c.Lng) || *c.Lng < 73 || *c.Lng > 136) {
		return Invalid("lng", "经度应在73到136之间 (lng must be within China: 73 to 136)")
	}
	if c.Lat != nil && (math.IsNaN(*c.Lat) || *c.Lat < 3 || *c.Lat > 54) {
		return Invalid("lat", "纬度应在3到54之间 (lat must be within China: 3 to 54)")
	}
	return nil
}

// CaregiverCert is one certificate of a caregiver.
type CaregiverCert struct {
	ID          int64     `json:"id"`
	CaregiverID int64     `json:"caregiver_id"`
	Kind        string    `json:"kind"`
	Level       string    `json:"level,omitempty"` // for nursing certificates: 初级 … 高级技师
	Number      string    `json:"number,omitempty"`
	Issued      Date      `json:"issued"`
	Expires     Date      `json:"expires,omitzero"` // zero: does not expire
	CreatedAt   time.Time `json:"created_at"`
}

// ValidOn reports whether the certificate holds on day d.
func (c *CaregiverCert) ValidOn(d Date) bool {
	return !c.Issued.After(d) && (c.Expires.IsZero() || !c.Expires.Before(d))
}

// Validate checks a certificate from input.
func (c *CaregiverCert) Validate() error {
	if _, ok := CertKinds[c.Kind]; !ok {
		return Invalid("kind", "未知证书类别 (unknown certificate kind)")
	}
	c.Level, c.Number = strings.TrimSpace(c.Level), strings.TrimSpace(c.Number)
	if c.Kind == CertNursing {
		ok := false
		for _, l := range NursingLevels {
			ok = ok || l[0] == c.Level
		}
		if !ok {
			return Invalid("level", "养老护理员等级应为初级、中级、高级、技师或高级技师 (level must be 初级, 中级, 高级, 技师 or 高级技师)")
		}
	} else if c.Level != "" {
		return Invalid("level", "只有养老护理员证书有等级 (only nursing certificates have a level)")
	}
	if utf8.RuneCountInString(c.Number) > 60 {
		return Invalid("number", "证书编号最多60个字符 (number: at most 60 characters)")
	}
	if c.Issued.IsZero() {
		return Invalid("issued", "请填写发证日期 (issued is required)")
	}
	if !c.Expires.IsZero() && c.Expires.Before(c.Issued) {
		return Invalid("expires", "有效期早于发证日期 (expires is before issued)")
	}
	return nil
}

// EmploymentBan is an entry of the employment-ban list (从业禁止).
type EmploymentBan struct {
	ID         int64     `json:"id"`
	IDNumber   string    `json:"id_number,omitempty"` // input only
	IDMasked   string    `json:"id_masked"`
	Name       string    `json:"name"`
	Source     string    `json:"source"` // the court or authority, and the decision
	Reason     string    `json:"reason"`
	Start      Date      `json:"start"`
	End        Date      `json:"end,omitzero"` // zero: for life
	RegionCode string    `json:"region_code"`  // where it was recorded
	CreatedAt  time.Time `json:"created_at"`
}

// ValidateFields checks everything but the citizen ID.
func (b *EmploymentBan) ValidateFields() error {
	b.Name, b.Source, b.Reason = strings.TrimSpace(b.Name), strings.TrimSpace(b.Source), strings.TrimSpace(b.Reason)
	if b.Name == "" || utf8.RuneCountInString(b.Name) > 40 {
		return Invalid("name", "请填写姓名（最多40个字符） (name is required, at most 40 characters)")
	}
	if b.Source == "" || utf8.RuneCountInString(b.Source) > 200 {
		return Invalid("source", "请填写决定机关与文书（最多200个字符） (source is required: the authority and decision, at most 200 characters)")
	}
	if b.Reason == "" || utf8.RuneCountInString(b.Reason) > 500 {
		return Invalid("reason", "请填写禁止理由（最多500个字符） (reason is required, at most 500 characters)")
	}
	if b.Start.IsZero() {
		return Invalid("start", "请填写开始日期 (start is required)")
	}
	if !b.End.IsZero() && b.End.Before(b.Start) {
		return Invalid("end", "结束日期早于开始日期 (end is before start)")
	}
	return CheckRegionCode("region_code", b.RegionCode)
}

// ActiveOn reports whether the ban holds on day d.
func (b *EmploymentBan) ActiveOn(d Date) bool {
	return !b.Start.After(d) && (b.End.IsZero() || !b.End.Before(d))
}

// BanFilter selects bans recorded in the actor's scope.
type BanFilter struct {
	Query string // a name prefix or a whole citizen ID
	Page  Page
}

// CaregiverFilter selects caregivers in the actor's scope.
type CaregiverFilter struct {
	OrgID    int64  // 0: every provider in scope
	Query    string // a name prefix, a whole citizen ID or phone
	Skill    string
	Expiring bool   // only those with a certificate expired or expiring within 30 days
	Sort     string // "id" (default) or "name"
	Page     Page
}

// ExpiryWarningDays is how far ahead the caregiver list warns of a certificate's expiry.
const ExpiryWarningDays = 30

// CertifiedRate is a provider's share of active caregivers holding a valid
// 养老护理员 certificate, against the target.
type CertifiedRate struct {
	OrgID         int64   `json:"org_id"`
	OrgName       string  `json:"org_name"`
	Active        int     `json:"active"`
	Certified     int     `json:"certified"`
	Percent       float64 `json:"percent"`
	TargetPercent int     `json:"target_percent"`
	TargetSource  string  `json:"target_source"`
	MeetsTarget   bool    `json:"meets_target"`
}

// CaregiverBooking is a caregiver's time taken by one order.
type CaregiverBooking struct {
	ID          int64     `json:"id"`
	CaregiverID int64     `json:"caregiver_id"`
	OrderID     int64     `json:"order_id"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
}

// SuggestQuery asks for caregivers of one provider able to serve an item in a
// window near a home.
type SuggestQuery struct {
	OrgID  int64     `json:"org_id"`
	ItemID int64     `json:"item_id"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Lat    float64   `json:"lat"`
	Lng    float64   `json:"lng"`
	Sex    string    `json:"sex,omitempty"`    // preferred caregiver sex, M or F; "" any
	MaxKm  float64   `json:"max_km,omitempty"` // 0: no limit
	Limit  int       `json:"limit,omitempty"`  // default 10, at most 100
}

// Validate checks a query from input.
func (q *SuggestQuery) Validate() error {
	if q.OrgID <= 0 {
		return Invalid("org_id", "请选择服务组织 (org_id is required)")
	}
	if q.ItemID <= 0 {
		return Invalid("item_id", "请选择服务项目 (item_id is required)")
	}
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) {
		return Invalid("end", "服务时段无效：结束须晚于开始 (invalid window: end must be after start)")
	}
	if q.End.Sub(q.Start) > 12*time.Hour {
		return Invalid("end", "服务时段最长12小时 (a window is at most 12 hours)")
	}
	if math.IsNaN(q.Lat) || q.Lat < -90 || q.Lat > 90 || q.Lat == 0 && q.Lng == 0 {
		return Invalid("lat", "请提供服务地址的纬度 (lat of the home is required)")
	}
	if math.IsNaN(q.Lng) || q.Lng < -180 || q.Lng > 180 {
		return Invalid("lng", "经度无效 (invalid lng)")
	}
	if q.Sex != "" && q.Sex != "M" && q.Sex != "F" {
		return Invalid("sex", "性别应为 M 或 F (sex must be M or F)")
	}
	if math.IsNaN(q.MaxKm) || q.MaxKm < 0 || q.MaxKm > 500 {
		return Invalid("max_km", "距离上限应为0到500公里 (max_km must be 0 to 500)")
	}
	if q.Limit == 0 {
		q.Limit = 10
	}
	if q.Limit < 0 || q.Limit > 100 {
		return Invalid("limit", "limit 应为1到100 (limit must be 1 to 100)")
	}
	return nil
}

// CaregiverSuggestion is one ranked caregiver.
type CaregiverSuggestion struct {
	CaregiverID int64   `json:"caregiver_id"`
	Name        string  `json:"name"`
	Sex         string  `json:"sex"`
	DistanceM   int     `json:"distance_m"`
	Lat         float64 `json:"lat"`
	Lng         float64 `json:"lng"`
	Level       string  `json:"level,omitempty"` // highest valid nursing level
}
