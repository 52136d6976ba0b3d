package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

var _ yanglao.VoucherService = (*VoucherService)(nil)

// VoucherService issues consumption vouchers (消费券, Shaoyang §10) and lists
// them. Officials issue within their subtree; older people and families see
// their linked people's vouchers. Spending is redeemVoucher, inside the
// transaction of the order that spends.
type VoucherService struct {
	db     *DB
	people *PersonService // the register's filters pick who gets a voucher
}

func NewVoucherService(db *DB) *VoucherService {
	return &VoucherService{db: db, people: &PersonService{db: db}}
}

// canIssueVouchers: officials in their subtree, administrators everywhere.
func canIssueVouchers(ctx context.Context) (*yanglao.Actor, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !a.Unrestricted() && a.Role != yanglao.RoleOfficial {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以发放消费券 (only officials issue vouchers)")
	}
	return a, nil
}

// voucherScope is the scope clause over vouchers v: the residence subtree for
// those who keep the register, the linked people for older people and families,
// nothing for organisation staff (a canteen applies a voucher through an order,
// never by browsing people's vouchers).
func voucherScope(ctx context.Context) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	switch {
	case a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily:
		return "v.person_id IN (SELECT person_id FROM person_links WHERE user_id = ?)", []any{a.UserID}, nil
	case a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker:
		return scope(ctx, "v.region_path", "")
	}
	return "1=0", nil, nil
}

// batchPeople is the FROM and WHERE that pick the batch's people, in the actor's
// person scope, alive, living in the batch's region.
func (s *VoucherService) batchPeople(ctx context.Context, b *yanglao.VoucherBatch) (string, []string, []any, error) {
	f := yanglao.PersonFilter{RegionCode: b.RegionCode, Life: yanglao.Alive}
	if b.Filter != nil {
		f.Status, f.MinAge, f.MaxAge, f.Grade = b.Filter.Status, b.Filter.MinAge, b.Filter.MaxAge, b.Filter.Grade
	}
	where, args, err := s.people.personWhere(ctx, f, yanglao.DateOf(s.db.Now()), "p.residence_path")
	if err != nil {
		return "", nil, nil, err
	}
	from, _ := personFrom(f)
	return from, where, args, nil
}

// prepareBatch validates b and checks the actor may issue in its region.
func prepareBatch(ctx context.Context, tx *Tx, b *yanglao.VoucherBatch) error {
	a, err := canIssueVouchers(ctx)
	if err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if b.RegionPath, err = tx.regionPath(ctx, "region_code", b.RegionCode); err != nil {
		return err
	}
	if !a.SeesPath(b.RegionPath) {
		return yanglao.Invalid("region_code", "只能在本辖区内发放消费券 (vouchers can only be issued inside your region)")
	}
	slices.Sort(b.PersonIDs)
	b.PersonIDs = slices.Compact(b.PersonIDs)
	return nil
}

// voucherChunk bounds the ids bound into one statement (SQLite allows 32 766 parameters).
const voucherChunk = 500

// PreviewVoucherBatch counts who would get a voucher. A list with ids that are
// not alive people in the region is refused, naming them, as issuing would be.
func (s *VoucherService) PreviewVoucherBatch(ctx context.Context, b *yanglao.VoucherBatch) (int, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := prepareBatch(ctx, tx, b); err != nil {
		return 0, err
	}
	from, where, args, err := s.batchPeople(ctx, b)
	if err != nil {
		return 0, err
	}
	if b.Source == "filter" {
		var n int
		err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT p.id) FROM `+from+` WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
		return n, err
	}
	found := 0
	var missing []int64
	for ids := range slices.Chunk(b.PersonIDs, voucherChunk) {
		got, err := queryAll(ctx, tx, func(r scanner) (int64, error) { var id int64; return id, r.Scan(&id) },
			`SELECT p.id FROM `+from+` WHERE `+strings.Join(where, " AND ")+` AND p.id IN (`+placeholders(len(ids))+`)`,
			append(slices.Clone(args), int64sAny(ids)...)...)
		if err != nil {
			return 0, err
		}
		found += len(got)
		missing = append(missing, notIn(ids, got)...)
	}
	if len(missing) > 0 {
		return found, missingPeople(missing)
	}
	return found, nil
}

func int64sAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// notIn returns the ids of want not in got.
func notIn(want, got []int64) []int64 {
	have := make(map[int64]bool, len(got))
	for _, id := range got {
		have[id] = true
	}
	var out []int64
	for _, id := range want {
		if !have[id] {
			out = append(out, id)
		}
	}
	return out
}

func missingPeople(ids []int64) error {
	show := ids
	if len(show) > 20 {
		show = show[:20]
	}
	parts := make([]string, len(show))
	for i, id := range show {
		parts[i] = strconv.FormatInt(id, 10)
	}
	more := ""
	if len(ids) > len(show) {
		more = fmt.Sprintf(" …（共%d个）", len(ids))
	}
	return yanglao.Invalid("person_ids", "%d个编号不是本地区在世的登记老人：%s%s (%d ids are not living registered people in the region: %s)",
		len(ids), strings.Join(parts, ", "), more, len(ids), strings.Join(parts, ", "))
}

// IssueVoucherBatch issues one voucher per person in one transaction: all or
// none. The same idempotency key again returns the batch already issued.
func (s *VoucherService) IssueVoucherBatch(ctx context.Context, b *yanglao.VoucherBatch) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := prepareBatch(ctx, tx, b); err != nil {
		return err
	}
	if b.RequestKey != "" {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM voucher_batches WHERE request_key = ?`, b.RequestKey).Scan(&id)
		if err == nil {
			got, err := s.batch(ctx, tx, id)
			if err != nil {
				return err
			}
			*b = *got
			return nil
		} else if !isNoRows(err) {
			return err
		}
	}
	a := yanglao.ActorFromContext(ctx)
	if a.UserID != 0 {
		uid := a.UserID
		b.CreatedBy = &uid
	}
	b.CreatedAt = tx.now
	uses := strings.Join(b.Uses, ",")
	if b.ID, err = tx.insertID(ctx, `INSERT INTO voucher_batches (name, region_code, region_path, county_code, face_fen, uses, valid_from, valid_until,
		source, created_by, request_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.Name, b.RegionCode, b.RegionPath, yanglao.CountyCode(b.RegionCode), b.FaceFen, uses, b.ValidFrom.String(), b.ValidUntil.String(),
		b.Source, b.CreatedBy, nullString(b.RequestKey), tx.now); err != nil {
		return err
	}
	from, where, args, err := s.batchPeople(ctx, b)
	if err != nil {
		return err
	}
	// Set-based: the register's own filter selects, the database copies. ON
	// CONFLICT drops a second row for one person (a status recorded twice).
	// The voucher's terms come from the batch row, not parameters, so PostgreSQL
	// needs no casts in the SELECT list.
	insert := `INSERT INTO vouchers (batch_id, person_id, county_code, region_path, face_fen, uses, valid_from, valid_until, created_at)
		SELECT b.id, p.id, p.county_code, p.residence_path, b.face_fen, b.uses, b.valid_from, b.valid_until, b.created_at
		FROM voucher_batches b CROSS JOIN ` + from + ` WHERE b.id = ? AND ` + strings.Join(where, " AND ")
	head := []any{b.ID}
	total := int64(0)
	if b.Source == "filter" {
		res, err := tx.Exec(ctx, insert+` ON CONFLICT (batch_id, person_id) DO NOTHING`, append(head, args...)...)
		if err != nil {
			return err
		}
		total, _ = res.RowsAffected()
	} else {
		var missing []int64
		for ids := range slices.Chunk(b.PersonIDs, voucherChunk) {
			q := insert + ` AND p.id IN (` + placeholders(len(ids)) + `) ON CONFLICT (batch_id, person_id) DO NOTHING RETURNING person_id`
			got, err := queryAll(ctx, tx, func(r scanner) (int64, error) { var id int64; return id, r.Scan(&id) },
				q, slices.Concat(head, args, int64sAny(ids))...)
			if err != nil {
				return err
			}
			total += int64(len(got))
			missing = append(missing, notIn(ids, got)...)
		}
		if len(missing) > 0 {
			return missingPeople(missing)
		}
	}
	if total == 0 {
		return yanglao.Invalid("person_ids", "没有符合条件的老人，未发放 (nobody matches: nothing issued)")
	}
	b.People = int(total)
	if _, err := tx.Exec(ctx, `UPDATE voucher_batches SET people = ? WHERE id = ?`, b.People, b.ID); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "voucher_batch", strconv.FormatInt(b.ID, 10),
		fmt.Sprintf("%s region=%s face_fen=%d uses=%s valid=%s..%s people=%d", b.Name, b.RegionCode, b.FaceFen, uses, b.ValidFrom, b.ValidUntil, b.People)); err != nil {
		return err
	}
	return tx.Commit()
}

const voucherBatchCols = `id, name, region_code, region_path, face_fen, uses, valid_from, valid_until, source, people, created_by, COALESCE(request_key, ''), created_at`

func scanVoucherBatch(row scanner) (*yanglao.VoucherBatch, error) {
	b := &yanglao.VoucherBatch{}
	var uses string
	err := row.Scan(&b.ID, &b.Name, &b.RegionCode, &b.RegionPath, &b.FaceFen, &uses, &b.ValidFrom, &b.ValidUntil, &b.Source, &b.People,
		&b.CreatedBy, &b.RequestKey, &b.CreatedAt)
	b.Uses = splitList(uses)
	return b, err
}

func (s *VoucherService) batch(ctx context.Context, tx *Tx, id int64) (*yanglao.VoucherBatch, error) {
	b, err := scanVoucherBatch(tx.QueryRow(ctx, `SELECT `+voucherBatchCols+` FROM voucher_batches WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "消费券批次", "voucher batch")
	}
	if err := mayTouch(ctx, b.RegionPath, nil, "消费券批次", "voucher batch"); err != nil {
		return nil, err
	}
	return b, nil
}

// batchScope: batches are the issuing officials' records.
func batchScope(ctx context.Context) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a != nil && !a.Unrestricted() && a.Role != yanglao.RoleOfficial && a.Role != yanglao.RoleWorker {
		return "1=0", nil, nil
	}
	return scope(ctx, "region_path", "")
}

func (s *VoucherService) VoucherBatch(ctx context.Context, id int64) (*yanglao.VoucherBatch, error) {
	clause, _, err := batchScope(ctx)
	if err != nil {
		return nil, err
	} else if clause == "1=0" {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "消费券批次不存在 (voucher batch not found)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return s.batch(ctx, tx, id)
}

func (s *VoucherService) VoucherBatches(ctx context.Context, f yanglao.VoucherBatchFilter) ([]*yanglao.VoucherBatch, string, error) {
	clause, args, err := batchScope(ctx)
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.RegionCode != "" {
		w, a, err := s.regionRange(ctx, "region_path", f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, w), append(args, a...)
	}
	// Newest first: the cursor is the last id seen, going down.
	page := f.Page.Normalize()
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
	out, err := queryAll(ctx, tx, scanVoucherBatch, `SELECT `+voucherBatchCols+` FROM voucher_batches WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(b *yanglao.VoucherBatch) string { return strconv.FormatInt(b.ID, 10) })
	return out, next, nil
}

// regionRange is a subtree filter on pathCol for a region code given as a filter.
func (s *VoucherService) regionRange(ctx context.Context, pathCol, code string) (string, []any, error) {
	if err := yanglao.CheckRegionCode("region", code); err != nil {
		return "", nil, err
	}
	var root string
	if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), code).Scan(&root); err != nil {
		if isNoRows(err) {
			return "", nil, yanglao.Invalid("region", "区划不存在 (region not found)")
		}
		return "", nil, err
	}
	lo, hi := pathRange(root)
	return pathCol + " >= ? AND " + pathCol + " < ?", []any{lo, hi}, nil
}

const voucherCols = `v.id, v.batch_id, b.name, v.person_id, p.name, v.region_path, v.face_fen, v.uses, v.valid_from, v.valid_until,
	v.spent_at, v.spent_fen, COALESCE(v.spent_ref, ''), v.created_at`

const voucherFrom = ` FROM vouchers v JOIN voucher_batches b ON b.id = v.batch_id JOIN people p ON p.id = v.person_id`

func scanVoucher(today yanglao.Date) func(scanner) (*yanglao.Voucher, error) {
	return func(row scanner) (*yanglao.Voucher, error) {
		v := &yanglao.Voucher{}
		var uses string
		err := row.Scan(&v.ID, &v.BatchID, &v.BatchName, &v.PersonID, &v.PersonName, &v.RegionPath, &v.FaceFen, &uses, &v.ValidFrom, &v.ValidUntil,
			&v.SpentAt, &v.SpentFen, &v.SpentRef, &v.CreatedAt)
		v.Uses = splitList(uses)
		v.State = v.StateOn(today)
		return v, err
	}
}

func (s *VoucherService) Voucher(ctx context.Context, id int64) (*yanglao.Voucher, error) {
	clause, args, err := voucherScope(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	v, err := scanVoucher(yanglao.DateOf(tx.now))(tx.QueryRow(ctx, `SELECT `+voucherCols+voucherFrom+` WHERE v.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "消费券", "voucher")
	}
	return v, nil
}

// Vouchers lists vouchers in scope, in id order.
func (s *VoucherService) Vouchers(ctx context.Context, f yanglao.VoucherFilter) ([]*yanglao.Voucher, string, error) {
	clause, args, err := voucherScope(ctx)
	if err != nil {
		return nil, "", err
	}
	today := yanglao.DateOf(s.db.Now())
	where := []string{clause}
	if f.RegionCode != "" {
		w, a, err := s.regionRange(ctx, "v.region_path", f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, w), append(args, a...)
	}
	if f.BatchID != 0 {
		where, args = append(where, "v.batch_id = ?"), append(args, f.BatchID)
	}
	if f.PersonID != 0 {
		where, args = append(where, "v.person_id = ?"), append(args, f.PersonID)
	}
	t := today.String()
	switch f.State {
	case "":
	case yanglao.VoucherUnspent:
		where, args = append(where, "v.spent_at IS NULL AND v.valid_from <= ? AND v.valid_until >= ?"), append(args, t, t)
	case yanglao.VoucherSpent:
		where = append(where, "v.spent_at IS NOT NULL")
	case yanglao.VoucherExpired:
		where, args = append(where, "v.spent_at IS NULL AND v.valid_until < ?"), append(args, t)
	case yanglao.VoucherPending:
		where, args = append(where, "v.spent_at IS NULL AND v.valid_from > ?"), append(args, t)
	default:
		return nil, "", yanglao.Invalid("state", "状态应为 unspent、spent、expired 或 pending (state must be unspent, spent, expired or pending)")
	}
	if f.Use != "" {
		uses, err := yanglao.NormalizeVoucherUses([]string{f.Use})
		if err != nil {
			return nil, "", yanglao.Invalid("use", "用途代码无效 (invalid use code)")
		}
		// uses is a comma list of codes that contain no comma: match a whole code.
		where, args = append(where, "(v.uses = ? OR ','||v.uses||',' LIKE ?)"), append(args, yanglao.VoucherAny, "%,"+uses[0]+",%")
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "v.id > ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanVoucher(today), `SELECT `+voucherCols+voucherFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY v.id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(v *yanglao.Voucher) string { return strconv.FormatInt(v.ID, 10) })
	return out, next, nil
}

// errVoucherSpent is the answer to a second spend, however it raced.
var errVoucherSpent = &yanglao.Error{Code: yanglao.ECONFLICT, Field: "voucher_id", Message: "消费券已使用 (voucher already spent)"}

// redeemVoucher spends voucher voucherID of person personID on amountFen of
// what ref pays for, inside the caller's transaction, and returns how much of
// the amount the voucher covers (its face value at most; a voucher is spent
// whole, once). ref is "<use>:<record>" (see yanglao.VoucherRef): the use must
// be one the voucher's batch allows, and refundVoucher gives back by ref.
//
// Exactly once: the conditional UPDATE lets one transaction spend an unspent
// voucher (on PostgreSQL the second waits on the row lock, then finds it spent);
// the partial unique index voucher_redemptions_once refuses a second live
// redemption whatever path wrote it. The second spender gets errVoucherSpent.
func redeemVoucher(ctx context.Context, tx *Tx, voucherID, personID, amountFen int64, ref string) (usedFen int64, err error) {
	if amountFen <= 0 {
		return 0, yanglao.Invalid("amount_fen", "金额应为正数 (amount must be positive)")
	}
	use, record, ok := strings.Cut(ref, ":")
	if !ok || record == "" || len(ref) > 200 {
		return 0, yanglao.Invalid("ref", "消费券用途引用应为 用途:编号 (ref must be use:record)")
	}
	var owner, face int64
	var uses string
	var from, until yanglao.Date
	var spentAt *time.Time
	err = tx.QueryRow(ctx, `SELECT person_id, face_fen, uses, valid_from, valid_until, spent_at FROM vouchers WHERE id = ?`, voucherID).
		Scan(&owner, &face, &uses, &from, &until, &spentAt)
	if err != nil && !isNoRows(err) {
		return 0, err
	}
	if isNoRows(err) || owner != personID {
		return 0, yanglao.Invalid("voucher_id", "消费券不存在或不属于该老人 (no such voucher for this person)")
	}
	today := yanglao.DateOf(tx.now)
	switch {
	case spentAt != nil:
		return 0, errVoucherSpent
	case today.Before(from):
		return 0, yanglao.Invalid("voucher_id", "消费券%s起才能使用 (voucher valid from %s)", from, from)
	case today.After(until):
		return 0, yanglao.Invalid("voucher_id", "消费券已于%s过期 (voucher expired on %s)", until, until)
	case !yanglao.VoucherAllows(splitList(uses), use):
		return 0, yanglao.Invalid("voucher_id", "该消费券不能用于%s (voucher cannot pay for %s)", yanglao.VoucherUseName(use, "zh"), use)
	}
	usedFen = min(face, amountFen)
	res, err := tx.Exec(ctx, `UPDATE vouchers SET spent_at = ?, spent_fen = ?, spent_ref = ? WHERE id = ? AND spent_at IS NULL`,
		tx.now, usedFen, ref, voucherID)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		return 0, errVoucherSpent
	}
	if _, err := tx.Exec(ctx, `INSERT INTO voucher_redemptions (voucher_id, person_id, county_code, ref, amount_fen, used_fen, at)
		SELECT id, person_id, county_code, ?, ?, ?, ? FROM vouchers WHERE id = ?`, ref, amountFen, usedFen, tx.now, voucherID); err != nil {
		if isUniqueViolation(err) {
			return 0, errVoucherSpent
		}
		return 0, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "voucher", strconv.FormatInt(voucherID, 10),
		fmt.Sprintf("redeemed for %s: %d of %d fen", ref, usedFen, amountFen)); err != nil {
		return 0, err
	}
	return usedFen, nil
}

// refundVoucher gives back every voucher spent under ref (the order was
// cancelled), inside the caller's transaction. Nothing spent under ref is not
// an error: cancelling an order paid without a voucher calls it too.
func refundVoucher(ctx context.Context, tx *Tx, ref string) error {
	ids, err := queryAll(ctx, tx, func(r scanner) ([2]int64, error) {
		var v [2]int64
		return v, r.Scan(&v[0], &v[1])
	}, `SELECT id, voucher_id FROM voucher_redemptions WHERE ref = ? AND refunded_at IS NULL`, ref)
	if err != nil {
		return err
	}
	for _, r := range ids {
		if _, err := tx.Exec(ctx, `UPDATE voucher_redemptions SET refunded_at = ? WHERE id = ?`, tx.now, r[0]); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE vouchers SET spent_at = NULL, spent_fen = 0, spent_ref = NULL WHERE id = ? AND spent_ref = ?`, r[1], ref); err != nil {
			return err
		}
		if err := tx.audit(ctx, yanglao.AuditUpdate, "voucher", strconv.FormatInt(r[1], 10), "refunded from "+ref); err != nil {
			return err
		}
	}
	return nil
}
