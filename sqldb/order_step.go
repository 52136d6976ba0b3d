package sqldb

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/orders"
)

// StepOrder moves an order by one action of package orders, as the party the
// actor is to it. Each step is one transaction: the order row (locked on
// PostgreSQL, guarded by its version everywhere), the caregiver's calendar,
// the event with time and position, and the audit entry commit together.
func (s *OrderService) StepOrder(ctx context.Context, id int64, st *yanglao.OrderStep) (*yanglao.Order, error) {
	if err := st.Validate(); err != nil {
		return nil, err
	}
	o, party, err := s.step(ctx, id, st)
	if yanglao.ErrorField(err) == "code" && party == orders.Carer {
		// A wrong code is counted outside the refused step, so guessing runs out.
		if cerr := s.countWrongCode(ctx, id); cerr != nil {
			return nil, cerr
		}
	}
	return o, err
}

func (s *OrderService) step(ctx context.Context, id int64, st *yanglao.OrderStep) (*yanglao.Order, orders.Party, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	row, err := tx.order(ctx, id, true)
	if err != nil {
		return nil, "", err
	}
	o := row.Order
	party, err := tx.orderParty(ctx, o)
	if err != nil {
		return nil, "", err
	}
	if st.Version != 0 && st.Version != o.Version {
		return nil, party, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "version", Message: "订单已被他人更新，请刷新后重试 (the order changed meanwhile: reload and try again)"}
	}
	action := orders.Action(st.Action)
	if !slices.Contains(orders.Actions, action) {
		return nil, party, yanglao.Invalid("action", "未知的操作 (unknown action)")
	}
	to, needs, ref := orders.Step(orders.State(o.State), action, party)
	if ref != nil {
		code := yanglao.ECONFLICT
		if ref.Forbidden {
			code = yanglao.EFORBIDDEN
		}
		return nil, party, &yanglao.Error{Code: code, Field: "action", Message: ref.Error()}
	}
	if needs == "reason" && st.Reason == "" {
		return nil, party, yanglao.Invalid("reason", "请填写原因 (a reason is required)")
	}
	sets, args := []string{}, []any{}
	set := func(col string, v any) { sets, args = append(sets, col+" = ?"), append(args, v) }
	var newFlags []yanglao.OrderFlag
	addFlag := func(f *orders.Flag) {
		if f != nil {
			newFlags = append(newFlags, yanglao.OrderFlag{Code: f.Code, ZH: f.ZH, EN: f.EN})
		}
	}
	var pos *orders.Point
	if st.Lat != nil {
		pos = &orders.Point{Lat: *st.Lat, Lng: *st.Lng}
	}
	var home *orders.Point
	if o.Lat != nil && o.Lng != nil {
		home = &orders.Point{Lat: *o.Lat, Lng: *o.Lng}
	}
	var dist *int
	note := st.Reason
	switch action {
	case orders.Assign:
		if err := s.assign(ctx, tx, o, st.CaregiverID); err != nil {
			return nil, party, err
		}
		set("caregiver_id", st.CaregiverID)
		note = strings.TrimSpace(fmt.Sprintf("caregiver=%d %s", st.CaregiverID, st.Reason))
	case orders.CheckIn, orders.CheckOut:
		out := action == orders.CheckOut
		d, f := s.Policy.CheckPosition(home, pos, out)
		addFlag(f)
		if d >= 0 {
			dist = &d
		}
		prefix := "check_in"
		if !out {
			addFlag(s.Policy.CheckTime(o.Start, o.End, tx.now))
		}
		if out {
			prefix = "check_out"
			if o.CheckInAt != nil {
				addFlag(s.Policy.CheckDuration(o.Minutes, *o.CheckInAt, tx.now))
			}
		}
		set(prefix+"_at", tx.now)
		set(prefix+"_m", dist)
		if pos != nil {
			set(prefix+"_lat", pos.Lat)
			set(prefix+"_lng", pos.Lng)
		}
	case orders.Close:
		addFlag(orders.MissingCheckOut(st.Reason))
	case orders.Confirm:
		by := "client"
		if party == orders.Carer {
			switch {
			case st.Code != "":
				if row.failures >= maxConfirmFailures {
					return nil, party, yanglao.Invalid("code", "确认码输错次数过多，请老人在自己的页面确认或当面签名 (too many wrong codes: the older person confirms on their own page, or signs)")
				}
				if subtle.ConstantTimeCompare([]byte(st.Code), []byte(o.ConfirmCode)) != 1 {
					return nil, party, yanglao.Invalid("code", "确认码不正确 (wrong confirmation code)")
				}
				by = "code"
			case st.Signature != "":
				by = "signature"
				set("signature", st.Signature)
			default:
				return nil, party, yanglao.Invalid("code", "请输入老人提供的确认码，或请老人签名 (enter the code the older person gives you, or have them sign)")
			}
		}
		set("confirmed_at", tx.now)
		set("confirmed_by", by)
		note = "by " + by
	case orders.Rate:
		if st.Rating < 1 {
			return nil, party, yanglao.Invalid("rating", "请选择1到5星 (choose 1 to 5 stars)")
		}
		set("rating", st.Rating)
		set("rating_note", st.Note)
		set("concern", st.Concern)
		note = fmt.Sprintf("rating=%d", st.Rating)
		if st.Concern != "" {
			note += " concern"
		}
	case orders.Cancel, orders.Decline, orders.Miss:
		if o.CaregiverID != nil {
			if err := releaseCaregiver(ctx, tx, o.ID); err != nil {
				return nil, party, err
			}
		}
		if o.VoucherID != nil && o.VoucherFen > 0 {
			if err := returnVoucher(ctx, tx, o.ID, o.Category); err != nil {
				return nil, party, err
			}
		}
	}
	if len(newFlags) > 0 {
		all := append(append([]yanglao.OrderFlag{}, o.Flags...), newFlags...)
		b, _ := json.Marshal(all)
		set("flags", string(b))
		set("review", yanglao.ReviewPending) // a new reason reopens an accepted review
		for _, f := range newFlags {
			note = strings.TrimSpace(note + " flag:" + f.Code)
		}
	}
	set("state", string(to))
	set("updated_at", tx.now)
	res, err := tx.Exec(ctx, `UPDATE orders SET `+strings.Join(sets, ", ")+`, version = version + 1 WHERE id = ? AND version = ?`,
		append(args, o.ID, o.Version)...)
	if err != nil {
		return nil, party, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, party, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "version", Message: "订单已被他人更新，请刷新后重试 (the order changed meanwhile: reload and try again)"}
	}
	if err := tx.orderEventAt(ctx, o.ID, o.CountyCode, string(action), o.State, string(to), pos, st.Accuracy, dist, note); err != nil {
		return nil, party, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "order", strconv.FormatInt(o.ID, 10), fmt.Sprintf("%s %s→%s %s", action, o.State, to, note)); err != nil {
		return nil, party, err
	}
	out, err := s.viewIn(ctx, tx, o.ID)
	if err != nil {
		return nil, party, err
	}
	return out, party, tx.Commit()
}

// assign checks the caregiver works for the provider and is qualified and
// free, and books them (bookCaregiver: of two dispatchers booking one
// caregiver into overlapping visits at once, exactly one wins).
func (s *OrderService) assign(ctx context.Context, tx *Tx, o *yanglao.Order, caregiverID int64) error {
	if caregiverID <= 0 {
		return yanglao.Invalid("caregiver_id", "请选择护理员 (caregiver_id is required)")
	}
	var org int64
	if err := tx.QueryRow(ctx, `SELECT org_id FROM caregivers WHERE id = ?`, caregiverID).Scan(&org); err != nil || org != o.ProviderID {
		if err != nil && !isNoRows(err) {
			return err
		}
		return yanglao.Invalid("caregiver_id", "该护理员不属于本服务组织 (the caregiver does not work for this provider)")
	}
	if err := caregiverEligible(ctx, tx, caregiverID, o.ItemID, yanglao.DateOf(o.Start)); err != nil {
		return err
	}
	if o.CaregiverID != nil {
		if err := releaseCaregiver(ctx, tx, o.ID); err != nil {
			return err
		}
	}
	return bookCaregiver(ctx, tx, caregiverID, o.ID, o.Start, o.End)
}

func (s *OrderService) countWrongCode(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(ctx, `UPDATE orders SET confirm_failures = confirm_failures + 1 WHERE id = ?`, id); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "order", strconv.FormatInt(id, 10), "wrong confirmation code"); err != nil {
		return err
	}
	return tx.Commit()
}

// ReviewOrder lets an official of the order's region accept or reject a
// flagged visit, with a reason. Only accepted visits reach the statement.
func (s *OrderService) ReviewOrder(ctx context.Context, id int64, d yanglao.ReviewDecision) (*yanglao.Order, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if d.Reason == "" || len([]rune(d.Reason)) > 300 {
		return nil, yanglao.Invalid("reason", "请填写审核理由（最多300字） (a reason is required, at most 300 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	row, err := tx.order(ctx, id, true)
	if err != nil {
		return nil, err
	}
	o := row.Order
	if _, err := tx.orderParty(ctx, o); err != nil {
		return nil, err
	}
	if !a.Unrestricted() && a.Role != yanglao.RoleOfficial {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以审核异常服务记录 (only civil-affairs officials review flagged visits)")
	}
	if o.Review != yanglao.ReviewPending {
		return nil, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "review", Message: "该订单没有待审核的异常 (the order has no flagged visit waiting for review)"}
	}
	result, action := yanglao.ReviewRejected, "review_reject"
	if d.Accept {
		result, action = yanglao.ReviewAccepted, "review_accept"
	}
	var by any // the platform itself (a command-line tool) has no account
	if a.UserID != 0 {
		by = a.UserID
	}
	if _, err := tx.Exec(ctx, `UPDATE orders SET review = ?, review_note = ?, reviewed_by = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		result, d.Reason, by, tx.now, o.ID); err != nil {
		return nil, err
	}
	if err := tx.orderEvent(ctx, o.ID, o.CountyCode, action, o.State, o.State, nil, nil, d.Reason); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "order", strconv.FormatInt(o.ID, 10), action+": "+d.Reason); err != nil {
		return nil, err
	}
	out, err := s.viewIn(ctx, tx, o.ID)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}
