package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/visitrules"
)

// --- visitors and the plan

const visitorCols = `id, name, kind, user_id, region_code, created_at`

func scanVisitor(r scanner) (*yanglao.CareVisitor, error) {
	v := &yanglao.CareVisitor{}
	err := r.Scan(&v.ID, &v.Name, &v.Kind, &v.UserID, &v.RegionCode, &v.CreatedAt)
	return v, err
}

// Visitors lists the visitors registered in the actor's subtree (or region's).
func (s *CareVisitService) Visitors(ctx context.Context, region string, page yanglao.Page) ([]*yanglao.CareVisitor, string, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		return nil, "", err
	}
	clause, args, err := visitScope(ctx, "region_path")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if region != "" {
		tx, err := s.db.BeginRead(ctx)
		if err != nil {
			return nil, "", err
		}
		path, err := tx.regionPath(ctx, "region", region)
		tx.Rollback()
		if err != nil {
			return nil, "", err
		}
		lo, hi := pathRange(path)
		where, args = append(where, "region_path >= ? AND region_path < ?"), append(args, lo, hi)
	}
	return listByID(ctx, s.db, scanVisitor, func(v *yanglao.CareVisitor) int64 { return v.ID },
		`SELECT `+visitorCols+` FROM carevisit_visitors`, where, args, page)
}

// CreateVisitor registers a named visitor (a volunteer, an association member) in a region.
func (s *CareVisitService) CreateVisitor(ctx context.Context, v *yanglao.CareVisitor) error {
	if _, err := mustManageVisits(ctx); err != nil {
		return err
	}
	v.UserID = nil
	if err := v.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	code, path, err := placeRegion(ctx, tx, "region_code", v.RegionCode)
	if err != nil {
		return err
	}
	v.RegionCode, v.CreatedAt = code, tx.now
	if v.ID, err = tx.insertID(ctx, `INSERT INTO carevisit_visitors (region_code, region_path, county_code, name, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		code, path, countyOfPath(path, code), v.Name, v.Kind, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "carevisit_visitor", strconv.FormatInt(v.ID, 10), "name="+v.Name+" kind="+v.Kind+" region="+code); err != nil {
		return err
	}
	return tx.Commit()
}

// visitorForUser returns (making it on first use) the visitor record of a
// platform user the actor may see.
func (tx *Tx) visitorForUser(ctx context.Context, userID int64) (*yanglao.CareVisitor, error) {
	a := yanglao.ActorFromContext(ctx)
	var name, code, path string
	var role yanglao.Role
	if err := tx.QueryRow(ctx, `SELECT display_name, role, region_code, region_path FROM users WHERE id = ? AND NOT disabled`, userID).Scan(&name, &role, &code, &path); err != nil {
		if isNoRows(err) {
			return nil, yanglao.Invalid("user_id", "账号不存在 (no such account)")
		}
		return nil, err
	}
	if userID != a.UserID && !a.SeesPath(path) {
		return nil, yanglao.Invalid("user_id", "账号不存在 (no such account)")
	}
	kind := "volunteer"
	if role == yanglao.RoleWorker || role == yanglao.RoleOfficial {
		kind = "worker"
	}
	if _, err := tx.Exec(ctx, `INSERT INTO carevisit_visitors (region_code, region_path, county_code, name, kind, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO NOTHING`, code, path, countyOfPath(path, code), name, kind, userID, tx.now); err != nil {
		return nil, err
	}
	return scanVisitor(tx.QueryRow(ctx, `SELECT `+visitorCols+` FROM carevisit_visitors WHERE user_id = ?`, userID))
}

// visitor reads a visitor the actor may use: one registered in their subtree
// or above their region (a county's volunteers serve its townships).
func (tx *Tx) visitor(ctx context.Context, field string, id int64) (*yanglao.CareVisitor, error) {
	var path string
	v := &yanglao.CareVisitor{}
	err := tx.QueryRow(ctx, `SELECT id, name, kind, user_id, region_code, created_at, region_path FROM carevisit_visitors WHERE id = ?`, id).
		Scan(&v.ID, &v.Name, &v.Kind, &v.UserID, &v.RegionCode, &v.CreatedAt, &path)
	a := yanglao.ActorFromContext(ctx)
	if isNoRows(err) || err == nil && !a.SeesPath(path) && !yanglao.PathContains(path, a.RegionPath) {
		return nil, yanglao.Invalid(field, "探访人不存在 (no such visitor)")
	}
	return v, err
}

// Assign gives people a visitor in the standing plan, which later months
// inherit, and on the month's list.
func (s *CareVisitService) Assign(ctx context.Context, req yanglao.AssignRequest) (int, error) {
	a, err := mustManageVisits(ctx)
	if err != nil {
		return 0, err
	}
	month, err := s.month(req.Month)
	if err != nil {
		return 0, err
	}
	if (req.VisitorID == 0) == (req.UserID == 0) {
		return 0, yanglao.Invalid("visitor_id", "请指定一位探访人：visitor_id 或 user_id 二选一 (give exactly one of visitor_id and user_id)")
	}
	if req.PerMonth != 0 && (req.PerMonth < visitrules.MinPerMonth || req.PerMonth > visitrules.MaxPerMonth) {
		return 0, yanglao.Invalid("per_month", "每月探访次数应为1到8次 (per_month must be 1 to 8)")
	}
	if len(req.PersonIDs) == 0 && req.RegionCode == "" {
		return 0, yanglao.Invalid("region_code", "请指定村（社区）或乡镇（街道），或列出老人 (give region_code or person_ids)")
	}
	if len(req.PersonIDs) > 500 {
		return 0, yanglao.Invalid("person_ids", "一次最多指派500人，更多请按区划指派 (at most 500 people at once: assign by region instead)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var v *yanglao.CareVisitor
	if req.UserID != 0 {
		v, err = tx.visitorForUser(ctx, req.UserID)
	} else {
		v, err = tx.visitor(ctx, "visitor_id", req.VisitorID)
	}
	if err != nil {
		return 0, err
	}
	clause, args, err := visitScope(ctx, "region_path")
	if err != nil {
		return 0, err
	}
	where := []string{"month = ?", clause}
	args = append([]any{month}, args...)
	if req.RegionCode != "" {
		path, err := tx.regionPath(ctx, "region_code", req.RegionCode)
		if err != nil {
			return 0, err
		}
		lo, hi := pathRange(path)
		where, args = append(where, "region_path >= ? AND region_path < ?"), append(args, lo, hi)
	}
	if len(req.PersonIDs) > 0 {
		where = append(where, "person_id IN (?"+strings.Repeat(", ?", len(req.PersonIDs)-1)+")")
		for _, id := range req.PersonIDs {
			args = append(args, id)
		}
	}
	if !req.Replace {
		where = append(where, "visitor_id IS NULL")
	}
	type tgt struct {
		id     int64
		county string
	}
	people, err := queryAll(ctx, tx, func(r scanner) (tgt, error) { var t tgt; err := r.Scan(&t.id, &t.county); return t, err },
		`SELECT person_id, county_code FROM carevisit_targets WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return 0, err
	}
	if len(req.PersonIDs) > 0 && len(people) < len(req.PersonIDs) && req.Replace {
		return 0, yanglao.Invalid("person_ids", "有老人不在本月探访名单或您的辖区内 (some people are not on this month's list in your region)")
	}
	counties := map[string]bool{}
	for _, p := range people {
		if !counties[p.county] {
			counties[p.county] = true
			if err := tx.lockMonth(ctx, p.county, month); err != nil {
				return 0, err
			}
		}
	}
	for start := 0; start < len(people); start += 200 {
		chunk := people[start:min(start+200, len(people))]
		vals := make([]string, len(chunk))
		pargs := make([]any, 0, len(chunk)*6)
		ids := make([]any, 0, len(chunk)+3)
		ids = append(ids, v.ID, req.PerMonth, req.PerMonth)
		for i, p := range chunk {
			vals[i] = "(?, ?, ?, ?, ?, ?)"
			pargs = append(pargs, p.id, p.county, v.ID, req.PerMonth, a.Username, tx.now)
			ids = append(ids, p.id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO carevisit_plan (person_id, county_code, visitor_id, per_month, updated_by, updated_at) VALUES `+strings.Join(vals, ", ")+`
			ON CONFLICT (person_id) DO UPDATE SET county_code = excluded.county_code, visitor_id = excluded.visitor_id, per_month = excluded.per_month,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`, pargs...); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE carevisit_targets SET visitor_id = ?, per_month = CASE WHEN per_month < ? THEN ? ELSE per_month END
			WHERE month = ? AND person_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, append(append(ids[:3:3], month), ids[3:]...)...); err != nil {
			return 0, err
		}
	}
	if req.PerMonth > 0 && len(people) > 0 {
		// A higher frequency can turn a visited person back into one still to visit: recount their nodes.
		paths, err := queryAll(ctx, tx, func(r scanner) (string, error) { var p string; err := r.Scan(&p); return p, err },
			`SELECT DISTINCT region_path FROM carevisit_targets WHERE `+strings.Join(where[:len(where)-boolToInt(!req.Replace)], " AND "), args...)
		if err != nil {
			return 0, err
		}
		for _, p := range paths {
			if err := tx.recountTallies(ctx, month, p, p); err != nil {
				return 0, err
			}
		}
	}
	if len(people) > 0 {
		if err := tx.audit(ctx, yanglao.AuditUpdate, "carevisit_plan", strconv.FormatInt(v.ID, 10),
			fmt.Sprintf("assign visitor=%d month=%s region=%s people=%d per_month=%d replace=%v", v.ID, month, req.RegionCode, len(people), req.PerMonth, req.Replace)); err != nil {
			return 0, err
		}
	}
	return len(people), tx.Commit()
}

// --- visits

const visitCols = `v.id, v.person_id, p.name, p.residence_code, v.month, v.visit_date, v.mode, v.visitor_id, v.visitor_name, v.health, v.health_note,
	v.hazards, v.hazard_note, v.needs, v.needs_note, v.note, v.lat, v.lng, COALESCE(v.request_key, ''), v.recorded_name, v.created_at`

func scanVisit(r scanner) (*yanglao.CareVisit, error) {
	v := &yanglao.CareVisit{}
	var hazards, needs string
	err := r.Scan(&v.ID, &v.PersonID, &v.PersonName, &v.RegionCode, &v.Month, &v.Date, &v.Mode, &v.VisitorID, &v.VisitorName, &v.Health, &v.HealthNote,
		&hazards, &v.HazardNote, &needs, &v.NeedsNote, &v.Note, &v.Lat, &v.Lng, &v.RequestKey, &v.RecordedBy, &v.CreatedAt)
	v.Hazards, v.Needs = splitList(hazards), splitList(needs)
	return v, err
}

// mayVisit checks the actor may see and record visits of a person at path:
// those who run the programme in scope, or the person's visitor in the plan.
func (tx *Tx) mayVisit(ctx context.Context, personID int64, path string) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if canManageVisits(a) && a.SeesPath(path) {
		return nil
	}
	vid, err := tx.myVisitorID(ctx, a)
	if err != nil {
		return err
	}
	if vid != 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM carevisit_plan WHERE person_id = ? AND visitor_id = ?`, personID, vid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return yanglao.Errorf(yanglao.ENOTFOUND, "老年人不存在 (person not found)")
}

// RecordVisit stores a visit, its photos and follow-ups, and counts it on the
// month's list, in one transaction. The same RequestKey from the same user
// returns the visit already stored (a phone that retries on a bad network).
func (s *CareVisitService) RecordVisit(ctx context.Context, v *yanglao.CareVisit, followUps []*yanglao.FollowUp) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if err := v.Validate(yanglao.DateOf(s.db.Now())); err != nil {
		return err
	}
	if len(followUps) > 5 {
		return yanglao.Invalid("follow_ups", "一次最多5项跟进 (at most 5 follow-ups)")
	}
	for _, f := range followUps {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if v.RequestKey != "" {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM carevisit_visits WHERE recorded_name = ? AND request_key = ?`, a.Username, v.RequestKey).Scan(&id)
		if err == nil {
			got, err := tx.careVisit(ctx, id)
			if err != nil {
				return err
			}
			*v = *got
			return nil
		} else if !isNoRows(err) {
			return err
		}
	}
	var path, county string
	if err := tx.QueryRow(ctx, `SELECT residence_path, county_code, name, residence_code FROM people WHERE id = ?`, v.PersonID).
		Scan(&path, &county, &v.PersonName, &v.RegionCode); err != nil {
		return notFound(err, "老年人", "person")
	}
	if err := tx.mayVisit(ctx, v.PersonID, path); err != nil {
		return err
	}
	var vis *yanglao.CareVisitor
	switch {
	case v.VisitorID != nil:
		vis, err = tx.visitor(ctx, "visitor_id", *v.VisitorID)
	case a.UserID != 0:
		vis, err = tx.visitorForUser(ctx, a.UserID)
	default:
		return yanglao.Invalid("visitor_id", "请指定探访人 (visitor_id is required)")
	}
	if err != nil {
		return err
	}
	v.VisitorID, v.VisitorName = &vis.ID, vis.Name
	v.Month = visitrules.MonthOf(v.Date)
	if err := tx.lockMonth(ctx, county, v.Month); err != nil {
		return err
	}
	v.RecordedBy, v.CreatedAt = a.Username, tx.now
	var userID *int64
	if a.UserID != 0 {
		userID = &a.UserID
	}
	v.ID, err = tx.insertID(ctx, `INSERT INTO carevisit_visits (person_id, county_code, region_path, month, visit_date, mode, visitor_id, visitor_name,
		health, health_note, hazards, hazard_note, needs, needs_note, note, lat, lng, request_key, recorded_by, recorded_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.PersonID, county, path, v.Month, v.Date, v.Mode, vis.ID, vis.Name, v.Health, v.HealthNote, strings.Join(v.Hazards, ","), v.HazardNote,
		strings.Join(v.Needs, ","), v.NeedsNote, v.Note, v.Lat, v.Lng, nullString(v.RequestKey), userID, a.Username, tx.now)
	if err != nil {
		return err
	}
	for _, p := range v.Photos {
		if p.ID, err = tx.insertID(ctx, `INSERT INTO carevisit_photos (visit_id, content_type, size, data) VALUES (?, ?, ?, ?)`, v.ID, p.ContentType, len(p.Data), p.Data); err != nil {
			return err
		}
	}
	for _, f := range followUps {
		f.VisitID, f.PersonID, f.PersonName, f.RegionCode, f.State, f.CreatedBy, f.CreatedAt, f.UpdatedAt =
			v.ID, v.PersonID, v.PersonName, v.RegionCode, yanglao.FollowUpOpen, a.Username, tx.now, tx.now
		if f.ID, err = tx.insertID(ctx, `INSERT INTO carevisit_followups (visit_id, person_id, county_code, region_path, kind, detail, referred_to, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.PersonID, county, path, f.Kind, f.Detail, f.ReferredTo, f.State, a.Username, tx.now, tx.now); err != nil {
			return err
		}
		if err := tx.audit(ctx, yanglao.AuditCreate, "carevisit_followup", strconv.FormatInt(f.ID, 10), "visit="+strconv.FormatInt(v.ID, 10)+" kind="+f.Kind); err != nil {
			return err
		}
	}
	v.FollowUps = followUps
	// Count the visit on the month's list and in its node's counts.
	if t, err := scanTallyRow(tx.QueryRow(ctx, `SELECT region_path, visits, per_month FROM carevisit_targets WHERE month = ? AND person_id = ?`, v.Month, v.PersonID)); err == nil {
		if _, err := tx.Exec(ctx, `UPDATE carevisit_targets SET visits = visits + 1, last_visit = CASE WHEN last_visit IS NULL OR last_visit < ? THEN ? ELSE last_visit END
			WHERE month = ? AND person_id = ?`, v.Date, v.Date, v.Month, v.PersonID); err != nil {
			return err
		}
		after := tallyRow{t.path, t.visits + 1, t.perMonth}
		if err := tx.adjustTally(ctx, v.Month, t.path, 0, after.visited()-t.visited(), after.once()-t.once()); err != nil {
			return err
		}
	} else if !isNoRows(err) {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "carevisit", strconv.FormatInt(v.ID, 10),
		fmt.Sprintf("person=%d date=%s mode=%s visitor=%d photos=%d", v.PersonID, v.Date, v.Mode, vis.ID, len(v.Photos))); err != nil {
		return err
	}
	return tx.Commit()
}

func (tx *Tx) careVisit(ctx context.Context, id int64) (*yanglao.CareVisit, error) {
	var path string
	row := tx.QueryRow(ctx, `SELECT `+visitCols+`, v.region_path FROM carevisit_visits v JOIN people p ON p.id = v.person_id WHERE v.id = ?`, id)
	v := &yanglao.CareVisit{}
	var hazards, needs string
	if err := row.Scan(&v.ID, &v.PersonID, &v.PersonName, &v.RegionCode, &v.Month, &v.Date, &v.Mode, &v.VisitorID, &v.VisitorName, &v.Health, &v.HealthNote,
		&hazards, &v.HazardNote, &needs, &v.NeedsNote, &v.Note, &v.Lat, &v.Lng, &v.RequestKey, &v.RecordedBy, &v.CreatedAt, &path); err != nil {
		return nil, notFound(err, "探访记录", "visit")
	}
	v.Hazards, v.Needs = splitList(hazards), splitList(needs)
	if a := yanglao.ActorFromContext(ctx); a == nil || v.RecordedBy != a.Username {
		if err := tx.mayVisit(ctx, v.PersonID, path); err != nil {
			return nil, yanglao.Errorf(yanglao.ENOTFOUND, "探访记录不存在 (visit not found)")
		}
	}
	var err error
	v.Photos, err = queryAll(ctx, tx, func(r scanner) (*yanglao.VisitPhoto, error) {
		p := &yanglao.VisitPhoto{}
		return p, r.Scan(&p.ID, &p.ContentType, &p.Size)
	}, `SELECT id, content_type, size FROM carevisit_photos WHERE visit_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	v.FollowUps, err = queryAll(ctx, tx, scanFollowUp, `SELECT `+followUpCols+` FROM carevisit_followups f WHERE f.visit_id = ? ORDER BY f.id`, id)
	return v, err
}

// CareVisit reads one visit with its photos' descriptions and follow-ups.
func (s *CareVisitService) CareVisit(ctx context.Context, id int64) (*yanglao.CareVisit, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.careVisit(ctx, id)
}

// VisitPhoto reads one photo of a visit the actor may see.
func (s *CareVisitService) VisitPhoto(ctx context.Context, visitID, photoID int64) (*yanglao.VisitPhoto, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.careVisit(ctx, visitID); err != nil {
		return nil, err
	}
	p := &yanglao.VisitPhoto{ID: photoID}
	if err := tx.QueryRow(ctx, `SELECT content_type, size, data FROM carevisit_photos WHERE id = ? AND visit_id = ?`, photoID, visitID).
		Scan(&p.ContentType, &p.Size, &p.Data); err != nil {
		return nil, notFound(err, "照片", "photo")
	}
	return p, nil
}

// PersonVisits lists a person's visits, newest first.
func (s *CareVisitService) PersonVisits(ctx context.Context, personID int64, page yanglao.Page) ([]*yanglao.CareVisit, string, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	var path string
	if err := tx.QueryRow(ctx, `SELECT residence_path FROM people WHERE id = ?`, personID).Scan(&path); err != nil {
		return nil, "", notFound(err, "老年人", "person")
	}
	if err := tx.mayVisit(ctx, personID, path); err != nil {
		return nil, "", err
	}
	page = page.Normalize()
	where, args := []string{"v.person_id = ?"}, []any{personID}
	if page.After != "" {
		day, idStr, ok := strings.Cut(page.After, "_")
		after, err := afterID(idStr)
		d, derr := yanglao.ParseDate(day)
		if !ok || err != nil || derr != nil {
			return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
		}
		where, args = append(where, "(v.visit_date < ? OR (v.visit_date = ? AND v.id < ?))"), append(args, d, d, after)
	}
	out, err := queryAll(ctx, tx, scanVisit, `SELECT `+visitCols+` FROM carevisit_visits v JOIN people p ON p.id = v.person_id WHERE `+
		strings.Join(where, " AND ")+` ORDER BY v.visit_date DESC, v.id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(v *yanglao.CareVisit) string { return v.Date.String() + "_" + strconv.FormatInt(v.ID, 10) })
	return out, next, nil
}

// --- follow-ups

const followUpCols = `f.id, f.visit_id, f.person_id, (SELECT name FROM people WHERE people.id = f.person_id), f.kind, f.detail, f.referred_to, f.state, f.note, f.created_by, f.created_at, f.updated_at`

func scanFollowUp(r scanner) (*yanglao.FollowUp, error) {
	f := &yanglao.FollowUp{}
	err := r.Scan(&f.ID, &f.VisitID, &f.PersonID, &f.PersonName, &f.Kind, &f.Detail, &f.ReferredTo, &f.State, &f.Note, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt)
	return f, err
}

// FollowUps lists follow-ups in scope, oldest first (the worklist order).
func (s *CareVisitService) FollowUps(ctx context.Context, f yanglao.FollowUpFilter) ([]*yanglao.FollowUp, string, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		// Assessors see the assessment requests: the worklist they act on.
		if a := yanglao.ActorFromContext(ctx); a == nil || a.Role != yanglao.RoleAssessor || f.Kind != yanglao.FollowUpAssessment {
			return nil, "", err
		}
	}
	clause, args, err := scope(ctx, "f.region_path", "")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.Kind != "" {
		if _, ok := yanglao.FollowUpKinds[f.Kind]; !ok {
			return nil, "", yanglao.Invalid("kind", "未知的跟进类别 (unknown kind)")
		}
		where, args = append(where, "f.kind = ?"), append(args, f.Kind)
	}
	switch f.State {
	case "":
		where = append(where, "f.state IN ('open', 'in_progress')")
	case "all":
	default:
		if _, ok := yanglao.FollowUpStates[f.State]; !ok {
			return nil, "", yanglao.Invalid("state", "未知的跟进状态 (unknown state)")
		}
		where, args = append(where, "f.state = ?"), append(args, f.State)
	}
	if f.PersonID != 0 {
		where, args = append(where, "f.person_id = ?"), append(args, f.PersonID)
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "f.id > ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanFollowUp, `SELECT `+followUpCols+` FROM carevisit_followups f WHERE `+strings.Join(where, " AND ")+` ORDER BY f.id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(f *yanglao.FollowUp) string { return strconv.FormatInt(f.ID, 10) })
	return out, next, nil
}

// followUpNext says which states a follow-up may move to.
var followUpNext = map[string][]string{
	yanglao.FollowUpOpen:       {yanglao.FollowUpInProgress, yanglao.FollowUpDone, yanglao.FollowUpCancelled},
	yanglao.FollowUpInProgress: {yanglao.FollowUpDone, yanglao.FollowUpCancelled},
}

// UpdateFollowUp moves a follow-up on; done and cancelled are final.
func (s *CareVisitService) UpdateFollowUp(ctx context.Context, id int64, state, note string) (*yanglao.FollowUp, error) {
	a := yanglao.ActorFromContext(ctx)
	if _, err := mustManageVisits(ctx); err != nil && (a == nil || a.Role != yanglao.RoleAssessor) {
		return nil, err
	}
	if _, ok := yanglao.FollowUpStates[state]; !ok {
		return nil, yanglao.Invalid("state", "状态应为 in_progress、done 或 cancelled (state must be in_progress, done or cancelled)")
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 500 {
		return nil, yanglao.Invalid("note", "说明最多500个字符 (note: at most 500 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var path string
	f, err := scanFollowUp(tx.QueryRow(ctx, `SELECT `+followUpCols+` FROM carevisit_followups f WHERE f.id = ?`, id))
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT region_path FROM carevisit_followups WHERE id = ?`, id).Scan(&path)
	}
	if err != nil {
		return nil, notFound(err, "跟进事项", "follow-up")
	}
	if err := mayTouch(ctx, path, nil, "跟进事项", "follow-up"); err != nil {
		return nil, err
	}
	if a.Role == yanglao.RoleAssessor && f.Kind != yanglao.FollowUpAssessment {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "跟进事项不存在 (follow-up not found)")
	}
	ok := false
	for _, s := range followUpNext[f.State] {
		ok = ok || s == state
	}
	if !ok {
		return nil, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "state", Message: fmt.Sprintf("跟进事项当前为「%s」，不能改为「%s」 (a follow-up that is %s cannot become %s)",
			yanglao.FollowUpStates[f.State][0], yanglao.FollowUpStates[state][0], f.State, state)}
	}
	if _, err := tx.Exec(ctx, `UPDATE carevisit_followups SET state = ?, note = ?, updated_at = ? WHERE id = ?`, state, note, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "carevisit_followup", strconv.FormatInt(id, 10), f.State+"->"+state); err != nil {
		return nil, err
	}
	f.State, f.Note, f.UpdatedAt = state, note, tx.now
	return f, tx.Commit()
}

// --- reminders

// reminderStage is which month-end reminder is due on a day: 1 from 7 days
// before the month's end (the last day counted), 2 from 3 days, 3 on the last day; 0 before.
func reminderStage(on yanglao.Date) int {
	_, last, _ := visitrules.MonthBounds(visitrules.MonthOf(on))
	switch left := yanglao.DaysBetween(on, last); {
	case left == 0:
		return 3
	case left <= 2:
		return 2
	case left <= 6:
		return 1
	}
	return 0
}

// Remind leaves the month-end reminders due on day on: one per visitor with
// people still to visit, and one per township for people with no visitor.
// The rkey makes each reminder once, whatever reruns.
func (s *CareVisitService) Remind(ctx context.Context, on yanglao.Date) (int, error) {
	if _, err := mustManageVisits(ctx); err != nil {
		return 0, err
	}
	stage := reminderStage(on)
	if stage == 0 {
		return 0, nil
	}
	month := visitrules.MonthOf(on)
	_, last, _ := visitrules.MonthBounds(month)
	left := yanglao.DaysBetween(on, last) + 1
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	clause, sargs, err := visitScope(ctx, "t.region_path")
	if err != nil {
		return 0, err
	}
	type pend struct {
		visitor    int64
		user       *int64
		code, path string
		n          int
	}
	byVisitor, err := queryAll(ctx, tx, func(r scanner) (pend, error) {
		var p pend
		err := r.Scan(&p.visitor, &p.user, &p.code, &p.path, &p.n)
		return p, err
	}, `SELECT v.id, v.user_id, v.region_code, v.region_path, COUNT(*) FROM carevisit_targets t JOIN carevisit_visitors v ON v.id = t.visitor_id
		WHERE t.month = ? AND t.visits < t.per_month AND `+clause+` GROUP BY v.id, v.user_id, v.region_code, v.region_path`, append([]any{month}, sargs...)...)
	if err != nil {
		return 0, err
	}
	byPath, err := queryAll(ctx, tx, func(r scanner) (pend, error) {
		var p pend
		err := r.Scan(&p.path, &p.n)
		return p, err
	}, `SELECT t.region_path, COUNT(*) FROM carevisit_targets t WHERE t.month = ? AND t.visits < t.per_month AND t.visitor_id IS NULL AND `+clause+` GROUP BY t.region_path`,
		append([]any{month}, sargs...)...)
	if err != nil {
		return 0, err
	}
	// People with no visitor: one reminder per township (or the node itself above that level).
	towns := map[string]int{}
	var townOrder []string
	for _, p := range byPath {
		parts := strings.Split(strings.Trim(p.path, "/"), "/")
		tp := "/" + strings.Join(parts[:min(4, len(parts))], "/") + "/"
		if _, ok := towns[tp]; !ok {
			townOrder = append(townOrder, tp)
		}
		towns[tp] += p.n
	}
	n := 0
	insert := func(key string, visitor, user *int64, code, path string, pending int, zh, en string) error {
		res, err := tx.Exec(ctx, `INSERT INTO carevisit_reminders (rkey, month, stage, visitor_id, user_id, region_code, region_path, county_code, pending, zh, en, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rkey) DO NOTHING`,
			key, month, stage, visitor, user, code, path, countyOfPath(path, code), pending, zh, en, tx.now)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += int(k)
		return nil
	}
	for _, p := range byVisitor {
		vid := p.visitor
		if err := insert(fmt.Sprintf("%s/%d/v%d", month, stage, vid), &vid, p.user, p.code, p.path, p.n,
			fmt.Sprintf("本月还剩%d天，您还有%d位老人未完成探访", left, p.n), fmt.Sprintf("%d days left this month: %d people still to visit", left, p.n)); err != nil {
			return 0, err
		}
	}
	for _, tp := range townOrder {
		parts := strings.Split(strings.Trim(tp, "/"), "/")
		code := parts[len(parts)-1]
		if err := insert(fmt.Sprintf("%s/%d/r%s", month, stage, code), nil, nil, code, tp, towns[tp],
			fmt.Sprintf("本月还剩%d天，辖区有%d位老人未安排探访人且未完成探访", left, towns[tp]), fmt.Sprintf("%d days left this month: %d people with no visitor are not yet visited", left, towns[tp])); err != nil {
			return 0, err
		}
	}
	if n > 0 {
		if err := tx.audit(ctx, yanglao.AuditCreate, "carevisit_reminder", month, fmt.Sprintf("stage=%d reminders=%d", stage, n)); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}

// Reminders lists the actor's reminders (as a visitor) and, for those who
// run the programme, the reminders in scope of visitors without an account
// and about people with no visitor; newest first.
func (s *CareVisitService) Reminders(ctx context.Context, month string, page yanglao.Page) ([]*yanglao.CareReminder, string, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	month, err := s.month(month)
	if err != nil {
		return nil, "", err
	}
	clause, args, err := visitScope(ctx, "region_path")
	if err != nil {
		return nil, "", err
	}
	where := []string{"month = ?", "(user_id = ? OR (user_id IS NULL AND " + clause + "))"}
	args = append([]any{month, a.UserID}, args...)
	page = page.Normalize()
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
	out, err := queryAll(ctx, tx, func(r scanner) (*yanglao.CareReminder, error) {
		c := &yanglao.CareReminder{}
		err := r.Scan(&c.ID, &c.Month, &c.Stage, &c.VisitorID, &c.RegionCode, &c.Pending, &c.ZH, &c.EN, &c.CreatedAt)
		return c, err
	}, `SELECT id, month, stage, visitor_id, region_code, pending, zh, en, created_at FROM carevisit_reminders WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(c *yanglao.CareReminder) string { return strconv.FormatInt(c.ID, 10) })
	return out, next, nil
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
