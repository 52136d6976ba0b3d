package sqldb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

var _ yanglao.AuditService = (*AuditService)(nil)

// AuditService reads and verifies the hash-chained audit log.
type AuditService struct{ db *DB }

func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// audit appends one entry inside tx, so the change and its record commit together.
// The UPDATE of audit_head takes its row lock on PostgreSQL, serialising appends;
// SQLite has one writer anyway.
func (tx *Tx) audit(ctx context.Context, action, entity, entityID, detail string) error {
	a := yanglao.ActorFromContext(ctx)
	e := &yanglao.AuditEntry{At: tx.now, Action: action, Entity: entity, EntityID: entityID, Detail: detail}
	if a != nil {
		e.Username, e.IP = a.Username, a.IP
		if a.UserID != 0 {
			id := a.UserID
			e.UserID = &id
		}
	}
	if e.Username == "" {
		e.Username = "anonymous"
	}
	if err := tx.QueryRow(ctx, `UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash`).
		Scan(&e.ID, &e.PrevHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	e.Hash = auditHash(e)
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (id, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.At, e.UserID, e.Username, e.Action, e.Entity, e.EntityID, e.Detail, e.IP, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	_, err := tx.Exec(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, e.Hash)
	return err
}

// auditHash is SHA-256 over the previous hash and every field, length-prefixed so
// no two different entries serialise alike.
func auditHash(e *yanglao.AuditEntry) string {
	h := sha256.New()
	uid := ""
	if e.UserID != nil {
		uid = strconv.FormatInt(*e.UserID, 10)
	}
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), uid,
		e.Username, e.Action, e.Entity, e.EntityID, e.Detail, e.IP} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordRead logs a read of sensitive data (a full ID number, a phone) in its own transaction.
func (s *AuditService) RecordRead(ctx context.Context, entity, entityID, detail string) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.audit(ctx, yanglao.AuditRead, entity, entityID, detail); err != nil {
		return err
	}
	return tx.Commit()
}

// AuditEntries lists entries newest first. Only administrators read the whole log;
// anyone else reads the entries they made.
func (s *AuditService) AuditEntries(ctx context.Context, f yanglao.AuditFilter) ([]*yanglao.AuditEntry, string, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	page := f.Page.Normalize()
	where, args := []string{"1=1"}, []any{}
	if !a.Unrestricted() {
		where, args = append(where, "user_id = ?"), append(args, a.UserID)
	}
	if f.Entity != "" {
		where, args = append(where, "entity = ?"), append(args, f.Entity)
	}
	if f.EntityID != "" {
		where, args = append(where, "entity_id = ?"), append(args, f.EntityID)
	}
	if f.UserID != nil {
		where, args = append(where, "user_id = ?"), append(args, *f.UserID)
	}
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "id < ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanAudit, `SELECT id, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash
		FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(e *yanglao.AuditEntry) string { return strconv.FormatInt(e.ID, 10) })
	return out, next, nil
}

func scanAudit(rows scanner) (*yanglao.AuditEntry, error) {
	e := &yanglao.AuditEntry{}
	err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Username, &e.Action, &e.Entity, &e.EntityID, &e.Detail, &e.IP, &e.PrevHash, &e.Hash)
	return e, err
}

// VerifyAudit walks the whole chain and reports every entry that is missing,
// edited or out of place, and a head that does not match the last entry.
func (s *AuditService) VerifyAudit(ctx context.Context) (int, []yanglao.AuditProblem, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	var headID int64
	var headHash string
	if err := tx.QueryRow(ctx, `SELECT last_id, last_hash FROM audit_head WHERE id = 1`).Scan(&headID, &headHash); err != nil {
		return 0, nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var problems []yanglao.AuditProblem
	var prevID int64
	prevHash, n := "", 0
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return n, problems, err
		}
		n++
		for missing := prevID + 1; missing < e.ID; missing++ {
			problems = append(problems, yanglao.AuditProblem{EntryID: missing, Reason: "条目缺失 (entry deleted)"})
		}
		if e.PrevHash != prevHash {
			problems = append(problems, yanglao.AuditProblem{EntryID: e.ID, Reason: "前一哈希不符 (prev_hash does not match the previous entry)"})
		}
		if auditHash(e) != e.Hash {
			problems = append(problems, yanglao.AuditProblem{EntryID: e.ID, Reason: "内容被修改 (entry content was altered: hash mismatch)"})
		}
		prevID, prevHash = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return n, problems, err
	}
	for missing := prevID + 1; missing <= headID; missing++ {
		problems = append(problems, yanglao.AuditProblem{EntryID: missing, Reason: "条目缺失 (entry deleted)"})
	}
	if headID == prevID && headHash != prevHash {
		problems = append(problems, yanglao.AuditProblem{EntryID: prevID, Reason: "链尾哈希不符 (chain head does not match the last entry)"})
	}
	return n, problems, nil
}
