package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/crypt"
)

var _ yanglao.HomeCareService = (*HomeCareService)(nil)

// HomeCareService keeps the catalogue of home-care services, what the
// government buys for whom, the providers with their coverage, prices and
// contracts, and their caregivers (issue 5). Officials act within their
// subtree; a provider's dispatcher and caregivers see their own provider only.
type HomeCareService struct {
	db  *DB
	box *crypt.Box
}

func NewHomeCareService(db *DB, box *crypt.Box) *HomeCareService {
	return &HomeCareService{db: db, box: box}
}

// isOfficial: administrators and civil-affairs officials configure what the government buys.
func isOfficial(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial)
}

func officialOnly(ctx context.Context, zh, en string) (*yanglao.Actor, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if !isOfficial(a) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "无权%s (not allowed to %s)", zh, en)
	}
	return a, nil
}

func joinList(s []string) string { return strings.Join(s, ",") }

// ancestorPaths lists the stored paths of every node on path, root first:
// "/a/b/c/" → "/a/", "/a/b/", "/a/b/c/". Subtree membership is tested by these
// stored paths, never by code prefixes (DESIGN §4).
func ancestorPaths(path string) []string {
	var out []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// inArgs returns inList's "?, ?, …" for vals and the values as arguments.
func inArgs[T any](vals []T) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return inList(len(vals)), args
}

// ---- Catalogue ----

const itemCols = `id, code, category, name, name_en, minutes, skills, certs, source, active, created_at, updated_at`

func scanItem(row scanner) (*yanglao.ServiceItem, error) {
	it := &yanglao.ServiceItem{}
	var skills, certs string
	err := row.Scan(&it.ID, &it.Code, &it.Category, &it.Name, &it.NameEN, &it.Minutes, &skills, &certs, &it.Source, &it.Active, &it.CreatedAt, &it.UpdatedAt)
	it.Skills, it.Certs = splitList(skills), splitList(certs)
	if it.Skills == nil {
		it.Skills = []string{}
	}
	if it.Certs == nil {
		it.Certs = []string{}
	}
	return it, err
}

// ServiceItems lists the catalogue in its display order; all includes withdrawn items.
// The catalogue is reference data every signed-in user may read.
func (s *HomeCareService) ServiceItems(ctx context.Context, all bool) ([]*yanglao.ServiceItem, error) {
	if _, err := signedIn(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q := `SELECT ` + itemCols + ` FROM service_items`
	if !all {
		q += ` WHERE active = TRUE`
	}
	return queryAll(ctx, tx, scanItem, q+` ORDER BY sort, id`)
}

func (tx *Tx) serviceItem(ctx context.Context, id int64) (*yanglao.ServiceItem, error) {
	it, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemCols+` FROM service_items WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "服务项目", "service item")
	}
	return it, nil
}

// SaveServiceItem adds an item (ID 0) or replaces one. The catalogue is shared
// by every region, so administrators and province or city officials maintain
// it; counties configure what they buy from it (allowances, contracts).
func (s *HomeCareService) SaveServiceItem(ctx context.Context, it *yanglao.ServiceItem) error {
	a, err := officialOnly(ctx, "维护服务目录", "maintain the service catalogue")
	if err != nil {
		return err
	}
	if !yanglao.CanEditCatalogue(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "服务目录由省、市级民政部门维护 (the catalogue is maintained by province and city officials)")
	}
	if err := it.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var clash int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM service_items WHERE code = ? AND id <> ?`, it.Code, it.ID).Scan(&clash); err != nil {
		return err
	}
	if clash > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "code", Message: "项目编码已存在 (an item with this code exists)"}
	}
	action := yanglao.AuditCreate
	if it.ID == 0 {
		it.CreatedAt = tx.now
		if it.ID, err = tx.insertID(ctx, `INSERT INTO service_items (code, category, name, name_en, minutes, skills, certs, source, active, sort, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sort), 0) + 10 FROM service_items), ?, ?)`,
			it.Code, it.Category, it.Name, it.NameEN, it.Minutes, joinList(it.Skills), joinList(it.Certs), it.Source, it.Active, tx.now, tx.now); err != nil {
			return err
		}
	} else {
		old, err := tx.serviceItem(ctx, it.ID)
		if err != nil {
			return err
		}
		it.CreatedAt = old.CreatedAt
		action = yanglao.AuditUpdate
		if _, err := tx.Exec(ctx, `UPDATE service_items SET code = ?, category = ?, name = ?, name_en = ?, minutes = ?, skills = ?, certs = ?, source = ?,
			active = ?, updated_at = ? WHERE id = ?`, it.Code, it.Category, it.Name, it.NameEN, it.Minutes, joinList(it.Skills), joinList(it.Certs),
			it.Source, it.Active, tx.now, it.ID); err != nil {
			return err
		}
	}
	it.UpdatedAt = tx.now
	if err := tx.audit(ctx, action, "service_item", strconv.FormatInt(it.ID, 10),
		fmt.Sprintf("%s %s minutes=%d skills=%s certs=%s active=%t", it.Code, it.Name, it.Minutes, joinList(it.Skills), joinList(it.Certs), it.Active)); err != nil {
		return err
	}
	return tx.Commit()
}

// ---- Allowances ----

const allowanceCols = `id, region_code, region_path, category, statuses, min_age, min_grade, unit, amount, valid_from, valid_to, source, note, created_at`

func scanAllowance(row scanner) (*yanglao.ServiceAllowance, error) {
	a := &yanglao.ServiceAllowance{}
	var statuses string
	var to yanglao.Date
	err := row.Scan(&a.ID, &a.RegionCode, &a.RegionPath, &a.Category, &statuses, &a.MinAge, &a.MinGrade, &a.Unit, &a.Amount,
		&a.ValidFrom, &to, &a.Source, &a.Note, &a.CreatedAt)
	a.Statuses, a.ValidTo = splitList(statuses), to
	return a, err
}

// Allowances lists the rules that apply on a region (inherited from the nodes
// above it) and those configured under it, within the actor's scope.
func (s *HomeCareService) Allowances(ctx context.Context, f yanglao.AllowanceFilter) ([]*yanglao.ServiceAllowance, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if f.RegionCode == "" {
		f.RegionCode = a.RegionCode
	}
	if f.Category != "" {
		if _, ok := yanglao.ServiceCategoryOf(f.Category); !ok {
			return nil, yanglao.Invalid("category", "未知服务类别 (unknown service category)")
		}
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var path string
	if f.RegionCode == "" { // the system itself: every rule
		path = "/"
	} else if path, err = tx.regionPath(ctx, "region", f.RegionCode); err != nil {
		return nil, err
	}
	if !a.SeesPath(path) && !yanglao.PathContains(path, a.RegionPath) {
		return nil, yanglao.Invalid("region", "区划不在您的辖区内 (region is outside your scope)")
	}
	anc, args := inArgs(ancestorPaths(path))
	lo, hi := pathRange(path)
	where := `(region_path IN (` + anc + `) OR (region_path >= ? AND region_path < ?))`
	if path == "/" {
		where, args = "1=1", nil
	} else {
		args = append(args, lo, hi)
	}
	if f.Category != "" {
		where, args = where+` AND category = ?`, append(args, f.Category)
	}
	if !f.On.IsZero() {
		where, args = where+` AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)`, append(args, f.On.String(), f.On.String())
	}
	out, err := queryAll(ctx, tx, scanAllowance, `SELECT `+allowanceCols+` FROM service_allowances WHERE `+where+
		` ORDER BY region_path, category, valid_from, id`, args...)
	if err != nil {
		return nil, err
	}
	// Rules below the region are shown only where the actor may see them.
	return slices.DeleteFunc(out, func(r *yanglao.ServiceAllowance) bool {
		return !a.SeesPath(r.RegionPath) && !yanglao.PathContains(r.RegionPath, path)
	}), nil
}

// AddAllowance configures a rule on a region in the official's subtree. Rules of
// one region and category that overlap in time must share a unit, so "the
// largest allowance" is always a comparison of like with like.
func (s *HomeCareService) AddAllowance(ctx context.Context, r *yanglao.ServiceAllowance) error {
	a, err := officialOnly(ctx, "设定政府购买服务额度", "configure government-paid allowances")
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if r.RegionPath, err = tx.regionPath(ctx, "region_code", r.RegionCode); err != nil {
		return err
	}
	if !a.SeesPath(r.RegionPath) {
		return yanglao.Invalid("region_code", "只能为本辖区设定额度 (you can configure allowances only inside your region)")
	}
	to := "9999-12-31"
	if !r.ValidTo.IsZero() {
		to = r.ValidTo.String()
	}
	var other int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM service_allowances WHERE region_path = ? AND category = ? AND unit <> ?
		AND valid_from <= ? AND COALESCE(valid_to, '9999-12-31') >= ?`, r.RegionPath, r.Category, r.Unit, to, r.ValidFrom.String()).Scan(&other); err != nil {
		return err
	}
	if other > 0 {
		return yanglao.Invalid("unit", "同一区划同一类别同一时期的额度须使用同一单位 (rules of one region and category in one period must use one unit)")
	}
	r.CreatedAt = tx.now
	if r.ID, err = tx.insertID(ctx, `INSERT INTO service_allowances (region_code, region_path, county_code, category, statuses, min_age, min_grade, unit, amount,
		valid_from, valid_to, source, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.RegionCode, r.RegionPath, countyOfPath(r.RegionPath, r.RegionCode), r.Category, joinList(r.Statuses), r.MinAge, r.MinGrade, r.Unit, r.Amount,
		r.ValidFrom.String(), nullDate(r.ValidTo), r.Source, r.Note, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "service_allowance", strconv.FormatInt(r.ID, 10),
		fmt.Sprintf("region=%s category=%s statuses=%s min_age=%d min_grade=%v %d %s from %s to %s source=%s",
			r.RegionCode, r.Category, joinList(r.Statuses), r.MinAge, gradeText(r.MinGrade), r.Amount, r.Unit, r.ValidFrom, r.ValidTo, r.Source)); err != nil {
		return err
	}
	return tx.Commit()
}

func gradeText(g *int) string {
	if g == nil {
		return "-"
	}
	return strconv.Itoa(*g)
}

// EndAllowance closes a rule on end (rules are never deleted: past months stay explainable).
func (s *HomeCareService) EndAllowance(ctx context.Context, id int64, end yanglao.Date) error {
	a, err := officialOnly(ctx, "修改政府购买服务额度", "change government-paid allowances")
	if err != nil {
		return err
	}
	if end.IsZero() {
		return yanglao.Invalid("end", "请填写截止日期 (end is required)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := scanAllowance(tx.QueryRow(ctx, `SELECT `+allowanceCols+` FROM service_allowances WHERE id = ?`, id))
	if err != nil {
		return notFound(err, "额度规则", "allowance rule")
	}
	if !a.SeesPath(r.RegionPath) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "额度规则不存在 (allowance rule not found)")
	}
	if end.Before(r.ValidFrom) {
		return yanglao.Invalid("end", "截止日期早于生效日期 (end is before valid_from)")
	}
	if !r.ValidTo.IsZero() && r.ValidTo.Before(end) {
		return yanglao.Invalid("end", "规则已于 %s 截止 (the rule already ends on %s)", r.ValidTo, r.ValidTo)
	}
	if _, err := tx.Exec(ctx, `UPDATE service_allowances SET valid_to = ? WHERE id = ?`, end.String(), id); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "service_allowance", strconv.FormatInt(id, 10), "ends "+end.String()); err != nil {
		return err
	}
	return tx.Commit()
}

// PersonAllowance is monthlyAllowance for a person in the actor's register scope.
func (s *HomeCareService) PersonAllowance(ctx context.Context, personID int64, category, month string) (*yanglao.MonthlyAllowance, error) {
	if _, ok := yanglao.ServiceCategoryOf(category); !ok {
		return nil, yanglao.Invalid("category", "未知服务类别 (unknown service category)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.person(ctx, personID); err != nil {
		return nil, err
	}
	m, err := parseMonthOr(month, thisMonth(tx))
	if err != nil {
		return nil, err
	}
	ma, err := monthlyAllowance(ctx, tx, personID, category, m)
	if err != nil {
		return nil, err
	}
	return &ma, nil
}

// monthlyAllowance is what the government buys for a person in a category and
// month (before what was used is subtracted; the orders module does that). The
// rules on the person's residence path that are in force in the month are
// taken from the deepest node that has any for the category (a more specific
// region overrides); of those the person meets, the largest amount applies.
// A person meets a rule holding one of its statuses on any day of the month,
// being MinAge by the month's last day (an age threshold counts from the
// birthday's month, DESIGN §4), and having a valid assessment grade at least
// MinGrade at the month's start. No scope check: callers have made theirs.
func monthlyAllowance(ctx context.Context, tx *Tx, personID int64, category string, m benefits.Month) (yanglao.MonthlyAllowance, error) {
	out := yanglao.MonthlyAllowance{PersonID: personID, Category: category, Month: m.String()}
	if _, ok := yanglao.ServiceCategoryOf(category); !ok {
		return out, yanglao.Invalid("category", "未知服务类别 (unknown service category)")
	}
	first, last := m.First(), m.Last()
	var path, life string
	var birth, death, moved, gradeUntil yanglao.Date
	var grade *int
	if err := tx.QueryRow(ctx, `SELECT residence_path, birth_date, life_status, death_date, moved_out_date, grade, grade_valid_until FROM people WHERE id = ?`,
		personID).Scan(&path, &birth, &life, &death, &moved, &grade, &gradeUntil); err != nil {
		return out, notFound(err, "老年人", "person")
	}
	if life == yanglao.Deceased && !death.IsZero() && death.Before(first) {
		out.Why = "本月前已去世，无额度 (died before the month: no allowance)"
		return out, nil
	}
	if life == yanglao.MovedOut && !moved.IsZero() && moved.Before(first) {
		out.Why = "本月前已迁出，无额度 (moved away before the month: no allowance)"
		return out, nil
	}
	anc, args := inArgs(ancestorPaths(path))
	rules, err := queryAll(ctx, tx, scanAllowance, `SELECT `+allowanceCols+` FROM service_allowances WHERE region_path IN (`+anc+`)
		AND category = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY region_path DESC, amount DESC, id`,
		append(args, category, last.String(), first.String())...)
	if err != nil {
		return out, err
	}
	if len(rules) == 0 {
		out.Why = "本地区未设定该类别的政府购买服务额度 (no allowance is configured for this category here)"
		return out, nil
	}
	deepest := rules[0].RegionPath
	held := map[string]bool{}
	sts, err := queryAll(ctx, tx, func(r scanner) (string, error) { var k string; err := r.Scan(&k); return k, err },
		`SELECT kind FROM person_statuses WHERE person_id = ? AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)`, personID, last.String(), first.String())
	if err != nil {
		return out, err
	}
	for _, k := range sts {
		held[k] = true
	}
	age := yanglao.AgeOn(birth, last)
	if grade != nil && (gradeUntil.IsZero() || gradeUntil.Before(first)) {
		grade = nil // an expired assessment is redone, not trusted
	}
	var misses []string
	for _, r := range rules {
		if r.RegionPath != deepest {
			break // rules above the deepest configured node are overridden
		}
		if why := allowanceMiss(r, held, age, grade); why != "" {
			misses = append(misses, fmt.Sprintf("#%d %s", r.ID, why))
			continue
		}
		out.Unit, out.Amount, out.Rule = r.Unit, r.Amount, r
		amount := fmt.Sprintf("%d 分/月 (fen a month)", r.Amount)
		if r.Unit == yanglao.UnitMinutes {
			amount = fmt.Sprintf("%d 分钟/月 (minutes a month)", r.Amount)
		}
		out.Why = fmt.Sprintf("按区划 %s 的规则 #%d：%s（依据：%s） (rule #%d of region %s applies)", r.RegionCode, r.ID, amount, r.Source, r.ID, r.RegionCode)
		return out, nil
	}
	out.Why = "不符合本地区任何额度规则 (meets no allowance rule here): " + strings.Join(misses, "；")
	return out, nil
}

// allowanceMiss says which condition of r the person fails, or "" when none.
func allowanceMiss(r *yanglao.ServiceAllowance, held map[string]bool, age int, grade *int) string {
	if len(r.Statuses) > 0 && !slices.ContainsFunc(r.Statuses, func(k string) bool { return held[k] }) {
		return "无所需身份 " + joinList(r.Statuses) + " (no required status)"
	}
	if r.MinAge > 0 && age < r.MinAge {
		return fmt.Sprintf("未满%d周岁 (under %d)", r.MinAge, r.MinAge)
	}
	if r.MinGrade != nil && (grade == nil || *grade < *r.MinGrade) {
		return fmt.Sprintf("能力等级未达%d级 (no valid grade of at least %d)", *r.MinGrade, *r.MinGrade)
	}
	return ""
}

// ---- Providers ----

// providerOrg reads a provider organisation the actor may see.
func (tx *Tx) providerOrg(ctx context.Context, orgID int64) (*yanglao.Org, error) {
	o, err := scanOrg(tx.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, orgID))
	if err != nil {
		return nil, notFound(err, "服务组织", "provider")
	}
	if err := mayTouch(ctx, o.RegionPath, &o.ID, "服务组织", "provider"); err != nil {
		return nil, err
	}
	if o.Kind != yanglao.OrgProvider {
		return nil, yanglao.Invalid("org_id", "该机构不是居家服务组织 (this organisation is not a home-care provider)")
	}
	return o, nil
}

// mayManageProvider: officials whose subtree holds the provider, and the provider's own dispatchers.
func mayManageProvider(a *yanglao.Actor, o *yanglao.Org) error {
	if isOfficial(a) && a.OrgID == nil && a.SeesPath(o.RegionPath) {
		return nil
	}
	if a.Role == yanglao.RoleDispatcher && a.OrgID != nil && *a.OrgID == o.ID {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "无权管理该服务组织 (not allowed to manage this provider)")
}

// Provider is the provider's page: coverage, items and prices, contracts, certified rate.
func (s *HomeCareService) Provider(ctx context.Context, orgID int64) (*yanglao.ProviderProfile, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := tx.providerOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	p := &yanglao.ProviderProfile{Org: o}
	if p.Coverage, err = queryAll(ctx, tx, func(r scanner) (*yanglao.ProviderCoverage, error) {
		c := &yanglao.ProviderCoverage{}
		err := r.Scan(&c.OrgID, &c.RegionCode, &c.RegionPath, &c.RegionName)
		return c, err
	}, `SELECT pc.org_id, pc.region_code, pc.region_path, g.name FROM provider_coverage pc JOIN regions g ON g.code = pc.region_code
		WHERE pc.org_id = ? ORDER BY pc.region_path`, orgID); err != nil {
		return nil, err
	}
	if p.Items, err = queryAll(ctx, tx, scanProviderItem, `SELECT `+providerItemCols+` FROM provider_items pi JOIN service_items si ON si.id = pi.item_id
		WHERE pi.org_id = ? ORDER BY si.sort, si.id`, orgID); err != nil {
		return nil, err
	}
	if p.Contracts, err = tx.contracts(ctx, orgID); err != nil {
		return nil, err
	}
	rates, err := tx.certifiedRates(ctx, "o.id = ?", []any{orgID}, yanglao.DateOf(tx.now))
	if err != nil {
		return nil, err
	}
	p.Rate = rates[0]
	return p, nil
}

const providerItemCols = `pi.id, pi.org_id, pi.item_id, si.code, si.name, pi.price_fen, pi.minutes, pi.active, pi.updated_at`

func scanProviderItem(r scanner) (*yanglao.ProviderItem, error) {
	p := &yanglao.ProviderItem{}
	err := r.Scan(&p.ID, &p.OrgID, &p.ItemID, &p.ItemCode, &p.ItemName, &p.PriceFen, &p.Minutes, &p.Active, &p.UpdatedAt)
	return p, err
}

func (tx *Tx) contracts(ctx context.Context, orgID int64) ([]*yanglao.ProviderContract, error) {
	cs, err := queryAll(ctx, tx, func(r scanner) (*yanglao.ProviderContract, error) {
		c := &yanglao.ProviderContract{ItemIDs: []int64{}}
		err := r.Scan(&c.ID, &c.OrgID, &c.Number, &c.RegionCode, &c.RegionPath, &c.Start, &c.End, &c.Note, &c.CreatedAt)
		return c, err
	}, `SELECT id, org_id, number, region_code, region_path, start_date, end_date, note, created_at FROM provider_contracts WHERE org_id = ? ORDER BY start_date DESC, id`, orgID)
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	byID := map[int64]*yanglao.ProviderContract{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	type ci struct {
		contract, item int64
		code           string
	}
	items, err := queryAll(ctx, tx, func(r scanner) (ci, error) { var v ci; err := r.Scan(&v.contract, &v.item, &v.code); return v, err },
		`SELECT ci.contract_id, ci.item_id, si.code FROM provider_contract_items ci JOIN provider_contracts c ON c.id = ci.contract_id
		JOIN service_items si ON si.id = ci.item_id WHERE c.org_id = ? ORDER BY ci.contract_id, si.sort, si.id`, orgID)
	if err != nil {
		return nil, err
	}
	for _, v := range items {
		c := byID[v.contract]
		c.ItemIDs, c.ItemCodes = append(c.ItemIDs, v.item), append(c.ItemCodes, v.code)
	}
	return cs, nil
}

// SetCoverage adds (covered) or removes a region whose subtree the provider
// serves. Officials only, and only inside their own subtree.
func (s *HomeCareService) SetCoverage(ctx context.Context, orgID int64, regionCode string, covered bool) error {
	a, err := officialOnly(ctx, "设定服务组织的服务范围", "set a provider's coverage")
	if err != nil {
		return err
	}
	if err := yanglao.CheckRegionCode("region_code", regionCode); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := tx.providerOrg(ctx, orgID)
	if err != nil {
		return err
	}
	path, err := tx.regionPath(ctx, "region_code", regionCode)
	if err != nil {
		return err
	}
	if !a.SeesPath(path) {
		return yanglao.Invalid("region_code", "服务范围只能在您的辖区内 (coverage must lie inside your region)")
	}
	detail := "covers " + regionCode
	if covered {
		if _, err := tx.Exec(ctx, `INSERT INTO provider_coverage (org_id, region_code, region_path, county_code, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, region_path) DO NOTHING`, o.ID, regionCode, path, countyOfPath(path, regionCode), tx.now); err != nil {
			return err
		}
	} else {
		detail = "no longer covers " + regionCode
		if _, err := tx.Exec(ctx, `DELETE FROM provider_coverage WHERE org_id = ? AND region_path = ?`, o.ID, path); err != nil {
			return err
		}
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "org", strconv.FormatInt(o.ID, 10), detail); err != nil {
		return err
	}
	return tx.Commit()
}

// SetProviderItem sets the price (and duration) at which a provider offers an item.
// Officials in scope and the provider's own dispatchers set prices.
func (s *HomeCareService) SetProviderItem(ctx context.Context, p *yanglao.ProviderItem) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := tx.providerOrg(ctx, p.OrgID)
	if err != nil {
		return err
	}
	if err := mayManageProvider(a, o); err != nil {
		return err
	}
	it, err := tx.serviceItem(ctx, p.ItemID)
	if err != nil {
		return yanglao.Invalid("item_id", "服务项目不存在 (service item not found)")
	}
	if p.Active && !it.Active {
		return yanglao.Invalid("item_id", "该项目已停用 (this item is withdrawn from the catalogue)")
	}
	if p.ID, err = tx.insertID(ctx, `INSERT INTO provider_items (org_id, item_id, county_code, price_fen, minutes, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, item_id) DO UPDATE SET price_fen = excluded.price_fen, minutes = excluded.minutes, active = excluded.active, updated_at = excluded.updated_at`,
		o.ID, p.ItemID, countyOfPath(o.RegionPath, o.RegionCode), p.PriceFen, p.Minutes, p.Active, tx.now); err != nil {
		return err
	}
	p.ItemCode, p.ItemName, p.UpdatedAt = it.Code, it.Name, tx.now
	if err := tx.audit(ctx, yanglao.AuditUpdate, "org", strconv.FormatInt(o.ID, 10),
		fmt.Sprintf("item %s price_fen=%d minutes=%d active=%t", it.Code, p.PriceFen, p.Minutes, p.Active)); err != nil {
		return err
	}
	return tx.Commit()
}

// AddContract records a government purchase contract. Officials only, for a
// region in their subtree, and only for items the provider offers.
func (s *HomeCareService) AddContract(ctx context.Context, c *yanglao.ProviderContract) error {
	a, err := officialOnly(ctx, "登记政府购买服务合同", "record government purchase contracts")
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o, err := tx.providerOrg(ctx, c.OrgID)
	if err != nil {
		return err
	}
	if c.RegionPath, err = tx.regionPath(ctx, "region_code", c.RegionCode); err != nil {
		return err
	}
	if !a.SeesPath(c.RegionPath) {
		return yanglao.Invalid("region_code", "只能以本辖区政府的名义签订合同 (contracts are made for a region inside yours)")
	}
	in, args := inArgs(c.ItemIDs)
	codes, err := queryAll(ctx, tx, func(r scanner) (string, error) { var v string; err := r.Scan(&v); return v, err },
		`SELECT si.code FROM provider_items pi JOIN service_items si ON si.id = pi.item_id WHERE pi.org_id = ? AND pi.active = TRUE AND pi.item_id IN (`+in+`)
		ORDER BY si.sort, si.id`, append([]any{o.ID}, args...)...)
	if err != nil {
		return err
	}
	if len(codes) != len(c.ItemIDs) {
		return yanglao.Invalid("item_ids", "合同项目须是该组织在提供的项目 (every contracted item must be one the provider offers)")
	}
	var clash int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM provider_contracts WHERE org_id = ? AND number = ?`, o.ID, c.Number).Scan(&clash); err != nil {
		return err
	}
	if clash > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "number", Message: "该合同编号已登记 (this contract number is already recorded)"}
	}
	c.CreatedAt, c.ItemCodes = tx.now, codes
	if c.ID, err = tx.insertID(ctx, `INSERT INTO provider_contracts (org_id, number, region_code, region_path, county_code, start_date, end_date, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, c.Number, c.RegionCode, c.RegionPath, countyOfPath(c.RegionPath, c.RegionCode),
		c.Start.String(), c.End.String(), c.Note, tx.now); err != nil {
		return err
	}
	for _, id := range c.ItemIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO provider_contract_items (contract_id, item_id) VALUES (?, ?)`, c.ID, id); err != nil {
			return err
		}
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "provider_contract", strconv.FormatInt(c.ID, 10),
		fmt.Sprintf("org=%d number=%s region=%s %s..%s items=%s", o.ID, c.Number, c.RegionCode, c.Start, c.End, joinList(codes))); err != nil {
		return err
	}
	return tx.Commit()
}

// Offer is offerFor for an address's region code, for an actor who may see the provider.
func (s *HomeCareService) Offer(ctx context.Context, providerID, itemID int64, regionCode string) (*yanglao.ServiceOffer, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.providerOrg(ctx, providerID); err != nil {
		return nil, err
	}
	path, err := tx.regionPath(ctx, "region_code", regionCode)
	if err != nil {
		return nil, err
	}
	o, err := offerFor(ctx, tx, providerID, itemID, path)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// offerFor is offerOn for the transaction's day.
func offerFor(ctx context.Context, tx *Tx, providerID, itemID int64, regionPath string) (yanglao.ServiceOffer, error) {
	return offerOn(ctx, tx, providerID, itemID, regionPath, yanglao.DateOf(tx.now))
}

// offerOn is what providerID charges for itemID at an address whose region has
// regionPath, and the government contract valid on day that covers it. It refuses,
// naming the reason, a provider that does not cover the address or does not
// offer the item. A missing contract is not a refusal (families may pay
// themselves): the offer says why in NoContract, and RequireContract refuses.
// No scope check: callers have made theirs.
func offerOn(ctx context.Context, tx *Tx, providerID, itemID int64, regionPath string, day yanglao.Date) (yanglao.ServiceOffer, error) {
	o := yanglao.ServiceOffer{ProviderID: providerID, ItemID: itemID}
	var kind string
	if err := tx.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = ?`, providerID).Scan(&kind); err != nil {
		return o, notFound(err, "服务组织", "provider")
	}
	if kind != yanglao.OrgProvider {
		return o, yanglao.Invalid("provider_id", "该机构不是居家服务组织 (this organisation is not a home-care provider)")
	}
	anc, ancArgs := inArgs(ancestorPaths(regionPath))
	if len(ancArgs) == 0 {
		return o, yanglao.Invalid("region_code", "服务地址的区划无效 (the address has no region)")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM provider_coverage WHERE org_id = ? AND region_path IN (`+anc+`)`,
		append([]any{providerID}, ancArgs...)...).Scan(&n); err != nil {
		return o, err
	}
	if n == 0 {
		return o, yanglao.Invalid("provider_id", "该服务组织不覆盖此地址 (the provider does not cover this address)")
	}
	var itemMinutes, ownMinutes int
	var piActive, siActive bool
	err := tx.QueryRow(ctx, `SELECT si.code, si.name, si.category, si.minutes, si.active, pi.price_fen, pi.minutes, pi.active
		FROM provider_items pi JOIN service_items si ON si.id = pi.item_id WHERE pi.org_id = ? AND pi.item_id = ?`, providerID, itemID).
		Scan(&o.ItemCode, &o.ItemName, &o.Category, &itemMinutes, &siActive, &o.PriceFen, &ownMinutes, &piActive)
	if isNoRows(err) || err == nil && (!piActive || !siActive) {
		return o, yanglao.Invalid("item_id", "该服务组织不提供此项目 (the provider does not offer this item)")
	} else if err != nil {
		return o, err
	}
	o.Minutes = itemMinutes
	if ownMinutes > 0 {
		o.Minutes = ownMinutes
	}
	var cid int64
	err = tx.QueryRow(ctx, `SELECT c.id, c.number FROM provider_contracts c JOIN provider_contract_items ci ON ci.contract_id = c.id
		WHERE c.org_id = ? AND ci.item_id = ? AND c.start_date <= ? AND c.end_date >= ? AND c.region_path IN (`+anc+`)
		ORDER BY c.end_date DESC, c.id LIMIT 1`, append([]any{providerID, itemID, day.String(), day.String()}, ancArgs...)...).Scan(&cid, &o.ContractNumber)
	switch {
	case isNoRows(err):
		o.NoContract = fmt.Sprintf("该服务组织在 %s 没有覆盖此项目和地址的有效政府购买服务合同 (no valid government contract covers this item at this address on %s)", day, day)
	case err != nil:
		return o, err
	default:
		o.ContractID = &cid
	}
	return o, nil
}
