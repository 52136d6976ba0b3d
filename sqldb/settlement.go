package sqldb

import (
	"context"
	"regexp"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/orders"
)

// mayReadProvider: the provider's dispatcher, and officials and workers (whose
// rows orderScope narrows to their region); nobody else reads a provider's
// day or month as a whole.
func mayReadProvider(ctx context.Context, providerID int64) error {
	a := yanglao.ActorFromContext(ctx)
	switch {
	case a == nil:
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	case a.Unrestricted(), a.Role == yanglao.RoleOfficial:
		return nil
	case a.Role == yanglao.RoleDispatcher && a.OrgID != nil && *a.OrgID == providerID:
		return nil
	}
	return yanglao.Errorf(yanglao.ENOTFOUND, "服务组织不存在 (provider not found)")
}

func (tx *Tx) providerName(ctx context.Context, id int64) (string, error) {
	var name, kind string
	if err := tx.QueryRow(ctx, `SELECT name, kind FROM orgs WHERE id = ?`, id).Scan(&name, &kind); err != nil || kind != yanglao.OrgProvider {
		if err != nil && !isNoRows(err) {
			return "", err
		}
		return "", yanglao.Errorf(yanglao.ENOTFOUND, "服务组织不存在 (provider not found)")
	}
	return name, nil
}

// DispatchBoard is a provider's day: orders waiting for a caregiver first,
// then those on their way, then the day's finished ones, each in time order.
func (s *OrderService) DispatchBoard(ctx context.Context, providerID int64, day yanglao.Date) (*yanglao.DispatchBoard, error) {
	if err := mayReadProvider(ctx, providerID); err != nil {
		return nil, err
	}
	if day.IsZero() {
		day = yanglao.DateOf(s.db.Now())
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	name, err := tx.providerName(ctx, providerID)
	tx.Rollback()
	if err != nil {
		return nil, err
	}
	list, _, err := s.Orders(ctx, yanglao.OrderFilter{ProviderID: providerID, Day: day})
	if err != nil {
		return nil, err
	}
	b := &yanglao.DispatchBoard{ProviderID: providerID, ProviderName: name, Day: day,
		Unassigned: []*yanglao.Order{}, Assigned: []*yanglao.Order{}, Closed: []*yanglao.Order{}}
	for _, o := range list {
		switch st := orders.State(o.State); {
		case st == orders.Requested || st == orders.Accepted:
			b.Unassigned = append(b.Unassigned, o)
		case st.Open():
			b.Assigned = append(b.Assigned, o)
		default:
			b.Closed = append(b.Closed, o)
		}
	}
	return b, nil
}

var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// CheckMonth validates a "YYYY-MM" month for field.
func CheckMonth(field, m string) error {
	if !monthRE.MatchString(m) {
		return yanglao.Invalid(field, "月份格式应为 YYYY-MM (month must be YYYY-MM)")
	}
	return nil
}

// Statement is a provider's monthly statement of government-paid visits: only
// verified ones (confirmed, and unflagged or reviewed and accepted). Flagged
// visits waiting for review are counted as held, not billed. An official sees
// the lines of people in their region only (orderScope).
func (s *OrderService) Statement(ctx context.Context, providerID int64, month string) (*yanglao.Statement, error) {
	if err := CheckMonth("month", month); err != nil {
		return nil, err
	}
	if err := mayReadProvider(ctx, providerID); err != nil {
		return nil, err
	}
	clause, args, err := orderScope(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st := &yanglao.Statement{ProviderID: providerID, Month: month, Lines: []*yanglao.StatementLine{}, Items: []*yanglao.StatementItem{}}
	if st.ProviderName, err = tx.providerName(ctx, providerID); err != nil {
		return nil, err
	}
	base := ` WHERE o.provider_id = ? AND o.month = ? AND ` + clause
	bargs := append([]any{providerID, month}, args...)
	rows, err := queryAll(ctx, tx, scanOrder, `SELECT `+orderCols+orderFrom+base+`
		AND o.state = 'confirmed' AND o.allowance_fen + o.voucher_fen > 0 AND (o.flags = '' OR o.review = 'accepted')
		ORDER BY o.start_at, o.id`, bargs...)
	if err != nil {
		return nil, err
	}
	items := map[string]*yanglao.StatementItem{}
	for _, r := range rows {
		o := r.Order
		if !o.Verified() { // the SQL and the domain's rule must agree
			continue
		}
		actual := 0
		if o.CheckInAt != nil && o.CheckOutAt != nil {
			actual = int(o.CheckOutAt.Sub(*o.CheckInAt).Minutes())
		}
		st.Lines = append(st.Lines, &yanglao.StatementLine{OrderID: o.ID, Start: o.Start, PersonName: o.PersonName, RegionCode: o.RegionCode,
			ItemCode: o.ItemCode, ItemName: o.ItemName, CaregiverName: o.CaregiverName, Minutes: o.Minutes, ActualMinutes: actual,
			PriceFen: o.PriceFen, AllowanceFen: o.AllowanceFen, VoucherFen: o.VoucherFen, LTCFen: o.LTCFen, OwnFen: o.OwnFen,
			Reviewed: len(o.Flags) > 0})
		it := items[o.ItemCode]
		if it == nil {
			it = &yanglao.StatementItem{ItemCode: o.ItemCode, ItemName: o.ItemName}
			items[o.ItemCode] = it
			st.Items = append(st.Items, it)
		}
		it.Visits++
		it.AllowanceFen += o.AllowanceFen
		it.VoucherFen += o.VoucherFen
		it.TotalFen += o.GovernmentFen()
		st.TotalFen += o.GovernmentFen()
		st.Visits++
	}
	var ratingSum int64
	if err := tx.QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN o.review = 'pending' AND o.allowance_fen + o.voucher_fen > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.review = 'rejected' AND o.allowance_fen + o.voucher_fen > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(o.rating), 0), COUNT(o.rating),
		COALESCE(SUM(CASE WHEN o.concern <> '' THEN 1 ELSE 0 END), 0)
		FROM orders o`+base, bargs...).Scan(&st.Held, &st.Rejected, &ratingSum, &st.Ratings, &st.Concerns); err != nil {
		return nil, err
	}
	if st.Ratings > 0 {
		st.Rating = float64(ratingSum*10/int64(st.Ratings)) / 10
	}
	return st, nil
}
