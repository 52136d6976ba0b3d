package yanglao

import (
	"context"
	"time"
)

// The basic elderly-care service list (基本养老服务清单) and the benefits it
// grants (issue 4). The rules engine is package benefits (pure); these are the
// types the store and the web speak. Months are "YYYY-MM"; money is integer fen.
//
// A region's list is its own item versions overriding, code by code, those of
// its nearest ancestor that has any (Chenzhou §1: a county's list contains the
// city's items and may raise them). People are judged by the list and the
// parameters in force at their county.

// BenefitItem is one version of one item of a region's list. Its JSON is that
// of benefits.Item plus where it is published.
type BenefitItem struct {
	ID          int64     `json:"id,omitempty"`
	Region      string    `json:"region"`              // the region that publishes this version
	Inherited   bool      `json:"inherited,omitempty"` // published by an ancestor, not the region asked about
	Code        string    `json:"code"`
	Version     int       `json:"version"`
	Name        string    `json:"name"`
	NameEN      string    `json:"name_en,omitempty"`
	Target      string    `json:"target"`
	Content     string    `json:"content"`
	Type        string    `json:"type"` // 物质帮助 / 照护服务 / 关爱服务, joined with 和
	Lead        string    `json:"lead"`
	Source      string    `json:"source"`
	From        Date      `json:"from"`
	To          Date      `json:"to,omitzero"`
	Application string    `json:"application"` // none (免申请) or apply (依申请)
	Eligibility string    `json:"eligibility"`
	Amount      string    `json:"amount,omitempty"`
	Note        string    `json:"note,omitempty"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// Application kinds of an item.
const (
	BenefitNoApplication = "none"  // 免申请: granted silently from the data
	BenefitOnApplication = "apply" // 依申请
)

// BenefitViolation is where a lower region's list falls below its parent's
// (benefits.CheckInheritance).
type BenefitViolation struct {
	Kind          string `json:"kind"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	ParentVersion int    `json:"parent_version"`
	ChildVersion  int    `json:"child_version,omitempty"`
	On            Date   `json:"on"`
	ZH            string `json:"zh"`
	EN            string `json:"en"`
	CaseZH        string `json:"case_zh,omitempty"`
	CaseEN        string `json:"case_en,omitempty"`
}

// BenefitList is a region's effective list: every version of every item, own
// and inherited, and how it compares with the parent region's list.
type BenefitList struct {
	Region       *Region             `json:"region"`
	Parent       *Region             `json:"parent,omitempty"`
	Items        []*BenefitItem      `json:"items"`
	Violations   []*BenefitViolation `json:"violations"`
	Params       []*BenefitParam     `json:"params"`
	CanEdit      bool                `json:"can_edit"`
	ParamNames   []string            `json:"param_names"`
	CheckedUnder string              `json:"checked_under,omitempty"` // the parent whose list the violations compare with
}

// BenefitParam is one dated value of a region's parameter, e.g. the 低保
// standard (dibao_standard) in fen per month.
type BenefitParam struct {
	ID        int64     `json:"id,omitempty"`
	Region    string    `json:"region"`
	Inherited bool      `json:"inherited,omitempty"`
	Name      string    `json:"name"`
	From      Date      `json:"from"`
	To        Date      `json:"to,omitzero"`
	Fen       int64     `json:"fen"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// ExplainLine is one line of an explanation: a condition with the facts it
// read, in both languages. Mark is "held", "failed" or "".
type ExplainLine struct {
	Depth int    `json:"depth"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
	Mark  string `json:"mark,omitempty"`
}

// ItemDecision is the decision on one item for one person and month: eligible
// or not, the amount, why, under which version, and whether the person holds
// the entitlement (granted silently or on an approved application).
type ItemDecision struct {
	Code        string        `json:"code"`
	Name        string        `json:"name"`
	Version     int           `json:"version"`
	Region      string        `json:"region"` // the list that published the version
	Source      string        `json:"source"`
	Application string        `json:"application"`
	Cash        bool          `json:"cash"`
	Month       string        `json:"month"`
	RefDay      Date          `json:"ref_day,omitzero"`
	Eligible    bool          `json:"eligible"`
	AmountFen   int64         `json:"amount_fen"`
	Error       string        `json:"error,omitempty"` // the rule could not be evaluated (e.g. a parameter has no value)
	Entitlement *Entitlement  `json:"entitlement,omitempty"`
	Lines       []ExplainLine `json:"lines"`
}

// Entitlement is what a person holds from a month to a month.
type Entitlement struct {
	ID            int64      `json:"id"`
	PersonID      int64      `json:"person_id"`
	CountyCode    string     `json:"county_code"`
	ItemCode      string     `json:"item_code"`
	FromMonth     string     `json:"from_month"`
	ToMonth       string     `json:"to_month,omitempty"`
	Source        string     `json:"source"` // silent or application
	ApplicationID *int64     `json:"application_id,omitempty"`
	EndReason     string     `json:"end_reason,omitempty"` // death, moved_out, ineligible
	CreatedAt     time.Time  `json:"created_at"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
}

// Covers reports whether the entitlement holds in month m ("YYYY-MM").
func (e *Entitlement) Covers(m string) bool {
	return e.FromMonth <= m && (e.ToMonth == "" || m <= e.ToMonth)
}

// PersonEntitlements is everything the person page shows about benefits.
type PersonEntitlements struct {
	PersonID     int64                 `json:"person_id"`
	Month        string                `json:"month"`
	County       string                `json:"county"`
	Items        []*ItemDecision       `json:"items"`
	Held         []*Entitlement        `json:"held"` // every entitlement record, newest first
	Applications []*BenefitApplication `json:"applications"`
	TotalFen     int64                 `json:"total_fen"` // cash the person holds for the month
}

// Application statuses.
const (
	ApplicationSubmitted = "submitted"
	ApplicationApproved  = "approved"
	ApplicationRejected  = "rejected"
)

// BenefitApplication is an application for a 依申请 item, made by one user
// (often a worker on the person's behalf) and decided by another (maker-checker).
type BenefitApplication struct {
	ID           int64      `json:"id"`
	PersonID     int64      `json:"person_id"`
	PersonName   string     `json:"person_name,omitempty"`
	CountyCode   string     `json:"county_code"`
	ItemCode     string     `json:"item_code"`
	ItemName     string     `json:"item_name,omitempty"`
	FromMonth    string     `json:"from_month"`
	Reason       string     `json:"reason"`
	Status       string     `json:"status"`
	AppliedBy    int64      `json:"applied_by"`
	AppliedName  string     `json:"applied_by_name,omitempty"`
	DecidedBy    *int64     `json:"decided_by,omitempty"`
	DecidedName  string     `json:"decided_by_name,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// ApplicationFilter selects the worklist.
type ApplicationFilter struct {
	Status   string // "" = submitted
	PersonID int64
	Page     Page
}

// BenefitNotice tells the responsible workers of a region what silent
// granting did: a new entitlement, or one that ended.
type BenefitNotice struct {
	ID            int64     `json:"id"`
	RegionCode    string    `json:"region_code"`
	PersonID      int64     `json:"person_id"`
	PersonName    string    `json:"person_name,omitempty"`
	ItemCode      string    `json:"item_code"`
	Kind          string    `json:"kind"` // granted, ended
	EntitlementID int64     `json:"entitlement_id"`
	ZH            string    `json:"zh"`
	EN            string    `json:"en"`
	CreatedAt     time.Time `json:"created_at"`
}

// GrantReport is what a run of silent granting did.
type GrantReport struct {
	Date        Date   `json:"date"`
	Month       string `json:"month"`
	Counties    int    `json:"counties"`
	People      int    `json:"people"`
	Granted     int    `json:"granted"`
	Ended       int    `json:"ended"`
	Events      int    `json:"events"` // life events consumed from the outbox
	LastEventID int64  `json:"last_event_id"`
	Errors      int    `json:"errors"` // person-item decisions that could not be evaluated
}

// SimulationRequest asks what a change of one item would cost: the item's
// new amount rule (and optionally eligibility rule) in force from a month,
// over the next Months months, in the subtree of Region.
type SimulationRequest struct {
	Region      string `json:"region,omitempty"` // default: the actor's region
	Code        string `json:"code"`
	Amount      string `json:"amount,omitempty"`      // new amount rule; "" keeps the current one
	Eligibility string `json:"eligibility,omitempty"` // new eligibility rule; "" keeps the current one
	From        string `json:"from"`                  // YYYY-MM; default next January
	Start       string `json:"start,omitempty"`       // first month of the budget; default next month
	Months      int    `json:"months,omitempty"`      // default 12
}

// SimulationRow is the budget of one child region: per month, the current
// rules' cost and the changed rules' cost, and the number of people paid.
type SimulationRow struct {
	Region     string  `json:"region"`
	Name       string  `json:"name"`
	BaseFen    []int64 `json:"base_fen"`
	NewFen     []int64 `json:"new_fen"`
	BasePeople []int   `json:"base_people"`
	NewPeople  []int   `json:"new_people"`
	BaseTotal  int64   `json:"base_total_fen"`
	NewTotal   int64   `json:"new_total_fen"`
}

// SimulationResult is the budget by region and month. Nothing is written.
type SimulationResult struct {
	Region    string           `json:"region"`
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	From      string           `json:"from"`
	Months    []string         `json:"months"`
	Rows      []*SimulationRow `json:"rows"`
	Total     *SimulationRow   `json:"total"`
	People    int              `json:"people"` // people evaluated
	Errors    int              `json:"errors"` // person-months that could not be evaluated
	ElapsedMS int64            `json:"elapsed_ms"`
}

// BenefitService keeps the lists, decides entitlements with explanations,
// grants silently, runs the application worklist and simulates policy
// changes. Every call is scoped to the actor.
type BenefitService interface {
	// BenefitList is a region's effective list with inheritance violations.
	BenefitList(ctx context.Context, region string) (*BenefitList, error)
	// SaveBenefitItem publishes a new version of an item in a region's list
	// from it.From: a revision of the version in force that day (which closes
	// the day before), or a new item. Rules are compiled; a bad rule is
	// EINVALID naming the field with the position of the error.
	SaveBenefitItem(ctx context.Context, region string, it *BenefitItem) error
	// CheckBenefitRule compiles a rule ("eligibility" or "amount") without saving.
	CheckBenefitRule(ctx context.Context, field, rule string) error
	// SetBenefitParam adds a dated value of a parameter for a region.
	SetBenefitParam(ctx context.Context, p *BenefitParam) error

	// PersonEntitlements decides every item for a person and month (YYYY-MM;
	// "" = this month) with explanations.
	PersonEntitlements(ctx context.Context, personID int64, month string) (*PersonEntitlements, error)
	// ExplainEntitlement decides one item.
	ExplainEntitlement(ctx context.Context, personID int64, code, month string) (*ItemDecision, error)

	// GrantSilently is the daily job: grants 免申请 items to people who became
	// eligible and ends entitlements whose eligibility ended. Idempotent.
	GrantSilently(ctx context.Context, on Date) (*GrantReport, error)
	// Notices lists the notices of silent granting in scope, newest first.
	Notices(ctx context.Context, page Page) ([]*BenefitNotice, string, error)

	// Apply submits an application for a 依申请 item on a person's behalf.
	Apply(ctx context.Context, a *BenefitApplication) error
	// Applications lists the worklist in scope.
	Applications(ctx context.Context, f ApplicationFilter) ([]*BenefitApplication, string, error)
	// DecideApplication approves or rejects; not by the applicant. Approval
	// creates the entitlement.
	DecideApplication(ctx context.Context, id int64, approve bool, note string) (*BenefitApplication, error)

	// Simulate computes the budget of a rule change without writing anything.
	Simulate(ctx context.Context, req SimulationRequest) (*SimulationResult, error)
}
