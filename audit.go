package yanglao

import (
	"context"
	"time"
)

// Audit actions. Every change and every read of a person's sensitive data appends
// one entry (DESIGN §5; 等保 2.0 安全审计).
const (
	AuditCreate      = "create"
	AuditUpdate      = "update"
	AuditDelete      = "delete"
	AuditRead        = "read_sensitive"
	AuditLogin       = "login"
	AuditLoginFailed = "login_failed"
	AuditLogout      = "logout"
	AuditExport      = "export"
)

// AuditEntry is one link of the hash chain: Hash = SHA-256(PrevHash ‖ canonical fields).
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   *int64    `json:"user_id,omitempty"`
	Username string    `json:"username"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Detail   string    `json:"detail,omitempty"`
	IP       string    `json:"ip,omitempty"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// AuditFilter selects entries, newest first.
type AuditFilter struct {
	Entity   string
	EntityID string
	UserID   *int64
	Page     Page
}

// AuditProblem is one place where the chain does not verify.
type AuditProblem struct {
	EntryID int64  `json:"entry_id"`
	Reason  string `json:"reason"`
}

// AuditService reads and verifies the log. Writing happens inside each service's
// own transaction so a change and its entry commit together.
type AuditService interface {
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	RecordRead(ctx context.Context, entity, entityID, detail string) error
	VerifyAudit(ctx context.Context) (checked int, problems []AuditProblem, err error)
}
