package yanglao

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Home and community services (居家上门服务, issue 5). The catalogue follows the
// service categories of GB/T 43153-2023 居家养老上门服务基本规范 and the "六助一护"
// (助餐、助浴、助急、助行、助医、助洁 and 日常护理) of the Shaoyang 2025 plan §4
// (shaoyang-city-2025-action-plan.txt, 一.4). What the government buys, for whom,
// is Chenzhou annex item 5 (chenzhou-city-2023-basic-service-list.txt: 居家上门服务,
// "为符合当地规定的经济困难的高龄、失能（失智）、计划生育特殊家庭老年人，通过政府
// 购买服务的方式…提供助餐、助洁、助浴、助医、助行、助急等居家上门服务").

// ServiceCategory is one category of GB/T 43153-2023.
type ServiceCategory struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// Service categories (GB/T 43153-2023 居家养老上门服务基本规范, 服务内容).
const (
	CatLifeCare  = "life_care"  // 生活照料
	CatBasicCare = "basic_care" // 基础照护
	CatHealth    = "health"     // 健康管理
	CatVisit     = "visit"      // 探访关爱
	CatComfort   = "comfort"    // 精神慰藉
	CatErrand    = "errand"     // 委托代办
	CatRetrofit  = "retrofit"   // 适老化改造
)

// ServiceCategories lists the categories in the standard's order.
var ServiceCategories = []ServiceCategory{
	{CatLifeCare, "生活照料", "Daily-life care"},
	{CatBasicCare, "基础照护", "Basic nursing care"},
	{CatHealth, "健康管理", "Health management"},
	{CatVisit, "探访关爱", "Visits and care"},
	{CatComfort, "精神慰藉", "Emotional comfort"},
	{CatErrand, "委托代办", "Errands on request"},
	{CatRetrofit, "适老化改造", "Age-friendly home adaptation"},
}

// ServiceCategoryOf returns the category with code, and whether it exists.
func ServiceCategoryOf(code string) (ServiceCategory, bool) {
	for _, c := range ServiceCategories {
		if c.Code == code {
			return c, true
		}
	}
	return ServiceCategory{}, false
}

// CaregiverSkills is the vocabulary of skills a service item asks for and a
// caregiver has ("六助一护" and the other categories of GB/T 43153-2023).
var CaregiverSkills = map[string][2]string{
	"meal":      {"助餐", "Meal help"},
	"bath":      {"助浴", "Bathing"},
	"clean":     {"助洁", "Cleaning"},
	"walk":      {"助行", "Walking and outings"},
	"medical":   {"助医", "Accompanying to the doctor"},
	"emergency": {"助急", "Emergency help"},
	"nursing":   {"日常护理", "Daily nursing"},
	"rehab":     {"康复护理", "Rehabilitation"},
	"health":    {"健康监测", "Health monitoring"},
	"visit":     {"探访", "Visiting"},
	"comfort":   {"精神慰藉", "Emotional support"},
	"errand":    {"代办", "Errands"},
	"retrofit":  {"适老化改造", "Home adaptation"},
}

// SkillKeys returns the skill vocabulary's keys in a stable order.
func SkillKeys() []string {
	keys := make([]string, 0, len(CaregiverSkills))
	for k := range CaregiverSkills {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkKeys normalises a list of keys of vocab: trimmed, known, sorted, unique.
func checkKeys(field string, keys []string, vocab map[string][2]string, zh, en string) ([]string, error) {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if _, ok := vocab[k]; !ok {
			return nil, Invalid(field, "未知%s：%s (unknown %s: %s)", zh, k, en, k)
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ServiceItem is one item of the catalogue: its standard duration, the skills
// and the certificates a caregiver needs to deliver it.
type ServiceItem struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Category  string    `json:"category"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en"`
	Minutes   int       `json:"minutes"` // standard duration of one visit
	Skills    []string  `json:"skills"`  // every one is required
	Certs     []string  `json:"certs"`   // certificate kinds that must be valid on the day
	Source    string    `json:"source"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks an item from input and normalises its lists.
func (it *ServiceItem) Validate() error {
	it.Code, it.Name, it.NameEN, it.Source = strings.TrimSpace(it.Code), strings.TrimSpace(it.Name), strings.TrimSpace(it.NameEN), strings.TrimSpace(it.Source)
	if it.Code == "" || len(it.Code) > 40 || strings.ContainsAny(it.Code, " ,/") {
		return Invalid("code", "请填写项目编码（最多40个字符，不含空格、逗号、斜杠） (code is required: at most 40 characters, no spaces, commas or slashes)")
	}
	if _, ok := ServiceCategoryOf(it.Category); !ok {
		return Invalid("category", "未知服务类别 (unknown service category)")
	}
	if it.Name == "" || utf8.RuneCountInString(it.Name) > 60 {
		return Invalid("name", "请填写项目名称（最多60个字符） (name is required, at most 60 characters)")
	}
	if utf8.RuneCountInString(it.NameEN) > 100 {
		return Invalid("name_en", "英文名称最多100个字符 (name_en: at most 100 characters)")
	}
	if it.Minutes < 5 || it.Minutes > 8*60 {
		return Invalid("minutes", "标准时长应为5到480分钟 (minutes must be 5 to 480)")
	}
	var err error
	if it.Skills, err = checkKeys("skills", it.Skills, CaregiverSkills, "技能", "skill"); err != nil {
		return err
	}
	if it.Certs, err = checkKeys("certs", it.Certs, CertKinds, "证书类别", "certificate kind"); err != nil {
		return err
	}
	if utf8.RuneCountInString(it.Source) > 200 {
		return Invalid("source", "依据最多200个字符 (source: at most 200 characters)")
	}
	return nil
}

// CanEditCatalogue reports whether a may change the shared catalogue:
// administrators, and officials of a province or city (a region path of at
// most two nodes); counties configure what they buy from it.
func CanEditCatalogue(a *Actor) bool {
	if a == nil || a.Unrestricted() {
		return a != nil
	}
	depth := strings.Count(a.RegionPath, "/") - 1
	return a.Role == RoleOfficial && a.OrgID == nil && depth >= 1 && depth <= 2
}

// Allowance units: money in fen, or service time in minutes.
const (
	UnitFen     = "fen"
	UnitMinutes = "minutes"
)

// ServiceAllowance is one rule of what the government buys for whom, per
// person and month, in one category: configured on a region node, it applies
// to the node's subtree, and a node deeper on the person's path that has rules
// for the same category replaces those above it. A person must meet every
// condition: one of Statuses (none: no status needed), MinAge, MinGrade.
type ServiceAllowance struct {
	ID         int64     `json:"id"`
	RegionCode string    `json:"region_code"`
	RegionPath string    `json:"-"`
	Category   string    `json:"category"`
	Statuses   []string  `json:"statuses,omitempty"`  // any one of these status kinds, held in the month
	MinAge     int       `json:"min_age,omitempty"`   // age reached by the month's last day
	MinGrade   *int      `json:"min_grade,omitempty"` // GB/T 42195 grade at least this (0 完好 … 4 完全丧失)
	Unit       string    `json:"unit"`                // fen or minutes
	Amount     int64     `json:"amount"`              // a month's allowance in Unit
	ValidFrom  Date      `json:"valid_from"`
	ValidTo    Date      `json:"valid_to,omitzero"`
	Source     string    `json:"source"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks a rule from input.
func (a *ServiceAllowance) Validate() error {
	if err := CheckRegionCode("region_code", a.RegionCode); err != nil {
		return err
	}
	if _, ok := ServiceCategoryOf(a.Category); !ok {
		return Invalid("category", "未知服务类别 (unknown service category)")
	}
	var err error
	if a.Statuses, err = checkKeys("statuses", a.Statuses, StatusKinds, "身份类别", "status kind"); err != nil {
		return err
	}
	if a.MinAge < 0 || a.MinAge > 120 {
		return Invalid("min_age", "年龄条件应为0到120 (min_age must be 0 to 120)")
	}
	if a.MinGrade != nil && (*a.MinGrade < 0 || *a.MinGrade > 4) {
		return Invalid("min_grade", "能力等级应为0到4 (min_grade must be 0 to 4)")
	}
	switch a.Unit {
	case UnitFen:
		if a.Amount <= 0 || a.Amount > 10_000_00 {
			return Invalid("amount", "金额应为1分到10000元 (amount must be 1 fen to 10,000 yuan)")
		}
	case UnitMinutes:
		if a.Amount <= 0 || a.Amount > 31*24*60 {
			return Invalid("amount", "时长应为1到44640分钟 (amount must be 1 to 44,640 minutes)")
		}
	default:
		return Invalid("unit", "单位应为 fen（分）或 minutes（分钟） (unit must be fen or minutes)")
	}
	if a.ValidFrom.IsZero() {
		return Invalid("valid_from", "请填写生效日期 (valid_from is required)")
	}
	if !a.ValidTo.IsZero() && a.ValidTo.Before(a.ValidFrom) {
		return Invalid("valid_to", "截止日期早于生效日期 (valid_to is before valid_from)")
	}
	a.Source, a.Note = strings.TrimSpace(a.Source), strings.TrimSpace(a.Note)
	if a.Source == "" || utf8.RuneCountInString(a.Source) > 200 {
		return Invalid("source", "请填写政策依据（最多200个字符） (source is required: the policy and clause, at most 200 characters)")
	}
	if utf8.RuneCountInString(a.Note) > 500 {
		return Invalid("note", "备注最多500个字符 (note: at most 500 characters)")
	}
	return nil
}

// MonthlyAllowance is what the government buys for one person in one category
// and month, before what was used is subtracted. Amount 0 with Rule nil: the
// person has no allowance (the family pays).
type MonthlyAllowance struct {
	PersonID int64             `json:"person_id"`
	Category string            `json:"category"`
	Month    string            `json:"month"` // YYYY-MM
	Unit     string            `json:"unit,omitempty"`
	Amount   int64             `json:"amount"`
	Rule     *ServiceAllowance `json:"rule,omitempty"`
	Why      string            `json:"why"`
}

// AllowanceFilter selects allowance rules: those on the region's path (inherited)
// and under it.
type AllowanceFilter struct {
	RegionCode string
	Category   string
	On         Date // zero: every period
}

// ProviderItem is an item a provider offers, at its price.
type ProviderItem struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	ItemID    int64     `json:"item_id"`
	ItemCode  string    `json:"item_code"`
	ItemName  string    `json:"item_name"`
	PriceFen  int64     `json:"price_fen"`
	Minutes   int       `json:"minutes"` // 0: the item's standard duration
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the caller's fields.
func (p *ProviderItem) Validate() error {
	if p.OrgID <= 0 {
		return Invalid("org_id", "请选择服务组织 (org_id is required)")
	}
	if p.ItemID <= 0 {
		return Invalid("item_id", "请选择服务项目 (item_id is required)")
	}
	if p.PriceFen < 0 || p.PriceFen > 100_000_00 {
		return Invalid("price_fen", "价格应为0到10万元（单位：分） (price_fen must be 0 to 100,000 yuan, in fen)")
	}
	if p.Minutes != 0 && (p.Minutes < 5 || p.Minutes > 8*60) {
		return Invalid("minutes", "时长应为5到480分钟，或0表示按标准时长 (minutes must be 5 to 480, or 0 for the standard)")
	}
	return nil
}

// ProviderCoverage is a region node whose subtree a provider serves.
type ProviderCoverage struct {
	OrgID      int64  `json:"org_id"`
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name"`
	RegionPath string `json:"-"`
}

// ProviderContract is a provider's contract with the government (政府购买服务合同):
// which items the government buys from it, where, and when.
type ProviderContract struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	Number     string    `json:"number"`
	RegionCode string    `json:"region_code"` // the buying government's region; addresses must lie under it
	RegionPath string    `json:"-"`
	Start      Date      `json:"start"`
	End        Date      `json:"end"`
	ItemIDs    []int64   `json:"item_ids"`
	ItemCodes  []string  `json:"item_codes,omitempty"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks the caller's fields.
func (c *ProviderContract) Validate() error {
	c.Number, c.Note = strings.TrimSpace(c.Number), strings.TrimSpace(c.Note)
	if c.OrgID <= 0 {
		return Invalid("org_id", "请选择服务组织 (org_id is required)")
	}
	if c.Number == "" || utf8.RuneCountInString(c.Number) > 60 {
		return Invalid("number", "请填写合同编号（最多60个字符） (number is required, at most 60 characters)")
	}
	if err := CheckRegionCode("region_code", c.RegionCode); err != nil {
		return err
	}
	if c.Start.IsZero() {
		return Invalid("start", "请填写合同开始日期 (start is required)")
	}
	if c.End.IsZero() || c.End.Before(c.Start) {
		return Invalid("end", "请填写不早于开始日期的结束日期 (end is required and not before start)")
	}
	if len(c.ItemIDs) == 0 {
		return Invalid("item_ids", "请选择政府购买的服务项目 (choose the items the government buys)")
	}
	slices.Sort(c.ItemIDs)
	c.ItemIDs = slices.Compact(c.ItemIDs)
	if utf8.RuneCountInString(c.Note) > 500 {
		return Invalid("note", "备注最多500个字符 (note: at most 500 characters)")
	}
	return nil
}

// ServiceOffer is what a provider charges for an item at an address, and the
// government contract that covers it there, if any.
type ServiceOffer struct {
	ProviderID     int64  `json:"provider_id"`
	ItemID         int64  `json:"item_id"`
	ItemCode       string `json:"item_code"`
	ItemName       string `json:"item_name"`
	Category       string `json:"category"`
	PriceFen       int64  `json:"price_fen"`
	Minutes        int    `json:"minutes"`
	ContractID     *int64 `json:"contract_id,omitempty"`
	ContractNumber string `json:"contract_number,omitempty"`
	NoContract     string `json:"no_contract,omitempty"` // why the government cannot pay, when ContractID is nil
}

// RequireContract refuses a government-paid order when no valid contract covers the offer.
func (o ServiceOffer) RequireContract() error {
	if o.ContractID == nil {
		return Invalid("provider_id", "%s", o.NoContract)
	}
	return nil
}

// ProviderProfile is a provider's page: coverage, items and prices, contracts,
// and the share of its caregivers with a valid certificate.
type ProviderProfile struct {
	Org       *Org                `json:"org"`
	Coverage  []*ProviderCoverage `json:"coverage"`
	Items     []*ProviderItem     `json:"items"`
	Contracts []*ProviderContract `json:"contracts"`
	Rate      *CertifiedRate      `json:"certified_rate"`
}

// HomeCareService is the catalogue, allowances, providers and caregivers of
// home-care services, and the dispatch suggestions built on them.
type HomeCareService interface {
	ServiceItems(ctx context.Context, all bool) ([]*ServiceItem, error)
	SaveServiceItem(ctx context.Context, it *ServiceItem) error

	Allowances(ctx context.Context, f AllowanceFilter) ([]*ServiceAllowance, error)
	AddAllowance(ctx context.Context, a *ServiceAllowance) error
	EndAllowance(ctx context.Context, id int64, end Date) error
	PersonAllowance(ctx context.Context, personID int64, category, month string) (*MonthlyAllowance, error)

	Provider(ctx context.Context, orgID int64) (*ProviderProfile, error)
	SetCoverage(ctx context.Context, orgID int64, regionCode string, covered bool) error
	SetProviderItem(ctx context.Context, p *ProviderItem) error
	AddContract(ctx context.Context, c *ProviderContract) error
	Offer(ctx context.Context, providerID, itemID int64, regionCode string) (*ServiceOffer, error)

	Caregivers(ctx context.Context, f CaregiverFilter) ([]*Caregiver, string, error)
	Caregiver(ctx context.Context, id int64) (*Caregiver, error)
	CreateCaregiver(ctx context.Context, c *Caregiver) error
	UpdateCaregiver(ctx context.Context, c *Caregiver) error
	AddCert(ctx context.Context, c *CaregiverCert) error
	CheckCaregiver(ctx context.Context, caregiverID, itemID int64, day Date) error
	CertifiedRates(ctx context.Context, regionCode string) ([]*CertifiedRate, error)

	Bans(ctx context.Context, f BanFilter) ([]*EmploymentBan, string, error)
	AddBan(ctx context.Context, b *EmploymentBan) error

	SuggestCaregivers(ctx context.Context, q SuggestQuery) ([]*CaregiverSuggestion, error)
}
