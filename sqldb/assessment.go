package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

var _ yanglao.AssessmentService = (*AssessmentService)(nil)

// AssessmentService stores capability assessments (GB/T 42195-2022) and keeps
// each person's grade (people.grade, people.grade_valid_until) equal to the
// final grade of their latest assessment. Scope is the register's: every read
// and write goes through tx.person, so an assessment is visible exactly to those
// who may read its person.
type AssessmentService struct {
	db *DB
	// ValidityMonths is how long a result stays valid (default 12).
	ValidityMonths int
}

func NewAssessmentService(db *DB) *AssessmentService {
	return &AssessmentService{db: db, ValidityMonths: yanglao.DefaultAssessmentValidityMonths}
}

func (s *AssessmentService) validity() int {
	if s.ValidityMonths <= 0 {
		return yanglao.DefaultAssessmentValidityMonths
	}
	return s.ValidityMonths
}

// canAssess: assessors (评估员) assess; officials record assessments made by
// assessment agencies; administrators and the platform itself (imports, demo
// data) too. Workers, operators and families read results but do not make them.
func canAssess(ctx context.Context) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() || a.Role == yanglao.RoleAssessor || a.Role == yanglao.RoleOfficial {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "只有评估员和民政干部可以录入能力评估 (only assessors and officials record assessments)")
}

const assessmentCols = `id, person_id, county_code, assessed_on, reason, assessor_id, assessor_name, co_assessor, place, note,
	answers, adjustments, total, self_care, motor, mental, perception_social, preliminary_grade, final_grade, reasons,
	valid_until, COALESCE(request_key, ''), created_at`

func scanAssessment(row scanner) (*yanglao.Assessment, error) {
	a := &yanglao.Assessment{}
	var answers, adjustments, reasons string
	var sub [4]int
	var pre, final int
	if err := row.Scan(&a.ID, &a.PersonID, &a.CountyCode, &a.AssessedOn, &a.Reason, &a.AssessorID, &a.AssessorName, &a.CoAssessor,
		&a.Place, &a.Note, &answers, &adjustments, &a.Total, &sub[0], &sub[1], &sub[2], &sub[3], &pre, &final, &reasons,
		&a.ValidUntil, &a.RequestKey, &a.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
		return nil, fmt.Errorf("assessment %d answers: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(adjustments), &a.Adjustments); err != nil {
		return nil, fmt.Errorf("assessment %d adjustments: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(reasons), &a.Reasons); err != nil {
		return nil, fmt.Errorf("assessment %d reasons: %w", a.ID, err)
	}
	a.Subtotals = make(map[string]int, 4)
	for i, code := range yanglao.AssessmentDimensions {
		a.Subtotals[code] = sub[i]
	}
	a.PreliminaryGrade, a.FinalGrade = assess.Grade(pre), assess.Grade(final)
	a.FillNames()
	return a, nil
}

// CreateAssessment validates a, scores it with assess.Score (whatever totals the
// caller sent are overwritten), stores it, and moves the person's grade to the
// latest assessment, with an audit entry, in one transaction.
func (s *AssessmentService) CreateAssessment(ctx context.Context, a *yanglao.Assessment) error {
	if err := canAssess(ctx); err != nil {
		return err
	}
	if err := a.Validate(yanglao.DateOf(s.db.Now())); err != nil {
		return err
	}
	if err := a.Score(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p, err := tx.person(ctx, a.PersonID)
	if err != nil {
		return err
	}
	if p.Life == yanglao.Deceased && !p.DeathDate.IsZero() && a.AssessedOn.After(p.DeathDate) {
		return yanglao.Invalid("assessed_on", "评估日期晚于死亡日期 %s (assessed_on is after the date of death %s)", p.DeathDate, p.DeathDate)
	}
	actor := yanglao.ActorFromContext(ctx)
	a.AssessorID = nil
	if actor.UserID != 0 {
		id := actor.UserID
		a.AssessorID = &id
		if a.AssessorName == "" {
			if err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ?`, id).Scan(&a.AssessorName); err != nil {
				return err
			}
		}
	}
	if a.AssessorName == "" {
		return yanglao.Invalid("assessor_name", "请填写评估员姓名 (assessor_name is required)")
	}
	a.CountyCode, a.PersonName = p.CountyCode, p.Name
	a.ValidUntil = yanglao.ValidUntilFor(a.AssessedOn, s.validity())
	a.CreatedAt = tx.now
	answers, _ := json.Marshal(a.Answers)
	if a.Adjustments.RiskEvents == nil {
		a.Adjustments.RiskEvents = []yanglao.RiskEvent{}
	}
	adjustments, _ := json.Marshal(a.Adjustments)
	reasons, _ := json.Marshal(a.Reasons)
	if a.Reasons == nil {
		reasons = []byte("[]")
	}
	a.ID, err = tx.insertID(ctx, `INSERT INTO assessments (person_id, county_code, assessed_on, reason, assessor_id, assessor_name,
		co_assessor, place, note, answers, adjustments, total, self_care, motor, mental, perception_social, preliminary_grade,
		final_grade, reasons, valid_until, request_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (person_id, request_key) DO NOTHING`,
		a.PersonID, a.CountyCode, a.AssessedOn.String(), a.Reason, a.AssessorID, a.AssessorName, a.CoAssessor, a.Place, a.Note,
		string(answers), string(adjustments), a.Total, a.Subtotals["B.1"], a.Subtotals["B.2"], a.Subtotals["B.3"], a.Subtotals["B.4"],
		int(a.PreliminaryGrade), int(a.FinalGrade), string(reasons), a.ValidUntil.String(), nullString(a.RequestKey), tx.now)
	if isNoRows(err) {
		// The same form was posted before: answer with what it stored.
		prev, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentCols+` FROM assessments WHERE person_id = ? AND request_key = ?`,
			a.PersonID, a.RequestKey))
		if err != nil {
			return err
		}
		prev.PersonName = p.Name
		*a = *prev
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.syncGrade(ctx, a.PersonID); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "person", strconv.FormatInt(a.PersonID, 10),
		fmt.Sprintf("assessment %d on %s total=%d grade=%d valid_until=%s", a.ID, a.AssessedOn, a.Total, a.FinalGrade, a.ValidUntil)); err != nil {
		return err
	}
	return tx.Commit()
}

// syncGrade sets the person's grade to the final grade of their latest
// assessment by date (the later row on the same day).
func (tx *Tx) syncGrade(ctx context.Context, personID int64) error {
	var grade int
	var until yanglao.Date
	err := tx.QueryRow(ctx, `SELECT final_grade, valid_until FROM assessments WHERE person_id = ?
		ORDER BY assessed_on DESC, id DESC LIMIT 1`, personID).Scan(&grade, &until)
	if isNoRows(err) {
		_, err = tx.Exec(ctx, `UPDATE people SET grade = NULL, grade_valid_until = NULL, updated_at = ? WHERE id = ?`, tx.now, personID)
		return err
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE people SET grade = ?, grade_valid_until = ?, updated_at = ? WHERE id = ?`, grade, until.String(), tx.now, personID)
	return err
}

// Assessment reads one assessment of a person in scope.
func (s *AssessmentService) Assessment(ctx context.Context, id int64) (*yanglao.Assessment, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.assessment(ctx, id)
}

// assessment reads an assessment and checks its person is in scope; out of
// scope reads as not found.
func (tx *Tx) assessment(ctx context.Context, id int64) (*yanglao.Assessment, error) {
	a, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentCols+` FROM assessments WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "评估记录", "assessment")
	}
	p, err := tx.person(ctx, a.PersonID)
	if err != nil {
		if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
			return nil, yanglao.Errorf(yanglao.ENOTFOUND, "评估记录不存在 (assessment not found)")
		}
		return nil, err
	}
	a.PersonName = p.Name
	return a, nil
}

// PersonAssessments lists a person's assessments, newest first, keyset-paged by
// (assessed_on, id).
func (s *AssessmentService) PersonAssessments(ctx context.Context, personID int64, page yanglao.Page) ([]*yanglao.Assessment, string, error) {
	page = page.Normalize()
	where, args := "person_id = ?", []any{personID}
	if page.After != "" {
		day, idStr, ok := strings.Cut(page.After, "_")
		after, err := afterID(idStr)
		d, derr := yanglao.ParseDate(day)
		if !ok || err != nil || derr != nil {
			return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
		}
		where += " AND (assessed_on < ? OR (assessed_on = ? AND id < ?))"
		args = append(args, d.String(), d.String(), after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	p, err := tx.person(ctx, personID)
	if err != nil {
		return nil, "", err
	}
	out, err := queryAll(ctx, tx, scanAssessment, `SELECT `+assessmentCols+` FROM assessments WHERE `+where+
		` ORDER BY assessed_on DESC, id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	for _, a := range out {
		a.PersonName = p.Name
	}
	out, next := cutPage(out, page.Limit, func(a *yanglao.Assessment) string {
		return a.AssessedOn.String() + "_" + strconv.FormatInt(a.ID, 10)
	})
	return out, next, nil
}

// CompareAssessments compares two assessments of one person, earlier first.
func (s *AssessmentService) CompareAssessments(ctx context.Context, id, otherID int64) (*yanglao.AssessmentComparison, error) {
	if id == otherID {
		return nil, yanglao.Invalid("other", "请选择另一次评估进行比较 (choose a different assessment to compare with)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := tx.assessment(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := tx.assessment(ctx, otherID)
	if err != nil {
		return nil, err
	}
	if a.PersonID != b.PersonID {
		return nil, yanglao.Invalid("other", "两次评估不是同一位老年人的 (the two assessments are of different people)")
	}
	return yanglao.CompareAssessments(a, b), nil
}

// ReassessmentWorklist lists living people in scope whose latest assessment
// expires within f.Within days of today or has expired, by valid_until then id.
// It reads people.grade_valid_until through its own index, so a page costs the
// same whatever the size of the register.
func (s *AssessmentService) ReassessmentWorklist(ctx context.Context, f yanglao.ReassessmentFilter) ([]*yanglao.ReassessmentEntry, string, error) {
	within := f.Within
	if within == 0 {
		within = yanglao.DefaultReassessWithin
	}
	if within < 0 || within > 3660 {
		return nil, "", yanglao.Invalid("within", "天数应为1到3660 (within must be 1 to 3660 days)")
	}
	today := yanglao.DateOf(s.db.Now())
	clause, args, err := personScope(ctx)
	if err != nil {
		return nil, "", err
	}
	where := []string{clause, "p.life_status = 'alive'", "p.grade_valid_until IS NOT NULL", "p.grade_valid_until <= ?"}
	args = append(args, today.AddDays(within).String())
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	if f.RegionCode != "" {
		root, err := tx.regionPath(ctx, "region", f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		lo, hi := pathRange(root)
		where, args = append(where, "p.residence_path >= ? AND p.residence_path < ?"), append(args, lo, hi)
	}
	page := f.Page.Normalize()
	if page.After != "" {
		day, idStr, ok := strings.Cut(page.After, "_")
		after, err := afterID(idStr)
		d, derr := yanglao.ParseDate(day)
		if !ok || err != nil || derr != nil {
			return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
		}
		where = append(where, "(p.grade_valid_until > ? OR (p.grade_valid_until = ? AND p.id > ?))")
		args = append(args, d.String(), d.String(), after)
	}
	out, err := queryAll(ctx, tx, func(r scanner) (*yanglao.ReassessmentEntry, error) {
		e := &yanglao.ReassessmentEntry{}
		var g int
		err := r.Scan(&e.PersonID, &e.Name, &e.ResidenceCode, &g, &e.ValidUntil)
		e.Grade = assess.Grade(g)
		e.GradeName = e.Grade.Name()
		e.DaysLeft = yanglao.DaysBetween(today, e.ValidUntil)
		return e, err
	}, `SELECT p.id, p.name, p.residence_code, COALESCE(p.grade, 0), p.grade_valid_until FROM people p WHERE `+strings.Join(where, " AND ")+
		` ORDER BY p.grade_valid_until, p.id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(e *yanglao.ReassessmentEntry) string {
		return e.ValidUntil.String() + "_" + strconv.FormatInt(e.PersonID, 10)
	})
	if err := tx.fillLatestAssessments(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// fillLatestAssessments adds the id and date of each entry's latest assessment.
func (tx *Tx) fillLatestAssessments(ctx context.Context, entries []*yanglao.ReassessmentEntry) error {
	if len(entries) == 0 {
		return nil
	}
	byPerson := make(map[int64]*yanglao.ReassessmentEntry, len(entries))
	marks := make([]string, len(entries))
	args := make([]any, len(entries))
	for i, e := range entries {
		byPerson[e.PersonID] = e
		marks[i], args[i] = "?", e.PersonID
	}
	rows, err := tx.Query(ctx, `SELECT person_id, id, assessed_on FROM assessments WHERE person_id IN (`+strings.Join(marks, ",")+`)
		ORDER BY person_id, assessed_on DESC, id DESC`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, id int64
		var on yanglao.Date
		if err := rows.Scan(&pid, &id, &on); err != nil {
			return err
		}
		if e := byPerson[pid]; e != nil && e.AssessmentID == 0 {
			e.AssessmentID, e.AssessedOn = id, on
		}
	}
	return rows.Err()
}

// LatestGrade is the grade valid for a person on day on: the final grade of
// the latest assessment made on or before that day, when its validity covers
// the day; nil otherwise. The benefits module calls it for eligibility; the
// person must be in the caller's scope (jobs act as the platform).
func (s *AssessmentService) LatestGrade(ctx context.Context, personID int64, on yanglao.Date) (*yanglao.ValidGrade, error) {
	if on.IsZero() {
		return nil, yanglao.Invalid("on", "请给出日期 (a date is required)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.person(ctx, personID); err != nil {
		return nil, err
	}
	return tx.gradeOn(ctx, personID, on)
}

// gradeOn is LatestGrade inside a transaction, without the scope check, for
// other services in this package that have already loaded the person.
func (tx *Tx) gradeOn(ctx context.Context, personID int64, on yanglao.Date) (*yanglao.ValidGrade, error) {
	g := &yanglao.ValidGrade{PersonID: personID}
	var grade int
	err := tx.QueryRow(ctx, `SELECT id, final_grade, assessed_on, valid_until FROM assessments WHERE person_id = ? AND assessed_on <= ?
		ORDER BY assessed_on DESC, id DESC LIMIT 1`, personID, on.String()).Scan(&g.AssessmentID, &grade, &g.AssessedOn, &g.ValidUntil)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if g.ValidUntil.Before(on) {
		return nil, nil
	}
	g.Grade = assess.Grade(grade)
	g.GradeName = g.Grade.Name()
	return g, nil
}
