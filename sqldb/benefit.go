package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/rules"
)

var _ yanglao.BenefitService = (*BenefitService)(nil)

// BenefitService stores the basic service lists (benefit_items), their
// parameters (benefit_params), entitlements and applications, and runs the
// engine of package benefits over the register. Scope: lists are published
// policy that every signed-in user may read, and officials edit those of
// their own subtree at province, city or county level; everything about a
// person follows the register's scope.
//
// A person is judged by the list and parameters in force at their county
// (counties publish lists and set local standards; townships do not).
type BenefitService struct {
	db *DB

	seeded atomic.Bool
	mu     sync.Mutex
	stamp  string
	cache  map[string]*compiled // region code → effective list and params
}

func NewBenefitService(db *DB) *BenefitService {
	return &BenefitService{db: db, cache: map[string]*compiled{}}
}

// compiled is a region's effective list and parameters, read-only once built.
type compiled struct {
	region *yanglao.Region
	list   *benefits.List
	items  []*yanglao.BenefitItem // every version, own and inherited
	owner  map[string]string      // item code → region code that publishes it
	params *benefits.Params
	prows  []*yanglao.BenefitParam
}

// --- the Chenzhou default list

// Demo parameter values for 郴州市, in fen per month. They are plausible
// orders of magnitude, NOT official figures: 郴州 2023 城市低保 was about 650元/月;
// the other local standards are placeholders for a demo until a county enters
// its own (benefit_params, through the list page or the API).
var chenzhouDemoParams = []struct {
	name     string
	from, to yanglao.Date
	fen      int64
}{
	{benefits.ParamDibao, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{Year: 2024, Month: 12, Day: 31}, 65000}, // demo: about 650元
	{benefits.ParamDibao, yanglao.Date{Year: 2025, Month: 1, Day: 1}, yanglao.Date{}, 68000},                               // demo
	{benefits.ParamCareSubsidy, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{}, 10000},                         // demo
	{benefits.ParamServiceSubsidy, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{}, 10000},                      // demo
	{benefits.ParamDisabledLiving, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{}, 9000},                       // demo
	{benefits.ParamDisabledCare, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{}, 9000},                         // demo
}

// Seed stores the Chenzhou list (benefits.Chenzhou) and the demo parameters at
// 郴州市 when no list is stored yet and the region exists. It is called on first
// use, and by migrate and demo; running it again changes nothing.
func (s *BenefitService) Seed(ctx context.Context) error {
	if s.seeded.Load() {
		return nil
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM benefit_items`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		s.seeded.Store(true)
		return nil
	}
	r, err := tx.region(ctx, benefits.ChenzhouRegion)
	if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
		return nil // a platform without 郴州 in its tree starts with no list
	} else if err != nil {
		return err
	}
	for _, it := range benefits.Chenzhou().Items() {
		if err := tx.insertItem(ctx, r, it, "system"); err != nil {
			return err
		}
	}
	for _, p := range chenzhouDemoParams {
		if _, err := tx.Exec(ctx, `INSERT INTO benefit_params (region_code, region_path, name, valid_from, valid_to, fen, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Code, r.Path, p.name, p.from, nullDate(p.to), p.fen, tx.now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.seeded.Store(true)
	return nil
}

func (tx *Tx) insertItem(ctx context.Context, r *yanglao.Region, it *benefits.Item, by string) error {
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO benefit_items (region_code, region_path, code, version, item_json, valid_from, valid_to, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (region_code, code, version) DO UPDATE SET item_json = excluded.item_json, valid_to = excluded.valid_to`,
		r.Code, r.Path, it.Code, it.Version, string(b), it.From, nullDate(it.To), by, tx.now)
	return err
}

// --- effective lists

// pathCodes are the region codes on a path, root first.
func pathCodes(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// loadCompiled builds a region's effective list and parameters inside tx.
func (tx *Tx) loadCompiled(ctx context.Context, r *yanglao.Region) (*compiled, error) {
	codes := pathCodes(r.Path)
	depth := map[string]int{}
	args := make([]any, len(codes))
	for i, c := range codes {
		depth[c], args[i] = i, c
	}
	type row struct {
		id         int64
		region, by string
		js         string
		at         yanglao.BenefitItem
	}
	rows, err := queryAll(ctx, tx, func(sc scanner) (*row, error) {
		r := &row{}
		err := sc.Scan(&r.id, &r.region, &r.js, &r.by, &r.at.CreatedAt)
		return r, err
	}, `SELECT id, region_code, item_json, created_by, created_at FROM benefit_items WHERE region_code IN (`+placeholders(len(codes))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	c := &compiled{region: r, owner: map[string]string{}}
	type parsed struct {
		row *row
		it  benefits.Item
	}
	var all []parsed
	for _, rw := range rows {
		var it benefits.Item
		if err := json.Unmarshal([]byte(rw.js), &it); err != nil {
			return nil, fmt.Errorf("benefit item %d: %w", rw.id, err)
		}
		all = append(all, parsed{rw, it})
		if o, ok := c.owner[it.Code]; !ok || depth[rw.region] > depth[o] {
			c.owner[it.Code] = rw.region
		}
	}
	c.list, err = benefits.NewList(r.Code, r.Name+"基本养老服务清单")
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if c.owner[p.it.Code] != p.row.region {
			continue
		}
		added, err := c.list.Add(p.it)
		if err != nil {
			return nil, fmt.Errorf("benefit item %d (%s v%d): %w", p.row.id, p.it.Code, p.it.Version, err)
		}
		bi := toBenefitItem(added)
		bi.ID, bi.Region, bi.Inherited, bi.CreatedBy, bi.CreatedAt = p.row.id, p.row.region, p.row.region != r.Code, p.row.by, p.row.at.CreatedAt
		c.items = append(c.items, bi)
	}
	sort.SliceStable(c.items, func(i, j int) bool {
		if c.items[i].Code != c.items[j].Code {
			return c.items[i].Code < c.items[j].Code
		}
		return c.items[i].Version < c.items[j].Version
	})
	// Parameters: per name, the values of the deepest region that sets any.
	prows, err := queryAll(ctx, tx, func(sc scanner) (*yanglao.BenefitParam, error) {
		p := &yanglao.BenefitParam{}
		var to yanglao.Date
		err := sc.Scan(&p.ID, &p.Region, &p.Name, &p.From, &to, &p.Fen, &p.CreatedAt)
		p.To = to
		return p, err
	}, `SELECT id, region_code, name, valid_from, valid_to, fen, created_at FROM benefit_params WHERE region_code IN (`+placeholders(len(codes))+`) ORDER BY name, valid_from, id`, args...)
	if err != nil {
		return nil, err
	}
	pown := map[string]string{}
	for _, p := range prows {
		if o, ok := pown[p.Name]; !ok || depth[p.Region] > depth[o] {
			pown[p.Name] = p.Region
		}
	}
	c.params = benefits.NewParams(r.Code)
	for _, p := range prows {
		if pown[p.Name] != p.Region {
			continue
		}
		if err := c.params.Set(p.Name, p.From, p.To, p.Fen); err != nil {
			return nil, fmt.Errorf("benefit param %d: %w", p.ID, err)
		}
		p.Inherited = p.Region != r.Code
		c.prows = append(c.prows, p)
	}
	return c, nil
}

func toBenefitItem(it *benefits.Item) *yanglao.BenefitItem {
	return &yanglao.BenefitItem{Code: it.Code, Version: it.Version, Name: it.Name, NameEN: it.NameEN, Target: it.Target,
		Content: it.Content, Type: it.Type.String(), Lead: it.Lead, Source: it.Source, From: it.From, To: it.To,
		Application: string(it.Application), Eligibility: it.Eligibility, Amount: it.Amount, Note: it.Note}
}

// listStamp changes whenever a list or a parameter is saved (both only ever
// insert a row when they change), so cached lists know they are stale.
func (tx *Tx) listStamp(ctx context.Context) (string, error) {
	var a, b, n int64
	err := tx.QueryRow(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM benefit_items), (SELECT COALESCE(MAX(id), 0) FROM benefit_params),
		(SELECT COUNT(*) FROM benefit_params)`).Scan(&a, &b, &n)
	return fmt.Sprint(a, "/", b, "/", n), err
}

// effective returns a region's compiled list, from the cache while no list
// or parameter has changed. The result is shared: never modify it.
func (s *BenefitService) effective(ctx context.Context, tx *Tx, code string) (*compiled, error) {
	stamp, err := tx.listStamp(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.stamp != stamp {
		s.stamp, s.cache = stamp, map[string]*compiled{}
	}
	c := s.cache[code]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	r, err := tx.region(ctx, code)
	if err != nil {
		return nil, err
	}
	if c, err = tx.loadCompiled(ctx, r); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.stamp == stamp {
		s.cache[code] = c
	}
	s.mu.Unlock()
	return c, nil
}

// EffectiveList is a region's list and parameters as the engine uses them, for
// other modules (the monthly batch). The list is shared: do not modify it.
func (s *BenefitService) EffectiveList(ctx context.Context, region string) (*benefits.List, *benefits.Params, error) {
	if err := s.Seed(ctx); err != nil {
		return nil, nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	c, err := s.effective(ctx, tx, region)
	if err != nil {
		return nil, nil, err
	}
	return c.list, c.params, nil
}

func canEditLists(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial)
}

func signedIn(ctx context.Context) (*yanglao.Actor, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	return a, nil
}

// BenefitList is a region's effective list, its parameters, and where it falls
// below its parent's (Chenzhou §1).
func (s *BenefitService) BenefitList(ctx context.Context, region string) (*yanglao.BenefitList, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if region == "" {
		region = a.RegionCode
		if region == "" {
			region = benefits.ChenzhouRegion
		}
	}
	if err := yanglao.CheckRegionCode("region", region); err != nil {
		return nil, err
	}
	if err := s.Seed(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := s.effective(ctx, tx, region)
	if err != nil {
		return nil, err
	}
	out := &yanglao.BenefitList{Region: c.region, Items: c.items, Params: c.prows, Violations: []*yanglao.BenefitViolation{},
		ParamNames: benefits.ParamNames(),
		CanEdit:    canEditLists(a) && a.SeesPath(c.region.Path) && c.region.Level <= yanglao.LevelCounty}
	if out.Items == nil {
		out.Items = []*yanglao.BenefitItem{}
	}
	if c.region.ParentCode == "" {
		return out, nil
	}
	pc, err := s.effective(ctx, tx, c.region.ParentCode)
	if err != nil {
		return nil, err
	}
	out.Parent = pc.region
	out.CheckedUnder = pc.region.Code
	for _, v := range checkAgainstParent(pc, c) {
		out.Violations = append(out.Violations, &yanglao.BenefitViolation{Kind: v.Kind, Code: v.Code, Name: v.Name,
			ParentVersion: v.ParentVersion, ChildVersion: v.ChildVersion, On: v.On, ZH: v.ZH, EN: v.EN, CaseZH: v.CaseZH, CaseEN: v.CaseEN})
	}
	return out, nil
}

// checkAgainstParent runs CheckInheritance on the codes where the child's list
// differs from the parent's: the codes the child publishes itself (the rest it
// inherits, so they cannot fall below).
func checkAgainstParent(parent, child *compiled) []benefits.Violation {
	own := map[string]bool{}
	for code, region := range child.owner {
		if region != parent.owner[code] {
			own[code] = true
		}
	}
	if len(own) == 0 {
		return nil
	}
	sub := func(c *compiled) *benefits.List {
		l, _ := benefits.NewList(c.region.Code, c.region.Name)
		for _, it := range c.list.Items() {
			if own[it.Code] {
				if _, err := l.Add(*it); err != nil {
					continue
				}
			}
		}
		return l
	}
	return benefits.CheckInheritance(sub(parent), sub(child))
}

// SaveBenefitItem publishes a new version of an item in a region's list.
func (s *BenefitService) SaveBenefitItem(ctx context.Context, region string, in *yanglao.BenefitItem) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if !canEditLists(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以修改服务清单 (only civil-affairs officials edit the service list)")
	}
	if err := yanglao.CheckRegionCode("region", region); err != nil {
		return err
	}
	if err := s.Seed(ctx); err != nil {
		return err
	}
	var typ benefits.ServiceType
	if err := typ.UnmarshalText([]byte(in.Type)); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := tx.region(ctx, region)
	if err != nil {
		return err
	}
	if !a.SeesPath(r.Path) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "区划 %s 不存在 (region %s not found)", region, region)
	}
	if r.Level > yanglao.LevelCounty {
		return yanglao.Invalid("region", "服务清单由省、市、县三级发布 (lists are published by provinces, cities and counties)")
	}
	c, err := tx.loadCompiled(ctx, r) // a fresh copy: Revise changes it
	if err != nil {
		return err
	}
	want := benefits.Item{Code: strings.TrimSpace(in.Code), Name: in.Name, NameEN: in.NameEN, Target: in.Target, Content: in.Content,
		Type: typ, Lead: in.Lead, Source: in.Source, From: in.From, To: in.To, Application: benefits.Application(in.Application),
		Eligibility: in.Eligibility, Amount: in.Amount, Note: in.Note}
	if want.Code == "" {
		return yanglao.Invalid("code", "请填写项目编码 (code is required)")
	}
	if want.From.IsZero() {
		return yanglao.Invalid("from", "请填写新版本的生效日期 (from is required)")
	}
	var saved *benefits.Item
	if c.list.At(want.Code, want.From) != nil {
		saved, err = c.list.Revise(want.Code, want.From, func(it *benefits.Item) {
			to := it.To
			*it = want
			if want.To.IsZero() {
				it.To = to
			}
		})
	} else {
		saved, err = c.list.Add(want)
	}
	if err != nil {
		return err
	}
	// The region now publishes every version of the code: its own, or copies
	// of the inherited ones it revises (List.Derive).
	for _, it := range c.list.History(want.Code) {
		if err := tx.insertItem(ctx, r, it, a.Username); err != nil {
			return err
		}
	}
	detail := fmt.Sprintf("%s %s 第%d版 自 %s", saved.Code, saved.Name, saved.Version, saved.From)
	if err := tx.audit(ctx, yanglao.AuditCreate, "benefit_item", region+"/"+saved.Code, detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	*in = *toBenefitItem(saved)
	in.Region = region
	return nil
}

// CheckBenefitRule compiles a rule without saving.
func (s *BenefitService) CheckBenefitRule(ctx context.Context, field, rule string) error {
	if _, err := signedIn(ctx); err != nil {
		return err
	}
	if field != "eligibility" && field != "amount" {
		return yanglao.Invalid("field", "field 应为 eligibility 或 amount (field must be eligibility or amount)")
	}
	if strings.TrimSpace(rule) == "" {
		return yanglao.Invalid(field, "规则为空 (the rule is empty)")
	}
	return benefits.CheckRule(field, rule)
}

// SetBenefitParam adds a dated value of a parameter for a region. Values of
// one parameter in one region never overlap.
func (s *BenefitService) SetBenefitParam(ctx context.Context, p *yanglao.BenefitParam) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if !canEditLists(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以修改标准 (only civil-affairs officials set standards)")
	}
	if err := yanglao.CheckRegionCode("region", p.Region); err != nil {
		return err
	}
	if err := s.Seed(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := tx.region(ctx, p.Region)
	if err != nil {
		return err
	}
	if !a.SeesPath(r.Path) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "区划 %s 不存在 (region %s not found)", p.Region, p.Region)
	}
	if r.Level > yanglao.LevelCounty {
		return yanglao.Invalid("region", "标准由省、市、县三级设定 (standards are set by provinces, cities and counties)")
	}
	// Check against the region's own values with the engine's rules.
	own := benefits.NewParams(r.Code)
	rows, err := queryAll(ctx, tx, func(sc scanner) (*yanglao.BenefitParam, error) {
		q := &yanglao.BenefitParam{}
		var to yanglao.Date
		err := sc.Scan(&q.From, &to, &q.Fen)
		q.To = to
		return q, err
	}, `SELECT valid_from, valid_to, fen FROM benefit_params WHERE region_code = ? AND name = ?`, r.Code, p.Name)
	if err != nil {
		return err
	}
	for _, q := range rows {
		if err := own.Set(p.Name, q.From, q.To, q.Fen); err != nil {
			return err
		}
	}
	if err := own.Set(p.Name, p.From, p.To, p.Fen); err != nil {
		return err
	}
	if p.ID, err = tx.insertID(ctx, `INSERT INTO benefit_params (region_code, region_path, name, valid_from, valid_to, fen, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Code, r.Path, p.Name, p.From, nullDate(p.To), p.Fen, tx.now); err != nil {
		return err
	}
	p.CreatedAt = tx.now
	if err := tx.audit(ctx, yanglao.AuditCreate, "benefit_param", r.Code+"/"+p.Name,
		fmt.Sprintf("%s %s 起 %s元", p.Name, p.From, rules.FormatFen(p.Fen))); err != nil {
		return err
	}
	return tx.Commit()
}

// --- facts of people

// subject is one person as the engine sees them.
type subject struct {
	id              int64
	name            string
	county          string
	residence, path string
	life            string
	s               benefits.Subject
}

const subjectCols = `p.id, p.name, p.county_code, p.residence_code, p.residence_path, COALESCE(p.household_code, ''), COALESCE(h.path, ''),
	p.sex, p.birth_date, p.living, p.disability_grade, p.chronic, p.life_status, p.death_date, p.moved_out_date`

const subjectFrom = ` FROM people p LEFT JOIN regions h ON h.code = p.household_code`

func scanSubject(sc scanner) (*subject, error) {
	x := &subject{}
	var chronic string
	var death, moved yanglao.Date
	err := sc.Scan(&x.id, &x.name, &x.county, &x.residence, &x.path, &x.s.Household, &x.s.HouseholdPath,
		&x.s.Sex, &x.s.Birth, &x.s.Living, &x.s.DisabilityGrade, &chronic, &x.life, &death, &moved)
	x.s.Residence, x.s.ResidencePath = x.residence, x.path
	x.s.Chronic = splitList(chronic)
	if x.life == yanglao.Deceased {
		x.s.Death = death
	}
	if x.life == yanglao.MovedOut {
		x.s.MovedOut = moved
	}
	return x, err
}

// loadSubjects reads people matching where (over "people p") with their
// statuses and assessment grades: three queries whatever the number of people.
func loadSubjects(ctx context.Context, tx *Tx, where string, args ...any) ([]*subject, error) {
	people, err := queryAll(ctx, tx, scanSubject, `SELECT `+subjectCols+subjectFrom+` WHERE `+where+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*subject, len(people))
	for _, x := range people {
		byID[x.id] = x
	}
	rows, err := tx.Query(ctx, `SELECT s.person_id, s.kind, s.start_date, s.end_date FROM person_statuses s JOIN people p ON p.id = s.person_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var sp benefits.Span
		var end yanglao.Date
		if err := rows.Scan(&id, &sp.Kind, &sp.Start, &end); err != nil {
			rows.Close()
			return nil, err
		}
		sp.End = end
		if x := byID[id]; x != nil {
			x.s.Statuses = append(x.s.Statuses, sp)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT a.person_id, a.final_grade, a.assessed_on, a.valid_until FROM assessments a JOIN people p ON p.id = a.person_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var g benefits.GradeSpan
		if err := rows.Scan(&id, &g.Grade, &g.From, &g.Until); err != nil {
			return nil, err
		}
		if x := byID[id]; x != nil {
			x.s.Grades = append(x.s.Grades, g)
		}
	}
	return people, rows.Err()
}

func thisMonth(tx *Tx) benefits.Month { return benefits.MonthOf(yanglao.DateOf(tx.now)) }

func parseMonthOr(s string, def benefits.Month) (benefits.Month, error) {
	if s == "" {
		return def, nil
	}
	return benefits.ParseMonth(s)
}

func prevMonth(m benefits.Month) benefits.Month {
	if m.Month == 1 {
		return benefits.Month{Year: m.Year - 1, Month: 12}
	}
	return benefits.Month{Year: m.Year, Month: m.Month - 1}
}

func markName(m rules.Mark) string {
	switch m {
	case rules.Held:
		return "held"
	case rules.Failed:
		return "failed"
	}
	return ""
}

// --- explanations

// PersonEntitlements decides every item of the person's county list for a month.
func (s *BenefitService) PersonEntitlements(ctx context.Context, personID int64, month string) (*yanglao.PersonEntitlements, error) {
	if err := s.Seed(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	x, c, m, err := s.personAndList(ctx, tx, personID, month)
	if err != nil {
		return nil, err
	}
	out := &yanglao.PersonEntitlements{PersonID: x.id, Month: m.String(), County: x.county, Items: []*yanglao.ItemDecision{}}
	if out.Held, err = tx.entitlementsOf(ctx, x.id); err != nil {
		return nil, err
	}
	if out.Applications, err = tx.applications(ctx, "a.person_id = ?", []any{x.id}, 0, 100); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, it := range c.list.Items() {
		if seen[it.Code] {
			continue
		}
		seen[it.Code] = true
		d, err := decide(c, x, it.Code, m, out.Held)
		if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
			continue // no version in force that month
		} else if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, d)
		if d.Eligible && d.Entitlement != nil && d.Cash {
			out.TotalFen += d.AmountFen
		}
	}
	return out, nil
}

// ExplainEntitlement decides one item for a person and month.
func (s *BenefitService) ExplainEntitlement(ctx context.Context, personID int64, code, month string) (*yanglao.ItemDecision, error) {
	if err := s.Seed(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	x, c, m, err := s.personAndList(ctx, tx, personID, month)
	if err != nil {
		return nil, err
	}
	held, err := tx.entitlementsOf(ctx, x.id)
	if err != nil {
		return nil, err
	}
	return decide(c, x, code, m, held)
}

func (s *BenefitService) personAndList(ctx context.Context, tx *Tx, personID int64, month string) (*subject, *compiled, benefits.Month, error) {
	m, err := parseMonthOr(month, thisMonth(tx))
	if err != nil {
		return nil, nil, m, err
	}
	if _, err := tx.person(ctx, personID); err != nil { // the register's scope
		return nil, nil, m, err
	}
	xs, err := loadSubjects(ctx, tx, "p.id = ?", personID)
	if err != nil {
		return nil, nil, m, err
	}
	if len(xs) == 0 {
		return nil, nil, m, yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
	}
	x := xs[0]
	c, err := s.effective(ctx, tx, x.county)
	if err != nil {
		return nil, nil, m, err
	}
	x.s.Params = c.params
	return x, c, m, nil
}

// decide explains one item and attaches the entitlement that covers the month.
func decide(c *compiled, x *subject, code string, m benefits.Month, held []*yanglao.Entitlement) (*yanglao.ItemDecision, error) {
	ok, fen, ex, err := c.list.Explain(&x.s, code, m)
	if ex == nil {
		if err == nil {
			err = yanglao.Errorf(yanglao.ENOTFOUND, "项目 %s 不存在 (item %s not found)", code, code)
		}
		return nil, err
	}
	it := c.list.At(code, ex.RefDay)
	if it == nil {
		it = c.list.At(code, m.Last())
	}
	d := &yanglao.ItemDecision{Code: ex.Code, Name: ex.Name, Version: ex.Version, Region: c.owner[code], Source: ex.Source,
		Month: m.String(), RefDay: ex.RefDay, Eligible: ok, AmountFen: fen, Lines: make([]yanglao.ExplainLine, 0, len(ex.Lines))}
	if it != nil {
		d.Application, d.Cash = string(it.Application), it.Cash()
	}
	if err != nil {
		d.Error = yanglao.ErrorMessage(err)
		var re *rules.Error
		if errors.As(err, &re) {
			d.Error = re.Error()
		}
	}
	for _, l := range ex.Lines {
		d.Lines = append(d.Lines, yanglao.ExplainLine{Depth: l.Depth, ZH: l.ZH, EN: l.EN, Mark: markName(l.Mark)})
	}
	for _, e := range held {
		if e.ItemCode == code && e.Covers(d.Month) {
			d.Entitlement = e
		}
	}
	return d, nil
}

const entitlementCols = `id, person_id, county_code, item_code, from_month, COALESCE(to_month, ''), source, application_id, end_reason, created_at, ended_at`

func scanEntitlement(sc scanner) (*yanglao.Entitlement, error) {
	e := &yanglao.Entitlement{}
	err := sc.Scan(&e.ID, &e.PersonID, &e.CountyCode, &e.ItemCode, &e.FromMonth, &e.ToMonth, &e.Source, &e.ApplicationID, &e.EndReason, &e.CreatedAt, &e.EndedAt)
	return e, err
}

func (tx *Tx) entitlementsOf(ctx context.Context, personID int64) ([]*yanglao.Entitlement, error) {
	return queryAll(ctx, tx, scanEntitlement, `SELECT `+entitlementCols+` FROM entitlements WHERE person_id = ? ORDER BY from_month DESC, id DESC`, personID)
}

// --- silent granting

const (
	cursorLifeEvents = "benefits.grant.life_events"
	cursorSince      = "benefits.grant.since"
	// maxBackMonths bounds how far silent granting backdates a start: a status
	// entered late counts from the month it began, within a year, and never
	// before the month silent granting first ran (no arrears from before the
	// platform).
	maxBackMonths = 12
)

// GrantSilently is the daily job (see yanglao.BenefitService).
func (s *BenefitService) GrantSilently(ctx context.Context, on yanglao.Date) (*yanglao.GrantReport, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Unrestricted() {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "静默认证由系统每日运行 (silent granting is run by the platform)")
	}
	if on.IsZero() {
		return nil, yanglao.Invalid("date", "请给出日期 (date is required)")
	}
	if err := s.Seed(ctx); err != nil {
		return nil, err
	}
	m := benefits.MonthOf(on)
	rep := &yanglao.GrantReport{Date: on, Month: m.String()}

	// The outbox of deaths and moves: who to re-check, and why they left.
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	since, err := tx.cursor(ctx, cursorSince)
	if err == nil && since == "" {
		since = m.String()
		err = tx.setCursor(ctx, cursorSince, since)
	}
	var last int64
	if err == nil {
		var v string
		v, err = tx.cursor(ctx, cursorLifeEvents)
		last, _ = strconv.ParseInt(v, 10, 64)
	}
	if err == nil {
		err = tx.Commit()
	}
	tx.Rollback()
	if err != nil {
		return nil, err
	}
	sinceM, _ := benefits.ParseMonth(since)
	events := map[int64]string{} // person → why
	eventCounties := map[string]bool{}
	for {
		rtx, err := s.db.BeginRead(ctx)
		if err != nil {
			return nil, err
		}
		type ev struct {
			id, person   int64
			kind, county string
		}
		evs, err := queryAll(ctx, rtx, func(sc scanner) (ev, error) {
			var e ev
			err := sc.Scan(&e.id, &e.person, &e.kind, &e.county)
			return e, err
		}, `SELECT id, person_id, kind, county_code FROM life_events WHERE id > ? ORDER BY id LIMIT 10000`, last)
		rtx.Rollback()
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			why := "ineligible"
			switch e.kind {
			case "person.deceased":
				why = "death"
			case "person.moved_out":
				why = "moved_out"
			}
			events[e.person], last = why, e.id
			eventCounties[e.county] = true
			rep.Events++
		}
		if len(evs) < 10000 {
			break
		}
	}
	rep.LastEventID = last

	rtx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	counties, err := queryAll(ctx, rtx, func(sc scanner) (string, error) {
		var c string
		return c, sc.Scan(&c)
	}, `SELECT DISTINCT county_code FROM people ORDER BY county_code`)
	rtx.Rollback()
	if err != nil {
		return nil, err
	}
	for _, county := range counties {
		if err := s.grantCounty(ctx, county, m, sinceM, events, rep); err != nil {
			return rep, fmt.Errorf("county %s: %w", county, err)
		}
		rep.Counties++
	}
	tx, err = s.db.BeginTx(ctx)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	if err := tx.setCursor(ctx, cursorLifeEvents, strconv.FormatInt(last, 10)); err != nil {
		return rep, err
	}
	return rep, tx.Commit()
}

type entKey struct {
	person int64
	code   string
}

// grantCounty does one county in one transaction: grants what became due,
// ends what stopped, and leaves a notice for each.
func (s *BenefitService) grantCounty(ctx context.Context, county string, m, since benefits.Month, events map[int64]string, rep *yanglao.GrantReport) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := s.effective(ctx, tx, county)
	if err != nil {
		return err
	}
	people, err := loadSubjects(ctx, tx, `p.county_code = ? AND (p.life_status = 'alive' OR p.id IN (SELECT person_id FROM entitlements WHERE county_code = ? AND to_month IS NULL))`, county, county)
	if err != nil {
		return err
	}
	ents, err := queryAll(ctx, tx, scanEntitlement, `SELECT `+entitlementCols+` FROM entitlements WHERE county_code = ? ORDER BY from_month`, county)
	if err != nil {
		return err
	}
	open := map[entKey]*yanglao.Entitlement{}
	lastEnd := map[entKey]string{} // the latest to_month of an ended entitlement
	for _, e := range ents {
		k := entKey{e.PersonID, e.ItemCode}
		if e.ToMonth == "" {
			open[k] = e
		} else if e.ToMonth > lastEnd[k] {
			lastEnd[k] = e.ToMonth
		}
	}
	ev := benefits.NewEvaluator(c.list)
	var buf []benefits.Result
	// eligible decides one code for one month; alive is false when the person
	// was not alive and resident on any day of it.
	eligible := func(x *subject, code string, mm benefits.Month) (ok, alive bool, fen int64) {
		buf, _ = ev.Month(&x.s, mm, buf[:0])
		for _, r := range buf {
			if r.Item.Code == code {
				return r.Eligible && r.Err == nil, true, r.AmountFen
			}
		}
		return false, len(buf) > 0, 0
	}
	for _, x := range people {
		x.s.Params = c.params
		rep.People++
		res, err := ev.Month(&x.s, m, nil)
		if err != nil {
			rep.Errors++
			continue
		}
		now := map[string]benefits.Result{}
		for _, r := range res {
			now[r.Item.Code] = r
			if r.Err != nil {
				rep.Errors++
			}
		}
		// Grant: 免申请 cash items that hold this month and are not held.
		for _, r := range res {
			it := r.Item
			if it.Application != benefits.NoApplication || !it.Cash() || !r.Eligible || r.Err != nil {
				continue
			}
			k := entKey{x.id, it.Code}
			if open[k] != nil {
				continue
			}
			from := m
			for i := 0; i < maxBackMonths; i++ {
				p := prevMonth(from)
				if p.String() < since.String() || p.String() <= lastEnd[k] {
					break
				}
				if ok, _, _ := eligible(x, it.Code, p); !ok {
					break
				}
				from = p
			}
			id, err := tx.insertID(ctx, `INSERT INTO entitlements (person_id, county_code, region_path, item_code, from_month, source, created_at)
				VALUES (?, ?, ?, ?, ?, 'silent', ?) ON CONFLICT (person_id, item_code, from_month) DO NOTHING`,
				x.id, county, x.path, it.Code, from.String(), tx.now)
			if isNoRows(err) {
				continue // granted already
			} else if err != nil {
				return err
			}
			rep.Granted++
			zh := fmt.Sprintf("%s 自 %s 起享受「%s」（%s元/月），由数据静默认证（第%d版）", x.name, from, it.Name, rules.FormatFen(r.AmountFen), it.Version)
			en := fmt.Sprintf("%s: %s (¥%s a month) from %s, granted from the data (version %d)", x.name, itemNameEN(it), rules.FormatFen(r.AmountFen), from, it.Version)
			if err := tx.notice(ctx, x, it.Code, "granted", id, zh, en); err != nil {
				return err
			}
		}
		// End: open entitlements whose eligibility ended.
		for k, e := range open {
			if k.person != x.id {
				continue
			}
			r, inForce := now[e.ItemCode]
			left := len(res) == 0 || x.life != yanglao.Alive // died or moved out, this month or before
			switch {
			case left:
			case !inForce:
				// the item has no version in force any more
			case e.Source == "application":
				continue // approved by a person on facts the register may not hold: only death, moving or the item's end ends it
			case r.Err != nil:
				continue // cannot decide (e.g. a missing parameter): never end on an error
			case r.Eligible:
				continue
			}
			// The last month that still held, walking back from this one.
			to := m
			for to.String() >= e.FromMonth {
				ok, live, _ := eligible(x, e.ItemCode, to)
				if ok || live && e.Source == "application" && inForce {
					break
				}
				to = prevMonth(to)
			}
			if to.String() < e.FromMonth {
				fromM, _ := benefits.ParseMonth(e.FromMonth)
				to = prevMonth(fromM) // never held: the entitlement covers nothing
			}
			why := "ineligible"
			switch {
			case x.life == yanglao.Deceased:
				why = "death"
			case x.life == yanglao.MovedOut:
				why = "moved_out"
			case events[x.id] != "":
				why = events[x.id]
			}
			res2, err := tx.Exec(ctx, `UPDATE entitlements SET to_month = ?, end_reason = ?, ended_at = ? WHERE id = ? AND to_month IS NULL`,
				to.String(), why, tx.now, e.ID)
			if err != nil {
				return err
			}
			if n, _ := res2.RowsAffected(); n == 0 {
				continue
			}
			rep.Ended++
			name := e.ItemCode
			nameEN := e.ItemCode
			if it := c.list.At(e.ItemCode, to.Last()); it != nil {
				name, nameEN = it.Name, itemNameEN(it)
			}
			whyZH := map[string]string{"death": "死亡", "moved_out": "迁出", "ineligible": "不再符合条件"}[why]
			zh := fmt.Sprintf("%s 的「%s」发放至 %s，自 %s 起停止：%s", x.name, name, to, to.Next(), whyZH)
			en := fmt.Sprintf("%s: %s paid up to %s, stops from %s (%s)", x.name, nameEN, to, to.Next(), strings.ReplaceAll(why, "_", " "))
			if err := tx.notice(ctx, x, e.ItemCode, "ended", e.ID, zh, en); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

func itemNameEN(it *benefits.Item) string {
	if it.NameEN != "" {
		return it.NameEN
	}
	return it.Name
}

func (tx *Tx) notice(ctx context.Context, x *subject, code, kind string, entID int64, zh, en string) error {
	_, err := tx.Exec(ctx, `INSERT INTO benefit_notices (region_code, region_path, county_code, person_id, item_code, kind, entitlement_id, zh, en, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entitlement_id, kind) DO NOTHING`,
		x.residence, x.path, x.county, x.id, code, kind, entID, zh, en, tx.now)
	return err
}

// worksBenefits: the people who keep the register and run the worklists.
func worksBenefits(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker)
}

// Notices lists notices in the actor's subtree, newest first.
func (s *BenefitService) Notices(ctx context.Context, page yanglao.Page) ([]*yanglao.BenefitNotice, string, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, "", err
	}
	clause, args, err := scope(ctx, "n.region_path", "")
	if err != nil {
		return nil, "", err
	}
	if !worksBenefits(a) {
		clause, args = "1=0", nil
	}
	page = page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		clause, args = clause+" AND n.id < ?", append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, func(sc scanner) (*yanglao.BenefitNotice, error) {
		n := &yanglao.BenefitNotice{}
		err := sc.Scan(&n.ID, &n.RegionCode, &n.PersonID, &n.PersonName, &n.ItemCode, &n.Kind, &n.EntitlementID, &n.ZH, &n.EN, &n.CreatedAt)
		return n, err
	}, `SELECT n.id, n.region_code, n.person_id, p.name, n.item_code, n.kind, n.entitlement_id, n.zh, n.en, n.created_at
		FROM benefit_notices n JOIN people p ON p.id = n.person_id WHERE `+clause+` ORDER BY n.id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(n *yanglao.BenefitNotice) string { return strconv.FormatInt(n.ID, 10) })
	return out, next, nil
}

// --- applications (依申请)

// Apply submits an application for a 依申请 item on a person's behalf.
func (s *BenefitService) Apply(ctx context.Context, ap *yanglao.BenefitApplication) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if !worksBenefits(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权代为申请 (not allowed to apply on someone's behalf)")
	}
	if err := s.Seed(ctx); err != nil {
		return err
	}
	if a.UserID == 0 {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "申请须由工作人员提交 (an application is made by a user)")
	}
	ap.Reason = strings.TrimSpace(ap.Reason)
	switch n := utf8.RuneCountInString(ap.Reason); {
	case n == 0:
		return yanglao.Invalid("reason", "请填写申请理由 (a reason is required)")
	case n > 500:
		return yanglao.Invalid("reason", "申请理由最多500字 (reason: at most 500 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m, err := parseMonthOr(ap.FromMonth, thisMonth(tx))
	if err != nil {
		return yanglao.Invalid("from_month", "月份格式应为 YYYY-MM (from_month must be YYYY-MM)")
	}
	p, err := tx.person(ctx, ap.PersonID)
	if err != nil {
		return err
	}
	c, err := s.effective(ctx, tx, p.CountyCode)
	if err != nil {
		return err
	}
	it := c.list.At(ap.ItemCode, m.Last())
	switch {
	case it == nil:
		return yanglao.Invalid("item_code", "项目 %s 在 %s 不生效 (item %s is not in force in %s)", ap.ItemCode, m, ap.ItemCode, m)
	case it.Application != benefits.OnApplication:
		return yanglao.Invalid("item_code", "%s 为免申请项目，由系统按数据静默认证，无需申请 (%s is granted from the data without an application)", it.Name, it.Code)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM benefit_applications WHERE person_id = ? AND item_code = ? AND status = 'submitted'`,
		p.ID, it.Code).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return yanglao.Errorf(yanglao.ECONFLICT, "%s 已有待审批的「%s」申请 (an application for this item is already waiting)", p.Name, it.Name)
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM entitlements WHERE person_id = ? AND item_code = ? AND (to_month IS NULL OR to_month >= ?)`,
		p.ID, it.Code, m.String()).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return yanglao.Errorf(yanglao.ECONFLICT, "%s 已享受「%s」 (already entitled to this item)", p.Name, it.Name)
	}
	ap.CountyCode, ap.FromMonth, ap.ItemName, ap.PersonName = p.CountyCode, m.String(), it.Name, p.Name
	ap.Status, ap.AppliedBy, ap.CreatedAt = yanglao.ApplicationSubmitted, a.UserID, tx.now
	if ap.ID, err = tx.insertID(ctx, `INSERT INTO benefit_applications (person_id, county_code, region_path, item_code, from_month, reason, status, applied_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'submitted', ?, ?)`, p.ID, p.CountyCode, p.ResidencePath, it.Code, ap.FromMonth, ap.Reason, a.UserID, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "benefit_application", strconv.FormatInt(ap.ID, 10),
		fmt.Sprintf("person %d %s 自 %s", p.ID, it.Code, ap.FromMonth)); err != nil {
		return err
	}
	return tx.Commit()
}

const applicationSelect = `SELECT a.id, a.person_id, p.name, a.county_code, a.item_code, a.from_month, a.reason, a.status, a.applied_by,
	COALESCE(u1.display_name, ''), a.decided_by, COALESCE(u2.display_name, ''), a.decision_note, a.created_at, a.decided_at
	FROM benefit_applications a JOIN people p ON p.id = a.person_id
	LEFT JOIN users u1 ON u1.id = a.applied_by LEFT JOIN users u2 ON u2.id = a.decided_by`

func scanApplication(sc scanner) (*yanglao.BenefitApplication, error) {
	x := &yanglao.BenefitApplication{}
	err := sc.Scan(&x.ID, &x.PersonID, &x.PersonName, &x.CountyCode, &x.ItemCode, &x.FromMonth, &x.Reason, &x.Status, &x.AppliedBy,
		&x.AppliedName, &x.DecidedBy, &x.DecidedName, &x.DecisionNote, &x.CreatedAt, &x.DecidedAt)
	return x, err
}

func (tx *Tx) applications(ctx context.Context, where string, args []any, after int64, limit int) ([]*yanglao.BenefitApplication, error) {
	if after > 0 {
		where, args = where+" AND a.id > ?", append(args, after)
	}
	return queryAll(ctx, tx, scanApplication, applicationSelect+` WHERE `+where+` ORDER BY a.id LIMIT ?`, append(args, limit)...)
}

// Applications lists the worklist in scope, oldest first.
func (s *BenefitService) Applications(ctx context.Context, f yanglao.ApplicationFilter) ([]*yanglao.BenefitApplication, string, error) {
	if err := s.Seed(ctx); err != nil {
		return nil, "", err
	}
	a, err := signedIn(ctx)
	if err != nil {
		return nil, "", err
	}
	clause, args, err := scope(ctx, "a.region_path", "")
	if err != nil {
		return nil, "", err
	}
	if !worksBenefits(a) {
		clause, args = "1=0", nil
	}
	switch f.Status {
	case "":
		clause, args = clause+" AND a.status = ?", append(args, yanglao.ApplicationSubmitted)
	case "all":
	case yanglao.ApplicationSubmitted, yanglao.ApplicationApproved, yanglao.ApplicationRejected:
		clause, args = clause+" AND a.status = ?", append(args, f.Status)
	default:
		return nil, "", yanglao.Invalid("status", "status 应为 submitted、approved、rejected 或 all (status must be submitted, approved, rejected or all)")
	}
	if f.PersonID != 0 {
		clause, args = clause+" AND a.person_id = ?", append(args, f.PersonID)
	}
	page := f.Page.Normalize()
	var after int64
	if page.After != "" {
		if after, err = afterID(page.After); err != nil {
			return nil, "", err
		}
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := tx.applications(ctx, clause, args, after, page.Limit+1)
	if err != nil {
		return nil, "", err
	}
	s.nameItems(ctx, tx, out)
	out, next := cutPage(out, page.Limit, func(x *yanglao.BenefitApplication) string { return strconv.FormatInt(x.ID, 10) })
	return out, next, nil
}

func (s *BenefitService) nameItems(ctx context.Context, tx *Tx, apps []*yanglao.BenefitApplication) {
	for _, x := range apps {
		if c, err := s.effective(ctx, tx, x.CountyCode); err == nil {
			if h := c.list.History(x.ItemCode); len(h) > 0 {
				x.ItemName = h[len(h)-1].Name
			}
		}
	}
}

// DecideApplication approves or rejects a submitted application. The
// decider is an official (or administrator) other than the applicant; the
// database refuses the same person too (benefit_applications CHECK).
func (s *BenefitService) DecideApplication(ctx context.Context, id int64, approve bool, note string) (*yanglao.BenefitApplication, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return nil, yanglao.Invalid("note", "审批意见最多500字 (note: at most 500 characters)")
	}
	if !approve && note == "" {
		return nil, yanglao.Invalid("note", "驳回须写明理由 (a rejection needs a reason)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	clause, args, err := scope(ctx, "a.region_path", "")
	if err != nil {
		return nil, err
	}
	if !worksBenefits(a) {
		clause, args = "1=0", nil
	}
	x, err := scanApplication(tx.QueryRow(ctx, applicationSelect+` WHERE a.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "申请", "application")
	}
	if !(a.Unrestricted() && a.UserID != 0 || a.Role == yanglao.RoleOfficial) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "申请须由民政干部审批 (applications are decided by a civil-affairs official)")
	}
	if x.AppliedBy == a.UserID {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "不能审批自己提交的申请，须由另一人审批 (you cannot decide your own application: a second person must)")
	}
	if x.Status != yanglao.ApplicationSubmitted {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "该申请已处理（%s） (the application was already decided: %s)", x.Status, x.Status)
	}
	status := yanglao.ApplicationRejected
	if approve {
		status = yanglao.ApplicationApproved
	}
	res, err := tx.Exec(ctx, `UPDATE benefit_applications SET status = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ? AND status = 'submitted'`,
		status, a.UserID, note, tx.now, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "该申请已处理 (the application was already decided)")
	}
	if approve {
		var path string
		if err := tx.QueryRow(ctx, `SELECT region_path FROM benefit_applications WHERE id = ?`, id).Scan(&path); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO entitlements (person_id, county_code, region_path, item_code, from_month, source, application_id, created_at)
			VALUES (?, ?, ?, ?, ?, 'application', ?, ?) ON CONFLICT (person_id, item_code, from_month) DO NOTHING`,
			x.PersonID, x.CountyCode, path, x.ItemCode, x.FromMonth, id, tx.now); err != nil {
			return nil, err
		}
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "benefit_application", strconv.FormatInt(id, 10), status+" "+note); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	uid := a.UserID
	x.Status, x.DecidedBy, x.DecisionNote, x.DecidedAt = status, &uid, note, &tx.now
	return x, nil
}
