package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Home-care service orders (居家上门服务订单, issue 5): placed by the older person,
// by a family member for a parent (子女网上下单、父母体验服务), by a township worker
// for a government-paid service (Chenzhou annex item 5: 政府购买服务), or against a
// voucher; dispatched by the provider, proven by the caregiver's check-in and
// check-out and the older person's confirmation, and settled monthly with the
// government. The rules (states, who may move them, the payment split, the
// flags) are package orders; these are the types the store and the web speak.

// Order is one visit.
type Order struct {
	ID            int64     `json:"id"`
	PersonID      int64     `json:"person_id"`
	PersonName    string    `json:"person_name"`
	ProviderID    int64     `json:"provider_id"`
	ProviderName  string    `json:"provider_name"`
	ItemID        int64     `json:"item_id"`
	ItemCode      string    `json:"item_code"`
	ItemName      string    `json:"item_name"`
	Category      string    `json:"category"`
	CaregiverID   *int64    `json:"caregiver_id,omitempty"`
	CaregiverName string    `json:"caregiver_name,omitempty"`
	ContractID    *int64    `json:"contract_id,omitempty"`
	Channel       string    `json:"channel"` // elder, family, worker, dispatcher: who placed it
	PlacedBy      int64     `json:"placed_by"`
	CountyCode    string    `json:"county_code"`
	RegionCode    string    `json:"region_code"` // the person's residence
	RegionPath    string    `json:"-"`
	Address       string    `json:"address"`
	Lng           *float64  `json:"lng,omitempty"`
	Lat           *float64  `json:"lat,omitempty"`
	Start         time.Time `json:"start"` // the booked window
	End           time.Time `json:"end"`
	Minutes       int       `json:"minutes"` // booked service minutes
	Needs         string    `json:"needs,omitempty"`

	PriceFen         int64  `json:"price_fen"`
	LTCFen           int64  `json:"ltc_fen"`
	AllowanceFen     int64  `json:"allowance_fen"`
	AllowanceMinutes int    `json:"allowance_minutes,omitempty"` // for allowances counted in minutes
	VoucherID        *int64 `json:"voucher_id,omitempty"`
	VoucherFen       int64  `json:"voucher_fen"`
	OwnFen           int64  `json:"own_fen"`

	State      string      `json:"state"`
	Flags      []OrderFlag `json:"flags,omitempty"`
	Review     string      `json:"review,omitempty"` // "", pending, accepted, rejected
	ReviewNote string      `json:"review_note,omitempty"`

	CheckInAt   *time.Time `json:"check_in_at,omitempty"`
	CheckInM    *int       `json:"check_in_distance_m,omitempty"`
	CheckOutAt  *time.Time `json:"check_out_at,omitempty"`
	CheckOutM   *int       `json:"check_out_distance_m,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	ConfirmedBy string     `json:"confirmed_by,omitempty"` // code, signature, client
	// ConfirmCode is shown only to the older person and the family, who give
	// it to the caregiver at the end of the visit.
	ConfirmCode string `json:"confirm_code,omitempty"`
	Rating      int    `json:"rating,omitempty"` // 1–5
	RatingNote  string `json:"rating_note,omitempty"`
	Concern     string `json:"concern,omitempty"` // goes to the township worker

	Actions   []string  `json:"actions"` // what the caller may do now
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Verified reports whether a visit counts on the provider's statement:
// confirmed, and either unflagged or reviewed and accepted.
func (o *Order) Verified() bool {
	return o.State == "confirmed" && (len(o.Flags) == 0 || o.Review == ReviewAccepted)
}

// GovernmentFen is what the provider bills the government for the order.
func (o *Order) GovernmentFen() int64 { return o.AllowanceFen + o.VoucherFen }

// Review states of a flagged visit.
const (
	ReviewPending  = "pending"
	ReviewAccepted = "accepted"
	ReviewRejected = "rejected"
)

// OrderFlag is a reason a visit is held for review.
type OrderFlag struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// OrderEvent is one step in an order's history.
type OrderEvent struct {
	ID        int64     `json:"id"`
	OrderID   int64     `json:"order_id"`
	At        time.Time `json:"at"`
	UserID    *int64    `json:"user_id,omitempty"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	Action    string    `json:"action"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to"`
	Lat       *float64  `json:"lat,omitempty"`
	Lng       *float64  `json:"lng,omitempty"`
	DistanceM *int      `json:"distance_m,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// OrderRequest places an order.
type OrderRequest struct {
	PersonID   int64     `json:"person_id"`
	ProviderID int64     `json:"provider_id"`
	ItemID     int64     `json:"item_id"`
	Start      time.Time `json:"start"`
	// End of the window; zero: start plus the item's minutes.
	End     time.Time `json:"end,omitzero"`
	Address string    `json:"address,omitempty"` // zero: the person's registered address
	Lng     *float64  `json:"lng,omitempty"`
	Lat     *float64  `json:"lat,omitempty"`
	Needs   string    `json:"needs,omitempty"`
	// NoAllowance pays without the person's monthly allowance (it stays for later).
	NoAllowance bool   `json:"no_allowance,omitempty"`
	VoucherID   *int64 `json:"voucher_id,omitempty"`
	// LTCFen is the long-term-care insurance share a worker enters from the
	// insurer's authorisation.
	LTCFen int64 `json:"ltc_fen,omitempty"`
	// RequestKey makes a retried POST place one order: the same key from the
	// same account answers with the order it placed.
	RequestKey string `json:"request_key,omitempty"`
}

// Validate checks the caller's fields.
func (r *OrderRequest) Validate() error {
	r.Address, r.Needs, r.RequestKey = strings.TrimSpace(r.Address), strings.TrimSpace(r.Needs), strings.TrimSpace(r.RequestKey)
	switch {
	case r.PersonID <= 0:
		return Invalid("person_id", "请选择老年人 (person_id is required)")
	case r.ProviderID <= 0:
		return Invalid("provider_id", "请选择服务组织 (provider_id is required)")
	case r.ItemID <= 0:
		return Invalid("item_id", "请选择服务项目 (item_id is required)")
	case r.Start.IsZero():
		return Invalid("start", "请选择上门时间 (start is required)")
	case !r.End.IsZero() && !r.End.After(r.Start):
		return Invalid("end", "结束时间应晚于开始时间 (end must be after start)")
	case !r.End.IsZero() && r.End.Sub(r.Start) > 12*time.Hour:
		return Invalid("end", "一次上门最长12小时 (a visit lasts at most 12 hours)")
	case utf8.RuneCountInString(r.Address) > 200:
		return Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	case utf8.RuneCountInString(r.Needs) > 500:
		return Invalid("needs", "需求说明最多500个字符 (needs: at most 500 characters)")
	case (r.Lng == nil) != (r.Lat == nil) || r.Lng != nil && (*r.Lng < 73 || *r.Lng > 136 || *r.Lat < 3 || *r.Lat > 54):
		return Invalid("lng", "坐标应在中国境内，经纬度成对填写 (coordinates must be a pair inside China)")
	case r.LTCFen < 0 || r.LTCFen > 100_000_00:
		return Invalid("ltc_fen", "长护险金额应为0到10万元（单位：分） (ltc_fen must be 0 to 100,000 yuan, in fen)")
	case len(r.RequestKey) > 64:
		return Invalid("request_key", "request_key 最多64个字符 (request_key: at most 64 characters)")
	case r.VoucherID != nil && *r.VoucherID <= 0:
		return Invalid("voucher_id", "voucher_id 应为正整数 (voucher_id must be a positive integer)")
	}
	return nil
}

// OrderStep moves an order: an action of package orders and what it needs.
type OrderStep struct {
	Action      string   `json:"action"`
	Version     int      `json:"version,omitempty"` // when given, the step is refused if the order changed meanwhile
	CaregiverID int64    `json:"caregiver_id,omitempty"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
	Accuracy    float64  `json:"accuracy,omitempty"` // metres, as the browser reports it
	Reason      string   `json:"reason,omitempty"`
	Code        string   `json:"code,omitempty"`      // the one-time confirmation code
	Signature   string   `json:"signature,omitempty"` // a drawn signature as a data: URL (PNG or SVG)
	Rating      int      `json:"rating,omitempty"`
	Note        string   `json:"note,omitempty"`
	Concern     string   `json:"concern,omitempty"`
}

// Validate checks the fields that do not depend on the order.
func (s *OrderStep) Validate() error {
	s.Reason, s.Note, s.Concern, s.Code = strings.TrimSpace(s.Reason), strings.TrimSpace(s.Note), strings.TrimSpace(s.Concern), strings.TrimSpace(s.Code)
	switch {
	case s.Action == "":
		return Invalid("action", "请指定操作 (action is required)")
	case (s.Lat == nil) != (s.Lng == nil):
		return Invalid("lat", "经纬度需同时提供 (give both lat and lng)")
	case s.Lat != nil && (*s.Lat < -90 || *s.Lat > 90 || *s.Lng < -180 || *s.Lng > 180 || *s.Lat != *s.Lat || *s.Lng != *s.Lng):
		return Invalid("lat", "坐标无效 (invalid coordinates)")
	case utf8.RuneCountInString(s.Reason) > 300:
		return Invalid("reason", "原因最多300个字符 (reason: at most 300 characters)")
	case utf8.RuneCountInString(s.Note) > 500:
		return Invalid("note", "备注最多500个字符 (note: at most 500 characters)")
	case utf8.RuneCountInString(s.Concern) > 500:
		return Invalid("concern", "反映的问题最多500个字符 (concern: at most 500 characters)")
	case s.Rating < 0 || s.Rating > 5:
		return Invalid("rating", "评分应为1到5星 (rating must be 1 to 5)")
	case len(s.Signature) > 200_000:
		return Invalid("signature", "签名图片过大 (signature image too large)")
	case s.Signature != "" && !strings.HasPrefix(s.Signature, "data:image/png;base64,") && !strings.HasPrefix(s.Signature, "data:image/svg+xml"):
		return Invalid("signature", "签名应为 PNG 或 SVG 图片 (signature must be a PNG or SVG data URL)")
	}
	return nil
}

// OrderFilter selects orders in the caller's scope.
type OrderFilter struct {
	PersonID   int64
	ProviderID int64
	State      string
	Day        Date // visits whose window starts on this day
	Flagged    bool // only flagged visits waiting for review
	Concerns   bool // only visits whose client raised a concern
	Mine       bool // the caregiver's own visits
	Page       Page
}

// DispatchBoard is a provider's day: orders by state and time, unassigned first.
type DispatchBoard struct {
	ProviderID   int64    `json:"provider_id"`
	ProviderName string   `json:"provider_name"`
	Day          Date     `json:"day"`
	Unassigned   []*Order `json:"unassigned"`
	Assigned     []*Order `json:"assigned"`
	Closed       []*Order `json:"closed"`
}

// ReviewDecision accepts or rejects a flagged visit.
type ReviewDecision struct {
	Accept bool   `json:"accept"`
	Reason string `json:"reason"`
}

// Statement is a provider's monthly statement of government-paid visits: only
// verified visits (confirmed, and unflagged or reviewed and accepted).
type Statement struct {
	ProviderID   int64            `json:"provider_id"`
	ProviderName string           `json:"provider_name"`
	Month        string           `json:"month"`
	Lines        []*StatementLine `json:"lines"`
	Items        []*StatementItem `json:"items"`
	Held         int              `json:"held"`     // flagged visits waiting for review, not on the statement
	Rejected     int              `json:"rejected"` // flagged visits rejected on review
	TotalFen     int64            `json:"total_fen"`
	Visits       int              `json:"visits"`
	Rating       float64          `json:"rating"` // average stars of the month's rated visits
	Ratings      int              `json:"ratings"`
	Concerns     int              `json:"concerns"`
}

// StatementLine is one verified visit.
type StatementLine struct {
	OrderID       int64     `json:"order_id"`
	Start         time.Time `json:"start"`
	PersonName    string    `json:"person_name"`
	RegionCode    string    `json:"region_code"`
	ItemCode      string    `json:"item_code"`
	ItemName      string    `json:"item_name"`
	CaregiverName string    `json:"caregiver_name"`
	Minutes       int       `json:"minutes"`        // booked
	ActualMinutes int       `json:"actual_minutes"` // checked in to checked out
	PriceFen      int64     `json:"price_fen"`
	AllowanceFen  int64     `json:"allowance_fen"`
	VoucherFen    int64     `json:"voucher_fen"`
	LTCFen        int64     `json:"ltc_fen"`
	OwnFen        int64     `json:"own_fen"`
	Reviewed      bool      `json:"reviewed"` // flagged, then accepted on review
}

// GovernmentFen is what the government pays for the visit.
func (l *StatementLine) GovernmentFen() int64 { return l.AllowanceFen + l.VoucherFen }

// StatementItem totals one item.
type StatementItem struct {
	ItemCode     string `json:"item_code"`
	ItemName     string `json:"item_name"`
	Visits       int    `json:"visits"`
	AllowanceFen int64  `json:"allowance_fen"`
	VoucherFen   int64  `json:"voucher_fen"`
	TotalFen     int64  `json:"total_fen"` // allowance + voucher: what the government pays
}

// OrderService places, moves, dispatches and settles home-care orders.
type OrderService interface {
	PlaceOrder(ctx context.Context, r *OrderRequest) (*Order, error)
	Order(ctx context.Context, id int64) (*Order, error)
	Orders(ctx context.Context, f OrderFilter) ([]*Order, string, error)
	OrderEvents(ctx context.Context, id int64) ([]*OrderEvent, error)
	StepOrder(ctx context.Context, id int64, s *OrderStep) (*Order, error)
	ReviewOrder(ctx context.Context, id int64, d ReviewDecision) (*Order, error)
	DispatchBoard(ctx context.Context, providerID int64, day Date) (*DispatchBoard, error)
	Statement(ctx context.Context, providerID int64, month string) (*Statement, error)
	// BookingOptions lists what the providers covering the person's address offer.
	BookingOptions(ctx context.Context, personID int64) ([]*BookingOption, error)
	// SuggestCaregivers: qualified, free caregivers near the home, for the dispatcher.
	SuggestCaregivers(ctx context.Context, orderID int64) ([]*CaregiverSuggestion, error)
}

// BookingOption is one item one provider offers at a person's address, for
// the booking page.
type BookingOption struct {
	ProviderID   int64  `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	ItemID       int64  `json:"item_id"`
	ItemCode     string `json:"item_code"`
	ItemName     string `json:"item_name"`
	Category     string `json:"category"`
	PriceFen     int64  `json:"price_fen"`
	Minutes      int    `json:"minutes"`
}
