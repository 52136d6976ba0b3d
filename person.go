package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Person is a record in the register of older people (老年人基本信息数据库,
// Chenzhou §13: "建立60周岁及以上老年人基本信息数据库，着重采集低收入家庭老年人和失能老年人信息").
// The citizen ID and phones are stored sealed; the API shows them masked, and
// reading them whole is a separate, audited call.
type Person struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Sex             string    `json:"sex"` // "M" or "F", from the citizen ID
	BirthDate       Date      `json:"birth_date"`
	IDNumber        string    `json:"-"` // plaintext only in memory
	IDMasked        string    `json:"id_masked"`
	Phones          []string  `json:"-"`
	PhonesMasked    []string  `json:"phones_masked"`
	Ethnicity       string    `json:"ethnicity,omitempty"`
	HouseholdCode   string    `json:"household_code,omitempty"` // 户籍地
	ResidenceCode   string    `json:"residence_code"`           // 常住地: the node that scopes the record
	ResidencePath   string    `json:"-"`
	CountyCode      string    `json:"county_code"`
	Address         string    `json:"address,omitempty"`
	Lng             *float64  `json:"lng,omitempty"`
	Lat             *float64  `json:"lat,omitempty"`
	Living          string    `json:"living,omitempty"`
	DisabilityCert  string    `json:"disability_cert,omitempty"`
	DisabilityGrade int       `json:"disability_grade,omitempty"` // 1 (most severe) – 4
	Chronic         []string  `json:"chronic,omitempty"`
	Contacts        []Contact `json:"-"` // sealed: they hold phones
	Guardian        *Contact  `json:"-"`
	Life            string    `json:"life_status"`
	DeathDate       Date      `json:"death_date,omitzero"`
	MovedOutDate    Date      `json:"moved_out_date,omitzero"`
	MovedTo         string    `json:"moved_to,omitempty"`
	Grade           *int      `json:"assessment_grade,omitempty"` // latest valid GB/T 42195 grade, 0–4
	GradeValidUntil Date      `json:"grade_valid_until,omitzero"`
	Statuses        []*Status `json:"statuses,omitempty"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Contact is an emergency contact or the guardian (意定监护人).
type Contact struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Phone    string `json:"phone"`
}

// Life statuses.
const (
	Alive    = "alive"
	Deceased = "deceased"
	MovedOut = "moved_out"
)

// Living arrangements (居住状况).
var LivingArrangements = map[string][2]string{
	"alone":         {"独居", "Lives alone"},
	"empty_nest":    {"空巢", "Empty nest (couple)"},
	"with_children": {"与子女同住", "With children"},
	"with_others":   {"与其他亲属同住", "With other relatives"},
	"institution":   {"入住机构", "In an institution"},
}

// Status kinds that drive policy. Each has a source, a start and an end, and history.
var StatusKinds = map[string][2]string{
	"tekun_dispersed":   {"特困（分散供养）", "Extreme poverty, dispersed support"},
	"tekun_centralised": {"特困（集中供养）", "Extreme poverty, centralised support"},
	"dibao":             {"低保", "Minimum living allowance"},
	"low_income":        {"低收入", "Low income"},
	"disabled":          {"失能", "Loss of capability"},
	"dementia":          {"失智", "Dementia"},
	"left_behind":       {"留守", "Left-behind"},
	"severe_disability": {"重度残疾", "Severe disability"},
	"special_family":    {"计划生育特殊家庭", "Family-planning special family"},
	"veteran":           {"优抚对象", "Entitled veteran group"},
	"old_party_member":  {"老党员", "Long-standing party member"},
	"no_fixed_income":   {"无固定收入", "No fixed income"},
}

// Status is one policy status of a person over a period.
type Status struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	Kind      string    `json:"kind"`
	Source    string    `json:"source"` // the department or data exchange it came from
	Start     Date      `json:"start"`
	End       Date      `json:"end,omitzero"` // zero: open
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ActiveOn reports whether the status holds on day d.
func (s *Status) ActiveOn(d Date) bool {
	return !s.Start.After(d) && (s.End.IsZero() || !s.End.Before(d))
}

// Validate checks a status from input.
func (s *Status) Validate() error {
	if _, ok := StatusKinds[s.Kind]; !ok {
		return Invalid("kind", "未知的身份类别 (unknown status kind)")
	}
	s.Source = strings.TrimSpace(s.Source)
	if s.Source == "" {
		return Invalid("source", "请填写数据来源部门 (source is required: which department or exchange)")
	}
	if s.Start.IsZero() {
		return Invalid("start", "请填写开始日期 (start date is required)")
	}
	if !s.End.IsZero() && s.End.Before(s.Start) {
		return Invalid("end", "结束日期早于开始日期 (end is before start)")
	}
	return nil
}

// AgeOn is the age in whole years on day d. A 29 February birthday counts on
// 1 March in common years (DESIGN §4).
func AgeOn(birth, d Date) int {
	age := d.Year - birth.Year
	bm, bd := birth.Month, birth.Day
	if bm == time.February && bd == 29 && !isLeap(d.Year) {
		bm, bd = time.March, 1
	}
	if d.Month < bm || d.Month == bm && d.Day < bd {
		age--
	}
	return age
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// MaskPhone keeps the first 3 and last 4 digits (138****5678).
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// NormalizePhone strips spaces and dashes and checks a mainland mobile or landline.
func NormalizePhone(field, p string) (string, error) {
	p = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(strings.TrimSpace(p))
	p = strings.TrimPrefix(p, "+86")
	if len(p) < 7 || len(p) > 12 {
		return "", Invalid(field, "电话号码应为7到12位数字 (phone must have 7 to 12 digits)")
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return "", Invalid(field, "电话号码只能包含数字 (phone may contain digits only)")
		}
	}
	if len(p) == 11 && p[0] == '1' && (p[1] < '3' || p[1] > '9') {
		return "", Invalid(field, "手机号码格式不对 (not a valid mobile number)")
	}
	return p, nil
}

// ValidateFields checks everything except the citizen ID, which the service parses
// (and which sets Sex and BirthDate).
func (p *Person) ValidateFields() error {
	p.Name = strings.TrimSpace(p.Name)
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		return Invalid("name", "请填写姓名 (name is required)")
	case n > 50:
		return Invalid("name", "姓名最多50个字符 (name: at most 50 characters)")
	}
	if strings.ContainsAny(p.Name, "<>\"'`=;\\") {
		return Invalid("name", "姓名含有不允许的字符 (name contains characters that are not allowed)")
	}
	if err := CheckRegionCode("residence_code", p.ResidenceCode); err != nil {
		return err
	}
	if p.HouseholdCode != "" {
		if err := CheckRegionCode("household_code", p.HouseholdCode); err != nil {
			return err
		}
	}
	for i, ph := range p.Phones {
		n, err := NormalizePhone("phones", ph)
		if err != nil {
			return err
		}
		p.Phones[i] = n
	}
	if len(p.Phones) > 3 {
		return Invalid("phones", "最多3个电话 (at most 3 phones)")
	}
	if p.Living != "" {
		if _, ok := LivingArrangements[p.Living]; !ok {
			return Invalid("living", "未知的居住状况 (unknown living arrangement)")
		}
	}
	if p.DisabilityGrade < 0 || p.DisabilityGrade > 4 {
		return Invalid("disability_grade", "残疾等级应为1到4级 (disability grade must be 1 to 4)")
	}
	if utf8.RuneCountInString(p.Address) > 200 {
		return Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	}
	if (p.Lng == nil) != (p.Lat == nil) || p.Lng != nil && (*p.Lng < 73 || *p.Lng > 136 || *p.Lat < 3 || *p.Lat > 54) {
		return Invalid("lng", "坐标应在中国境内，经纬度成对填写 (coordinates must be a pair inside China)")
	}
	for i := range p.Contacts {
		c := &p.Contacts[i]
		if c.Phone != "" {
			n, err := NormalizePhone("contacts", c.Phone)
			if err != nil {
				return err
			}
			c.Phone = n
		}
	}
	switch p.Life {
	case "", Alive:
		p.Life = Alive
	case Deceased:
		if p.DeathDate.IsZero() {
			return Invalid("death_date", "请填写死亡日期 (death date is required)")
		}
	case MovedOut:
		if p.MovedOutDate.IsZero() {
			return Invalid("moved_out_date", "请填写迁出日期 (moved-out date is required)")
		}
	default:
		return Invalid("life_status", "未知的生存状态 (unknown life status)")
	}
	return nil
}

// PersonFilter searches the register. Every search is narrowed to the actor's scope.
type PersonFilter struct {
	Query      string // name substring, or a whole citizen ID, or a whole phone
	RegionCode string // subtree
	Status     string // a status kind active today
	MinAge     int
	MaxAge     int
	Grade      *int
	Life       string
	Sort       string // "region", "id", "name", "birth_date"; empty: the order the filter's own index serves (see sqldb)
	// CountUpTo bounds CountPeople: it stops counting past this many (and
	// returns CountUpTo+1), so a page can say "1000+" without counting a
	// province. Zero counts everything.
	CountUpTo int
	Page      Page
}

// LifeEvent is what the register tells other modules when a life status changes
// (the benefits module stops payments on it).
type LifeEvent struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"` // person.deceased, person.moved_out
	PersonID int64     `json:"person_id"`
	Date     Date      `json:"date"`
	At       time.Time `json:"at"`
}

// PersonService is the register.
type PersonService interface {
	CreatePerson(ctx context.Context, p *Person) error
	Person(ctx context.Context, id int64) (*Person, error)
	People(ctx context.Context, f PersonFilter) ([]*Person, string, error)
	CountPeople(ctx context.Context, f PersonFilter) (int, error)
	UpdatePerson(ctx context.Context, p *Person) error
	// RevealID returns the whole citizen ID and phones, and audits the read.
	RevealID(ctx context.Context, id int64, reason string) (idNumber string, phones []string, err error)
	AddStatus(ctx context.Context, s *Status) error
	EndStatus(ctx context.Context, statusID int64, end Date) error
	PersonHistory(ctx context.Context, id int64) ([]*AuditEntry, error)
	LifeEvents(ctx context.Context, afterID int64, limit int) ([]*LifeEvent, error)
	// LinkUser lets an older person's or family member's account see one person.
	LinkUser(ctx context.Context, userID, personID int64, relation string) error
}
