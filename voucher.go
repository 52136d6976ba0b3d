package yanglao

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Consumption vouchers (消费券). Shaoyang §10: 鼓励县市区对特殊困难老年人发放居家上门服务消费券.
// An official issues a batch of vouchers of one face value to a list of people;
// each voucher is spent once, on a meal or a home service, and comes back when
// the order it paid is cancelled.

// Voucher uses. A batch lists what its vouchers pay for: "any", "meal", or
// home-service category codes (the service catalogue's codes, e.g. "clean").
const (
	VoucherAny  = "any"
	VoucherMeal = "meal"
)

// Voucher states, derived from the row and the day.
const (
	VoucherUnspent = "unspent"
	VoucherSpent   = "spent"
	VoucherExpired = "expired"
	VoucherPending = "pending" // not yet valid
)

var voucherStates = map[string][2]string{
	VoucherUnspent: {"可使用", "Unspent"},
	VoucherSpent:   {"已使用", "Spent"},
	VoucherExpired: {"已过期", "Expired"},
	VoucherPending: {"未到使用期", "Not yet valid"},
}

// VoucherStateName names a state in the language.
func VoucherStateName(state, lang string) string {
	if lang == "en" {
		return voucherStates[state][1]
	}
	return voucherStates[state][0]
}

// VoucherUseName names a use in the language.
func VoucherUseName(use, lang string) string {
	switch use {
	case VoucherAny:
		return map[bool]string{true: "Any service", false: "通用"}[lang == "en"]
	case VoucherMeal:
		return map[bool]string{true: "Meals", false: "助餐"}[lang == "en"]
	}
	return use
}

// VoucherRef is the reference a redemption carries: "<use>:<record>", e.g.
// VoucherRef("meal", 42) = "meal:42". The part before the colon is what the
// voucher pays for and is checked against the batch's uses.
// The record part must be unique across modules: home-service orders use the
// bare order id, canteen meal orders MealVoucherRef's "canteen-<id>", so the
// 助餐 home-service category and canteen meals (both use "meal") never share a ref.
func VoucherRef(use string, id int64) string { return use + ":" + strconv.FormatInt(id, 10) }

// MealVoucherRef is the reference of a canteen meal order's voucher redemption.
func MealVoucherRef(mealOrderID int64) string {
	return VoucherMeal + ":canteen-" + strconv.FormatInt(mealOrderID, 10)
}

// VoucherBatch is one issue of vouchers.
type VoucherBatch struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	RegionCode string   `json:"region_code"`
	RegionPath string   `json:"-"`
	FaceFen    int64    `json:"face_fen"`
	Uses       []string `json:"uses"`
	ValidFrom  Date     `json:"valid_from"`
	ValidUntil Date     `json:"valid_until"`
	// Who gets one: either register filters (inside RegionCode) or a list of person ids.
	Filter     *VoucherFilterSpec `json:"filter,omitempty"`
	PersonIDs  []int64            `json:"person_ids,omitempty"`
	Source     string             `json:"source"` // "filter" or "list"
	People     int                `json:"people"`
	RequestKey string             `json:"idempotency_key,omitempty"`
	CreatedBy  *int64             `json:"created_by,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
}

// VoucherFilterSpec picks people from the register (alive, living in the batch's region).
type VoucherFilterSpec struct {
	Status string `json:"status,omitempty"`
	MinAge int    `json:"min_age,omitempty"`
	MaxAge int    `json:"max_age,omitempty"`
	Grade  *int   `json:"grade,omitempty"`
}

// MaxVoucherFen bounds a face value (10 000 yuan): far above any voucher the
// seeds describe, low enough that a mistyped amount is caught.
const MaxVoucherFen = 1_000_000

// MaxVoucherList bounds an uploaded list of person ids.
const MaxVoucherList = 100_000

// Validate checks the caller's fields.
func (b *VoucherBatch) Validate() error {
	b.Name = strings.TrimSpace(b.Name)
	switch {
	case b.Name == "":
		return Invalid("name", "请填写批次名称 (name is required)")
	case utf8.RuneCountInString(b.Name) > 100:
		return Invalid("name", "批次名称最多100个字符 (name: at most 100 characters)")
	case b.FaceFen <= 0 || b.FaceFen > MaxVoucherFen:
		return Invalid("face_fen", "面值应为1分到10000元 (face value must be 1 fen to 10,000 yuan)")
	case b.ValidFrom.IsZero():
		return Invalid("valid_from", "请填写生效日期 (valid_from is required)")
	case b.ValidUntil.IsZero():
		return Invalid("valid_until", "请填写截止日期 (valid_until is required)")
	case b.ValidUntil.Before(b.ValidFrom):
		return Invalid("valid_until", "截止日期早于生效日期 (valid_until is before valid_from)")
	case len(b.RequestKey) > 100:
		return Invalid("idempotency_key", "幂等键最多100个字符 (idempotency_key: at most 100 characters)")
	}
	if err := CheckRegionCode("region_code", b.RegionCode); err != nil {
		return err
	}
	uses, err := NormalizeVoucherUses(b.Uses)
	if err != nil {
		return err
	}
	b.Uses = uses
	if (b.Filter == nil) == (len(b.PersonIDs) == 0) {
		return Invalid("person_ids", "请给出筛选条件或人员名单之一 (give either a register filter or a list of person ids, not both)")
	}
	if b.Filter != nil {
		b.Source = "filter"
		f := b.Filter
		if f.Status != "" {
			if _, ok := StatusKinds[f.Status]; !ok {
				return Invalid("status", "未知的身份类别 (unknown status kind)")
			}
		}
		if f.MinAge < 0 || f.MaxAge < 0 || f.MinAge > 130 || f.MaxAge > 130 || (f.MaxAge > 0 && f.MaxAge < f.MinAge) {
			return Invalid("min_age", "年龄范围无效 (invalid age range)")
		}
		if f.Grade != nil && (*f.Grade < 0 || *f.Grade > 4) {
			return Invalid("grade", "能力等级应为0到4 (grade must be 0 to 4)")
		}
		return nil
	}
	b.Source = "list"
	if len(b.PersonIDs) > MaxVoucherList {
		return Invalid("person_ids", "名单最多%d人 (at most %d people)", MaxVoucherList, MaxVoucherList)
	}
	for _, id := range b.PersonIDs {
		if id <= 0 {
			return Invalid("person_ids", "人员编号应为正整数 (person ids must be positive integers)")
		}
	}
	return nil
}

// NormalizeVoucherUses checks and sorts a list of uses; "any" stands alone.
func NormalizeVoucherUses(uses []string) ([]string, error) {
	if len(uses) == 0 {
		return nil, Invalid("uses", "请选择用途 (uses is required: any, meal or service categories)")
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range uses {
		u = strings.TrimSpace(u)
		if !voucherUseOK(u) {
			return nil, Invalid("uses", "用途代码无效：%q (invalid use code %q)", u, u)
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if seen[VoucherAny] && len(out) > 1 {
		return nil, Invalid("uses", "“通用”不能与其他用途同时选择 (any cannot be combined with other uses)")
	}
	return out, nil
}

func voucherUseOK(u string) bool {
	if u == "" || len(u) > 32 {
		return false
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// VoucherAllows reports whether a voucher with uses pays for use.
func VoucherAllows(uses []string, use string) bool {
	for _, u := range uses {
		if u == VoucherAny || u == use {
			return true
		}
	}
	return false
}

// Voucher is one person's voucher.
type Voucher struct {
	ID         int64      `json:"id"`
	BatchID    int64      `json:"batch_id"`
	BatchName  string     `json:"batch_name"`
	PersonID   int64      `json:"person_id"`
	PersonName string     `json:"person_name"`
	RegionPath string     `json:"-"`
	FaceFen    int64      `json:"face_fen"`
	Uses       []string   `json:"uses"`
	ValidFrom  Date       `json:"valid_from"`
	ValidUntil Date       `json:"valid_until"`
	State      string     `json:"state"`
	SpentFen   int64      `json:"spent_fen"`
	SpentAt    *time.Time `json:"spent_at,omitempty"`
	SpentRef   string     `json:"spent_ref,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// VoucherStateOn derives the state on day d.
func (v *Voucher) StateOn(d Date) string {
	switch {
	case v.SpentAt != nil:
		return VoucherSpent
	case d.Before(v.ValidFrom):
		return VoucherPending
	case d.After(v.ValidUntil):
		return VoucherExpired
	}
	return VoucherUnspent
}

// VoucherFilter selects vouchers in the actor's scope.
type VoucherFilter struct {
	RegionCode string
	BatchID    int64
	PersonID   int64
	State      string // one of the states; "" for all
	Use        string // only vouchers that pay for this use
	Page       Page
}

// VoucherBatchFilter selects batches in the actor's scope.
type VoucherBatchFilter struct {
	RegionCode string
	Page       Page
}

// VoucherService issues and lists vouchers. Spending happens inside the
// transaction of the order that spends them (sqldb's redeemVoucher).
type VoucherService interface {
	// PreviewVoucherBatch counts who would get a voucher, writing nothing.
	PreviewVoucherBatch(ctx context.Context, b *VoucherBatch) (int, error)
	// IssueVoucherBatch issues the batch: one voucher per person, all or none.
	IssueVoucherBatch(ctx context.Context, b *VoucherBatch) error
	VoucherBatch(ctx context.Context, id int64) (*VoucherBatch, error)
	VoucherBatches(ctx context.Context, f VoucherBatchFilter) ([]*VoucherBatch, string, error)
	Voucher(ctx context.Context, id int64) (*Voucher, error)
	Vouchers(ctx context.Context, f VoucherFilter) ([]*Voucher, string, error)
}
