package yanglao

import (
	"context"
	"time"
)

// Monthly payment batches (issue 4, item 5). A batch pays the cash items of
// the basic service list for one region subtree and one month. It is computed
// page by page from the register; every line is a row under a unique key, so a
// batch that is re-run, run twice at once or killed midway and resumed pays
// each person, item and month exactly once (DESIGN §6).

// Batch statuses, in order.
const (
	BatchRunning    = "running"
	BatchComputed   = "computed"
	BatchApproved   = "approved"
	BatchExported   = "exported"
	BatchReconciled = "reconciled"
)

// Line kinds: the month's own payment, money due for an earlier month and not
// paid (补发), money paid for an earlier month and not due (追回, negative).
const (
	LineRegular  = "regular"
	LineArrears  = "arrears"
	LineRecovery = "recovery"
)

// Line statuses.
const (
	LinePending = "pending"
	LineHeld    = "held"
	LinePaid    = "paid"
	LineFailed  = "failed"
)

// Batch is one region's payment run for one month.
type Batch struct {
	ID           int64      `json:"id"`
	RegionCode   string     `json:"region_code"`
	RegionName   string     `json:"region_name,omitempty"`
	RegionPath   string     `json:"-"`
	Month        string     `json:"month"` // YYYY-MM
	Status       string     `json:"status"`
	RunBy        *int64     `json:"run_by,omitempty"`
	ApprovedBy   *int64     `json:"approved_by,omitempty"`
	Lines        int        `json:"lines"`
	TotalFen     int64      `json:"total_fen"`
	Progress     int        `json:"progress"`     // people done
	PeopleTotal  int        `json:"people_total"` // people in the subtree when the run started
	Held         int        `json:"held"`         // lines held by the pre-release check
	Errors       int        `json:"errors"`       // item rules that could not be evaluated (held lines)
	Corrections  int        `json:"corrections"`  // arrears and recovery lines
	CreatedAt    time.Time  `json:"created_at"`
	ComputedAt   *time.Time `json:"computed_at,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	CheckedAt    *time.Time `json:"checked_at,omitempty"`
	ExportedAt   *time.Time `json:"exported_at,omitempty"`
	ReconciledAt *time.Time `json:"reconciled_at,omitempty"`
}

// PaymentLine is one person, item and month in a batch.
type PaymentLine struct {
	ID         int64  `json:"id"`
	BatchID    int64  `json:"batch_id"`
	PersonID   int64  `json:"person_id"`
	PersonName string `json:"person_name,omitempty"`
	IDMasked   string `json:"id_masked,omitempty"`
	RegionPath string `json:"-"`
	ItemCode   string `json:"item_code"`
	ForMonth   string `json:"for_month"`
	Kind       string `json:"kind"`
	AmountFen  int64  `json:"amount_fen"`
	Status     string `json:"status"`
	HoldReason string `json:"hold_reason,omitempty"`
	BankRef    string `json:"bank_ref,omitempty"`
	BankNote   string `json:"bank_note,omitempty"`
}

// BatchTotal is one row of a batch's totals: by child region, by item, or by
// status and kind.
type BatchTotal struct {
	Key       string `json:"key"`
	Name      string `json:"name"`
	Lines     int    `json:"lines"`
	AmountFen int64  `json:"amount_fen"` // pending and paid lines
	Held      int    `json:"held"`
	HeldFen   int64  `json:"held_fen"`
	Paid      int    `json:"paid"`
	PaidFen   int64  `json:"paid_fen"`
	Failed    int    `json:"failed"`
	FailedFen int64  `json:"failed_fen"`
}

// BatchTotals are a batch's totals.
type BatchTotals struct {
	ByRegion []BatchTotal `json:"by_region"`
	ByItem   []BatchTotal `json:"by_item"`
	ByKind   []BatchTotal `json:"by_kind"`
	All      BatchTotal   `json:"all"`
}

// BatchFilter lists batches.
type BatchFilter struct {
	RegionCode string // subtree
	Month      string
	Page       Page
}

// LineFilter lists a batch's lines.
type LineFilter struct {
	Status     string
	Kind       string
	RegionCode string // subtree
	Page       Page
}

// ExportLine is one row of the bank file: the citizen ID whole, because the
// bank pays against it (the register holds no bank account).
type ExportLine struct {
	LineID    int64
	Name      string
	IDNumber  string
	Region    string
	ItemCode  string
	ItemName  string
	ForMonth  string
	Kind      string
	AmountFen int64
}

// BankResult is one row of the bank's result file: the line reference (or
// the citizen ID when the bank returns only that), paid or failed, a reason.
type BankResult struct {
	LineID   int64
	IDNumber string
	Paid     bool
	Note     string
}

// Reconciliation says what importing a bank result did.
type Reconciliation struct {
	Rows      int        `json:"rows"`
	Paid      int        `json:"paid"`
	Failed    int        `json:"failed"`
	Unmatched int        `json:"unmatched"`
	Problems  []string   `json:"problems,omitempty"` // at most 100, naming the row
	Totals    BatchTotal `json:"totals"`
}

// BatchService computes, checks, approves, exports and reconciles batches.
// Scope: officials and administrators, within their subtree.
type BatchService interface {
	// CreateBatch makes the batch for a region and month, or returns the one
	// that exists (created false). A future month, or a month before the list
	// is in force, is refused.
	CreateBatch(ctx context.Context, regionCode, month string) (b *Batch, created bool, err error)
	// RunBatch computes (or resumes computing) a running batch until it is
	// computed or ctx ends. A batch past running is returned as it is.
	RunBatch(ctx context.Context, id int64) (*Batch, error)
	Batch(ctx context.Context, id int64) (*Batch, error)
	Batches(ctx context.Context, f BatchFilter) ([]*Batch, string, error)
	BatchTotals(ctx context.Context, id int64) (*BatchTotals, error)
	BatchLines(ctx context.Context, id int64, f LineFilter) ([]*PaymentLine, string, error)
	// ApproveBatch runs the death and status check (lines of people who died
	// before the month or are no longer eligible are held with a reason) and
	// approves the batch. The runner may not approve.
	ApproveBatch(ctx context.Context, id int64) (*Batch, error)
	// ExportBatch streams the payable lines of an approved batch in the
	// subtree of regionCode ("" for the whole batch) with whole citizen IDs;
	// the export is audited.
	ExportBatch(ctx context.Context, id int64, regionCode string, row func(*ExportLine) error) error
	// ReconcileBatch applies the bank's results to the batch's lines.
	ReconcileBatch(ctx context.Context, id int64, results []BankResult) (*Reconciliation, error)
}
