package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Care visits to older people in special difficulty (探访关爱, issue 6): the
// target list derived from the register by per-region rules (package
// visitrules), the standing plan of who visits whom, the visit records, their
// follow-ups, reminders and the monthly visit rate against the 100 % target
// (邵阳 §5, 郴州 五, 湘潭 第三章第二节1). Months are "YYYY-MM".

// CareRule is one region's rule for one group: visits a month and validity.
type CareRule struct {
	ID        int64     `json:"id"`
	Region    string    `json:"region"`
	Group     string    `json:"group"`
	PerMonth  int       `json:"per_month"`
	MinAge    int       `json:"min_age,omitempty"`
	From      Date      `json:"from"`
	To        Date      `json:"to,omitzero"`
	Source    string    `json:"source"`
	Inherited bool      `json:"inherited,omitempty"` // set by an ancestor of the region asked about
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Visitor kinds: a worker, a volunteer, a member of the 老年协会 (郴州 五:
// "依托村委会、基层老年协会、志愿服务组织等"), or someone else named.
var VisitorKinds = map[string][2]string{
	"worker":      {"工作人员", "Worker"},
	"volunteer":   {"志愿者", "Volunteer"},
	"association": {"老年协会会员", "Older people's association member"},
	"other":       {"其他", "Other"},
}

// CareVisitor is someone who visits: a user of the platform, or a named person without an account.
type CareVisitor struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	UserID     *int64    `json:"user_id,omitempty"`
	RegionCode string    `json:"region_code"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

// Validate checks a named visitor from input.
func (v *CareVisitor) Validate() error {
	v.Name = strings.TrimSpace(v.Name)
	if n := utf8.RuneCountInString(v.Name); n == 0 || n > 50 {
		return Invalid("name", "请填写探访人姓名（最多50字）(name is required, at most 50 characters)")
	}
	if strings.ContainsAny(v.Name, "<>\"'`=;\\") {
		return Invalid("name", "姓名含有不允许的字符 (name contains characters that are not allowed)")
	}
	if _, ok := VisitorKinds[v.Kind]; !ok {
		return Invalid("kind", "探访人类别应为 worker、volunteer、association 或 other (kind must be worker, volunteer, association or other)")
	}
	return CheckRegionCode("region_code", v.RegionCode)
}

// CareTarget is one person on a month's visit list, with the plan's visitor
// and the visits made so far.
type CareTarget struct {
	Month       string   `json:"month"`
	PersonID    int64    `json:"person_id"`
	Name        string   `json:"name"`
	RegionCode  string   `json:"region_code"`
	Address     string   `json:"address,omitempty"`
	Groups      []string `json:"groups"`
	PerMonth    int      `json:"per_month"`
	VisitorID   *int64   `json:"visitor_id,omitempty"`
	VisitorName string   `json:"visitor_name,omitempty"`
	Visits      int      `json:"visits"`
	LastVisit   Date     `json:"last_visit,omitzero"`
	Done        bool     `json:"done"` // visits >= per_month
}

// CareTargetFilter selects a month's list.
type CareTargetFilter struct {
	Month      string // "" = this month
	RegionCode string // subtree; "" = the actor's region
	Mine       bool   // only people the actor visits
	Pending    bool   // only people not yet visited enough (the alert list)
	Page       Page
}

// Visit modes.
var VisitModes = map[string][2]string{
	"in_person": {"上门", "In person"},
	"phone":     {"电话", "Phone"},
	"video":     {"视频", "Video"},
}

// Health findings of a visit.
var VisitHealth = map[string][2]string{
	"good":   {"良好", "Good"},
	"fair":   {"一般", "Fair"},
	"poor":   {"较差", "Poor"},
	"urgent": {"需紧急处理", "Needs urgent help"},
}

// Safety hazards a visitor can tick.
var VisitHazards = map[string][2]string{
	"fall":       {"跌倒风险", "Fall risk"},
	"fire_gas":   {"用火用气", "Fire or gas"},
	"electric":   {"用电", "Electricity"},
	"housing":    {"房屋安全", "Housing"},
	"food":       {"饮食不足", "Not enough food"},
	"medication": {"用药不当", "Medication"},
	"fraud":      {"诈骗风险", "Fraud risk"},
	"mistreated": {"疑似受虐或被忽视", "Suspected abuse or neglect"},
	"other":      {"其他", "Other"},
}

// Needs a visitor can tick.
var VisitNeeds = map[string][2]string{
	"meals":         {"助餐", "Meals"},
	"cleaning":      {"助洁", "Cleaning"},
	"bathing":       {"助浴", "Bathing"},
	"medical":       {"助医", "Medical"},
	"companionship": {"精神慰藉", "Companionship"},
	"repair":        {"维修", "Repairs"},
	"aids":          {"辅具", "Assistive devices"},
	"benefits":      {"待遇申请", "Benefit application"},
	"other":         {"其他", "Other"},
}

// Limits on a visit's photos: small phone pictures, checked by content.
const (
	MaxVisitPhotos    = 3
	MaxVisitPhotoSize = 512 << 10
)

// VisitPhoto is one uploaded picture.
type VisitPhoto struct {
	ID          int64  `json:"id"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	Data        []byte `json:"-"`
}

// PhotoTypes are the accepted picture types (sniffed from the bytes, not trusted from the client).
var PhotoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

// CareVisit is one visit record.
type CareVisit struct {
	ID          int64         `json:"id"`
	PersonID    int64         `json:"person_id"`
	PersonName  string        `json:"person_name,omitempty"`
	RegionCode  string        `json:"region_code,omitempty"`
	Month       string        `json:"month"`
	Date        Date          `json:"date"`
	Mode        string        `json:"mode"`
	VisitorID   *int64        `json:"visitor_id,omitempty"`
	VisitorName string        `json:"visitor_name"`
	Health      string        `json:"health"`
	HealthNote  string        `json:"health_note,omitempty"`
	Hazards     []string      `json:"hazards,omitempty"`
	HazardNote  string        `json:"hazard_note,omitempty"`
	Needs       []string      `json:"needs,omitempty"`
	NeedsNote   string        `json:"needs_note,omitempty"`
	Note        string        `json:"note,omitempty"`
	Lat         *float64      `json:"lat,omitempty"`
	Lng         *float64      `json:"lng,omitempty"`
	RequestKey  string        `json:"request_key,omitempty"` // idempotency: the same key twice stores one visit
	Photos      []*VisitPhoto `json:"photos,omitempty"`
	FollowUps   []*FollowUp   `json:"follow_ups,omitempty"`
	RecordedBy  string        `json:"recorded_by,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
}

func checkList(field string, vals []string, known map[string][2]string) error {
	seen := map[string]bool{}
	for _, v := range vals {
		if _, ok := known[v]; !ok || seen[v] {
			return Invalid(field, "选项 %q 无效或重复 (option %q is unknown or repeated)", v, v)
		}
		seen[v] = true
	}
	return nil
}

func checkText(field string, s *string, max int) error {
	*s = strings.TrimSpace(*s)
	if utf8.RuneCountInString(*s) > max {
		return Invalid(field, "最多%d个字符 (at most %d characters)", max, max)
	}
	if !utf8.ValidString(*s) {
		return Invalid(field, "文字编码无效 (text is not valid UTF-8)")
	}
	return nil
}

// Validate checks a visit from input; today bounds the date (no future
// visits; a visit may be recorded up to 60 days late).
func (v *CareVisit) Validate(today Date) error {
	if v.PersonID <= 0 {
		return Invalid("person_id", "请选择被探访的老人 (person_id is required)")
	}
	if v.Date.IsZero() {
		return Invalid("date", "请填写探访日期 (date is required)")
	}
	if v.Date.After(today) {
		return Invalid("date", "探访日期不能晚于今天 (date cannot be in the future)")
	}
	if v.Date.Before(today.AddDays(-60)) {
		return Invalid("date", "只能补录60天内的探访 (only visits of the last 60 days can be recorded)")
	}
	if _, ok := VisitModes[v.Mode]; !ok {
		return Invalid("mode", "探访方式应为上门、电话或视频 (mode must be in_person, phone or video)")
	}
	if _, ok := VisitHealth[v.Health]; !ok {
		return Invalid("health", "请选择健康状况 (health must be good, fair, poor or urgent)")
	}
	if err := checkList("hazards", v.Hazards, VisitHazards); err != nil {
		return err
	}
	if err := checkList("needs", v.Needs, VisitNeeds); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		s    *string
		max  int
	}{{"health_note", &v.HealthNote, 500}, {"hazard_note", &v.HazardNote, 500}, {"needs_note", &v.NeedsNote, 500}, {"note", &v.Note, 1000}, {"visitor_name", &v.VisitorName, 50}, {"request_key", &v.RequestKey, 64}} {
		if err := checkText(f.name, f.s, f.max); err != nil {
			return err
		}
	}
	if (v.Lat == nil) != (v.Lng == nil) || v.Lng != nil && (*v.Lng < 73 || *v.Lng > 136 || *v.Lat < 3 || *v.Lat > 54) {
		return Invalid("lat", "位置应在中国境内，经纬度成对填写 (position must be a lat/lng pair inside China)")
	}
	if len(v.Photos) > MaxVisitPhotos {
		return Invalid("photos", "最多%d张照片 (at most %d photos)", MaxVisitPhotos, MaxVisitPhotos)
	}
	for _, p := range v.Photos {
		if len(p.Data) == 0 {
			return Invalid("photos", "照片是空文件 (a photo is empty)")
		}
		if len(p.Data) > MaxVisitPhotoSize {
			return &Error{Code: ETOOLARGE, Field: "photos", Message: "每张照片不超过512KB，请压缩后再传 (each photo must be at most 512 KiB)"}
		}
		if !PhotoTypes[p.ContentType] {
			return Invalid("photos", "照片只能是 JPEG、PNG 或 WebP (photos must be JPEG, PNG or WebP)")
		}
		p.Size = len(p.Data)
	}
	return nil
}

// Follow-up kinds and states.
const (
	FollowUpService    = "service_request" // a home-care service to arrange (the orders module's order when it exists)
	FollowUpReferral   = "referral"        // to another department or organisation
	FollowUpAssessment = "assessment"      // a capability assessment request for the assessors' worklist

	FollowUpOpen       = "open"
	FollowUpInProgress = "in_progress"
	FollowUpDone       = "done"
	FollowUpCancelled  = "cancelled"
)

// FollowUpKinds names the kinds.
var FollowUpKinds = map[string][2]string{
	FollowUpService:    {"服务需求", "Service request"},
	FollowUpReferral:   {"转介", "Referral"},
	FollowUpAssessment: {"能力评估申请", "Assessment request"},
}

// FollowUpStates names the states.
var FollowUpStates = map[string][2]string{
	FollowUpOpen:       {"待处理", "Open"},
	FollowUpInProgress: {"处理中", "In progress"},
	FollowUpDone:       {"已完成", "Done"},
	FollowUpCancelled:  {"已取消", "Cancelled"},
}

// FollowUp is what a visit found needs doing.
type FollowUp struct {
	ID         int64     `json:"id"`
	VisitID    int64     `json:"visit_id"`
	PersonID   int64     `json:"person_id"`
	PersonName string    `json:"person_name,omitempty"`
	RegionCode string    `json:"region_code,omitempty"`
	Kind       string    `json:"kind"`
	Detail     string    `json:"detail"`
	ReferredTo string    `json:"referred_to,omitempty"`
	State      string    `json:"state"`
	Note       string    `json:"note,omitempty"`
	CreatedBy  string    `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks a new follow-up from input.
func (f *FollowUp) Validate() error {
	if _, ok := FollowUpKinds[f.Kind]; !ok {
		return Invalid("kind", "跟进类别应为 service_request、referral 或 assessment (kind must be service_request, referral or assessment)")
	}
	if err := checkText("detail", &f.Detail, 500); err != nil {
		return err
	}
	if f.Detail == "" {
		return Invalid("detail", "请说明需要做什么 (detail is required)")
	}
	if err := checkText("referred_to", &f.ReferredTo, 100); err != nil {
		return err
	}
	if f.Kind == FollowUpReferral && f.ReferredTo == "" {
		return Invalid("referred_to", "请填写转介去向 (referred_to is required for a referral)")
	}
	return nil
}

// FollowUpFilter selects follow-ups.
type FollowUpFilter struct {
	Kind     string
	State    string // "" = open and in progress
	PersonID int64
	Page     Page
}

// VisitRateRow is one region's visit rate for a month.
type VisitRateRow struct {
	RegionCode string `json:"region_code"`
	Name       string `json:"name"`
	Level      int    `json:"level"`
	Targets    int    `json:"targets"`
	Visited    int    `json:"visited"`      // visited at least as often as the plan asks
	AtLeastOne int    `json:"at_least_one"` // visited at least once
	Pending    int    `json:"pending"`      // targets - visited
	RatePct    string `json:"rate_pct"`     // visited / targets, one decimal ("—" with no targets)
	Rate       int    `json:"rate_permille"`
	HasKids    bool   `json:"has_children"`
}

// VisitRateTarget is the seeds' target rate (邵阳 §5, 湘潭 第三章第二节1: 月探访率100%).
const VisitRateTarget = 1000 // per mille

// VisitRates is a region's rate for a month and the rates of its children.
type VisitRates struct {
	Month      string          `json:"month"`
	RefDay     Date            `json:"ref_day"`
	Region     *VisitRateRow   `json:"region"`
	Children   []*VisitRateRow `json:"children"`
	TargetPct  int             `json:"target_pct"`
	ComputedAt *time.Time      `json:"computed_at,omitempty"` // the oldest computation of the region's counties for the month
}

// RefreshReport is what a computation of a month's list did.
type RefreshReport struct {
	Month    string `json:"month"`
	RefDay   Date   `json:"ref_day"`
	Counties int    `json:"counties"`
	People   int    `json:"people"` // people read from the register
	Targets  int    `json:"targets"`
	Added    int    `json:"added"`
	Removed  int    `json:"removed"`
	Changed  int    `json:"changed"`
	Millis   int64  `json:"elapsed_ms"`
}

// AssignRequest gives a visitor to people in bulk: everyone on the month's
// list in RegionCode's subtree (a village or township) who has no visitor,
// or also those who have one when Replace is set; or the listed PersonIDs.
type AssignRequest struct {
	Month      string  `json:"month,omitempty"`
	RegionCode string  `json:"region_code,omitempty"`
	PersonIDs  []int64 `json:"person_ids,omitempty"`
	VisitorID  int64   `json:"visitor_id,omitempty"`
	UserID     int64   `json:"user_id,omitempty"` // a platform user as the visitor (their visitor record is made on first use)
	Replace    bool    `json:"replace,omitempty"`
	PerMonth   int     `json:"per_month,omitempty"` // raise the frequency above the rules' (0: by the rules)
}

// CareReminder tells a visitor (or the workers of a region, for people with
// no visitor) that people are still not visited as the month ends.
type CareReminder struct {
	ID         int64     `json:"id"`
	Month      string    `json:"month"`
	Stage      int       `json:"stage"` // 1: 7 days left, 2: 3 days left, 3: last day
	VisitorID  *int64    `json:"visitor_id,omitempty"`
	RegionCode string    `json:"region_code"`
	Pending    int       `json:"pending"`
	ZH         string    `json:"zh"`
	EN         string    `json:"en"`
	CreatedAt  time.Time `json:"created_at"`
}

// CareVisitService is the programme. Every call is scoped to the actor:
// officials and workers see their region's subtree; a visitor with an
// account also sees the people assigned to them.
type CareVisitService interface {
	// CareRules lists the rules that apply in a region: its own and its ancestors'.
	CareRules(ctx context.Context, region string) ([]*CareRule, error)
	// SaveCareRule adds a rule for a region (officials of the region or above).
	SaveCareRule(ctx context.Context, r *CareRule) error
	// EndCareRule closes a rule on a day.
	EndCareRule(ctx context.Context, id int64, to Date) (*CareRule, error)

	// RefreshTargets computes a month's list from the register for every
	// county in region's subtree (and the actor's scope), keeping visitors and visits.
	RefreshTargets(ctx context.Context, region, month string) (*RefreshReport, error)
	// CareTargets lists a month's list, keyset-paged in region order.
	CareTargets(ctx context.Context, f CareTargetFilter) ([]*CareTarget, string, error)
	// VisitRates is the month's rate for a region and each child, rolled up the tree.
	VisitRates(ctx context.Context, region, month string) (*VisitRates, error)

	// Visitors lists visitors in scope; CreateVisitor adds a named one.
	Visitors(ctx context.Context, region string, page Page) ([]*CareVisitor, string, error)
	CreateVisitor(ctx context.Context, v *CareVisitor) error
	// Assign sets the standing plan's visitor for people; it carries over to later months.
	Assign(ctx context.Context, req AssignRequest) (int, error)

	// RecordVisit stores a visit with its photos and follow-ups, once per RequestKey.
	RecordVisit(ctx context.Context, v *CareVisit, followUps []*FollowUp) error
	CareVisit(ctx context.Context, id int64) (*CareVisit, error)
	VisitPhoto(ctx context.Context, visitID, photoID int64) (*VisitPhoto, error)
	// PersonVisits lists a person's visits, newest first.
	PersonVisits(ctx context.Context, personID int64, page Page) ([]*CareVisit, string, error)

	// FollowUps lists follow-ups in scope; UpdateFollowUp moves one to a state.
	FollowUps(ctx context.Context, f FollowUpFilter) ([]*FollowUp, string, error)
	UpdateFollowUp(ctx context.Context, id int64, state, note string) (*FollowUp, error)

	// Remind is the daily job: reminders to visitors with people still to
	// visit as the month ends (7, 3 and 1 days left). Idempotent.
	Remind(ctx context.Context, on Date) (int, error)
	// Reminders lists the reminders for the actor: their own and their region's.
	Reminders(ctx context.Context, month string, page Page) ([]*CareReminder, string, error)
}
