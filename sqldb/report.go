package sqldb

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/crypt"
)

var _ yanglao.AbuseReportService = (*AbuseReportService)(nil)

// AbuseReportService receives mandatory reports of suspected abuse or
// neglect (湘潭 第三章第六节4) and runs the county worklist. Scope: the report's
// place, so a county's officials see their county's reports and a
// township's workers their township's.
type AbuseReportService struct {
	db  *DB
	box *crypt.Box
	// PerHour bounds the reports one sender may make in an hour (anti-abuse; default 5).
	PerHour int
}

func NewAbuseReportService(db *DB, box *crypt.Box) *AbuseReportService {
	return &AbuseReportService{db: db, box: box, PerHour: 5}
}

// trackingAlphabet is Crockford's base32: no I, L, O or U to misread.
const trackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newTrackingCode is 16 random characters (80 bits) in groups of four.
func newTrackingCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(trackingAlphabet[int(c)%32])
	}
	return sb.String()
}

// normalizeCode upper-cases a typed code and drops separators, mapping the
// letters Crockford reads as digits.
func normalizeCode(code string) string {
	r := strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1")
	return r.Replace(strings.ToUpper(strings.TrimSpace(code)))
}

// SubmitReport stores a report from anyone and returns its tracking code.
// client is the sender's address; it is kept only as a keyed hash, to limit
// each sender to PerHour reports an hour.
func (s *AbuseReportService) SubmitReport(ctx context.Context, r *yanglao.AbuseReport, client string) (string, error) {
	if err := r.Validate(yanglao.DateOf(s.db.Now())); err != nil {
		return "", err
	}
	clientKey := s.box.Hash("abuse-report-client:" + client)
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var recent int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM abuse_reports WHERE client_key = ? AND created_at > ?`, clientKey, tx.now.Add(-time.Hour)).Scan(&recent); err != nil {
		return "", err
	}
	if recent >= s.PerHour {
		return "", yanglao.Errorf(yanglao.ETOOMANY, "提交过于频繁，请稍后再试；紧急情况请拨打110 (too many reports from this address: try again later; in an emergency call 110)")
	}
	path, err := tx.regionPath(ctx, "region_code", r.RegionCode)
	if err != nil {
		return "", err
	}
	if strings.Count(path, "/")-1 < 3 {
		return "", yanglao.Invalid("region_code", "请选择到县（区）或更具体的地方 (choose a county or a place below it)")
	}
	r.CountyCode = countyOfPath(path, r.RegionCode)
	code := newTrackingCode()
	var submitter *int64
	by := "公众 (public)"
	if a := yanglao.ActorFromContext(ctx); a != nil && a.UserID != 0 {
		submitter, by = &a.UserID, a.Username
	}
	var sealed []byte
	masked := ""
	if r.ReporterContact != "" {
		sealed, masked = s.box.Seal(r.ReporterContact), yanglao.MaskPhone(r.ReporterContact)
	}
	r.State, r.CreatedAt, r.UpdatedAt = yanglao.ReportReceived, tx.now, tx.now
	r.ID, err = tx.insertID(ctx, `INSERT INTO abuse_reports (code_hash, region_code, region_path, county_code, elder_name, place, kinds, description, occurred_on,
		reporter_name, contact_sealed, contact_masked, anonymous, state, submitted_by, client_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.box.Hash("abuse-report:"+normalizeCode(code)), r.RegionCode, path, r.CountyCode, r.ElderName, r.Place, strings.Join(r.Kinds, ","), r.Description,
		nullDate(r.OccurredOn), r.ReporterName, sealed, masked, r.Anonymous, r.State, submitter, clientKey, tx.now, tx.now)
	if err != nil {
		return "", err
	}
	r.ReporterContact = masked
	if err := tx.reportStep(ctx, r.ID, yanglao.ReportReceived, "", by); err != nil {
		return "", err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "abuse_report", strconv.FormatInt(r.ID, 10), "region="+r.RegionCode+" kinds="+strings.Join(r.Kinds, ",")); err != nil {
		return "", err
	}
	return code, tx.Commit()
}

func (tx *Tx) reportStep(ctx context.Context, id int64, state, note, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO abuse_report_steps (report_id, state, note, by_name, at) VALUES (?, ?, ?, ?, ?)`, id, state, note, by, tx.now)
	return err
}

// TrackReport shows a report's state and the times of its steps for a tracking code.
func (s *AbuseReportService) TrackReport(ctx context.Context, code string) (*yanglao.ReportTracking, error) {
	c := normalizeCode(code)
	if len(c) != 16 {
		return nil, yanglao.Invalid("code", "查询码应为16位 (the tracking code has 16 characters)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t := &yanglao.ReportTracking{}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id, state, created_at, updated_at FROM abuse_reports WHERE code_hash = ?`, s.box.Hash("abuse-report:"+c)).
		Scan(&id, &t.State, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return nil, notFound(err, "报告", "report")
	}
	t.Steps, err = queryAll(ctx, tx, func(r scanner) (*yanglao.AbuseReportStep, error) {
		st := &yanglao.AbuseReportStep{}
		return st, r.Scan(&st.State, &st.At)
	}, `SELECT state, at FROM abuse_report_steps WHERE report_id = ? ORDER BY id`, id)
	return t, err
}

const reportCols = `r.id, r.region_code, r.county_code, r.elder_name, r.person_id, r.place, r.kinds, r.description, r.occurred_on, r.reporter_name,
	r.contact_masked, r.anonymous, r.state, r.assignee_id, COALESCE((SELECT display_name FROM users WHERE users.id = r.assignee_id), ''), r.outcome, r.conclusion, r.created_at, r.updated_at`

func scanReport(row scanner) (*yanglao.AbuseReport, error) {
	r := &yanglao.AbuseReport{}
	var kinds string
	var occ yanglao.Date
	err := row.Scan(&r.ID, &r.RegionCode, &r.CountyCode, &r.ElderName, &r.PersonID, &r.Place, &kinds, &r.Description, &occ, &r.ReporterName,
		&r.ReporterContact, &r.Anonymous, &r.State, &r.AssigneeID, &r.AssigneeName, &r.Outcome, &r.Conclusion, &r.CreatedAt, &r.UpdatedAt)
	r.Kinds, r.OccurredOn = splitList(kinds), occ
	return r, err
}

// AbuseReports is the worklist of reports in scope, oldest first.
func (s *AbuseReportService) AbuseReports(ctx context.Context, f yanglao.ReportFilter) ([]*yanglao.AbuseReport, string, error) {
	clause, args, err := visitScope(ctx, "r.region_path")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	switch f.State {
	case "":
		where = append(where, "r.state <> 'concluded'")
	case "all":
	default:
		if _, ok := yanglao.ReportStates[f.State]; !ok {
			return nil, "", yanglao.Invalid("state", "未知的报告状态 (unknown state)")
		}
		where, args = append(where, "r.state = ?"), append(args, f.State)
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "r.id > ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanReport, `SELECT `+reportCols+` FROM abuse_reports r WHERE `+strings.Join(where, " AND ")+` ORDER BY r.id LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(r *yanglao.AbuseReport) string { return strconv.FormatInt(r.ID, 10) })
	return out, next, nil
}

func (tx *Tx) abuseReport(ctx context.Context, id int64) (*yanglao.AbuseReport, string, error) {
	var path string
	r, err := scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+` FROM abuse_reports r WHERE r.id = ?`, id))
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT region_path FROM abuse_reports WHERE id = ?`, id).Scan(&path)
	}
	if err != nil {
		return nil, "", notFound(err, "报告", "report")
	}
	a := yanglao.ActorFromContext(ctx)
	if !canManageVisits(a) {
		return nil, "", yanglao.Errorf(yanglao.ENOTFOUND, "报告不存在 (report not found)")
	}
	if err := mayTouch(ctx, path, nil, "报告", "report"); err != nil {
		return nil, "", err
	}
	r.Events, err = queryAll(ctx, tx, func(row scanner) (*yanglao.AbuseReportStep, error) {
		st := &yanglao.AbuseReportStep{}
		return st, row.Scan(&st.State, &st.Note, &st.By, &st.At)
	}, `SELECT state, note, by_name, at FROM abuse_report_steps WHERE report_id = ? ORDER BY id`, id)
	return r, path, err
}

// AbuseReport reads one report with its steps.
func (s *AbuseReportService) AbuseReport(ctx context.Context, id int64) (*yanglao.AbuseReport, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, _, err := tx.abuseReport(ctx, id)
	return r, err
}

// reportNext says which states a report may move to.
var reportNext = map[string][]string{
	yanglao.ReportReceived:      {yanglao.ReportAssigned, yanglao.ReportConcluded},
	yanglao.ReportAssigned:      {yanglao.ReportAssigned, yanglao.ReportInvestigating, yanglao.ReportConcluded},
	yanglao.ReportInvestigating: {yanglao.ReportConcluded},
}

// UpdateReport moves a report on, recording the step and auditing it.
func (s *AbuseReportService) UpdateReport(ctx context.Context, id int64, u yanglao.ReportUpdate) (*yanglao.AbuseReport, error) {
	a, err := mustManageVisits(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := yanglao.ReportStates[u.State]; !ok || u.State == yanglao.ReportReceived {
		return nil, yanglao.Invalid("state", "状态应为 assigned、investigating 或 concluded (state must be assigned, investigating or concluded)")
	}
	u.Note = strings.TrimSpace(u.Note)
	if len([]rune(u.Note)) > 1000 {
		return nil, yanglao.Invalid("note", "说明最多1000个字符 (note: at most 1000 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, path, err := tx.abuseReport(ctx, id)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, st := range reportNext[r.State] {
		ok = ok || st == u.State
	}
	if !ok {
		return nil, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "state", Message: fmt.Sprintf("报告当前为「%s」，不能改为「%s」 (a report that is %s cannot become %s)",
			yanglao.ReportStates[r.State][0], yanglao.ReportStates[u.State][0], r.State, u.State)}
	}
	detail := r.State + "->" + u.State
	switch u.State {
	case yanglao.ReportAssigned:
		var upath string
		var role yanglao.Role
		if u.AssigneeID == 0 {
			return nil, yanglao.Invalid("assignee_id", "请指定承办人 (assignee_id is required)")
		}
		if err := tx.QueryRow(ctx, `SELECT region_path, role FROM users WHERE id = ? AND NOT disabled`, u.AssigneeID).Scan(&upath, &role); err != nil || !a.SeesPath(upath) ||
			(role != yanglao.RoleOfficial && role != yanglao.RoleWorker) || !yanglao.PathContains(countyPathOf(path), upath) && !yanglao.PathContains(upath, path) {
			if err != nil && !isNoRows(err) {
				return nil, err
			}
			return nil, yanglao.Invalid("assignee_id", "承办人应为本县（区）的民政干部或工作人员 (the assignee must be an official or worker of the report's county)")
		}
		if _, err := tx.Exec(ctx, `UPDATE abuse_reports SET assignee_id = ? WHERE id = ?`, u.AssigneeID, id); err != nil {
			return nil, err
		}
		detail += " assignee=" + strconv.FormatInt(u.AssigneeID, 10)
	case yanglao.ReportConcluded:
		if _, ok := yanglao.ReportOutcomes[u.Outcome]; !ok {
			return nil, yanglao.Invalid("outcome", "请选择办理结果 (outcome is required: substantiated, referred, support_arranged, unsubstantiated or duplicate)")
		}
		if u.Note == "" {
			return nil, yanglao.Invalid("note", "办结时请写明处理情况 (note is required to conclude)")
		}
		if _, err := tx.Exec(ctx, `UPDATE abuse_reports SET outcome = ?, conclusion = ? WHERE id = ?`, u.Outcome, u.Note, id); err != nil {
			return nil, err
		}
		detail += " outcome=" + u.Outcome
	}
	if u.PersonID != 0 {
		var ppath string
		if err := tx.QueryRow(ctx, `SELECT residence_path FROM people WHERE id = ?`, u.PersonID).Scan(&ppath); err != nil || !a.SeesPath(ppath) {
			if err != nil && !isNoRows(err) {
				return nil, err
			}
			return nil, yanglao.Invalid("person_id", "老年人不存在 (no such person)")
		}
		if _, err := tx.Exec(ctx, `UPDATE abuse_reports SET person_id = ? WHERE id = ?`, u.PersonID, id); err != nil {
			return nil, err
		}
		detail += " person=" + strconv.FormatInt(u.PersonID, 10)
	}
	if _, err := tx.Exec(ctx, `UPDATE abuse_reports SET state = ?, updated_at = ? WHERE id = ?`, u.State, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.reportStep(ctx, id, u.State, u.Note, a.Username); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "abuse_report", strconv.FormatInt(id, 10), detail); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.AbuseReport(ctx, id)
}
