package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
)

// ApproveBatch runs the death and status check and approves a computed batch.
// The runner may not approve (maker-checker; the CHECK on payment_batches
// backs this).
func (s *BatchService) ApproveBatch(ctx context.Context, id int64) (*yanglao.Batch, error) {
	a, err := canRunBatches(ctx)
	if err != nil {
		return nil, err
	}
	if a.UserID == 0 {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "审核须由登录的民政干部进行 (a batch is approved by a signed-in official, not by the platform)")
	}
	b, err := s.Batch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.RunBy != nil && *b.RunBy == a.UserID {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "发放批次须由运行人以外的人审核 (a batch must be approved by someone other than the person who ran it)")
	}
	switch b.Status {
	case yanglao.BatchRunning:
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "批次尚未计算完成 (the batch is still running)")
	case yanglao.BatchComputed:
	default:
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "批次已审核 (the batch is already approved)")
	}
	held, err := s.check(ctx, b)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	var fen int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM payment_lines WHERE batch_id = ? AND status <> 'held'`, id).Scan(&n, &fen); err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, `UPDATE payment_batches SET status = 'approved', approved_by = ?, approved_at = ?, checked_at = ?,
		held = held + ?, lines = ?, total_fen = ? WHERE id = ? AND status = 'computed'`, a.UserID, tx.now, tx.now, held, n, fen, id)
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "check") {
			return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "发放批次须由运行人以外的人审核 (a batch must be approved by someone other than the person who ran it)")
		}
		return nil, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "批次状态已变化，请刷新 (the batch changed meanwhile: reload)")
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "payment_batch", strconv.FormatInt(id, 10),
		fmt.Sprintf("approved lines=%d total_fen=%d held_by_check=%d", n, fen, held)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.Batch(ctx, id)
}

// check is the death and status check just before release: the people with
// pending regular lines whose record or statuses changed since the batch was
// created (or who died before the month) are decided again for the month; a
// line that is no longer due, or no longer at that amount, is held with the
// reason. It returns the number of lines held.
func (s *BatchService) check(ctx context.Context, b *yanglao.Batch) (int, error) {
	r, err := s.prepare(ctx, b)
	if err != nil {
		return 0, err
	}
	first, last := r.m.First(), r.m.Last()
	rtx, err := s.db.BeginRead(ctx)
	if err != nil {
		return 0, err
	}
	defer rtx.Rollback()
	ids, err := queryAll(ctx, rtx, func(row scanner) (int64, error) {
		var v int64
		return v, row.Scan(&v)
	}, `SELECT DISTINCT l.person_id FROM payment_lines l JOIN people p ON p.id = l.person_id
		WHERE l.batch_id = ? AND l.status = 'pending' AND l.kind = 'regular'
		AND (p.updated_at > ? OR p.death_date < ? OR p.moved_out_date < ? OR EXISTS (SELECT 1 FROM person_statuses st WHERE st.person_id = p.id
			AND (st.created_at > ? OR st.end_date IS NOT NULL AND st.end_date >= ? AND st.end_date < ?)))
		ORDER BY l.person_id`,
		b.ID, b.CreatedAt, first.String(), first.String(), b.CreatedAt, addMonths(r.m, -s.lookback()).First().String(), last.String())
	if err != nil {
		return 0, err
	}
	type hold struct {
		person int64
		item   string
		reason string
	}
	var holds []hold
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		args := make([]any, len(chunk))
		for k, v := range chunk {
			args[k] = v
		}
		in := "(?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		people, err := r.loadPeople(ctx, rtx, `p.id IN `+in+` ORDER BY p.id`, args, true)
		if err != nil {
			return 0, err
		}
		ent, err := r.entitled(ctx, rtx, people)
		if err != nil {
			return 0, err
		}
		type pl struct {
			person int64
			item   string
			fen    int64
		}
		lines, err := queryAll(ctx, rtx, func(row scanner) (pl, error) {
			var v pl
			return v, row.Scan(&v.person, &v.item, &v.fen)
		}, `SELECT person_id, item_code, amount_fen FROM payment_lines WHERE batch_id = ? AND status = 'pending' AND kind = 'regular'
			AND person_id IN `+in, append([]any{b.ID}, args...)...)
		if err != nil {
			return 0, err
		}
		byID := map[int64]*batchPerson{}
		for _, p := range people {
			byID[p.id] = p
		}
		dues := map[int64]map[string]int64{}
		for _, l := range lines {
			p := byID[l.person]
			var reason string
			switch {
			case p == nil:
				reason = "人员记录已不存在 (the person is no longer in the register)"
			case !p.subject.Death.IsZero() && p.subject.Death.Before(first):
				reason = fmt.Sprintf("已于 %s 死亡，本月不应发放 (died on %s, before the month)", p.subject.Death, p.subject.Death)
			case !p.subject.MovedOut.IsZero() && p.subject.MovedOut.Before(first):
				reason = fmt.Sprintf("已于 %s 迁出 (moved out on %s, before the month)", p.subject.MovedOut, p.subject.MovedOut)
			case !yanglao.PathContains(b.RegionPath, p.path):
				reason = "已不在本批次地区居住 (no longer resident in the batch's region)"
			default:
				due, ok := dues[p.id]
				if !ok {
					due, _ = r.due(p, r.m, ent)
					dues[p.id] = due
				}
				switch d := due[l.item]; {
				case d == 0:
					reason = "复核时已不符合条件 (no longer eligible at the pre-release check)"
				case d != l.fen:
					reason = fmt.Sprintf("复核时金额应为 %s 元 (the amount is now ¥%s)", fenText(d), fenText(d))
				}
			}
			if reason != "" {
				holds = append(holds, hold{l.person, l.item, reason})
			}
		}
	}
	rtx.Rollback()
	if len(holds) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n := 0
	for _, h := range holds {
		res, err := tx.Exec(ctx, `UPDATE payment_lines SET status = 'held', hold_reason = ? WHERE batch_id = ? AND person_id = ? AND item_code = ?
			AND kind = 'regular' AND status = 'pending'`, h.reason, b.ID, h.person, h.item)
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, tx.Commit()
}

func fenText(f int64) string {
	neg := f < 0
	if neg {
		f = -f
	}
	s := fmt.Sprintf("%d.%02d", f/100, f%100)
	if neg {
		s = "-" + s
	}
	return s
}

// FenText formats fen as yuan with two decimals ("-12.30").
func FenText(f int64) string { return fenText(f) }

// BatchTotals sums a batch's lines by child region, by item and by kind.
func (s *BatchService) BatchTotals(ctx context.Context, id int64) (*yanglao.BatchTotals, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	b, err := tx.batch(ctx, id)
	if err != nil {
		return nil, err
	}
	sum := func(key string) ([]yanglao.BatchTotal, error) {
		return queryAll(ctx, tx, func(row scanner) (yanglao.BatchTotal, error) {
			var t yanglao.BatchTotal
			return t, row.Scan(&t.Key, &t.Lines, &t.AmountFen, &t.Held, &t.HeldFen, &t.Paid, &t.PaidFen, &t.Failed, &t.FailedFen)
		}, `SELECT `+key+` AS k, COUNT(*),
			COALESCE(SUM(CASE WHEN status IN ('pending', 'paid') THEN amount_fen ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'held' THEN amount_fen ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'failed' THEN amount_fen ELSE 0 END), 0)
			FROM payment_lines WHERE batch_id = ? GROUP BY k ORDER BY k`, id)
	}
	out := &yanglao.BatchTotals{}
	if out.ByRegion, err = sum(fmt.Sprintf("substr(region_path, %d, 12)", len(b.RegionPath)+1)); err != nil {
		return nil, err
	}
	if out.ByItem, err = sum("item_code"); err != nil {
		return nil, err
	}
	if out.ByKind, err = sum("kind"); err != nil {
		return nil, err
	}
	l := chenzhouList()
	if ll, err := s.list(ctx, b.RegionCode); err == nil && ll != nil {
		l = ll
	}
	for i := range out.ByItem {
		if it := l.History(out.ByItem[i].Key); len(it) > 0 {
			out.ByItem[i].Name = it[len(it)-1].Name
		}
	}
	for i := range out.ByRegion {
		t := &out.ByRegion[i]
		if t.Key == "" || t.Key == b.RegionCode {
			t.Key, t.Name = b.RegionCode, b.RegionName
			continue
		}
		if err := tx.QueryRow(ctx, `SELECT name FROM regions WHERE code = ?`, t.Key).Scan(&t.Name); err != nil && !isNoRows(err) {
			return nil, err
		}
	}
	for _, t := range out.ByKind {
		a := &out.All
		a.Lines += t.Lines
		a.AmountFen += t.AmountFen
		a.Held += t.Held
		a.HeldFen += t.HeldFen
		a.Paid += t.Paid
		a.PaidFen += t.PaidFen
		a.Failed += t.Failed
		a.FailedFen += t.FailedFen
	}
	out.All.Key, out.All.Name = "all", "合计"
	return out, nil
}

const lineCols = `l.id, l.batch_id, l.person_id, p.name, p.id_masked, l.region_path, l.item_code, l.for_month, l.kind, l.amount_fen,
	l.status, l.hold_reason, l.bank_ref, l.bank_note`

func scanLine(row scanner) (*yanglao.PaymentLine, error) {
	l := &yanglao.PaymentLine{}
	return l, row.Scan(&l.ID, &l.BatchID, &l.PersonID, &l.PersonName, &l.IDMasked, &l.RegionPath, &l.ItemCode, &l.ForMonth, &l.Kind,
		&l.AmountFen, &l.Status, &l.HoldReason, &l.BankRef, &l.BankNote)
}

// BatchLines lists a batch's lines in id order, keyset-paged.
func (s *BatchService) BatchLines(ctx context.Context, id int64, f yanglao.LineFilter) ([]*yanglao.PaymentLine, string, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	if _, err := tx.batch(ctx, id); err != nil {
		return nil, "", err
	}
	clause, args, err := scope(ctx, "l.region_path", "")
	if err != nil {
		return nil, "", err
	}
	where := []string{"l.batch_id = ?", clause}
	args = append([]any{id}, args...)
	if f.Status != "" {
		switch f.Status {
		case yanglao.LinePending, yanglao.LineHeld, yanglao.LinePaid, yanglao.LineFailed:
		default:
			return nil, "", yanglao.Invalid("status", "未知的状态 (unknown status)")
		}
		where, args = append(where, "l.status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		switch f.Kind {
		case yanglao.LineRegular, yanglao.LineArrears, yanglao.LineRecovery:
		default:
			return nil, "", yanglao.Invalid("kind", "未知的类别 (unknown kind)")
		}
		where, args = append(where, "l.kind = ?"), append(args, f.Kind)
	}
	if f.RegionCode != "" {
		var path string
		if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, f.RegionCode).Scan(&path); err != nil {
			return nil, "", yanglao.Invalid("region_code", "地区不存在 (no such region)")
		}
		lo, hi := pathRange(path)
		where, args = append(where, "l.region_path >= ? AND l.region_path < ?"), append(args, lo, hi)
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "l.id > ?"), append(args, after)
	}
	out, err := queryAll(ctx, tx, scanLine, `SELECT `+lineCols+` FROM payment_lines l JOIN people p ON p.id = l.person_id WHERE `+
		strings.Join(where, " AND ")+` ORDER BY l.id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(l *yanglao.PaymentLine) string { return strconv.FormatInt(l.ID, 10) })
	return out, next, nil
}

// ExportBatch streams the payable lines (pending, paid or failed: not held)
// of an approved batch, in the subtree of regionCode, with whole citizen IDs:
// the bank pays against the ID. The export is audited with the batch id.
func (s *BatchService) ExportBatch(ctx context.Context, id int64, regionCode string, row func(*yanglao.ExportLine) error) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b, err := tx.batch(ctx, id)
	if err != nil {
		return err
	}
	if b.Status == yanglao.BatchRunning || b.Status == yanglao.BatchComputed {
		return yanglao.Errorf(yanglao.ECONFLICT, "批次审核后才能导出银行文件 (a batch is exported only after approval)")
	}
	path := b.RegionPath
	if regionCode != "" && regionCode != b.RegionCode {
		if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, regionCode).Scan(&path); err != nil {
			return yanglao.Invalid("region", "地区不存在 (no such region)")
		}
		if !yanglao.PathContains(b.RegionPath, path) {
			return yanglao.Invalid("region", "该地区不在批次范围内 (the region is not in the batch)")
		}
	}
	lo, hi := pathRange(path)
	if err := tx.audit(ctx, yanglao.AuditExport, "payment_batch", strconv.FormatInt(id, 10),
		"bank file with full citizen IDs region="+firstNonEmpty(regionCode, b.RegionCode)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE payment_batches SET status = CASE WHEN status = 'approved' THEN 'exported' ELSE status END,
		exported_at = ? WHERE id = ?`, tx.now, id); err != nil {
		return err
	}
	l := chenzhouList()
	if ll, err := s.list(ctx, b.RegionCode); err == nil && ll != nil {
		l = ll
	}
	names := map[string]string{}
	for _, it := range l.Items() {
		names[it.Code] = it.Name
	}
	var after int64
	for {
		type xr struct {
			yanglao.ExportLine
			sealed []byte
		}
		rows, err := queryAll(ctx, tx, func(r scanner) (xr, error) {
			var v xr
			return v, r.Scan(&v.LineID, &v.Name, &v.sealed, &v.Region, &v.ItemCode, &v.ForMonth, &v.Kind, &v.AmountFen)
		}, `SELECT l.id, p.name, p.id_sealed, p.residence_code, l.item_code, l.for_month, l.kind, l.amount_fen
			FROM payment_lines l JOIN people p ON p.id = l.person_id
			WHERE l.batch_id = ? AND l.status <> 'held' AND l.region_path >= ? AND l.region_path < ? AND l.id > ? ORDER BY l.id LIMIT 2000`,
			id, lo, hi, after)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		for i := range rows {
			x := &rows[i]
			if x.IDNumber, err = s.box.Open(x.sealed); err != nil {
				return err
			}
			x.ItemName = names[x.ItemCode]
			if err := row(&x.ExportLine); err != nil {
				return err
			}
		}
		after = rows[len(rows)-1].LineID
	}
	return tx.Commit()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ReconcileBatch applies the bank's result rows: a row names its line (or,
// when the bank returns only the citizen ID, every payable line of that
// person in the batch) and marks it paid or failed with the bank's reason.
// Applying the same file twice changes nothing more.
func (s *BatchService) ReconcileBatch(ctx context.Context, id int64, results []yanglao.BankResult) (*yanglao.Reconciliation, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	b, err := tx.batch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status != yanglao.BatchExported && b.Status != yanglao.BatchReconciled && b.Status != yanglao.BatchApproved {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "批次审核并导出后才能导入银行结果 (import the bank's result after approval and export)")
	}
	rec := &yanglao.Reconciliation{Rows: len(results)}
	problem := func(i int, msg string) {
		rec.Unmatched++
		if len(rec.Problems) < 100 {
			rec.Problems = append(rec.Problems, fmt.Sprintf("第%d行 (row %d): %s", i+2, i+2, msg))
		}
	}
	for i, r := range results {
		status := yanglao.LineFailed
		if r.Paid {
			status = yanglao.LinePaid
		}
		note := r.Note
		if len([]rune(note)) > 200 {
			note = string([]rune(note)[:200])
		}
		var res interface{ RowsAffected() (int64, error) }
		switch {
		case r.LineID > 0:
			res, err = tx.Exec(ctx, `UPDATE payment_lines SET status = ?, bank_note = ?, bank_ref = ? WHERE id = ? AND batch_id = ? AND status <> 'held'`,
				status, note, strconv.FormatInt(r.LineID, 10), r.LineID, id)
		case r.IDNumber != "":
			res, err = tx.Exec(ctx, `UPDATE payment_lines SET status = ?, bank_note = ? WHERE batch_id = ? AND status <> 'held'
				AND person_id = (SELECT id FROM people WHERE id_hash = ?)`, status, note, id, s.box.Hash(strings.ToUpper(strings.TrimSpace(r.IDNumber))))
		default:
			problem(i, "没有行号或身份证号 (no line reference or citizen ID)")
			continue
		}
		if err != nil {
			return nil, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			problem(i, "在本批次中找不到可对账的明细 (no payable line of this batch matches)")
			continue
		}
		if r.Paid {
			rec.Paid++
		} else {
			rec.Failed++
		}
	}
	var pending int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM payment_lines WHERE batch_id = ? AND status = 'pending'`, id).Scan(&pending); err != nil {
		return nil, err
	}
	if pending == 0 {
		if _, err := tx.Exec(ctx, `UPDATE payment_batches SET status = 'reconciled', reconciled_at = ? WHERE id = ?`, tx.now, id); err != nil {
			return nil, err
		}
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "payment_batch", strconv.FormatInt(id, 10),
		fmt.Sprintf("bank result rows=%d paid=%d failed=%d unmatched=%d", rec.Rows, rec.Paid, rec.Failed, rec.Unmatched)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	t, err := s.BatchTotals(ctx, id)
	if err != nil {
		return nil, err
	}
	rec.Totals = t.All
	return rec, nil
}

var _ = benefits.Month{}
