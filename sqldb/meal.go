package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/meals"
)

var _ yanglao.MealService = (*MealService)(nil)

// MealService runs meal assistance (助餐, issue 5): canteens and their menus,
// meal orders with the subsidy and the other shares recorded per meal, the
// kitchen's daily counts and the monthly statement.
//
// Who does what: officials register canteens, set their funding shares and the
// subsidies, and read everything in their subtree; a canteen's staff (role
// operator bound to the canteen) edit its menus, take orders at the counter and
// read only their canteen; older people and families order for their linked
// people, and see canteens in those people's counties.
type MealService struct {
	db  *DB
	box *crypt.Box // the counter finds a person by the hash of the citizen ID
}

func NewMealService(db *DB, box *crypt.Box) *MealService { return &MealService{db: db, box: box} }

func isFamily(a *yanglao.Actor) bool {
	return a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily
}

// canteenScope is the scope over canteens c: older people and families see the
// canteens of their linked people's counties (where they can eat); staff their
// own canteen; everyone else their region's subtree.
func canteenScope(ctx context.Context) (string, []any, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return "", nil, err
	}
	if isFamily(a) {
		return "c.county_code IN (SELECT p.county_code FROM people p JOIN person_links l ON l.person_id = p.id WHERE l.user_id = ?)", []any{a.UserID}, nil
	}
	return scope(ctx, "c.region_path", "c.org_id")
}

// mealOrderScope is the scope over meal orders o: the linked people's own
// orders for older people and families; the canteen's orders for its staff;
// the subtree of the canteens for officials and workers; nothing for others.
func mealOrderScope(ctx context.Context) (string, []any, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return "", nil, err
	}
	switch {
	case isFamily(a):
		return "o.person_id IN (SELECT person_id FROM person_links WHERE user_id = ?)", []any{a.UserID}, nil
	case a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleOperator:
		return scope(ctx, "o.region_path", "o.org_id")
	}
	return "1=0", nil, nil
}

// isCanteenStaff reports whether the actor works for canteen id.
func isCanteenStaff(a *yanglao.Actor, id int64) bool {
	return a.OrgID != nil && *a.OrgID == id
}

// mayRun reports whether the actor runs canteen c: its staff, or an official
// (or administrator) whose subtree holds it. Older people and families do not.
func mayRun(a *yanglao.Actor, c *yanglao.Canteen) error {
	if a.Unrestricted() || isCanteenStaff(a, c.ID) || (a.Role == yanglao.RoleOfficial && a.OrgID == nil && a.SeesPath(c.RegionPath)) {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "无权管理该食堂 (not allowed to run this canteen)")
}

const canteenCols = `o.id, o.name, o.region_code, c.region_path, c.subtype, c.address, c.lng, c.lat, c.seats, c.hours, c.delivery,
	c.cutoff_breakfast, c.cutoff_lunch, c.cutoff_dinner, c.enterprise_fen, c.collective_fen, c.social_fen, c.min_personal_fen, c.updated_at`

const canteenFrom = ` FROM canteens c JOIN orgs o ON o.id = c.org_id`

func scanCanteen(row scanner) (*yanglao.Canteen, error) {
	c := &yanglao.Canteen{}
	err := row.Scan(&c.ID, &c.Name, &c.RegionCode, &c.RegionPath, &c.Type, &c.Address, &c.Lng, &c.Lat, &c.Seats, &c.Hours, &c.Delivery,
		&c.CutoffBreakfast, &c.CutoffLunch, &c.CutoffDinner, &c.EnterpriseFen, &c.CollectiveFen, &c.SocialFen, &c.MinPersonalFen, &c.UpdatedAt)
	return c, err
}

// canteen reads canteen id in the actor's scope.
func (tx *Tx) canteen(ctx context.Context, id int64) (*yanglao.Canteen, error) {
	clause, args, err := canteenScope(ctx)
	if err != nil {
		return nil, err
	}
	c, err := scanCanteen(tx.QueryRow(ctx, `SELECT `+canteenCols+canteenFrom+` WHERE c.org_id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "食堂", "canteen")
	}
	return c, nil
}

// CreateCanteen registers the organisation and its canteen details together.
func (s *MealService) CreateCanteen(ctx context.Context, c *yanglao.Canteen) error {
	a := yanglao.ActorFromContext(ctx)
	if !canManageUsers(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以登记食堂 (only officials register canteens)")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o := &yanglao.Org{Name: c.Name, Kind: yanglao.OrgCanteen, RegionCode: c.RegionCode}
	if err := tx.createOrg(ctx, a, o); err != nil {
		return err
	}
	c.ID, c.RegionPath, c.UpdatedAt = o.ID, o.RegionPath, tx.now
	if _, err := tx.Exec(ctx, `INSERT INTO canteens (org_id, subtype, region_path, county_code, address, lng, lat, seats, hours, delivery,
		cutoff_breakfast, cutoff_lunch, cutoff_dinner, enterprise_fen, collective_fen, social_fen, min_personal_fen, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Type, c.RegionPath, yanglao.CountyCode(c.RegionCode), c.Address, c.Lng, c.Lat, c.Seats, c.Hours, c.Delivery,
		c.CutoffBreakfast, c.CutoffLunch, c.CutoffDinner, c.EnterpriseFen, c.CollectiveFen, c.SocialFen, c.MinPersonalFen, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "canteen", strconv.FormatInt(c.ID, 10), canteenDetail(c)); err != nil {
		return err
	}
	return tx.Commit()
}

func canteenDetail(c *yanglao.Canteen) string {
	return fmt.Sprintf("%s type=%s seats=%d delivery=%v cutoffs=%s/%s/%s shares enterprise=%d collective=%d social=%d min_personal=%d",
		c.Name, c.Type, c.Seats, c.Delivery, c.CutoffBreakfast, c.CutoffLunch, c.CutoffDinner, c.EnterpriseFen, c.CollectiveFen, c.SocialFen, c.MinPersonalFen)
}

// UpdateCanteen changes a canteen's details. Its staff change what they run
// (address, seats, hours, delivery, cut-offs); the funding shares are public
// money and agreements, so only officials change those (a staff edit keeps them).
func (s *MealService) UpdateCanteen(ctx context.Context, c *yanglao.Canteen) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.canteen(ctx, c.ID)
	if err != nil {
		return err
	}
	if err := mayRun(a, old); err != nil {
		return err
	}
	c.RegionCode = old.RegionCode // a canteen does not move region by an edit
	if isCanteenStaff(a, old.ID) && !a.Unrestricted() {
		c.EnterpriseFen, c.CollectiveFen, c.SocialFen, c.MinPersonalFen = old.EnterpriseFen, old.CollectiveFen, old.SocialFen, old.MinPersonalFen
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.RegionPath, c.UpdatedAt = old.RegionPath, tx.now
	if _, err := tx.Exec(ctx, `UPDATE orgs SET name = ?, updated_at = ? WHERE id = ?`, c.Name, tx.now, c.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE canteens SET subtype = ?, address = ?, lng = ?, lat = ?, seats = ?, hours = ?, delivery = ?,
		cutoff_breakfast = ?, cutoff_lunch = ?, cutoff_dinner = ?, enterprise_fen = ?, collective_fen = ?, social_fen = ?, min_personal_fen = ?, updated_at = ?
		WHERE org_id = ?`, c.Type, c.Address, c.Lng, c.Lat, c.Seats, c.Hours, c.Delivery, c.CutoffBreakfast, c.CutoffLunch, c.CutoffDinner,
		c.EnterpriseFen, c.CollectiveFen, c.SocialFen, c.MinPersonalFen, tx.now, c.ID); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "canteen", strconv.FormatInt(c.ID, 10), canteenDetail(c)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *MealService) Canteen(ctx context.Context, id int64) (*yanglao.Canteen, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.canteen(ctx, id)
}

func (s *MealService) Canteens(ctx context.Context, f yanglao.CanteenFilter) ([]*yanglao.Canteen, string, error) {
	clause, args, err := canteenScope(ctx)
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if q := strings.TrimSpace(f.Query); q != "" {
		if len([]rune(q)) > 50 {
			return nil, "", yanglao.Invalid("q", "搜索词最多50个字符 (q: at most 50 characters)")
		}
		where, args = append(where, `o.name LIKE ? ESCAPE '\'`), append(args, like(q))
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "c.org_id > ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanCanteen, `SELECT `+canteenCols+canteenFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.org_id LIMIT ?`,
		append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(c *yanglao.Canteen) string { return strconv.FormatInt(c.ID, 10) })
	return out, next, nil
}

// --- menus

const menuCols = `id, org_id, day, meal, dishes, price_fen, updated_at`

func scanMenu(row scanner) (*yanglao.Menu, error) {
	m := &yanglao.Menu{}
	err := row.Scan(&m.ID, &m.CanteenID, &m.Day, &m.Meal, &m.Dishes, &m.PriceFen, &m.UpdatedAt)
	return m, err
}

// SaveMenu sets the menu of one meal of one day (one per canteen, day and
// meal: saving again replaces dishes and price; orders already placed keep the
// price they were placed at).
func (s *MealService) SaveMenu(ctx context.Context, m *yanglao.Menu) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := tx.canteen(ctx, m.CanteenID)
	if err != nil {
		return yanglao.Invalid("canteen_id", "食堂不存在 (canteen not found)")
	}
	if err := mayRun(a, c); err != nil {
		return err
	}
	if today := yanglao.DateOf(tx.now); m.Day.Before(today) || m.Day.After(today.AddDays(60)) {
		return yanglao.Invalid("day", "菜单日期应为今天到60天内 (a menu is for today up to 60 days ahead)")
	}
	m.UpdatedAt = tx.now
	if err := tx.QueryRow(ctx, `INSERT INTO canteen_menus (org_id, region_path, county_code, day, meal, dishes, price_fen, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, day, meal) DO UPDATE SET dishes = excluded.dishes, price_fen = excluded.price_fen, updated_at = excluded.updated_at
		RETURNING id`, c.ID, c.RegionPath, yanglao.CountyCode(c.RegionCode), m.Day.String(), m.Meal, m.Dishes, m.PriceFen, tx.now).Scan(&m.ID); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "canteen_menu", strconv.FormatInt(m.ID, 10),
		fmt.Sprintf("canteen=%d %s %s price=%d dishes=%s", c.ID, m.Day, m.Meal, m.PriceFen, m.Dishes)); err != nil {
		return err
	}
	return tx.Commit()
}

// Menus lists a canteen's menus from one day to another, by day and meal.
func (s *MealService) Menus(ctx context.Context, canteenID int64, from, to yanglao.Date) ([]*yanglao.Menu, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) || from.AddDays(62).Before(to) {
		return nil, yanglao.Invalid("to", "日期范围应为62天以内 (the range must be at most 62 days, from before to)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.canteen(ctx, canteenID); err != nil {
		return nil, err
	}
	out, err := queryAll(ctx, tx, scanMenu, `SELECT `+menuCols+` FROM canteen_menus WHERE org_id = ? AND day >= ? AND day <= ? ORDER BY day, id`,
		canteenID, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b *yanglao.Menu) int {
		if a.Day != b.Day {
			return strings.Compare(a.Day.String(), b.Day.String())
		}
		return slices.Index(yanglao.MealOrderOfDay, a.Meal) - slices.Index(yanglao.MealOrderOfDay, b.Meal)
	})
	return out, nil
}

// --- subsidies

const subsidyCols = `id, region_code, category, fen, valid_from, valid_until, source, created_at`

func scanSubsidy(row scanner) (*yanglao.MealSubsidy, error) {
	s := &yanglao.MealSubsidy{}
	err := row.Scan(&s.ID, &s.RegionCode, &s.Category, &s.Fen, &s.From, &s.Until, &s.Source, &s.CreatedAt)
	return s, err
}

// SetMealSubsidy adds a subsidy rule for a category in a region (officials, in
// their subtree). A rule is ended by a later one: rules are kept, not edited,
// so last month's statement can be explained by the rules of last month.
func (s *MealService) SetMealSubsidy(ctx context.Context, r *yanglao.MealSubsidy) error {
	a := yanglao.ActorFromContext(ctx)
	if !canManageUsers(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以设置助餐补贴 (only officials set meal subsidies)")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	path, err := tx.regionPath(ctx, "region_code", r.RegionCode)
	if err != nil {
		return err
	}
	if !a.SeesPath(path) {
		return yanglao.Invalid("region_code", "只能为本辖区设置补贴 (subsidies can only be set inside your region)")
	}
	r.CreatedAt = tx.now
	if r.ID, err = tx.insertID(ctx, `INSERT INTO meal_subsidies (region_code, region_path, county_code, category, fen, valid_from, valid_until, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.RegionCode, path, yanglao.CountyCode(r.RegionCode), r.Category, r.Fen, r.From.String(), nullDate(r.Until), r.Source, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "meal_subsidy", strconv.FormatInt(r.ID, 10),
		fmt.Sprintf("region=%s category=%s fen=%d from=%s until=%s source=%s", r.RegionCode, r.Category, r.Fen, r.From, r.Until, r.Source)); err != nil {
		return err
	}
	return tx.Commit()
}

// MealSubsidies lists the rules on a region's path: its own and its ancestors'.
// Anyone signed in may read them (they are published policy); the region must
// be in the actor's scope or above it.
func (s *MealService) MealSubsidies(ctx context.Context, regionCode string) ([]*yanglao.MealSubsidy, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	path, err := tx.regionPath(ctx, "region", regionCode)
	if err != nil {
		return nil, err
	}
	if !a.Unrestricted() && !a.SeesPath(path) && !yanglao.PathContains(path, a.RegionPath) {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "区划不在您的辖区 (region not in your scope)")
	}
	codes := pathCodes(path)
	return queryAll(ctx, tx, scanSubsidy, `SELECT `+subsidyCols+` FROM meal_subsidies WHERE region_code IN (`+placeholders(len(codes))+`)
		ORDER BY region_path, category, valid_from, id`, stringsAny(codes)...)
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// subsidyFor picks the government's share for person on day at canteen c
// (meals.Subsidy): rules on the canteen's path in force on the day, the
// person's age and statuses. People registered outside the canteen's county
// get no subsidy there: a county's budget pays for its own residents.
func (tx *Tx) subsidyFor(ctx context.Context, c *yanglao.Canteen, p *yanglao.Person, day yanglao.Date) (string, int64, error) {
	if p.CountyCode != yanglao.CountyCode(c.RegionCode) {
		return "", 0, nil
	}
	codes := pathCodes(c.RegionPath)
	rules, err := queryAll(ctx, tx, func(r scanner) (meals.Rule, error) {
		var rule meals.Rule
		var path string
		var from yanglao.Date
		err := r.Scan(&rule.Category, &rule.Fen, &path, &from)
		rule.Depth, rule.From = len(pathCodes(path)), from.String()
		return rule, err
	}, `SELECT category, fen, region_path, valid_from FROM meal_subsidies WHERE region_code IN (`+placeholders(len(codes))+`)
		AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)`, append(stringsAny(codes), day.String(), day.String())...)
	if err != nil || len(rules) == 0 {
		return "", 0, err
	}
	kinds, err := queryAll(ctx, tx, func(r scanner) (string, error) { var k string; return k, r.Scan(&k) },
		`SELECT kind FROM person_statuses WHERE person_id = ? AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)`, p.ID, day.String(), day.String())
	if err != nil {
		return "", 0, err
	}
	statuses := map[string]bool{}
	for _, k := range kinds {
		statuses[k] = true
	}
	cat, fen := meals.Subsidy(rules, yanglao.AgeOn(p.BirthDate, day), statuses)
	return cat, fen, nil
}

// --- orders

const mealOrderCols = `o.id, o.org_id, g.name, o.region_path, o.person_id, p.name, o.menu_id, m.dishes, o.day, o.meal, o.mode, o.address, o.note,
	o.status, o.channel, o.price_fen, o.person_fen, o.voucher_fen, o.enterprise_fen, o.government_fen, o.collective_fen, o.social_fen,
	o.category, o.voucher_id, o.created_at, o.cancelled_at`

const mealOrderFrom = ` FROM meal_orders o JOIN orgs g ON g.id = o.org_id JOIN people p ON p.id = o.person_id JOIN canteen_menus m ON m.id = o.menu_id`

func scanMealOrder(row scanner) (*yanglao.MealOrder, error) {
	o := &yanglao.MealOrder{}
	err := row.Scan(&o.ID, &o.CanteenID, &o.CanteenName, &o.RegionPath, &o.PersonID, &o.PersonName, &o.MenuID, &o.Dishes, &o.Day, &o.Meal,
		&o.Mode, &o.Address, &o.Note, &o.Status, &o.Channel, &o.PriceFen, &o.Person, &o.Voucher, &o.Enterprise, &o.Government, &o.Collective,
		&o.Social, &o.Category, &o.VoucherID, &o.CreatedAt, &o.CancelledAt)
	return o, err
}

// mealOrder reads order id in the actor's scope.
func (tx *Tx) mealOrder(ctx context.Context, id int64) (*yanglao.MealOrder, error) {
	clause, args, err := mealOrderScope(ctx)
	if err != nil {
		return nil, err
	}
	o, err := scanMealOrder(tx.QueryRow(ctx, `SELECT `+mealOrderCols+mealOrderFrom+` WHERE o.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "订餐", "meal order")
	}
	return o, nil
}

func (s *MealService) MealOrder(ctx context.Context, id int64) (*yanglao.MealOrder, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.mealOrder(ctx, id)
}

// orderChannel says how the actor orders: for themselves or a parent on a
// phone, or as canteen staff at the counter. Nobody else orders meals.
func orderChannel(a *yanglao.Actor) (string, error) {
	switch {
	case a.Role == yanglao.RoleElder:
		return yanglao.ChannelSelf, nil
	case a.Role == yanglao.RoleFamily:
		return yanglao.ChannelFamily, nil
	case a.Role == yanglao.RoleOperator && a.OrgID != nil:
		return yanglao.ChannelCounter, nil
	}
	return "", yanglao.Errorf(yanglao.EFORBIDDEN, "只有老年人、家属和食堂工作人员可以订餐 (only older people, families and canteen staff order meals)")
}

// closed reports whether ordering and cancelling for a meal on day have closed at now.
func closed(c *yanglao.Canteen, meal string, day yanglao.Date, now time.Time) bool {
	today := yanglao.DateOf(now)
	return day.Before(today) || (day == today && now.In(yanglao.Shanghai).Format("15:04") >= c.Cutoff(meal))
}

var errMealTaken = &yanglao.Error{Code: yanglao.ECONFLICT, Field: "menu_id", Message: "该老人这一餐已经订过了 (this person already has an order for this meal)"}

// PlaceMealOrder orders one meal: the price is shared out (meals.Split) with
// the subsidy of the person's category, a voucher may pay part of the
// person's share, and the whole is one transaction. A retried request with the
// same idempotency key returns the order it made; one person has at most one
// live order per day and meal (the partial unique index meal_orders_once).
func (s *MealService) PlaceMealOrder(ctx context.Context, in *yanglao.MealOrderInput) (*yanglao.MealOrder, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	channel, err := orderChannel(a)
	if err != nil {
		return nil, err
	}
	if in.RequestKey != "" {
		if o, err := s.orderByKey(ctx, a, in.RequestKey); o != nil || err != nil {
			return o, err
		}
	}
	id, err := s.placeMealOrder(ctx, a, channel, in)
	if isUniqueViolation(err) && in.RequestKey != "" {
		// The same request raced itself: the other one made the order.
		if o, err := s.orderByKey(ctx, a, in.RequestKey); o != nil || err != nil {
			return o, err
		}
	}
	if isUniqueViolation(err) {
		return nil, errMealTaken
	} else if err != nil {
		return nil, err
	}
	return s.MealOrder(ctx, id)
}

// orderByKey returns the order made by an earlier request with key, or nil.
func (s *MealService) orderByKey(ctx context.Context, a *yanglao.Actor, key string) (*yanglao.MealOrder, error) {
	var id int64
	var by *int64
	err := s.db.write.QueryRowContext(ctx, s.db.rebind(`SELECT id, ordered_by FROM meal_orders WHERE request_key = ?`), key).Scan(&id, &by)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if by == nil || *by != a.UserID {
		return nil, yanglao.Invalid("idempotency_key", "幂等键已被其他请求使用 (idempotency_key already used by another request)")
	}
	return s.MealOrder(ctx, id)
}

func (s *MealService) placeMealOrder(ctx context.Context, a *yanglao.Actor, channel string, in *yanglao.MealOrderInput) (int64, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	menu, err := scanMenu(tx.QueryRow(ctx, `SELECT `+menuCols+` FROM canteen_menus WHERE id = ?`, in.MenuID))
	if isNoRows(err) {
		return 0, yanglao.Invalid("menu_id", "菜单不存在 (menu not found)")
	} else if err != nil {
		return 0, err
	}
	c, err := tx.canteen(ctx, menu.CanteenID)
	if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
		return 0, yanglao.Invalid("menu_id", "菜单不存在 (menu not found)")
	} else if err != nil {
		return 0, err
	}
	p, err := s.orderPerson(ctx, tx, channel, in)
	if err != nil {
		return 0, err
	}
	if p.Life != yanglao.Alive {
		return 0, yanglao.Invalid("person_id", "该老人已去世或迁出 (this person has died or moved away)")
	}
	today := yanglao.DateOf(tx.now)
	switch {
	case menu.Day.Before(today):
		return 0, yanglao.Invalid("menu_id", "这一餐已经过去了 (that meal is past)")
	case menu.Day.After(today.AddDays(yanglao.MaxOrderAhead)):
		return 0, yanglao.Invalid("menu_id", "最多提前%d天订餐 (meals can be ordered at most %d days ahead)", yanglao.MaxOrderAhead, yanglao.MaxOrderAhead)
	case channel != yanglao.ChannelCounter && closed(c, menu.Meal, menu.Day, tx.now):
		// At the counter a walk-in is served after the cut-off; ordering ahead closes at it.
		return 0, yanglao.Invalid("menu_id", "今天%s的订餐已于%s截止 (ordering for today's %s closed at %s)",
			yanglao.NameIn(yanglao.MealNames, menu.Meal, "zh"), c.Cutoff(menu.Meal), menu.Meal, c.Cutoff(menu.Meal))
	}
	address := in.Address
	if in.Mode == "delivery" {
		if !c.Delivery {
			return 0, yanglao.Invalid("mode", "该食堂不提供送餐 (this canteen does not deliver)")
		}
		if address == "" {
			address = p.Address
		}
		if address == "" {
			return 0, yanglao.Invalid("address", "送餐请填写地址 (delivery needs an address)")
		}
	}
	category, gov, err := tx.subsidyFor(ctx, c, p, menu.Day)
	if err != nil {
		return 0, err
	}
	shares, err := meals.Split(meals.Terms{Price: menu.PriceFen, Enterprise: c.EnterpriseFen, Collective: c.CollectiveFen, Social: c.SocialFen,
		Government: gov, MinPersonal: c.MinPersonalFen})
	if err != nil {
		return 0, err
	}
	var by any
	if a.UserID != 0 {
		by = a.UserID
	}
	id, err := tx.insertID(ctx, `INSERT INTO meal_orders (org_id, region_path, county_code, person_id, menu_id, day, meal, mode, address, note, status, channel,
		price_fen, person_fen, voucher_fen, enterprise_fen, government_fen, collective_fen, social_fen, category, ordered_by, request_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.RegionPath, yanglao.CountyCode(c.RegionCode), p.ID, menu.ID, menu.Day.String(), menu.Meal, in.Mode, address, in.Note,
		yanglao.MealOrdered, channel, menu.PriceFen, shares.Person, shares.Voucher, shares.Enterprise, shares.Government, shares.Collective,
		shares.Social, category, by, nullString(in.RequestKey), tx.now)
	if err != nil {
		return 0, err
	}
	if shares.Person > 0 && (in.VoucherID != 0 || in.UseVoucher) {
		vid := in.VoucherID
		if vid == 0 {
			if vid, err = tx.mealVoucher(ctx, p.ID); err != nil {
				return 0, err
			}
		}
		if vid != 0 {
			used, err := redeemVoucher(ctx, tx, vid, p.ID, shares.Person, yanglao.MealVoucherRef(id))
			if err != nil {
				return 0, err
			}
			if shares, err = shares.PayByVoucher(used); err != nil {
				return 0, err
			}
			if _, err := tx.Exec(ctx, `UPDATE meal_orders SET person_fen = ?, voucher_fen = ?, voucher_id = ? WHERE id = ?`,
				shares.Person, shares.Voucher, vid, id); err != nil {
				return 0, err
			}
		}
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "meal_order", strconv.FormatInt(id, 10),
		fmt.Sprintf("person=%d canteen=%d %s %s %s channel=%s price=%d person=%d voucher=%d enterprise=%d government=%d(%s) collective=%d social=%d",
			p.ID, c.ID, menu.Day, menu.Meal, in.Mode, channel, menu.PriceFen, shares.Person, shares.Voucher, shares.Enterprise, shares.Government,
			category, shares.Collective, shares.Social)); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// orderPerson finds who the meal is for: a linked person for older people and
// families; at the counter, the person whose citizen ID is shown.
func (s *MealService) orderPerson(ctx context.Context, tx *Tx, channel string, in *yanglao.MealOrderInput) (*yanglao.Person, error) {
	if channel != yanglao.ChannelCounter {
		if in.PersonID == 0 {
			return nil, yanglao.Invalid("person_id", "请选择老人 (person_id is required)")
		}
		p, err := tx.person(ctx, in.PersonID)
		if err != nil {
			return nil, yanglao.Invalid("person_id", "只能为关联的老人订餐 (you can order only for a linked person)")
		}
		return p, nil
	}
	if in.IDNumber == "" {
		return nil, yanglao.Invalid("id_number", "请输入老人的身份证号码 (enter the person's citizen ID)")
	}
	id, err := ParseCitizenID("id_number", in.IDNumber, tx.now)
	if err != nil {
		return nil, err
	}
	p, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id_hash = ?`, s.box.Hash(id.String())))
	if isNoRows(err) {
		return nil, yanglao.Invalid("id_number", "该身份证号码未登记 (this citizen ID is not in the register)")
	}
	return p, err
}

// mealVoucher is the person's unspent meal voucher that expires first, or 0.
func (tx *Tx) mealVoucher(ctx context.Context, personID int64) (int64, error) {
	today := yanglao.DateOf(tx.now).String()
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM vouchers WHERE person_id = ? AND spent_at IS NULL AND valid_from <= ? AND valid_until >= ?
		AND (uses = ? OR ','||uses||',' LIKE ?) ORDER BY valid_until, id LIMIT 1`, personID, today, today, yanglao.VoucherAny, "%,"+yanglao.VoucherMeal+",%").Scan(&id)
	if isNoRows(err) {
		return 0, nil
	}
	return id, err
}

// CancelMealOrder cancels a meal before the canteen's cut-off on its day and
// gives back the voucher that paid for it. Those who order cancel: the person
// or family, or the canteen's staff.
func (s *MealService) CancelMealOrder(ctx context.Context, id int64) (*yanglao.MealOrder, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := orderChannel(a); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := tx.mealOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Status != yanglao.MealOrdered {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "订单已取消 (the order is already cancelled)")
	}
	c, err := scanCanteen(tx.QueryRow(ctx, `SELECT `+canteenCols+canteenFrom+` WHERE c.org_id = ?`, o.CanteenID))
	if err != nil {
		return nil, err
	}
	if closed(c, o.Meal, o.Day, tx.now) {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "已过取消截止时间%s (too late to cancel: the cut-off was %s)", c.Cutoff(o.Meal), c.Cutoff(o.Meal))
	}
	if err := refundVoucher(ctx, tx, yanglao.MealVoucherRef(id)); err != nil {
		return nil, err
	}
	res, err := tx.Exec(ctx, `UPDATE meal_orders SET status = ?, cancelled_at = ? WHERE id = ? AND status = ?`, yanglao.MealCancelled, tx.now, id, yanglao.MealOrdered)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "订单已取消 (the order is already cancelled)")
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "meal_order", strconv.FormatInt(id, 10), "cancelled"); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.MealOrder(ctx, id)
}

// MealOrders lists orders in scope, newest day first.
func (s *MealService) MealOrders(ctx context.Context, f yanglao.MealOrderFilter) ([]*yanglao.MealOrder, string, error) {
	clause, args, err := mealOrderScope(ctx)
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.CanteenID != 0 {
		where, args = append(where, "o.org_id = ?"), append(args, f.CanteenID)
	}
	if f.PersonID != 0 {
		where, args = append(where, "o.person_id = ?"), append(args, f.PersonID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "o.day >= ?"), append(args, f.From.String())
	}
	if !f.To.IsZero() {
		where, args = append(where, "o.day <= ?"), append(args, f.To.String())
	}
	switch f.Status {
	case "":
	case yanglao.MealOrdered, yanglao.MealCancelled:
		where, args = append(where, "o.status = ?"), append(args, f.Status)
	default:
		return nil, "", yanglao.Invalid("status", "状态应为 ordered 或 cancelled (status must be ordered or cancelled)")
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "o.id < ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanMealOrder, `SELECT `+mealOrderCols+mealOrderFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY o.id DESC LIMIT ?`,
		append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(o *yanglao.MealOrder) string { return strconv.FormatInt(o.ID, 10) })
	return out, next, nil
}

// runCanteen reads canteen id for someone who runs it (staff or official).
func (tx *Tx) runCanteen(ctx context.Context, id int64) (*yanglao.Canteen, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if isFamily(a) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "无权查看该食堂的经营数据 (not allowed to see this canteen's records)")
	}
	c, err := tx.canteen(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayRun(a, c); err != nil {
		return nil, err
	}
	return c, nil
}

// KitchenDay is what the kitchen cooks on day: counts by meal and mode, every
// live order by meal, and the delivery list.
func (s *MealService) KitchenDay(ctx context.Context, canteenID int64, day yanglao.Date) (*yanglao.KitchenDay, error) {
	if day.IsZero() {
		return nil, yanglao.Invalid("day", "请填写日期 (day is required)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.runCanteen(ctx, canteenID); err != nil {
		return nil, err
	}
	k := &yanglao.KitchenDay{CanteenID: canteenID, Day: day, Deliveries: []*yanglao.MealOrder{}}
	k.Counts, err = queryAll(ctx, tx, func(r scanner) (*yanglao.KitchenCount, error) {
		c := &yanglao.KitchenCount{}
		return c, r.Scan(&c.Meal, &c.Mode, &c.Count)
	}, `SELECT meal, mode, COUNT(*) FROM meal_orders WHERE org_id = ? AND day = ? AND status = ? GROUP BY meal, mode`, canteenID, day.String(), yanglao.MealOrdered)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(k.Counts, func(a, b *yanglao.KitchenCount) int {
		if d := slices.Index(yanglao.MealOrderOfDay, a.Meal) - slices.Index(yanglao.MealOrderOfDay, b.Meal); d != 0 {
			return d
		}
		return slices.Index(yanglao.MealModeOrder, a.Mode) - slices.Index(yanglao.MealModeOrder, b.Mode)
	})
	for _, c := range k.Counts {
		k.Total += c.Count
	}
	k.Orders, err = queryAll(ctx, tx, scanMealOrder, `SELECT `+mealOrderCols+mealOrderFrom+` WHERE o.org_id = ? AND o.day = ? AND o.status = ? ORDER BY o.meal, o.mode, p.name, o.id`,
		canteenID, day.String(), yanglao.MealOrdered)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(k.Orders, func(a, b *yanglao.MealOrder) int {
		return slices.Index(yanglao.MealOrderOfDay, a.Meal) - slices.Index(yanglao.MealOrderOfDay, b.Meal)
	})
	for _, o := range k.Orders {
		if o.Mode == "delivery" {
			k.Deliveries = append(k.Deliveries, o)
		}
	}
	return k, nil
}

// ParseMonth reads "YYYY-MM" and returns its first and last day.
func ParseMonth(field, month string) (yanglao.Date, yanglao.Date, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil || len(month) != 7 {
		return yanglao.Date{}, yanglao.Date{}, yanglao.Invalid(field, "月份应为 YYYY-MM (month must be YYYY-MM)")
	}
	first := yanglao.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	return first, yanglao.DateOf(first.Time().AddDate(0, 1, -1)), nil
}

// CanteenStatement totals a canteen's month: meals and each funding share per
// day and for the month, what the government owes (its subsidy and the
// vouchers it issued), and the meals by subsidy category. Cancelled meals do
// not count.
func (s *MealService) CanteenStatement(ctx context.Context, canteenID int64, month string) (*yanglao.CanteenStatement, error) {
	first, last, err := ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.runCanteen(ctx, canteenID)
	if err != nil {
		return nil, err
	}
	st := &yanglao.CanteenStatement{CanteenID: c.ID, CanteenName: c.Name, Month: month, ByCategory: map[string]int{}}
	// One pass over the month's orders, by day and category; the days, the
	// total and the categories are added up here. SUM of BIGINT is NUMERIC on
	// PostgreSQL: cast back so both drivers scan an int64.
	type dayCat struct {
		yanglao.MealStatementLine
		cat string
	}
	rows, err := queryAll(ctx, tx, func(r scanner) (*dayCat, error) {
		l := &dayCat{}
		err := r.Scan(&l.Day, &l.cat, &l.Meals, &l.Price, &l.Person, &l.Voucher, &l.Enterprise, &l.Government, &l.Collective, &l.Social)
		return l, err
	}, `SELECT day, category, COUNT(*), CAST(SUM(price_fen) AS BIGINT), CAST(SUM(person_fen) AS BIGINT), CAST(SUM(voucher_fen) AS BIGINT),
		CAST(SUM(enterprise_fen) AS BIGINT), CAST(SUM(government_fen) AS BIGINT), CAST(SUM(collective_fen) AS BIGINT), CAST(SUM(social_fen) AS BIGINT)
		FROM meal_orders WHERE org_id = ? AND day >= ? AND day <= ? AND status = ? GROUP BY day, category ORDER BY day`,
		c.ID, first.String(), last.String(), yanglao.MealOrdered)
	if err != nil {
		return nil, err
	}
	add := func(t *yanglao.MealStatementLine, l *yanglao.MealStatementLine) {
		t.Meals += l.Meals
		t.Price += l.Price
		t.Person += l.Person
		t.Voucher += l.Voucher
		t.Enterprise += l.Enterprise
		t.Government += l.Government
		t.Collective += l.Collective
		t.Social += l.Social
		t.GovernmentOwes = t.Shares.GovernmentOwes()
	}
	st.Days = []*yanglao.MealStatementLine{}
	for _, r := range rows {
		if n := len(st.Days); n == 0 || st.Days[n-1].Day != r.Day {
			st.Days = append(st.Days, &yanglao.MealStatementLine{Day: r.Day})
		}
		add(st.Days[len(st.Days)-1], &r.MealStatementLine)
		add(&st.Total, &r.MealStatementLine)
		st.ByCategory[r.cat] += r.Meals
	}
	return st, nil
}
