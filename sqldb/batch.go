package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
	"github.com/yanglao/yanglao/crypt"
)

var _ yanglao.BatchService = (*BatchService)(nil)

// BatchService runs the monthly payment batches (issue 4, item 5).
//
// Exactly once (DESIGN §6) rests on three database facts, not on the runner:
//   - UNIQUE (region_code, month) on payment_batches: two runs started at once
//     meet on it and share one batch;
//   - the partial unique index payment_lines_once: ONE regular line per person,
//     item and month across all batches, and UNIQUE (person, item, month, kind,
//     batch) for corrections; lines go in with INSERT … ON CONFLICT DO NOTHING;
//   - each page's lines and the batch's cursor (last_person_id, progress) commit
//     in one transaction, so a run killed at any point resumes after the last
//     whole page, and a page done twice (two runners) inserts nothing new.
//
// Which 依申请 items pay: an item that needs an application pays only to people
// with an entitlement row covering the month (an approved application); until
// the entitlements table holds rows for such an item, it pays nobody. 免申请
// items pay on the rule's verdict.
type BatchService struct {
	db  *DB
	box *crypt.Box

	// Lists, when set (cmd/yanglao sets the BenefitService), gives a region's
	// effective list and parameters: the list of the batch's region, the
	// parameters of each person's county.
	Lists interface {
		EffectiveList(ctx context.Context, region string) (*benefits.List, *benefits.Params, error)
	}
	// List returns the list in force for a region when Lists is not set; nil
	// means benefits.Chenzhou() with parameters from benefit_params.
	List func(ctx context.Context, regionCode string) (*benefits.List, error)
	// DefaultDibaoFen is the 低保 standard used when benefit_params holds none
	// for a county (fen per month, from 2023-01-01). 0 leaves it unset, so the
	// 特困 items are held with "no parameter value" rather than paid 0.
	DefaultDibaoFen int64
	// PageSize is the number of people per page and transaction.
	PageSize int
	// Lookback is how many earlier months corrections look at (12).
	Lookback int

	afterPage func(pages int) // test hook: called after each committed page
}

// DefaultDibaoFen: 郴州市 2023 城市低保标准 650 元/月 (郴民发〔2023〕 adjustments
// vary by county; a stand-in until benefit_params is filled per county).
const DefaultDibaoFen = 65000

func NewBatchService(db *DB, box *crypt.Box) *BatchService {
	return &BatchService{db: db, box: box, DefaultDibaoFen: DefaultDibaoFen, PageSize: 5000, Lookback: 12}
}

// SetAfterPage installs a hook called after each committed page (tests kill runs with it).
func (s *BatchService) SetAfterPage(f func(pages int)) { s.afterPage = f }

func (s *BatchService) list(ctx context.Context, region string) (*benefits.List, error) {
	if s.Lists != nil {
		l, _, err := s.Lists.EffectiveList(ctx, region)
		return l, err
	}
	if s.List != nil {
		return s.List(ctx, region)
	}
	return chenzhouList(), nil
}

var chenzhouOnce struct {
	l *benefits.List
}

func chenzhouList() *benefits.List {
	if chenzhouOnce.l == nil {
		chenzhouOnce.l = benefits.Chenzhou()
	}
	return chenzhouOnce.l
}

// canRunBatches: officials and administrators (and the platform itself).
func canRunBatches(ctx context.Context) (*yanglao.Actor, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() || a.Role == yanglao.RoleOfficial && a.OrgID == nil {
		return a, nil
	}
	return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以处理发放批次 (only civil-affairs officials handle payment batches)")
}

const batchCols = `b.id, b.region_code, r.name, b.region_path, b.month, b.status, b.run_by, b.approved_by, b.lines, b.total_fen,
	b.progress, b.people_total, b.held, b.errors, b.corrections, b.created_at, b.computed_at, b.approved_at, b.checked_at,
	b.exported_at, b.reconciled_at`

const batchFrom = ` FROM payment_batches b JOIN regions r ON r.code = b.region_code`

func scanBatch(row scanner) (*yanglao.Batch, error) {
	b := &yanglao.Batch{}
	var runBy, apBy sql.NullInt64
	var computed, approved, checked, exported, reconciled sql.NullTime
	err := row.Scan(&b.ID, &b.RegionCode, &b.RegionName, &b.RegionPath, &b.Month, &b.Status, &runBy, &apBy, &b.Lines, &b.TotalFen,
		&b.Progress, &b.PeopleTotal, &b.Held, &b.Errors, &b.Corrections, &b.CreatedAt, &computed, &approved, &checked, &exported, &reconciled)
	if runBy.Valid {
		b.RunBy = &runBy.Int64
	}
	if apBy.Valid {
		b.ApprovedBy = &apBy.Int64
	}
	t := func(n sql.NullTime) *time.Time {
		if n.Valid {
			v := n.Time
			return &v
		}
		return nil
	}
	b.ComputedAt, b.ApprovedAt, b.CheckedAt, b.ExportedAt, b.ReconciledAt = t(computed), t(approved), t(checked), t(exported), t(reconciled)
	return b, err
}

func (tx *Tx) batch(ctx context.Context, id int64) (*yanglao.Batch, error) {
	if _, err := canRunBatches(ctx); err != nil {
		return nil, err
	}
	b, err := scanBatch(tx.QueryRow(ctx, `SELECT `+batchCols+batchFrom+` WHERE b.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "发放批次", "payment batch")
	}
	if err := mayTouch(ctx, b.RegionPath, nil, "发放批次", "payment batch"); err != nil {
		return nil, err
	}
	return b, nil
}

// currentMonth is the month of now in Asia/Shanghai.
func currentMonth(now time.Time) benefits.Month {
	d := yanglao.DateOf(now)
	return benefits.MonthOf(d)
}

func monthBefore(a, b benefits.Month) bool {
	return a.Year < b.Year || a.Year == b.Year && a.Month < b.Month
}

func addMonths(m benefits.Month, k int) benefits.Month {
	t := time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, k, 0)
	return benefits.Month{Year: t.Year(), Month: t.Month()}
}

// listStart is the first day any item of the list is in force.
func listStart(l *benefits.List) yanglao.Date {
	var first yanglao.Date
	for _, it := range l.Items() {
		if first.IsZero() || it.From.Before(first) {
			first = it.From
		}
	}
	return first
}

func (s *BatchService) CreateBatch(ctx context.Context, regionCode, month string) (*yanglao.Batch, bool, error) {
	a, err := canRunBatches(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := yanglao.CheckRegionCode("region_code", regionCode); err != nil {
		return nil, false, err
	}
	m, err := benefits.ParseMonth(month)
	if err != nil {
		return nil, false, err
	}
	now := s.db.Now()
	if cur := currentMonth(now); monthBefore(cur, m) {
		return nil, false, yanglao.Invalid("month", "不能为将来的月份 %s 发放（本月为 %s） (cannot pay a future month %s; this month is %s)", m, cur, m, cur)
	}
	l, err := s.list(ctx, regionCode)
	if err != nil {
		return nil, false, err
	}
	if start := listStart(l); start.IsZero() || m.Last().Before(start) {
		return nil, false, yanglao.Invalid("month", "%s 时基本养老服务清单尚未生效（%s 起生效） (the list is not in force in %s; it is from %s)", m, start, m, start)
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, regionCode).Scan(&path); err != nil {
		return nil, false, notFound(err, "地区", "region")
	}
	if err := mayTouch(ctx, path, nil, "地区", "region"); err != nil {
		return nil, false, err
	}
	var runBy any
	if a.UserID != 0 {
		runBy = a.UserID
	}
	lo, hi := pathRange(path)
	var total int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM people WHERE residence_path >= ? AND residence_path < ?`, lo, hi).Scan(&total); err != nil {
		return nil, false, err
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO payment_batches (region_code, region_path, month, status, run_by, people_total, created_at)
		VALUES (?, ?, ?, 'running', ?, ?, ?) ON CONFLICT (region_code, month) DO NOTHING RETURNING id`,
		regionCode, path, m.String(), runBy, total, tx.now).Scan(&id)
	created := err == nil
	if err != nil && !isNoRows(err) {
		return nil, false, err
	}
	if created {
		if err := tx.audit(ctx, yanglao.AuditCreate, "payment_batch", strconv.FormatInt(id, 10), "region="+regionCode+" month="+m.String()); err != nil {
			return nil, false, err
		}
	} else if err := tx.QueryRow(ctx, `SELECT id FROM payment_batches WHERE region_code = ? AND month = ?`, regionCode, m.String()).Scan(&id); err != nil {
		return nil, false, err
	}
	if err := tx.Commit(); err != nil {
		return nil, false, err
	}
	b, err := s.Batch(ctx, id)
	return b, created, err
}

func (s *BatchService) Batch(ctx context.Context, id int64) (*yanglao.Batch, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.batch(ctx, id)
}

func (s *BatchService) Batches(ctx context.Context, f yanglao.BatchFilter) ([]*yanglao.Batch, string, error) {
	if _, err := canRunBatches(ctx); err != nil {
		return nil, "", err
	}
	clause, args, err := scope(ctx, "b.region_path", "")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.RegionCode != "" {
		var path string
		if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), f.RegionCode).Scan(&path); err != nil {
			return nil, "", yanglao.Invalid("region_code", "地区不存在 (no such region)")
		}
		lo, hi := pathRange(path)
		where, args = append(where, "b.region_path >= ? AND b.region_path < ?"), append(args, lo, hi)
	}
	if f.Month != "" {
		m, err := benefits.ParseMonth(f.Month)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "b.month = ?"), append(args, m.String())
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "b.id < ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanBatch, `SELECT `+batchCols+batchFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY b.id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(b *yanglao.Batch) string { return strconv.FormatInt(b.ID, 10) })
	return out, next, nil
}

// ---- computing a batch ----

// batchPerson is what a page reads about one person.
type batchPerson struct {
	id                  int64
	county, path        string
	name                string
	createdAt, updated  time.Time
	subject             benefits.Subject
	hasAssessment       bool
	grade               sql.NullInt64
	gradeUntil          yanglao.Date
	statusChangedAfter  time.Time // latest status created_at
	statusEndedInWindow bool
}

type lineRow struct {
	personID       int64
	county, path   string
	item, forMonth string
	kind           string
	amount         int64
	status, reason string
}

// run is one batch computation's state.
type run struct {
	s        *BatchService
	b        *yanglao.Batch
	m        benefits.Month
	list     *benefits.List
	eval     *benefits.Evaluator
	params   map[string]*benefits.Params // by county code
	byApp    map[string]bool             // 依申请 cash items that have entitlement rows
	past     []pastMonth                 // earlier months with a batch, for corrections
	since    time.Time                   // changes after this may need corrections
	listed   []string                    // paths of regions whose list or parameters changed since the earlier months were settled
	redo     map[int64]bool              // people with a bank-failed line or a changed entitlement in the window
	winStart yanglao.Date
	results  []benefits.Result
}

type pastMonth struct {
	m       benefits.Month
	batchAt time.Time // the earliest batch for that month covering the region
}

func (s *BatchService) RunBatch(ctx context.Context, id int64) (*yanglao.Batch, error) {
	if _, err := canRunBatches(ctx); err != nil {
		return nil, err
	}
	b, err := s.Batch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status != yanglao.BatchRunning {
		return b, nil
	}
	r, err := s.prepare(ctx, b)
	if err != nil {
		return nil, err
	}
	pages := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		done, err := r.pages(ctx, &pages)
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	if err := s.finish(ctx, id); err != nil {
		return nil, err
	}
	return s.Batch(ctx, id)
}

func (s *BatchService) prepare(ctx context.Context, b *yanglao.Batch) (*run, error) {
	m, err := benefits.ParseMonth(b.Month)
	if err != nil {
		return nil, err
	}
	l, err := s.list(ctx, b.RegionCode)
	if err != nil {
		return nil, err
	}
	r := &run{s: s, b: b, m: m, list: l, eval: benefits.NewEvaluator(l), params: map[string]*benefits.Params{}, byApp: map[string]bool{}}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, it := range l.Items() {
		if it.Application == benefits.OnApplication && it.Cash() && !r.byApp[it.Code] {
			var n int
			err := tx.QueryRow(ctx, `SELECT 1 FROM entitlements WHERE item_code = ? LIMIT 1`, it.Code).Scan(&n)
			if err != nil && !isNoRows(err) {
				return nil, err
			}
			r.byApp[it.Code] = err == nil
		}
	}
	// Earlier months that were paid for an overlapping region: the months
	// corrections look at.
	first := addMonths(m, -s.lookback())
	r.winStart = first.First()
	type pb struct {
		path, month string
		at          time.Time
	}
	rows, err := queryAll(ctx, tx, func(row scanner) (pb, error) {
		var v pb
		return v, row.Scan(&v.path, &v.month, &v.at)
	}, `SELECT region_path, month, created_at FROM payment_batches WHERE month >= ? AND month < ? AND status <> 'running' ORDER BY month`,
		first.String(), m.String())
	if err != nil {
		return nil, err
	}
	byMonth := map[string]time.Time{}
	for _, v := range rows {
		if !yanglao.PathContains(v.path, b.RegionPath) && !yanglao.PathContains(b.RegionPath, v.path) {
			continue
		}
		if t, ok := byMonth[v.month]; !ok || v.at.Before(t) {
			byMonth[v.month] = v.at
		}
	}
	for k := s.lookback(); k >= 1; k-- {
		pm := addMonths(m, -k)
		if at, ok := byMonth[pm.String()]; ok {
			r.past = append(r.past, pastMonth{m: pm, batchAt: at})
			if r.since.IsZero() || at.Before(r.since) {
				r.since = at
			}
		}
	}
	if len(r.past) == 0 {
		return r, nil
	}
	// A list or parameter row (they are only ever added: a revision is a new
	// version) written after the earlier months were decided may change any of
	// them for everyone under its region — a 低保 standard set late releases
	// the lines held for want of it. The last earlier month was decided, with
	// all before it, by the newest batch for that month over the whole region.
	settled := r.since
	last := r.past[len(r.past)-1].m.String()
	for _, v := range rows {
		if v.month == last && yanglao.PathContains(v.path, b.RegionPath) && v.at.After(settled) {
			settled = v.at
		}
	}
	changed, err := queryAll(ctx, tx, func(row scanner) (string, error) {
		var path string
		return path, row.Scan(&path)
	}, `SELECT DISTINCT region_path FROM benefit_params WHERE created_at > ?
		UNION SELECT DISTINCT region_path FROM benefit_items WHERE created_at > ?`, settled, settled)
	if err != nil {
		return nil, err
	}
	for _, path := range changed {
		if yanglao.PathContains(path, b.RegionPath) || yanglao.PathContains(b.RegionPath, path) {
			r.listed = append(r.listed, path)
		}
	}
	// A line the bank returned as failed was never paid, and an application
	// approved (or an entitlement ended) after a month was paid changes what
	// that month owes: these people's months are decided again, and what is due
	// and unpaid goes out as arrears once (what is paid and not due, recovered).
	lo, hi := pathRange(b.RegionPath)
	personID := func(row scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	}
	redo, err := queryAll(ctx, tx, personID, `SELECT DISTINCT person_id FROM payment_lines WHERE status = 'failed'
		AND region_path >= ? AND region_path < ? AND for_month >= ? AND for_month < ?`, lo, hi, first.String(), m.String())
	if err != nil {
		return nil, err
	}
	if codes := byAppCodes(r.byApp); len(codes) > 0 {
		ents, err := queryAll(ctx, tx, personID, `SELECT DISTINCT person_id FROM entitlements WHERE region_path >= ? AND region_path < ?
			AND item_code IN (`+placeholders(len(codes))+`) AND (created_at > ? OR ended_at > ?)`, append(append([]any{lo, hi}, codes...), r.since, r.since)...)
		if err != nil {
			return nil, err
		}
		redo = append(redo, ents...)
	}
	r.redo = make(map[int64]bool, len(redo))
	for _, id := range redo {
		r.redo[id] = true
	}
	return r, nil
}

// byAppCodes are the 依申请 items that pay by entitlement rows.
func byAppCodes(byApp map[string]bool) []any {
	var out []any
	for _, code := range sortedKeys(byApp) {
		if byApp[code] {
			out = append(out, code)
		}
	}
	return out
}

func (s *BatchService) lookback() int {
	if s.Lookback <= 0 {
		return 12
	}
	return s.Lookback
}

func (s *BatchService) pageSize() int {
	if s.PageSize <= 0 {
		return 5000
	}
	return s.PageSize
}

// paramsFor returns the parameters of a county: for each parameter, the
// values of the nearest region on the county's chain that has any.
func (r *run) paramsFor(ctx context.Context, tx *Tx, county string) (*benefits.Params, error) {
	if p, ok := r.params[county]; ok {
		return p, nil
	}
	if r.s.Lists != nil {
		_, p, err := r.s.Lists.EffectiveList(ctx, county)
		if err != nil {
			return nil, fmt.Errorf("parameters of %s: %w", county, err)
		}
		r.params[county] = p
		return p, nil
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, county).Scan(&path); err != nil {
		if !isNoRows(err) {
			return nil, err
		}
		path = ""
	}
	codes := []any{}
	for _, c := range strings.Split(strings.Trim(path, "/"), "/") {
		if c != "" {
			codes = append(codes, c)
		}
	}
	p := benefits.NewParams(county)
	if len(codes) > 0 {
		type prow struct {
			name     string
			from, to yanglao.Date
			fen      int64
			level    int
		}
		rows, err := queryAll(ctx, tx, func(row scanner) (prow, error) {
			var v prow
			return v, row.Scan(&v.name, &v.from, &v.to, &v.fen, &v.level)
		}, `SELECT bp.name, bp.valid_from, bp.valid_to, bp.fen, r.level FROM benefit_params bp JOIN regions r ON r.code = bp.region_code
			WHERE bp.region_code IN (?`+strings.Repeat(", ?", len(codes)-1)+`) ORDER BY bp.valid_from`, codes...)
		if err != nil {
			return nil, err
		}
		best := map[string]int{}
		for _, v := range rows {
			if v.level > best[v.name] {
				best[v.name] = v.level
			}
		}
		for _, v := range rows {
			if v.level == best[v.name] {
				if err := p.Set(v.name, v.from, v.to, v.fen); err != nil {
					return nil, fmt.Errorf("parameter %s of %s: %w", v.name, county, err)
				}
			}
		}
		if _, ok := best[benefits.ParamDibao]; !ok && r.s.DefaultDibaoFen > 0 {
			if err := p.Set(benefits.ParamDibao, yanglao.Date{Year: 2023, Month: 1, Day: 1}, yanglao.Date{}, r.s.DefaultDibaoFen); err != nil {
				return nil, err
			}
		}
	}
	r.params[county] = p
	return p, nil
}

const batchPersonCols = `p.id, p.county_code, p.residence_code, p.residence_path, COALESCE(p.household_code, ''), p.name, p.sex, p.birth_date,
	p.living, p.disability_grade, p.chronic, p.life_status, p.death_date, p.moved_out_date, p.grade, p.grade_valid_until, p.created_at, p.updated_at`

// batchPersonColsNoTimes reads the same columns with zero times.
var batchPersonColsNoTimes = strings.Replace(batchPersonCols, "p.created_at, p.updated_at", "NULL, NULL", 1)

func scanBatchPerson(row scanner) (*batchPerson, error) {
	bp := &batchPerson{}
	var chronic string
	var created, updated sql.NullTime
	s := &bp.subject
	err := row.Scan(&bp.id, &bp.county, &s.Residence, &bp.path, &s.Household, &bp.name, &s.Sex, &s.Birth,
		&s.Living, &s.DisabilityGrade, &chronic, new(string), &s.Death, &s.MovedOut, &bp.grade, &bp.gradeUntil, &created, &updated)
	bp.createdAt, bp.updated = created.Time, updated.Time
	s.ResidencePath = bp.path
	s.Chronic = splitList(chronic)
	return bp, err
}

// loadPage reads the next page of people after cursor with their statuses
// and grade history: three queries, whatever the page size.
func (r *run) loadPage(ctx context.Context, tx *Tx, pathLo, pathHi string, after int64, limit int) ([]*batchPerson, error) {
	return r.loadPeople(ctx, tx, `p.residence_path >= ? AND p.residence_path < ? AND p.id > ? ORDER BY p.id LIMIT ?`,
		[]any{pathLo, pathHi, after, limit}, false)
}

// loadPeople reads people (where: a condition on p and its ORDER/LIMIT) and
// their statuses and grades. byIDs selects the statuses by an IN list (for a
// scattered set) instead of the id range (for a page).
func (r *run) loadPeople(ctx context.Context, tx *Tx, where string, args []any, byIDs bool) ([]*batchPerson, error) {
	// The record's times matter only to corrections (what changed since an
	// earlier batch); without earlier batches they are not read (parsing
	// them is a good part of reading a page on SQLite).
	cols, statusAt := batchPersonCols, "created_at"
	if len(r.past) == 0 {
		cols, statusAt = batchPersonColsNoTimes, "NULL"
	}
	people, err := queryAll(ctx, tx, scanBatchPerson, `SELECT `+cols+` FROM people p WHERE `+where, args...)
	if err != nil || len(people) == 0 {
		return people, err
	}
	byID := make(map[int64]*batchPerson, len(people))
	for _, p := range people {
		byID[p.id] = p
	}
	cond, cargs := "person_id >= ? AND person_id <= ?", []any{people[0].id, people[len(people)-1].id}
	if byIDs {
		cargs = cargs[:0]
		for _, p := range people {
			cargs = append(cargs, p.id)
		}
		cond = "person_id IN (?" + strings.Repeat(", ?", len(cargs)-1) + ")"
	}
	rows, err := tx.Query(ctx, `SELECT person_id, kind, start_date, end_date, `+statusAt+` FROM person_statuses
		WHERE `+cond+` ORDER BY person_id, start_date`, cargs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var pid int64
		var sp benefits.Span
		var at sql.NullTime
		if err := rows.Scan(&pid, &sp.Kind, &sp.Start, &sp.End, &at); err != nil {
			rows.Close()
			return nil, err
		}
		p := byID[pid]
		if p == nil {
			continue
		}
		p.subject.Statuses = append(p.subject.Statuses, sp)
		if at.Valid && at.Time.After(p.statusChangedAfter) {
			p.statusChangedAfter = at.Time
		}
		if !sp.End.IsZero() && !sp.End.Before(r.winStart) {
			p.statusEndedInWindow = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT person_id, assessed_on, final_grade, valid_until FROM assessments
		WHERE `+cond+` ORDER BY person_id, assessed_on, id`, cargs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var pid int64
		var g benefits.GradeSpan
		if err := rows.Scan(&pid, &g.From, &g.Grade, &g.Until); err != nil {
			rows.Close()
			return nil, err
		}
		if p := byID[pid]; p != nil {
			p.subject.Grades = append(p.subject.Grades, g)
			p.hasAssessment = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range people {
		// Imported grades without an assessment row: the register's latest grade.
		if !p.hasAssessment && p.grade.Valid {
			p.subject.Grades = []benefits.GradeSpan{{Grade: int(p.grade.Int64), Until: p.gradeUntil}}
		}
		if p.subject.Params, err = r.paramsFor(ctx, tx, p.county); err != nil {
			return nil, err
		}
	}
	return people, nil
}

// entitled loads, for the 依申请 items that have entitlement rows, who holds
// one covering month m: person id → item codes.
func (r *run) entitled(ctx context.Context, tx *Tx, people []*batchPerson) (map[int64]map[string][]string, error) {
	ids := make([]any, len(people))
	for i, p := range people {
		ids[i] = p.id
	}
	if len(r.byApp) == 0 || len(people) == 0 {
		return nil, nil
	}
	some := false
	for _, v := range r.byApp {
		some = some || v
	}
	if !some {
		return nil, nil
	}
	out := map[int64]map[string][]string{} // person → item → [from, to]
	rows, err := tx.Query(ctx, `SELECT person_id, item_code, from_month, COALESCE(to_month, '9999-12') FROM entitlements
		WHERE person_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var item, from, to string
		if err := rows.Scan(&pid, &item, &from, &to); err != nil {
			return nil, err
		}
		if out[pid] == nil {
			out[pid] = map[string][]string{}
		}
		out[pid][item] = append(out[pid][item], from, to)
	}
	return out, rows.Err()
}

func hasEntitlement(ent map[int64]map[string][]string, pid int64, item string, m benefits.Month) bool {
	spans := ent[pid][item]
	ms := m.String()
	for i := 0; i+1 < len(spans); i += 2 {
		if spans[i] <= ms && ms <= spans[i+1] {
			return true
		}
	}
	return false
}

// due decides what a person is owed for month m: item code → fen for cash
// items that pay, and the items whose rule failed (no parameter value …).
func (r *run) due(p *batchPerson, m benefits.Month, ent map[int64]map[string][]string) (map[string]int64, map[string]string) {
	var err error
	r.results, err = r.eval.Month(&p.subject, m, r.results[:0])
	if err != nil {
		return nil, map[string]string{"*": yanglao.ErrorMessage(err)}
	}
	var out map[string]int64
	var bad map[string]string
	for i := range r.results {
		res := &r.results[i]
		it := res.Item
		if !it.Cash() {
			continue
		}
		if it.Application == benefits.OnApplication && !hasEntitlement(ent, p.id, it.Code, m) {
			continue
		}
		if res.Err != nil {
			if bad == nil {
				bad = map[string]string{}
			}
			bad[it.Code] = yanglao.ErrorMessage(res.Err)
			continue
		}
		if res.Eligible && res.AmountFen > 0 {
			if out == nil {
				out = map[string]int64{}
			}
			out[it.Code] = res.AmountFen
		}
	}
	return out, bad
}

// candidate reports whether anything about p changed that could alter an
// earlier month: the record or a status written after the earliest earlier
// batch, a status that ended inside the window (EndStatus leaves no time), a
// new list or parameter over p's region, a line the bank failed, or a changed
// entitlement to an item paid on application.
func (r *run) candidate(p *batchPerson) bool {
	if len(r.past) == 0 {
		return false
	}
	if p.updated.After(r.since) || p.statusChangedAfter.After(r.since) || p.statusEndedInWindow || r.redo[p.id] {
		return true
	}
	for _, path := range r.listed {
		if yanglao.PathContains(path, p.path) {
			return true
		}
	}
	d := p.subject.Death
	return !d.IsZero() && !d.Before(r.winStart)
}

// pageWork is one computed page, ready to write.
type pageWork struct {
	from, last int64 // the cursor before and after the page
	people     int
	errs       int
	corr       int
	lines      []lineRow
}

// compute reads and decides the page after cursor; nil when no people are left.
func (r *run) compute(ctx context.Context, cursor int64) (*pageWork, error) {
	s, b := r.s, r.b
	rtx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	lo, hi := pathRange(b.RegionPath)
	people, err := r.loadPage(ctx, rtx, lo, hi, cursor, s.pageSize())
	if err != nil || len(people) == 0 {
		return nil, err
	}
	ent, err := r.entitled(ctx, rtx, people)
	if err != nil {
		return nil, err
	}
	w := &pageWork{from: cursor, last: people[len(people)-1].id, people: len(people)}
	var cands []*batchPerson
	ms := r.m.String()
	for _, p := range people {
		due, bad := r.due(p, r.m, ent)
		for _, code := range sortedKeys(due) {
			w.lines = append(w.lines, lineRow{p.id, p.county, p.path, code, ms, yanglao.LineRegular, due[code], yanglao.LinePending, ""})
		}
		for _, code := range sortedKeys(bad) {
			w.errs++
			w.lines = append(w.lines, lineRow{p.id, p.county, p.path, code, ms, yanglao.LineRegular, 0, yanglao.LineHeld,
				"无法计算 (cannot compute): " + bad[code]})
		}
		if r.candidate(p) {
			cands = append(cands, p)
		}
	}
	corr, err := r.corrections(ctx, rtx, cands, ent)
	if err != nil {
		return nil, err
	}
	w.corr = len(corr)
	w.lines = append(w.lines, corr...)
	return w, nil
}

// write commits one page: its lines and the cursor in one transaction. ok is
// false when the cursor had moved (another runner did the page first: its
// lines stand, ours were duplicates and are rolled back).
func (r *run) write(ctx context.Context, w *pageWork) (ok bool, err error) {
	tx, err := r.s.db.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := tx.insertLines(ctx, r.b.ID, w.lines); err != nil {
		return false, err
	}
	res, err := tx.Exec(ctx, `UPDATE payment_batches SET last_person_id = ?, progress = progress + ?, errors = errors + ?, corrections = corrections + ?
		WHERE id = ? AND last_person_id = ? AND status = 'running'`, w.last, w.people, w.errs, w.corr, r.b.ID, w.from)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.Commit()
}

// pages computes pages ahead of the writer (reading beside the one writer
// connection on SQLite), writing them in order. It returns when the batch
// has no people left, or when another runner moved the cursor (done false:
// the caller starts again from the stored cursor).
func (r *run) pages(ctx context.Context, pages *int) (done bool, err error) {
	var cursor int64
	if err := r.s.db.read.QueryRowContext(ctx, r.s.db.rebind(`SELECT last_person_id FROM payment_batches WHERE id = ?`), r.b.ID).Scan(&cursor); err != nil {
		return false, err
	}
	pctx, cancel := context.WithCancel(ctx)
	type item struct {
		w   *pageWork
		err error
	}
	ch := make(chan item, 2)
	// Wait for the computing goroutine before returning: the caller may start
	// again on the same run, and two computations must never share r.
	defer func() {
		cancel()
		for range ch {
		}
	}()
	go func() {
		defer close(ch)
		c := cursor
		for {
			w, err := r.compute(pctx, c)
			select {
			case ch <- item{w, err}:
			case <-pctx.Done():
				return
			}
			if err != nil || w == nil {
				return
			}
			c = w.last
		}
	}()
	for it := range ch {
		if it.err != nil {
			return false, it.err
		}
		if it.w == nil {
			return true, nil
		}
		ok, err := r.write(ctx, it.w)
		if err != nil || !ok {
			return false, err
		}
		*pages++
		if r.s.afterPage != nil {
			r.s.afterPage(*pages)
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
	return false, ctx.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// corrections re-decides earlier months for people whose facts changed, and
// returns arrears (due, not paid) and recovery (paid, not due) lines. What was
// paid is the sum of pending and paid lines in OTHER batches, so re-running
// this batch reproduces the same lines, and a later batch sees these.
func (r *run) corrections(ctx context.Context, tx *Tx, cands []*batchPerson, ent map[int64]map[string][]string) ([]lineRow, error) {
	if len(cands) == 0 || len(r.past) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(cands)+3)
	for _, p := range cands {
		ids = append(ids, p.id)
	}
	paid := map[int64]map[string]int64{} // person → item|month → fen
	args := append(ids, r.past[0].m.String(), r.m.String(), r.b.ID)
	rows, err := tx.Query(ctx, `SELECT person_id, item_code, for_month, SUM(amount_fen) FROM payment_lines
		WHERE person_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) AND for_month >= ? AND for_month < ? AND batch_id <> ?
		AND status IN ('pending', 'paid') GROUP BY person_id, item_code, for_month`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var pid, fen int64
		var item, month string
		if err := rows.Scan(&pid, &item, &month, &fen); err != nil {
			rows.Close()
			return nil, err
		}
		if paid[pid] == nil {
			paid[pid] = map[string]int64{}
		}
		paid[pid][item+"|"+month] += fen
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []lineRow
	for _, p := range cands {
		for _, pm := range r.past {
			due, bad := r.due(p, pm.m, ent)
			pms := pm.m.String()
			items := map[string]bool{}
			for k := range due {
				items[k] = true
			}
			for k := range paid[p.id] {
				if code, month, _ := strings.Cut(k, "|"); month == pms {
					items[code] = true
				}
			}
			for _, code := range sortedKeys(items) {
				if _, ok := bad[code]; ok {
					continue // cannot decide now: leave it as it was
				}
				diff := due[code] - paid[p.id][code+"|"+pms]
				switch {
				case diff < 0:
					out = append(out, lineRow{p.id, p.county, p.path, code, pms, yanglao.LineRecovery, diff, yanglao.LinePending,
						"追回：该月不应发放或多发 (recovery: not due for that month)"})
				case diff > 0 && p.createdAt.Before(pm.batchAt):
					out = append(out, lineRow{p.id, p.county, p.path, code, pms, yanglao.LineArrears, diff, yanglao.LinePending,
						"补发：该月应发未发 (arrears: due for that month and not paid)"})
				}
			}
		}
	}
	return out, nil
}

// insertLines writes lines in multi-row statements; a line whose key exists
// (paid by another batch, or by an earlier run of this page) is skipped.
func (tx *Tx) insertLines(ctx context.Context, batchID int64, lines []lineRow) error {
	const cols = 11
	const per = 500
	var stmt string
	var stmtN int
	args := make([]any, 0, per*cols)
	for i := 0; i < len(lines); i += per {
		chunk := lines[i:min(i+per, len(lines))]
		if len(chunk) != stmtN {
			var q strings.Builder
			q.WriteString(`INSERT INTO payment_lines (batch_id, person_id, county_code, region_path, item_code, for_month, kind, amount_fen, status, hold_reason, created_at) VALUES `)
			for k := range chunk {
				if k > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			}
			q.WriteString(" ON CONFLICT DO NOTHING")
			stmt, stmtN = q.String(), len(chunk)
		}
		args = args[:0]
		for _, l := range chunk {
			args = append(args, batchID, l.personID, l.county, l.path, l.item, l.forMonth, l.kind, l.amount, l.status, l.reason, tx.now)
		}
		if _, err := tx.Exec(ctx, stmt, args...); err != nil {
			return fmt.Errorf("insert payment lines: %w", err)
		}
	}
	return nil
}

// finish marks a batch computed with its totals.
func (s *BatchService) finish(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	var fen int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM payment_lines WHERE batch_id = ? AND status <> 'held'`, id).Scan(&n, &fen); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE payment_batches SET status = 'computed', lines = ?, total_fen = ?, computed_at = ? WHERE id = ? AND status = 'running'`,
		n, fen, tx.now, id); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "payment_batch", strconv.FormatInt(id, 10), fmt.Sprintf("computed lines=%d total_fen=%d", n, fen)); err != nil {
		return err
	}
	return tx.Commit()
}
