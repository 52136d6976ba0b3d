package sqldb

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/orders"
)

var _ yanglao.OrderService = (*OrderService)(nil)

// OrderService stores home-care orders (issue 5). The rules are package
// orders; this file places orders, moves them, and decides who stands how to
// each one (orderParty) and which orders a list shows (orderScope):
//   - the older person and the family: orders of the people linked to their account;
//   - a provider's dispatcher: the provider's orders;
//   - a caregiver: the provider's orders assigned to them;
//   - workers and officials: orders of people living in their region subtree.
type OrderService struct {
	db *DB
	// Policy holds the proof-of-visit thresholds (distance, share of booked minutes).
	Policy orders.Policy
	// HomeCare suggests caregivers for an order (SuggestCaregivers).
	HomeCare *HomeCareService
}

func NewOrderService(db *DB, hc *HomeCareService) *OrderService {
	return &OrderService{db: db, Policy: orders.DefaultPolicy, HomeCare: hc}
}

// SuggestCaregivers lists qualified, free caregivers of the order's provider,
// nearest to the home first, for its dispatcher. A home without coordinates
// gets no suggestions (distance cannot be judged); the dispatcher picks by hand.
func (s *OrderService) SuggestCaregivers(ctx context.Context, orderID int64) ([]*yanglao.CaregiverSuggestion, error) {
	o, err := s.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if a := yanglao.ActorFromContext(ctx); !a.Unrestricted() && (a.Role != yanglao.RoleDispatcher || a.OrgID == nil || *a.OrgID != o.ProviderID) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有本组织的调度员可以派单 (only the provider's dispatcher assigns caregivers)")
	}
	if o.Lat == nil || o.Lng == nil || s.HomeCare == nil {
		return []*yanglao.CaregiverSuggestion{}, nil
	}
	return s.HomeCare.SuggestCaregivers(ctx, yanglao.SuggestQuery{OrgID: o.ProviderID, ItemID: o.ItemID, Start: o.Start, End: o.End,
		Lat: *o.Lat, Lng: *o.Lng, Limit: 10})
}

// maxConfirmFailures: after this many wrong codes a visit is confirmed only by
// the client on their own page or by a signature (6 digits must not be guessed).
const maxConfirmFailures = 5

const orderCols = `o.id, o.person_id, p.name, o.provider_id, g.name, o.item_id, i.code, i.name, o.category, o.caregiver_id, COALESCE(c.name, ''),
	o.contract_id, o.channel, o.placed_by, o.county_code, o.region_code, o.region_path, o.address, o.lng, o.lat, o.start_at, o.end_at, o.minutes, o.needs,
	o.price_fen, o.ltc_fen, o.allowance_fen, o.allowance_minutes, o.voucher_id, o.voucher_fen, o.own_fen,
	o.state, o.flags, o.review, o.review_note, o.check_in_at, o.check_in_m, o.check_out_at, o.check_out_m, o.confirmed_at, o.confirmed_by,
	o.confirm_code, o.confirm_failures, COALESCE(o.rating, 0), o.rating_note, o.concern, o.version, o.created_at, o.updated_at`

const orderFrom = ` FROM orders o JOIN people p ON p.id = o.person_id JOIN orgs g ON g.id = o.provider_id
	JOIN service_items i ON i.id = o.item_id LEFT JOIN caregivers c ON c.id = o.caregiver_id`

// orderRow is an order with what the store needs beyond the API's view.
type orderRow struct {
	*yanglao.Order
	failures int
}

func scanOrder(row scanner) (*orderRow, error) {
	o := &yanglao.Order{}
	r := &orderRow{Order: o}
	var flags string
	err := row.Scan(&o.ID, &o.PersonID, &o.PersonName, &o.ProviderID, &o.ProviderName, &o.ItemID, &o.ItemCode, &o.ItemName, &o.Category,
		&o.CaregiverID, &o.CaregiverName, &o.ContractID, &o.Channel, &o.PlacedBy, &o.CountyCode, &o.RegionCode, &o.RegionPath,
		&o.Address, &o.Lng, &o.Lat, &o.Start, &o.End, &o.Minutes, &o.Needs,
		&o.PriceFen, &o.LTCFen, &o.AllowanceFen, &o.AllowanceMinutes, &o.VoucherID, &o.VoucherFen, &o.OwnFen,
		&o.State, &flags, &o.Review, &o.ReviewNote, &o.CheckInAt, &o.CheckInM, &o.CheckOutAt, &o.CheckOutM, &o.ConfirmedAt, &o.ConfirmedBy,
		&o.ConfirmCode, &r.failures, &o.Rating, &o.RatingNote, &o.Concern, &o.Version, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if flags != "" {
		if err := json.Unmarshal([]byte(flags), &o.Flags); err != nil {
			return nil, fmt.Errorf("order %d flags: %w", o.ID, err)
		}
	}
	return r, nil
}

// order reads one order without scope; callers decide the party next.
func (tx *Tx) order(ctx context.Context, id int64, lock bool) (*orderRow, error) {
	q := `SELECT ` + orderCols + orderFrom + ` WHERE o.id = ?`
	if lock && tx.db.Dialect == Postgres {
		q += ` FOR UPDATE OF o`
	}
	r, err := scanOrder(tx.QueryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "订单", "order")
	}
	return r, nil
}

var errOrderNotFound = yanglao.Errorf(yanglao.ENOTFOUND, "订单不存在 (order not found)")

// orderParty is how the actor stands to o; orders out of the actor's reach
// are not found, so their existence does not leak.
func (tx *Tx) orderParty(ctx context.Context, o *yanglao.Order) (orders.Party, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	switch {
	case a.Unrestricted():
		return orders.Official, nil
	case a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily:
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM person_links WHERE user_id = ? AND person_id = ?`, a.UserID, o.PersonID).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return orders.Client, nil
		}
	case a.Role == yanglao.RoleDispatcher:
		if a.OrgID != nil && *a.OrgID == o.ProviderID {
			return orders.Dispatcher, nil
		}
	case a.Role == yanglao.RoleCaregiver:
		if a.OrgID != nil && *a.OrgID == o.ProviderID && o.CaregiverID != nil {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM caregivers WHERE id = ? AND user_id = ?`, *o.CaregiverID, a.UserID).Scan(&n); err != nil {
				return "", err
			}
			if n > 0 {
				return orders.Carer, nil
			}
		}
	case a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleOfficial:
		if a.SeesPath(o.RegionPath) {
			return listParty(a, o), nil
		}
	}
	return "", errOrderNotFound
}

// listParty is the party of an actor to an order a scoped list returned.
func listParty(a *yanglao.Actor, o *yanglao.Order) orders.Party {
	switch a.Role {
	case yanglao.RoleElder, yanglao.RoleFamily:
		return orders.Client
	case yanglao.RoleDispatcher:
		return orders.Dispatcher
	case yanglao.RoleCaregiver:
		return orders.Carer
	case yanglao.RoleWorker:
		if o.PlacedBy == a.UserID {
			return orders.Placer
		}
	}
	return orders.Official
}

// orderScope is the WHERE fragment of every list, count and statement of orders.
func orderScope(ctx context.Context) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	switch {
	case a.Unrestricted():
		return "1=1", nil, nil
	case a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily:
		return "o.person_id IN (SELECT person_id FROM person_links WHERE user_id = ?)", []any{a.UserID}, nil
	case a.Role == yanglao.RoleDispatcher && a.OrgID != nil:
		return "o.provider_id = ?", []any{*a.OrgID}, nil
	case a.Role == yanglao.RoleCaregiver && a.OrgID != nil:
		return "o.provider_id = ? AND o.caregiver_id IN (SELECT id FROM caregivers WHERE user_id = ?)", []any{*a.OrgID, a.UserID}, nil
	case a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleOfficial:
		return scope(ctx, "o.region_path", "")
	}
	return "1=0", nil, nil
}

// view fits an order to the party reading it: what they may do now, and the
// confirmation code for the client only.
func view(o *yanglao.Order, party orders.Party) *yanglao.Order {
	o.Actions = []string{}
	for _, a := range orders.Allowed(orders.State(o.State), party) {
		o.Actions = append(o.Actions, string(a))
	}
	if party != orders.Client || o.State != string(orders.Done) && !orders.State(o.State).Open() {
		o.ConfirmCode = ""
	}
	return o
}

// channelOf is how the actor places orders.
func channelOf(a *yanglao.Actor) (string, error) {
	switch {
	case a == nil:
		return "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	case a.UserID == 0:
		return "", yanglao.Errorf(yanglao.EFORBIDDEN, "订单须由一个账号下 (an order is placed by an account)")
	case a.Role == yanglao.RoleElder:
		return "elder", nil
	case a.Role == yanglao.RoleFamily:
		return "family", nil
	case a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleOfficial || a.Unrestricted():
		return "worker", nil
	}
	return "", yanglao.Errorf(yanglao.EFORBIDDEN, "只有老年人、家属和工作人员可以下单 (only older people, families and workers place orders)")
}

// Month is the civil month of t in Asia/Shanghai, "YYYY-MM".
func Month(t time.Time) string { return t.In(yanglao.Shanghai).Format("2006-01") }

// PlaceOrder places an order for a person the actor may see. The provider must
// cover the address and offer the item (offerFor says why not); a worker's
// order is government-paid and needs a contract. The payment split is
// package orders' ComputeSplit over the allowance left this month.
func (s *OrderService) PlaceOrder(ctx context.Context, r *yanglao.OrderRequest) (*yanglao.Order, error) {
	a := yanglao.ActorFromContext(ctx)
	channel, err := channelOf(a)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if channel != "worker" && r.LTCFen > 0 {
		return nil, yanglao.Invalid("ltc_fen", "长护险份额由工作人员依据医保授权录入 (only a worker enters the long-term-care insurance share)")
	}
	now := s.db.Now()
	if r.Start.Before(now.Add(-15 * time.Minute)) {
		return nil, yanglao.Invalid("start", "上门时间不能早于现在 (start cannot be in the past)")
	}
	if r.Start.After(now.AddDate(0, 0, 90)) {
		return nil, yanglao.Invalid("start", "最多预约90天以内的服务 (book at most 90 days ahead)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if r.RequestKey != "" {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE placed_by = ? AND request_key = ?`, a.UserID, r.RequestKey).Scan(&id)
		if err == nil {
			return s.viewIn(ctx, tx, id) // the same POST again: the order it placed
		} else if !isNoRows(err) {
			return nil, err
		}
	}
	p, err := tx.person(ctx, r.PersonID)
	if err != nil {
		if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
			return nil, yanglao.Invalid("person_id", "找不到这位老人，或您无权为其下单 (no such person, or not yours to order for)")
		}
		return nil, err
	}
	if p.Life != yanglao.Alive {
		return nil, yanglao.Invalid("person_id", "该老人已故或已迁出 (the person has died or moved away)")
	}
	var kind string
	if err := tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = ?`, r.ProviderID).Scan(&kind); err != nil || kind != yanglao.OrgProvider {
		if err != nil && !isNoRows(err) {
			return nil, err
		}
		return nil, yanglao.Invalid("provider_id", "服务组织不存在 (no such home-care provider)")
	}
	offer, err := offerFor(ctx, tx, r.ProviderID, r.ItemID, p.ResidencePath)
	if err != nil {
		return nil, err
	}
	if channel == "worker" {
		if err := offer.RequireContract(); err != nil {
			return nil, err
		}
	}
	end := r.End
	if end.IsZero() {
		end = r.Start.Add(time.Duration(offer.Minutes) * time.Minute)
	} else if end.Sub(r.Start) < time.Duration(offer.Minutes)*time.Minute {
		return nil, yanglao.Invalid("end", "时间段短于服务时长 %d 分钟 (the window is shorter than the item's %d minutes)", offer.Minutes, offer.Minutes)
	}
	month := Month(r.Start)
	address, lng, lat := r.Address, r.Lng, r.Lat
	if address == "" {
		address = p.Address
	}
	if lng == nil {
		lng, lat = p.Lng, p.Lat
	}

	// The allowance left this month: only through a government contract, and
	// with the person's row locked so two orders at once cannot both spend it.
	var left int64
	var allowMin int64
	var unit string
	if !r.NoAllowance && offer.ContractID != nil {
		if err := tx.lockPerson(ctx, p.ID); err != nil {
			return nil, err
		}
		ma, err := monthlyAllowance(ctx, tx, p.ID, offer.Category, benefits.MonthOf(yanglao.DateOf(r.Start)))
		if err != nil {
			return nil, err
		}
		if ma.Amount > 0 {
			var usedFen, usedMin int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(allowance_fen), 0), COALESCE(SUM(allowance_minutes), 0) FROM orders
				WHERE person_id = ? AND month = ? AND category = ? AND state NOT IN ('cancelled', 'no_show')`,
				p.ID, month, offer.Category).Scan(&usedFen, &usedMin); err != nil {
				return nil, err
			}
			unit = ma.Unit
			switch ma.Unit {
			case yanglao.UnitFen:
				left = ma.Amount - usedFen
			case yanglao.UnitMinutes: // time allowances pay the share of the visit's minutes still left
				if m := min(ma.Amount-usedMin, int64(offer.Minutes)); m > 0 && offer.Minutes > 0 {
					left = offer.PriceFen * m / int64(offer.Minutes)
				}
			}
		}
	}
	voucher := int64(0)
	if r.VoucherID != nil {
		voucher = -1 // ask the voucher for the rest; it answers with what it pays
	}
	split := orders.ComputeSplit(orders.SplitInput{PriceFen: offer.PriceFen, LTCFen: r.LTCFen, AllowanceLeftFen: left, VoucherFen: voucher})
	if unit == yanglao.UnitMinutes && offer.PriceFen > 0 {
		allowMin = (int64(offer.Minutes)*split.AllowanceFen + offer.PriceFen - 1) / offer.PriceFen
	}
	code, err := confirmCode()
	if err != nil {
		return nil, err
	}
	id, err := tx.insertID(ctx, `INSERT INTO orders (person_id, county_code, region_code, region_path, provider_id, item_id, category,
		contract_id, channel, placed_by, request_key, address, lng, lat, start_at, end_at, month, minutes, needs,
		price_fen, ltc_fen, allowance_fen, allowance_minutes, voucher_fen, own_fen, state, confirm_code, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)
		ON CONFLICT (placed_by, request_key) DO NOTHING`,
		p.ID, p.CountyCode, p.ResidenceCode, p.ResidencePath, r.ProviderID, r.ItemID, offer.Category,
		offer.ContractID, channel, a.UserID, nullString(r.RequestKey), address, lng, lat, r.Start.UTC(), end.UTC(), month, offer.Minutes, r.Needs,
		split.PriceFen, split.LTCFen, split.AllowanceFen, allowMin, split.VoucherFen, split.OwnFen, code, tx.now, tx.now)
	if isNoRows(err) {
		// A concurrent retry with the same key placed it first.
		tx.Rollback()
		return s.byKey(ctx, a.UserID, r.RequestKey)
	}
	if err != nil {
		return nil, err
	}
	if r.VoucherID != nil {
		used, err := orderVoucher(ctx, tx, *r.VoucherID, p.ID, id, offer.Category, split.VoucherFen)
		if err != nil {
			return nil, err
		}
		split = orders.ComputeSplit(orders.SplitInput{PriceFen: offer.PriceFen, LTCFen: r.LTCFen, AllowanceLeftFen: split.AllowanceFen, VoucherFen: used})
		if used > 0 {
			if _, err := tx.Exec(ctx, `UPDATE orders SET voucher_id = ?, voucher_fen = ?, own_fen = ? WHERE id = ?`,
				*r.VoucherID, split.VoucherFen, split.OwnFen, id); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.orderEvent(ctx, id, p.CountyCode, "place", "", string(orders.Requested), nil, nil, "channel="+channel); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "order", strconv.FormatInt(id, 10), fmt.Sprintf("person=%d provider=%d item=%d start=%s price=%d allowance=%d voucher=%d ltc=%d own=%d",
		p.ID, r.ProviderID, r.ItemID, r.Start.UTC().Format(time.RFC3339), split.PriceFen, split.AllowanceFen, split.VoucherFen, split.LTCFen, split.OwnFen)); err != nil {
		return nil, err
	}
	o, err := s.viewIn(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return o, tx.Commit()
}

// byKey answers a retried placement that lost the race to its twin.
func (s *OrderService) byKey(ctx context.Context, userID int64, key string) (*yanglao.Order, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE placed_by = ? AND request_key = ?`, userID, key).Scan(&id); err != nil {
		return nil, err
	}
	return s.viewIn(ctx, tx, id)
}

// lockPerson serialises what is decided per person (the month's allowance).
// SQLite has one writer already; PostgreSQL takes the row lock.
func (tx *Tx) lockPerson(ctx context.Context, personID int64) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	var id int64
	return tx.QueryRow(ctx, `SELECT id FROM people WHERE id = ? FOR UPDATE`, personID).Scan(&id)
}

// confirmCode is a random 6-digit one-time code.
func confirmCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func (tx *Tx) orderEvent(ctx context.Context, orderID int64, county, action, from, to string, pos *orders.Point, dist *int, note string) error {
	return tx.orderEventAt(ctx, orderID, county, action, from, to, pos, 0, dist, note)
}

func (tx *Tx) orderEventAt(ctx context.Context, orderID int64, county, action, from, to string, pos *orders.Point, accuracy float64, dist *int, note string) error {
	a := yanglao.ActorFromContext(ctx)
	var uid *int64
	username, role := "system", "system"
	if a != nil {
		username, role = a.Username, string(a.Role)
		if a.System {
			role = "system"
		}
		if a.UserID != 0 {
			id := a.UserID
			uid = &id
		}
	}
	var lat, lng, acc any
	if pos != nil {
		lat, lng = pos.Lat, pos.Lng
		if accuracy > 0 {
			acc = accuracy
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO order_events (order_id, county_code, at, user_id, username, role, action, from_state, to_state, lat, lng, accuracy_m, distance_m, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orderID, county, tx.now, uid, username, role, action, from, to, lat, lng, acc, dist, note)
	return err
}

// viewIn reads an order inside tx as the actor sees it.
func (s *OrderService) viewIn(ctx context.Context, tx *Tx, id int64) (*yanglao.Order, error) {
	r, err := tx.order(ctx, id, false)
	if err != nil {
		return nil, err
	}
	party, err := tx.orderParty(ctx, r.Order)
	if err != nil {
		return nil, err
	}
	return view(r.Order, party), nil
}

func (s *OrderService) Order(ctx context.Context, id int64) (*yanglao.Order, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return s.viewIn(ctx, tx, id)
}

func (s *OrderService) OrderEvents(ctx context.Context, id int64) ([]*yanglao.OrderEvent, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := s.viewIn(ctx, tx, id); err != nil {
		return nil, err
	}
	return queryAll(ctx, tx, func(r scanner) (*yanglao.OrderEvent, error) {
		e := &yanglao.OrderEvent{}
		err := r.Scan(&e.ID, &e.OrderID, &e.At, &e.UserID, &e.Username, &e.Role, &e.Action, &e.From, &e.To, &e.Lat, &e.Lng, &e.DistanceM, &e.Note)
		return e, err
	}, `SELECT id, order_id, at, user_id, username, role, action, from_state, to_state, lat, lng, distance_m, note
		FROM order_events WHERE order_id = ? ORDER BY id`, id)
}

// Orders lists orders in scope, newest first; a day's list (f.Day) comes in
// time order, whole (a day of one provider is a few hundred visits at most).
func (s *OrderService) Orders(ctx context.Context, f yanglao.OrderFilter) ([]*yanglao.Order, string, error) {
	clause, args, err := orderScope(ctx)
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.PersonID > 0 {
		where, args = append(where, "o.person_id = ?"), append(args, f.PersonID)
	}
	if f.ProviderID > 0 {
		where, args = append(where, "o.provider_id = ?"), append(args, f.ProviderID)
	}
	if f.State != "" {
		if !orders.State(f.State).Valid() {
			return nil, "", yanglao.Invalid("state", "未知的订单状态 (unknown order state)")
		}
		where, args = append(where, "o.state = ?"), append(args, f.State)
	}
	if f.Flagged {
		where = append(where, "o.review = 'pending'")
	}
	if f.Concerns {
		where = append(where, "o.concern <> ''")
	}
	if f.Mine {
		a := yanglao.ActorFromContext(ctx)
		where, args = append(where, "o.caregiver_id IN (SELECT id FROM caregivers WHERE user_id = ?)"), append(args, a.UserID)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	a := yanglao.ActorFromContext(ctx)
	page := f.Page.Normalize()
	if !f.Day.IsZero() {
		from := f.Day.Time()
		where, args = append(where, "o.start_at >= ? AND o.start_at < ?"), append(args, from.UTC(), from.AddDate(0, 0, 1).UTC())
		rows, err := queryAll(ctx, tx, scanOrder, `SELECT `+orderCols+orderFrom+` WHERE `+strings.Join(where, " AND ")+
			` ORDER BY o.start_at, o.id LIMIT ?`, append(args, 2000)...)
		if err != nil {
			return nil, "", err
		}
		out := make([]*yanglao.Order, len(rows))
		for i, r := range rows {
			out[i] = view(r.Order, listParty(a, r.Order))
		}
		return out, "", nil
	}
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "o.id < ?"), append(args, after)
	}
	rows, err := queryAll(ctx, tx, scanOrder, `SELECT `+orderCols+orderFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY o.id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	rows, next := cutPage(rows, page.Limit, func(r *orderRow) string { return strconv.FormatInt(r.ID, 10) })
	out := make([]*yanglao.Order, len(rows))
	for i, r := range rows {
		out[i] = view(r.Order, listParty(a, r.Order))
	}
	return out, next, nil
}

// BookingOptions lists what providers covering the person's address offer,
// cheapest first within an item, for the booking page. PlaceOrder checks the
// chosen one again through offerFor (coverage, contract, price on the day).
func (s *OrderService) BookingOptions(ctx context.Context, personID int64) ([]*yanglao.BookingOption, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := tx.person(ctx, personID)
	if err != nil {
		return nil, err
	}
	anc, args := inArgs(ancestorPaths(p.ResidencePath))
	if len(args) == 0 {
		return []*yanglao.BookingOption{}, nil
	}
	return queryAll(ctx, tx, func(r scanner) (*yanglao.BookingOption, error) {
		b := &yanglao.BookingOption{}
		err := r.Scan(&b.ProviderID, &b.ProviderName, &b.ItemID, &b.ItemCode, &b.ItemName, &b.Category, &b.PriceFen, &b.Minutes)
		return b, err
	}, `SELECT g.id, g.name, si.id, si.code, si.name, si.category, pi.price_fen, CASE WHEN pi.minutes > 0 THEN pi.minutes ELSE si.minutes END
		FROM provider_items pi JOIN orgs g ON g.id = pi.org_id JOIN service_items si ON si.id = pi.item_id
		WHERE pi.active AND si.active AND EXISTS (SELECT 1 FROM provider_coverage pc WHERE pc.org_id = pi.org_id AND pc.region_path IN (`+anc+`))
		ORDER BY si.sort, si.code, pi.price_fen, g.id`, args...)
}
