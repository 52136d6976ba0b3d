package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/visitrules"
)

var _ yanglao.CareVisitService = (*CareVisitService)(nil)

// CareVisitService runs the care-visit programme (探访关爱, issue 6). Scope:
// officials and workers see their region's subtree (scope on the person's
// residence path as it stood when the month was computed or the visit made);
// a visitor with an account also sees, and records visits for, the people the
// plan assigns to them.
type CareVisitService struct{ db *DB }

func NewCareVisitService(db *DB) *CareVisitService { return &CareVisitService{db: db} }

// canManageVisits: officials and workers run the programme; administrators and the platform too.
func canManageVisits(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker)
}

// visitScope is the programme's scope clause on pathCol for the actor: the
// region subtree for those who run it, nothing for anyone else.
func visitScope(ctx context.Context, pathCol string) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !canManageVisits(a) {
		return "1=0", nil, nil
	}
	return scope(ctx, pathCol, "")
}

func mustManageVisits(ctx context.Context) (*yanglao.Actor, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !canManageVisits(a) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部和工作人员可以管理探访 (only officials and workers run care visits)")
	}
	return a, nil
}

// thisMonth reads a month parameter; "" is the current month.
func (s *CareVisitService) month(m string) (string, error) {
	if m == "" {
		return visitrules.MonthOf(yanglao.DateOf(s.db.Now())), nil
	}
	if _, _, err := visitrules.MonthBounds(m); err != nil {
		return "", err
	}
	return m, nil
}

// placeRegion resolves a region parameter ("" = the actor's region) to its
// path, checking the actor sees it.
func placeRegion(ctx context.Context, tx *Tx, field, code string) (string, string, error) {
	a := yanglao.ActorFromContext(ctx)
	if code == "" {
		if a.Unrestricted() && a.RegionCode == "" {
			return "", "", yanglao.Invalid(field, "请指定区划 (region is required)")
		}
		code = a.RegionCode
	}
	path, err := tx.regionPath(ctx, field, code)
	if err != nil {
		return "", "", err
	}
	if !a.SeesPath(path) {
		return "", "", yanglao.Errorf(yanglao.ENOTFOUND, "区划 %s 不在您的辖区内 (region %s is outside your region)", code, code)
	}
	return code, path, nil
}

// --- rules

const careRuleCols = `r.id, r.region_code, r.region_path, r.grp, r.per_month, r.min_age, r.valid_from, r.valid_to, r.source, r.created_by, r.created_at`

func scanCareRule(row scanner) (*yanglao.CareRule, error) {
	r := &yanglao.CareRule{}
	var path string
	var to yanglao.Date
	err := row.Scan(&r.ID, &r.Region, &path, &r.Group, &r.PerMonth, &r.MinAge, &r.From, &to, &r.Source, &r.CreatedBy, &r.CreatedAt)
	r.To = to
	return r, err
}

// rulesFor reads the rules that can apply in path's subtree: those of its
// ancestors (and itself) and those of regions below it, with their paths.
func (tx *Tx) rulesFor(ctx context.Context, path string) ([]*visitrules.Rule, []*yanglao.CareRule, error) {
	anc := ancestorPaths(path)
	lo, hi := pathRange(path)
	args := []any{lo, hi}
	for _, p := range anc {
		args = append(args, p)
	}
	rows, err := tx.Query(ctx, `SELECT `+careRuleCols+` FROM carevisit_rules r WHERE (r.region_path >= ? AND r.region_path < ?) OR r.region_path IN (?`+
		strings.Repeat(", ?", len(anc)-1)+`) ORDER BY r.region_path, r.grp, r.valid_from, r.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var vr []*visitrules.Rule
	var cr []*yanglao.CareRule
	for rows.Next() {
		r := &yanglao.CareRule{}
		var rpath string
		var to yanglao.Date
		if err := rows.Scan(&r.ID, &r.Region, &rpath, &r.Group, &r.PerMonth, &r.MinAge, &r.From, &to, &r.Source, &r.CreatedBy, &r.CreatedAt); err != nil {
			return nil, nil, err
		}
		r.To = to
		cr = append(cr, r)
		vr = append(vr, &visitrules.Rule{ID: r.ID, Region: r.Region, Path: rpath, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, To: r.To, Source: r.Source})
	}
	return vr, cr, rows.Err()
}

// CareRules lists the rules in force or planned in a region: its ancestors'
// (marked inherited) and its own, not those of regions below it.
func (s *CareVisitService) CareRules(ctx context.Context, region string) ([]*yanglao.CareRule, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	code, path, err := placeRegion(ctx, tx, "region", region)
	if err != nil {
		return nil, err
	}
	anc := ancestorPaths(path)
	args := make([]any, len(anc))
	for i, p := range anc {
		args[i] = p
	}
	out, err := queryAll(ctx, tx, scanCareRule, `SELECT `+careRuleCols+` FROM carevisit_rules r WHERE r.region_path IN (?`+
		strings.Repeat(", ?", len(anc)-1)+`) ORDER BY r.grp, r.region_path, r.valid_from, r.id`, args...)
	for _, r := range out {
		r.Inherited = r.Region != code
	}
	return out, err
}

// SaveCareRule adds a rule for a region. Officials of the region or above
// set rules (a worker runs the visits but does not set policy).
func (s *CareVisitService) SaveCareRule(ctx context.Context, r *yanglao.CareRule) error {
	a, err := mustManageVisits(ctx)
	if err != nil {
		return err
	}
	if !a.Unrestricted() && a.Role != yanglao.RoleOfficial {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以设定探访规则 (only officials set visit rules)")
	}
	vr := visitrules.Rule{Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, To: r.To, Source: r.Source}
	if err := vr.Validate(); err != nil {
		return err
	}
	r.MinAge, r.Source = vr.MinAge, vr.Source
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	code, path, err := placeRegion(ctx, tx, "region", r.Region)
	if err != nil {
		return err
	}
	r.Region, r.CreatedBy, r.CreatedAt = code, a.Username, tx.now
	r.ID, err = tx.insertID(ctx, `INSERT INTO carevisit_rules (region_code, region_path, grp, per_month, min_age, valid_from, valid_to, source, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, path, r.Group, r.PerMonth, r.MinAge, r.From, nullDate(r.To), r.Source, a.Username, tx.now)
	if err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "carevisit_rule", strconv.FormatInt(r.ID, 10),
		fmt.Sprintf("region=%s group=%s per_month=%d min_age=%d from=%s to=%s", code, r.Group, r.PerMonth, r.MinAge, r.From, r.To)); err != nil {
		return err
	}
	return tx.Commit()
}

// EndCareRule closes a rule on day to (inclusive).
func (s *CareVisitService) EndCareRule(ctx context.Context, id int64, to yanglao.Date) (*yanglao.CareRule, error) {
	a, err := mustManageVisits(ctx)
	if err != nil {
		return nil, err
	}
	if to.IsZero() {
		return nil, yanglao.Invalid("to", "请填写失效日期 (to is required)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var path string
	r := &yanglao.CareRule{}
	var oldTo yanglao.Date
	if err := tx.QueryRow(ctx, `SELECT region_path, region_code, grp, per_month, min_age, valid_from, valid_to, source, created_by, created_at FROM carevisit_rules WHERE id = ?`, id).
		Scan(&path, &r.Region, &r.Group, &r.PerMonth, &r.MinAge, &r.From, &oldTo, &r.Source, &r.CreatedBy, &r.CreatedAt); err != nil {
		return nil, notFound(err, "探访规则", "visit rule")
	}
	if err := mayTouch(ctx, path, nil, "探访规则", "visit rule"); err != nil {
		return nil, err
	}
	if !a.Unrestricted() && a.Role != yanglao.RoleOfficial {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以设定探访规则 (only officials set visit rules)")
	}
	if to.Before(r.From.AddDays(-1)) {
		return nil, yanglao.Invalid("to", "失效日期早于生效日期 (to is before the rule's from)")
	}
	if !oldTo.IsZero() && oldTo.Before(to) {
		return nil, yanglao.Invalid("to", "规则已于 %s 失效 (the rule already ends on %s)", oldTo, oldTo)
	}
	if _, err := tx.Exec(ctx, `UPDATE carevisit_rules SET valid_to = ? WHERE id = ?`, to, id); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "carevisit_rule", strconv.FormatInt(id, 10), "to="+to.String()); err != nil {
		return nil, err
	}
	r.ID, r.To = id, to
	return r, tx.Commit()
}

// --- the month's list

// targetRow is one computed target.
type targetRow struct {
	personID  int64
	path      string
	groups    string
	perMonth  int
	visitorID *int64
	visits    int
	lastVisit yanglao.Date
}

func (a *targetRow) same(b *targetRow) bool {
	return a.path == b.path && a.groups == b.groups && a.perMonth == b.perMonth && a.visits == b.visits && a.lastVisit == b.lastVisit &&
		(a.visitorID == nil) == (b.visitorID == nil) && (a.visitorID == nil || *a.visitorID == *b.visitorID)
}

// RefreshTargets computes the month's list for region's subtree: for each
// county under it (or the part of a county the region is), from the register
// as it stands on the month's reference day, keeping the plan's visitors and
// counting the month's visits.
func (s *CareVisitService) RefreshTargets(ctx context.Context, region, month string) (*yanglao.RefreshReport, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		return nil, err
	}
	month, err := s.month(month)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ref, err := visitrules.RefDay(month, yanglao.DateOf(s.db.Now()))
	if err != nil {
		return nil, err
	}
	rtx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	var units []string
	path := ""
	if a := yanglao.ActorFromContext(ctx); region == "" && a.Unrestricted() && a.RegionCode == "" {
		// The platform's daily job: every county with people in the register or a list to keep.
		units, err = queryAll(ctx, rtx, func(r scanner) (string, error) { var p string; err := r.Scan(&p); return p, err },
			`SELECT path FROM regions WHERE code IN (SELECT DISTINCT county_code FROM people UNION SELECT county_code FROM carevisit_months WHERE month = ?) ORDER BY path`, month)
		if err != nil {
			rtx.Rollback()
			return nil, err
		}
	} else if _, path, err = placeRegion(ctx, rtx, "region", region); err != nil {
		rtx.Rollback()
		return nil, err
	}
	// The units of work: the region itself when it is a county or below, else each county under it.
	switch {
	case path == "":
	case strings.Count(path, "/")-1 >= 3:
		units = []string{path}
	default:
		lo, hi := pathRange(path)
		units, err = queryAll(ctx, rtx, func(r scanner) (string, error) { var p string; err := r.Scan(&p); return p, err },
			`SELECT path FROM regions WHERE path >= ? AND path < ? AND level = 3 ORDER BY path`, lo, hi)
		if err != nil {
			rtx.Rollback()
			return nil, err
		}
	}
	rtx.Rollback()
	rep := &yanglao.RefreshReport{Month: month, RefDay: ref}
	// A county's register is read in place order, which is not the table's
	// order: SQLite's writer gets the page cache and memory map of an import
	// for the job (restored after), instead of a system call per page.
	defer s.db.tuneForBulk(ctx)()
	for _, u := range units {
		if err := s.refreshUnit(ctx, u, month, ref, rep); err != nil {
			return rep, err
		}
		rep.Counties++
	}
	rep.Millis = time.Since(start).Milliseconds()
	return rep, nil
}

// refreshUnit recomputes the targets of month in the subtree at path (a
// county or part of one) in one transaction, writing only what changed.
func (s *CareVisitService) refreshUnit(ctx context.Context, path, month string, ref yanglao.Date, rep *yanglao.RefreshReport) error {
	county := countyOfPath(path, "")
	tx, err := s.db.beginBulk(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := tx.lockMonth(ctx, county, month); err != nil {
		return err
	}
	rules, _, err := tx.rulesFor(ctx, path)
	if err != nil {
		return err
	}
	set := visitrules.NewSet(rules, ref)
	lo, hi := pathRange(path)

	// The register under path, with the statuses the rules read (by each
	// person's (person_id, kind) index: one probe a person, not one per kind).
	subjects := map[int64]*visitrules.Subject{}
	var order []int64
	rows, err := tx.Query(ctx, `SELECT p.id, p.residence_path, p.birth_date, p.life_status, p.death_date, p.moved_out_date, p.living, p.disability_grade, p.grade, p.grade_valid_until
		FROM people p WHERE p.residence_path >= ? AND p.residence_path < ?`, lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		sub := &visitrules.Subject{}
		var id int64
		var death, moved, until yanglao.Date
		if err := rows.Scan(&id, &sub.Path, &sub.Birth, &sub.Life, &death, &moved, &sub.Living, &sub.DisabilityGrade, &sub.Grade, &until); err != nil {
			rows.Close()
			return err
		}
		sub.Death, sub.MovedOut, sub.GradeValidUntil = death, moved, until
		subjects[id] = sub
		order = append(order, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rep.People += len(order)
	kinds := make([]any, 0, len(visitrules.StatusKinds)+4)
	kinds = append(kinds, lo, hi)
	for _, k := range visitrules.StatusKinds {
		kinds = append(kinds, k)
	}
	kinds = append(kinds, ref.String(), ref.String())
	rows, err = tx.Query(ctx, `SELECT st.person_id, st.kind, st.start_date, st.end_date FROM people p CROSS JOIN person_statuses st
		WHERE p.residence_path >= ? AND p.residence_path < ? AND st.person_id = p.id AND `+s.db.unindexed("st.kind")+` IN (?`+strings.Repeat(", ?", len(visitrules.StatusKinds)-1)+`)
		AND st.start_date <= ? AND (st.end_date IS NULL OR st.end_date >= ?)`, kinds...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var sp visitrules.Span
		var end yanglao.Date
		if err := rows.Scan(&id, &sp.Kind, &sp.Start, &end); err != nil {
			rows.Close()
			return err
		}
		sp.End = end
		if sub := subjects[id]; sub != nil {
			sub.Statuses = append(sub.Statuses, sp)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// The plan's visitors and the month's visits.
	type planRow struct {
		visitor  int64
		perMonth int
	}
	plan := map[int64]planRow{}
	rows, err = tx.Query(ctx, `SELECT pl.person_id, pl.visitor_id, pl.per_month FROM people p CROSS JOIN carevisit_plan pl
		WHERE p.residence_path >= ? AND p.residence_path < ? AND pl.person_id = p.id`, lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var pr planRow
		if err := rows.Scan(&id, &pr.visitor, &pr.perMonth); err != nil {
			rows.Close()
			return err
		}
		plan[id] = pr
	}
	rows.Close()
	type visitCount struct {
		n    int
		last yanglao.Date
	}
	visits := map[int64]visitCount{}
	rows, err = tx.Query(ctx, `SELECT person_id, COUNT(*), MAX(visit_date) FROM carevisit_visits
		WHERE month = ? AND region_path >= ? AND region_path < ? GROUP BY person_id`, month, lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var vc visitCount
		if err := rows.Scan(&id, &vc.n, &vc.last); err != nil {
			rows.Close()
			return err
		}
		visits[id] = vc
	}
	rows.Close()

	// Decide.
	want := make(map[int64]*targetRow, len(order)/4)
	for _, id := range order {
		t, ok := set.Decide(subjects[id], ref)
		if !ok {
			continue
		}
		tr := &targetRow{personID: id, path: subjects[id].Path, groups: strings.Join(t.Groups, ","), perMonth: t.PerMonth}
		if pr, ok := plan[id]; ok {
			v := pr.visitor
			tr.visitorID = &v
			tr.perMonth = max(tr.perMonth, pr.perMonth)
		}
		if vc, ok := visits[id]; ok {
			tr.visits, tr.lastVisit = vc.n, vc.last
		}
		want[id] = tr
	}

	// What is stored, and the difference.
	have := map[int64]*targetRow{}
	rows, err = tx.Query(ctx, `SELECT person_id, region_path, groups, per_month, visitor_id, visits, last_visit FROM carevisit_targets
		WHERE month = ? AND region_path >= ? AND region_path < ?`, month, lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		tr := &targetRow{}
		var lastV yanglao.Date
		if err := rows.Scan(&tr.personID, &tr.path, &tr.groups, &tr.perMonth, &tr.visitorID, &tr.visits, &lastV); err != nil {
			rows.Close()
			return err
		}
		tr.lastVisit = lastV
		have[tr.personID] = tr
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var add [][]any
	var addIDs []any
	added, removed, changed := 0, 0, 0
	for _, id := range order {
		w, ok := want[id]
		if !ok {
			continue
		}
		h, ok := have[id]
		switch {
		case !ok:
			add = append(add, []any{month, id, county, w.path, w.groups, w.perMonth, w.visitorID, w.visits, tx.dateArg(w.lastVisit)})
			addIDs = append(addIDs, id)
			added++
		case !w.same(h):
			if _, err := tx.Exec(ctx, `UPDATE carevisit_targets SET county_code = ?, region_path = ?, groups = ?, per_month = ?, visitor_id = ?, visits = ?, last_visit = ?
				WHERE month = ? AND person_id = ?`, county, w.path, w.groups, w.perMonth, w.visitorID, w.visits, nullDate(w.lastVisit), month, id); err != nil {
				return err
			}
			changed++
		}
	}
	var gone []any
	for id := range have {
		if _, ok := want[id]; !ok {
			gone = append(gone, id)
		}
	}
	removed = len(gone)
	// A person who moved here from another county may still be on that
	// county's list: take them off it, and off its counts.
	for start := 0; start < len(addIDs); start += 500 {
		chunk := addIDs[start:min(start+500, len(addIDs))]
		elsewhere, err := queryAll(ctx, tx.Tx, scanTallyRow, `SELECT region_path, visits, per_month FROM carevisit_targets WHERE month = ? AND person_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, append([]any{month}, chunk...)...)
		if err != nil {
			return err
		}
		for _, e := range elsewhere {
			if err := tx.adjustTally(ctx, month, e.path, -1, -e.visited(), -e.once()); err != nil {
				return err
			}
		}
	}
	for _, ids := range [][]any{gone, addIDs} {
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			if _, err := tx.Exec(ctx, `DELETE FROM carevisit_targets WHERE month = ? AND person_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`,
				append([]any{month}, chunk...)...); err != nil {
				return err
			}
		}
	}
	if err := tx.insertRows(ctx, "carevisit_targets", []string{"month", "person_id", "county_code", "region_path", "groups", "per_month", "visitor_id", "visits", "last_visit"}, add); err != nil {
		return err
	}
	if added+removed+changed > 0 {
		if err := tx.recountTallies(ctx, month, lo, hi); err != nil {
			return err
		}
	}
	rep.Targets += len(want)
	rep.Added += added
	rep.Removed += removed
	rep.Changed += changed
	// Record the computation of a whole county.
	if countyPath := countyPathOf(path); countyPath == path {
		if _, err := tx.Exec(ctx, `UPDATE carevisit_months SET ref_day = ?, targets = ?, computed_at = ? WHERE county_code = ? AND month = ?`,
			ref, len(want), tx.now, county, month); err != nil {
			return err
		}
	}
	if added+removed+changed > 0 {
		if err := tx.audit(ctx, yanglao.AuditUpdate, "carevisit_month", county+"/"+month,
			fmt.Sprintf("refresh path=%s ref_day=%s targets=%d added=%d removed=%d changed=%d", path, ref, len(want), added, removed, changed)); err != nil {
			return err
		}
	}
	return tx.commit()
}

// countyPathOf cuts a path to its county (level 3) node, or returns it whole above that level.
func countyPathOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) <= 3 {
		return path
	}
	return "/" + strings.Join(parts[:3], "/") + "/"
}

// lockMonth serialises a refresh of a county's month with visits recorded in
// it, so a visit's count is never lost between a refresh's read and its write
// (PostgreSQL row lock; SQLite has one writer anyway).
func (tx *Tx) lockMonth(ctx context.Context, county, month string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO carevisit_months (county_code, month, targets) VALUES (?, ?, 0) ON CONFLICT (county_code, month) DO NOTHING`, county, month); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE carevisit_months SET locks = locks + 1 WHERE county_code = ? AND month = ?`, county, month)
	return err
}

// myVisitorID is the actor's visitor record, or 0.
func (tx *Tx) myVisitorID(ctx context.Context, a *yanglao.Actor) (int64, error) {
	if a == nil || a.UserID == 0 {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM carevisit_visitors WHERE user_id = ?`, a.UserID).Scan(&id)
	if isNoRows(err) {
		return 0, nil
	}
	return id, err
}

// CareTargets lists the month's list in region order (keyset on path and person).
func (s *CareVisitService) CareTargets(ctx context.Context, f yanglao.CareTargetFilter) ([]*yanglao.CareTarget, string, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	month, err := s.month(f.Month)
	if err != nil {
		return nil, "", err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	where, args := []string{"t.month = ?"}, []any{month}
	if f.Mine || !canManageVisits(a) {
		vid, err := tx.myVisitorID(ctx, a)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "t.visitor_id = ?"), append(args, vid)
	} else {
		clause, sargs, err := visitScope(ctx, "t.region_path")
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, clause), append(args, sargs...)
	}
	if f.RegionCode != "" {
		path, err := tx.regionPath(ctx, "region", f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		lo, hi := pathRange(path)
		where, args = append(where, "t.region_path >= ? AND t.region_path < ?"), append(args, lo, hi)
	}
	if f.Pending {
		where = append(where, "t.visits < t.per_month")
	}
	page := f.Page.Normalize()
	if page.After != "" {
		key, idStr, ok := strings.Cut(page.After, "_")
		after, err := afterID(idStr)
		if !ok || err != nil || !strings.HasPrefix(key, "/") {
			return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
		}
		where, args = append(where, "(t.region_path, t.person_id) > (?, ?)"), append(args, key, after)
	}
	type row struct {
		t    *yanglao.CareTarget
		path string
	}
	out, err := queryAll(ctx, tx, func(r scanner) (row, error) {
		t := &yanglao.CareTarget{Month: month}
		var groups string
		var vname *string
		var last yanglao.Date
		var path string
		err := r.Scan(&t.PersonID, &path, &t.Name, &t.RegionCode, &t.Address, &groups, &t.PerMonth, &t.VisitorID, &vname, &t.Visits, &last)
		t.Groups = splitList(groups)
		if vname != nil {
			t.VisitorName = *vname
		}
		t.LastVisit = last
		t.Done = t.Visits >= t.PerMonth
		return row{t, path}, err
	}, `SELECT t.person_id, t.region_path, p.name, p.residence_code, p.address, t.groups, t.per_month, t.visitor_id, v.name, t.visits, t.last_visit
		FROM carevisit_targets t JOIN people p ON p.id = t.person_id LEFT JOIN carevisit_visitors v ON v.id = t.visitor_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY t.region_path, t.person_id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(r row) string { return r.path + "_" + strconv.FormatInt(r.t.PersonID, 10) })
	ts := make([]*yanglao.CareTarget, len(out))
	for i, r := range out {
		ts[i] = r.t
	}
	return ts, next, nil
}

// VisitRates is the month's visit rate of a region and of each child region,
// rolled up from the counts per residence node (carevisit_tallies): a row
// per village, whatever the number of people.
func (s *CareVisitService) VisitRates(ctx context.Context, region, month string) (*yanglao.VisitRates, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		return nil, err
	}
	month, err := s.month(month)
	if err != nil {
		return nil, err
	}
	ref, _ := visitrules.RefDay(month, yanglao.DateOf(s.db.Now()))
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	code, path, err := placeRegion(ctx, tx, "region", region)
	if err != nil {
		return nil, err
	}
	here, err := tx.region(ctx, code)
	if err != nil {
		return nil, err
	}
	kids, err := queryAll(ctx, tx, scanRegion, `SELECT `+regionCols+` FROM regions WHERE parent_code = ? ORDER BY code`, code)
	if err != nil {
		return nil, err
	}
	res := &yanglao.VisitRates{Month: month, RefDay: ref, TargetPct: yanglao.VisitRateTarget / 10,
		Region: &yanglao.VisitRateRow{RegionCode: here.Code, Name: here.Name, Level: here.Level, HasKids: len(kids) > 0}}
	rowOf := map[string]*yanglao.VisitRateRow{}
	for _, k := range kids {
		r := &yanglao.VisitRateRow{RegionCode: k.Code, Name: k.Name, Level: k.Level, HasKids: k.ChildCount > 0}
		res.Children = append(res.Children, r)
		rowOf[k.Code] = r
	}
	clause, sargs, err := visitScope(ctx, "region_path")
	if err != nil {
		return nil, err
	}
	lo, hi := pathRange(path)
	depth := strings.Count(path, "/") - 1 // parts in the region's own path
	rows, err := tx.Query(ctx, `SELECT region_path, targets, visited, at_least_one
		FROM carevisit_tallies WHERE month = ? AND region_path >= ? AND region_path < ? AND `+clause,
		append([]any{month, lo, hi}, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var n, done, once int
		if err := rows.Scan(&p, &n, &done, &once); err != nil {
			return nil, err
		}
		add := func(r *yanglao.VisitRateRow) { r.Targets += n; r.Visited += done; r.AtLeastOne += once }
		add(res.Region)
		parts := strings.Split(strings.Trim(p, "/"), "/")
		if len(parts) > depth {
			if r := rowOf[parts[depth]]; r != nil {
				add(r)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range append([]*yanglao.VisitRateRow{res.Region}, res.Children...) {
		finishRate(r)
	}
	// The oldest computation among the region's counties (ORDER BY, not MIN(), keeps the column's type on SQLite).
	var computed *time.Time
	if depth >= 3 {
		err = tx.QueryRow(ctx, `SELECT computed_at FROM carevisit_months WHERE month = ? AND county_code = ? AND computed_at IS NOT NULL`, month, countyOfPath(path, code)).Scan(&computed)
	} else {
		err = tx.QueryRow(ctx, `SELECT m.computed_at FROM regions r JOIN carevisit_months m ON m.county_code = r.code AND m.month = ?
			WHERE r.path >= ? AND r.path < ? AND r.level = 3 AND m.computed_at IS NOT NULL ORDER BY m.computed_at LIMIT 1`, month, lo, hi).Scan(&computed)
	}
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	res.ComputedAt = computed
	return res, nil
}

// finishRate fills the derived figures of a row; the rate is rounded down
// to a tenth of a per cent, so 99.96 % never shows as 100 %.
func finishRate(r *yanglao.VisitRateRow) {
	r.Pending = r.Targets - r.Visited
	if r.Targets == 0 {
		r.RatePct = "—"
		return
	}
	r.Rate = r.Visited * 1000 / r.Targets
	r.RatePct = fmt.Sprintf("%d.%d%%", r.Rate/10, r.Rate%10)
}

// tallyRow is a target's contribution to its node's counts.
type tallyRow struct {
	path             string
	visits, perMonth int
}

func (t tallyRow) visited() int {
	if t.visits >= t.perMonth {
		return 1
	}
	return 0
}

func (t tallyRow) once() int {
	if t.visits > 0 {
		return 1
	}
	return 0
}

func scanTallyRow(r scanner) (tallyRow, error) {
	var t tallyRow
	err := r.Scan(&t.path, &t.visits, &t.perMonth)
	return t, err
}

// recountTallies recomputes the month's counts of every node in [lo, hi)
// from the targets; lo == hi recounts the one node at that path.
func (tx *Tx) recountTallies(ctx context.Context, month, lo, hi string) error {
	cond, args := "region_path >= ? AND region_path < ?", []any{month, lo, hi}
	if lo == hi {
		cond, args = "region_path = ?", []any{month, lo}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM carevisit_tallies WHERE month = ? AND `+cond, args...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO carevisit_tallies (month, region_path, targets, visited, at_least_one)
		SELECT month, region_path, COUNT(*), SUM(CASE WHEN visits >= per_month THEN 1 ELSE 0 END), SUM(CASE WHEN visits > 0 THEN 1 ELSE 0 END)
		FROM carevisit_targets WHERE month = ? AND `+cond+` GROUP BY month, region_path`, args...)
	return err
}

// adjustTally adds to a node's counts (a visit, a person leaving the list).
func (tx *Tx) adjustTally(ctx context.Context, month, path string, targets, visited, once int) error {
	_, err := tx.Exec(ctx, `INSERT INTO carevisit_tallies (month, region_path, targets, visited, at_least_one) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (month, region_path) DO UPDATE SET targets = carevisit_tallies.targets + excluded.targets,
		visited = carevisit_tallies.visited + excluded.visited, at_least_one = carevisit_tallies.at_least_one + excluded.at_least_one`,
		month, path, targets, visited, once)
	return err
}
