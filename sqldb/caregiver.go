package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/dispatch"
	"github.com/yanglao/yanglao/idcard"
)

// Caregivers, their certificates, the employment-ban list and the caregiver
// calendar. Caregivers carry their provider's region path, so scope(…,
// "c.region_path", "c.org_id") gives officials their subtree and a provider's
// staff their own provider.

const caregiverCols = `c.id, c.org_id, o.name, c.user_id, c.name, c.sex, c.id_masked, c.phone_masked, c.skills, c.lng, c.lat, c.active,
	c.county_code, c.region_path, c.version, c.created_at, c.updated_at`

func scanCaregiver(row scanner) (*yanglao.Caregiver, error) {
	c := &yanglao.Caregiver{}
	var skills string
	err := row.Scan(&c.ID, &c.OrgID, &c.OrgName, &c.UserID, &c.Name, &c.Sex, &c.IDMasked, &c.PhoneMasked, &skills, &c.Lng, &c.Lat, &c.Active,
		&c.CountyCode, &c.RegionPath, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	c.Skills = splitList(skills)
	if c.Skills == nil {
		c.Skills = []string{}
	}
	return c, err
}

// canSeeCaregivers: officials and village/township workers by region; a
// provider's dispatchers and caregivers their own provider (scope narrows them).
func canSeeCaregivers(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker ||
		a.Role == yanglao.RoleDispatcher || a.Role == yanglao.RoleCaregiver)
}

func caregiverScope(ctx context.Context) (string, []any, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return "", nil, err
	}
	if !canSeeCaregivers(a) {
		return "1=0", nil, nil
	}
	return scope(ctx, "c.region_path", "c.org_id")
}

func (tx *Tx) caregiver(ctx context.Context, id int64) (*yanglao.Caregiver, error) {
	clause, args, err := caregiverScope(ctx)
	if err != nil {
		return nil, err
	}
	c, err := scanCaregiver(tx.QueryRow(ctx, `SELECT `+caregiverCols+` FROM caregivers c JOIN orgs o ON o.id = c.org_id WHERE c.id = ? AND `+clause,
		append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "护理员", "caregiver")
	}
	return c, nil
}

// fillCaregivers adds certificates, the ban flag and the certified flag to a
// page of caregivers, in two queries for the page.
func (tx *Tx) fillCaregivers(ctx context.Context, cs []*yanglao.Caregiver, day yanglao.Date) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]*yanglao.Caregiver, len(cs))
	ids := make([]int64, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
	}
	in, args := inArgs(ids)
	certs, err := queryAll(ctx, tx, scanCert, `SELECT `+certCols+` FROM caregiver_certs WHERE caregiver_id IN (`+in+`) ORDER BY caregiver_id, kind, issued, id`, args...)
	if err != nil {
		return err
	}
	for _, ct := range certs {
		c := byID[ct.CaregiverID]
		c.Certs = append(c.Certs, ct)
		if ct.Kind == yanglao.CertNursing && ct.ValidOn(day) {
			c.Certified = true
		}
	}
	banned, err := queryAll(ctx, tx, func(r scanner) (int64, error) { var id int64; err := r.Scan(&id); return id, err },
		`SELECT c.id FROM caregivers c WHERE c.id IN (`+in+`) AND EXISTS (SELECT 1 FROM employment_bans b WHERE b.id_hash = c.id_hash
			AND b.start_date <= ? AND (b.end_date IS NULL OR b.end_date >= ?))`, append(args, day.String(), day.String())...)
	if err != nil {
		return err
	}
	for _, id := range banned {
		byID[id].Banned = true
	}
	return nil
}

const certCols = `id, caregiver_id, kind, level, number, issued, expires, created_at`

func scanCert(r scanner) (*yanglao.CaregiverCert, error) {
	c := &yanglao.CaregiverCert{}
	var exp yanglao.Date
	err := r.Scan(&c.ID, &c.CaregiverID, &c.Kind, &c.Level, &c.Number, &c.Issued, &exp, &c.CreatedAt)
	c.Expires = exp
	return c, err
}

// Caregiver reads one caregiver with certificates and flags.
func (s *HomeCareService) Caregiver(ctx context.Context, id int64) (*yanglao.Caregiver, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.caregiver(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, tx.fillCaregivers(ctx, []*yanglao.Caregiver{c}, yanglao.DateOf(tx.now))
}

// Caregivers lists caregivers in scope, keyset-paged by id or by name.
func (s *HomeCareService) Caregivers(ctx context.Context, f yanglao.CaregiverFilter) ([]*yanglao.Caregiver, string, error) {
	clause, args, err := caregiverScope(ctx)
	if err != nil {
		return nil, "", err
	}
	today := yanglao.DateOf(s.db.Now())
	where := []string{clause}
	if f.OrgID > 0 {
		where, args = append(where, "c.org_id = ?"), append(args, f.OrgID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		switch queryKind(q, s.db.Now()) {
		case queryID:
			id, _ := idcard.ParseAt(q, s.db.Now(), nil)
			where, args = append(where, "c.id_hash = ?"), append(args, s.box.Hash(id.String()))
		case queryPhone:
			ph, _ := yanglao.NormalizePhone("q", q)
			where, args = append(where, "c.phone_hash = ?"), append(args, s.box.Hash(ph))
		default:
			if len([]rune(q)) > 40 {
				return nil, "", yanglao.Invalid("q", "搜索词最多40个字符 (q: at most 40 characters)")
			}
			where, args = append(where, "c.name >= ? AND c.name < ?"), append(args, q, q+"\U0010FFFF")
		}
	}
	if f.Skill != "" {
		if _, ok := yanglao.CaregiverSkills[f.Skill]; !ok {
			return nil, "", yanglao.Invalid("skill", "未知技能 (unknown skill)")
		}
		where, args = append(where, "(',' || c.skills || ',') LIKE ?"), append(args, "%,"+f.Skill+",%")
	}
	if f.Expiring {
		where = append(where, "EXISTS (SELECT 1 FROM caregiver_certs x WHERE x.caregiver_id = c.id AND x.expires IS NOT NULL AND x.expires <= ?)")
		args = append(args, today.AddDays(yanglao.ExpiryWarningDays).String())
	}
	page := f.Page.Normalize()
	order := "c.id"
	switch f.Sort {
	case "", "id":
		if page.After != "" {
			after, err := afterID(page.After)
			if err != nil {
				return nil, "", err
			}
			where, args = append(where, "c.id > ?"), append(args, after)
		}
	case "name":
		order = "c.name, c.id"
		if page.After != "" {
			key, idStr, ok := strings.Cut(page.After, "\x1f")
			after, err := afterID(idStr)
			if !ok || err != nil {
				return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
			}
			where, args = append(where, "(c.name, c.id) > (?, ?)"), append(args, key, after)
		}
	default:
		return nil, "", yanglao.Invalid("sort", "排序只能是 id 或 name (sort must be id or name)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanCaregiver, `SELECT `+caregiverCols+` FROM caregivers c JOIN orgs o ON o.id = c.org_id WHERE `+
		strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(c *yanglao.Caregiver) string {
		if f.Sort == "name" {
			return c.Name + "\x1f" + strconv.FormatInt(c.ID, 10)
		}
		return strconv.FormatInt(c.ID, 10)
	})
	return out, next, tx.fillCaregivers(ctx, out, today)
}

// isBanned returns the ban in force on day for a citizen ID's hash, or nil.
func (tx *Tx) isBanned(ctx context.Context, idHash string, day yanglao.Date) (*yanglao.EmploymentBan, error) {
	b, err := scanBan(tx.QueryRow(ctx, `SELECT `+banCols+` FROM employment_bans WHERE id_hash = ? AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)
		ORDER BY start_date, id LIMIT 1`, idHash, day.String(), day.String()))
	if isNoRows(err) {
		return nil, nil
	}
	return b, err
}

// CreateCaregiver records a caregiver under a provider. The citizen ID is
// validated (GB 11643), sealed and hashed as the register does; a person on the
// employment-ban list is recorded but flagged, and can never be assigned
// (caregiverEligible refuses). Certificates given with the record are added.
func (s *HomeCareService) CreateCaregiver(ctx context.Context, c *yanglao.Caregiver) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if err := c.ValidateFields(); err != nil {
		return err
	}
	for _, ct := range c.Certs {
		if err := ct.Validate(); err != nil {
			return err
		}
	}
	id, err := ParseCitizenID("id_number", c.IDNumber, s.db.Now())
	if err != nil {
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
	if err := mayManageProvider(a, o); err != nil {
		return err
	}
	c.Sex, c.IDMasked = string(id.Sex()), id.Masked()
	idHash, idSealed := sealID(s.box, id.String())
	var clash int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM caregivers WHERE org_id = ? AND id_hash = ?`, o.ID, idHash).Scan(&clash); err != nil {
		return err
	}
	if clash > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "id_number", Message: "该护理员已在本组织登记 (this caregiver is already recorded for the provider)"}
	}
	if err := tx.checkCaregiverUser(ctx, c.UserID, o.ID, 0); err != nil {
		return err
	}
	phoneHash, phoneSealed := "", []byte(nil)
	if c.Phone != "" {
		phoneHash, phoneSealed = sealID(s.box, c.Phone)
		c.PhoneMasked = yanglao.MaskPhone(c.Phone)
	}
	c.RegionPath, c.CountyCode = o.RegionPath, countyOfPath(o.RegionPath, o.RegionCode)
	c.OrgName, c.Version, c.CreatedAt, c.UpdatedAt = o.Name, 1, tx.now, tx.now
	if c.ID, err = tx.insertID(ctx, `INSERT INTO caregivers (org_id, user_id, county_code, region_path, name, sex, id_hash, id_sealed, id_masked,
		phone_hash, phone_sealed, phone_masked, skills, lng, lat, active, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		o.ID, c.UserID, c.CountyCode, c.RegionPath, c.Name, c.Sex, idHash, idSealed, c.IDMasked, phoneHash, phoneSealed, c.PhoneMasked,
		joinList(c.Skills), c.Lng, c.Lat, c.Active, tx.now, tx.now); err != nil {
		return err
	}
	for _, ct := range c.Certs {
		ct.CaregiverID = c.ID
		if err := tx.insertCert(ctx, ct); err != nil {
			return err
		}
	}
	ban, err := tx.isBanned(ctx, idHash, yanglao.DateOf(tx.now))
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("org=%d name=%s skills=%s certs=%d", o.ID, c.Name, joinList(c.Skills), len(c.Certs))
	if ban != nil {
		c.Banned = true
		detail += fmt.Sprintf(" FLAGGED: on employment-ban list #%d", ban.ID)
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "caregiver", strconv.FormatInt(c.ID, 10), detail); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.IDNumber, c.Phone = "", ""
	day := yanglao.DateOf(tx.now)
	for _, ct := range c.Certs {
		c.Certified = c.Certified || ct.Kind == yanglao.CertNursing && ct.ValidOn(day)
	}
	return nil
}

// checkCaregiverUser: a linked account must be a caregiver account of the same
// provider, linked to no other caregiver record.
func (tx *Tx) checkCaregiverUser(ctx context.Context, userID *int64, orgID, selfID int64) error {
	if userID == nil {
		return nil
	}
	var role string
	var uorg *int64
	if err := tx.QueryRow(ctx, `SELECT role, org_id FROM users WHERE id = ?`, *userID).Scan(&role, &uorg); err != nil {
		if isNoRows(err) {
			return yanglao.Invalid("user_id", "账号不存在 (account not found)")
		}
		return err
	}
	if role != string(yanglao.RoleCaregiver) || uorg == nil || *uorg != orgID {
		return yanglao.Invalid("user_id", "只能关联本组织的护理员账号 (link only a caregiver account of this provider)")
	}
	var other int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM caregivers WHERE user_id = ? AND id <> ?`, *userID, selfID).Scan(&other); err != nil {
		return err
	}
	if other > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "user_id", Message: "该账号已关联其他护理员 (this account is linked to another caregiver)"}
	}
	return nil
}

func (tx *Tx) insertCert(ctx context.Context, ct *yanglao.CaregiverCert) error {
	ct.CreatedAt = tx.now
	var err error
	ct.ID, err = tx.insertID(ctx, `INSERT INTO caregiver_certs (caregiver_id, kind, level, number, issued, expires, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ct.CaregiverID, ct.Kind, ct.Level, ct.Number, ct.Issued.String(), nullDate(ct.Expires), tx.now)
	return err
}

// UpdateCaregiver replaces the caregiver's name, phone (kept when empty),
// skills, position, active flag and account link, guarded by Version. The
// citizen ID is changed only when a new one is given.
func (s *HomeCareService) UpdateCaregiver(ctx context.Context, c *yanglao.Caregiver) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.caregiver(ctx, c.ID)
	if err != nil {
		return err
	}
	c.OrgID = old.OrgID // a caregiver moving to another provider is a new record there
	if err := c.ValidateFields(); err != nil {
		return err
	}
	o, err := tx.providerOrg(ctx, old.OrgID)
	if err != nil {
		return err
	}
	if err := mayManageProvider(a, o); err != nil {
		return err
	}
	sets := []string{"name = ?", "skills = ?", "lng = ?", "lat = ?", "active = ?", "user_id = ?"}
	args := []any{c.Name, joinList(c.Skills), c.Lng, c.Lat, c.Active, c.UserID}
	changed := []string{}
	if c.IDNumber != "" {
		id, err := ParseCitizenID("id_number", c.IDNumber, tx.now)
		if err != nil {
			return err
		}
		idHash, idSealed := sealID(s.box, id.String())
		var clash int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM caregivers WHERE org_id = ? AND id_hash = ? AND id <> ?`, o.ID, idHash, c.ID).Scan(&clash); err != nil {
			return err
		}
		if clash > 0 {
			return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "id_number", Message: "该护理员已在本组织登记 (this caregiver is already recorded for the provider)"}
		}
		c.Sex, c.IDMasked = string(id.Sex()), id.Masked()
		sets, args = append(sets, "sex = ?", "id_hash = ?", "id_sealed = ?", "id_masked = ?"), append(args, c.Sex, idHash, idSealed, c.IDMasked)
		changed = append(changed, "id_number")
	} else {
		c.Sex, c.IDMasked = old.Sex, old.IDMasked
	}
	c.PhoneMasked = old.PhoneMasked
	if c.Phone != "" {
		h, sealed := sealID(s.box, c.Phone)
		c.PhoneMasked = yanglao.MaskPhone(c.Phone)
		sets, args = append(sets, "phone_hash = ?", "phone_sealed = ?", "phone_masked = ?"), append(args, h, sealed, c.PhoneMasked)
	}
	if err := tx.checkCaregiverUser(ctx, c.UserID, o.ID, c.ID); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE caregivers SET `+strings.Join(sets, ", ")+`, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		append(args, tx.now, c.ID, c.Version)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "version", Message: "记录已被他人修改，请刷新后重试 (the record was changed by someone else: reload and try again)"}
	}
	add := func(name string, diff bool) {
		if diff {
			changed = append(changed, name)
		}
	}
	add("name", old.Name != c.Name)
	add("phone", old.PhoneMasked != c.PhoneMasked)
	add("skills", joinList(old.Skills) != joinList(c.Skills))
	add("position", !sameFloat(old.Lng, c.Lng) || !sameFloat(old.Lat, c.Lat))
	add("active", old.Active != c.Active)
	add("user_id", !sameInt(old.UserID, c.UserID))
	if err := tx.audit(ctx, yanglao.AuditUpdate, "caregiver", strconv.FormatInt(c.ID, 10), "changed: "+joinList(changed)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.IDNumber, c.Phone, c.OrgName, c.RegionPath, c.CountyCode, c.CreatedAt = "", "", old.OrgName, old.RegionPath, old.CountyCode, old.CreatedAt
	c.Version++
	c.UpdatedAt = tx.now
	return nil
}

func sameInt(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// AddCert adds a certificate to a caregiver.
func (s *HomeCareService) AddCert(ctx context.Context, ct *yanglao.CaregiverCert) error {
	a, err := signedIn(ctx)
	if err != nil {
		return err
	}
	if err := ct.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c, err := tx.caregiver(ctx, ct.CaregiverID)
	if err != nil {
		return err
	}
	o, err := tx.providerOrg(ctx, c.OrgID)
	if err != nil {
		return err
	}
	if err := mayManageProvider(a, o); err != nil {
		return err
	}
	if err := tx.insertCert(ctx, ct); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "caregiver", strconv.FormatInt(c.ID, 10),
		fmt.Sprintf("cert %s %s issued %s expires %s", ct.Kind, ct.Level, ct.Issued, ct.Expires)); err != nil {
		return err
	}
	return tx.Commit()
}

// CheckCaregiver is caregiverEligible for a caregiver in scope.
func (s *HomeCareService) CheckCaregiver(ctx context.Context, caregiverID, itemID int64, day yanglao.Date) error {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.caregiver(ctx, caregiverID); err != nil {
		return err
	}
	if day.IsZero() {
		day = yanglao.DateOf(tx.now)
	}
	return caregiverEligible(ctx, tx, caregiverID, itemID, day)
}

// caregiverEligible says whether the caregiver may deliver the item on day: an
// active record, every skill the item asks for, every certificate kind it asks
// for valid on day, and not on the employment-ban list (Hunan 2025 §12 从业禁止).
// The EINVALID error (field caregiver_id) lists every reason. No scope check.
func caregiverEligible(ctx context.Context, tx *Tx, caregiverID, itemID int64, day yanglao.Date) error {
	var skills, idHash string
	var active bool
	if err := tx.QueryRow(ctx, `SELECT skills, id_hash, active FROM caregivers WHERE id = ?`, caregiverID).Scan(&skills, &idHash, &active); err != nil {
		return notFound(err, "护理员", "caregiver")
	}
	it, err := tx.serviceItem(ctx, itemID)
	if err != nil {
		return err
	}
	var zh, en []string
	if !active {
		zh, en = append(zh, "已停用"), append(en, "inactive")
	}
	has := splitList(skills)
	for _, k := range it.Skills {
		if !slices.Contains(has, k) {
			n := yanglao.CaregiverSkills[k]
			zh, en = append(zh, "缺少技能"+n[0]), append(en, "lacks skill "+k)
		}
	}
	if len(it.Certs) > 0 {
		certs, err := queryAll(ctx, tx, scanCert, `SELECT `+certCols+` FROM caregiver_certs WHERE caregiver_id = ?`, caregiverID)
		if err != nil {
			return err
		}
		for _, kind := range it.Certs {
			if !slices.ContainsFunc(certs, func(c *yanglao.CaregiverCert) bool { return c.Kind == kind && c.ValidOn(day) }) {
				n := yanglao.CertKinds[kind]
				zh, en = append(zh, n[0]+"无效或缺失"), append(en, "no "+kind+" certificate valid on "+day.String())
			}
		}
	}
	ban, err := tx.isBanned(ctx, idHash, day)
	if err != nil {
		return err
	}
	if ban != nil {
		zh, en = append(zh, "在从业禁止名单中"), append(en, "on the employment-ban list")
	}
	if len(zh) == 0 {
		return nil
	}
	return yanglao.Invalid("caregiver_id", "护理员不能承接%s（%s）：%s (caregiver may not deliver %s on %s: %s)",
		it.Name, day, strings.Join(zh, "；"), it.Code, day, strings.Join(en, "; "))
}

// ---- Certified rate ----

// CertifiedRates gives, per provider in scope under regionCode (default: the
// actor's region), the share of active caregivers with a valid 养老护理员
// certificate today, against the target (caregiver.go, CertifiedTargetPercent).
func (s *HomeCareService) CertifiedRates(ctx context.Context, regionCode string) ([]*yanglao.CertifiedRate, error) {
	clause, args, err := scope(ctx, "o.region_path", "o.id")
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if regionCode != "" {
		path, err := tx.regionPath(ctx, "region", regionCode)
		if err != nil {
			return nil, err
		}
		lo, hi := pathRange(path)
		clause, args = clause+" AND o.region_path >= ? AND o.region_path < ?", append(args, lo, hi)
	}
	return tx.certifiedRates(ctx, clause, args, yanglao.DateOf(tx.now))
}

func (tx *Tx) certifiedRates(ctx context.Context, where string, args []any, day yanglao.Date) ([]*yanglao.CertifiedRate, error) {
	rates, err := queryAll(ctx, tx, func(r scanner) (*yanglao.CertifiedRate, error) {
		c := &yanglao.CertifiedRate{TargetPercent: yanglao.CertifiedTargetPercent, TargetSource: yanglao.CertifiedTargetSource}
		err := r.Scan(&c.OrgID, &c.OrgName, &c.Active, &c.Certified)
		return c, err
	}, `SELECT o.id, o.name,
		(SELECT COUNT(*) FROM caregivers c WHERE c.org_id = o.id AND c.active = TRUE),
		(SELECT COUNT(*) FROM caregivers c WHERE c.org_id = o.id AND c.active = TRUE AND EXISTS (SELECT 1 FROM caregiver_certs x
			WHERE x.caregiver_id = c.id AND x.kind = 'nursing' AND x.issued <= ? AND (x.expires IS NULL OR x.expires >= ?)))
		FROM orgs o WHERE o.kind = 'provider' AND `+where+` ORDER BY o.id`, append([]any{day.String(), day.String()}, args...)...)
	if err != nil {
		return nil, err
	}
	for _, r := range rates {
		if r.Active > 0 {
			// Integer arithmetic to one decimal, so 9 of 10 is exactly 90.0 and meets 90.
			r.Percent = float64(r.Certified*1000/r.Active) / 10
		}
		r.MeetsTarget = r.Active > 0 && r.Certified*100 >= r.Active*r.TargetPercent
	}
	return rates, nil
}

// ---- Employment bans ----

const banCols = `id, id_masked, name, source, reason, start_date, end_date, region_code, created_at`

func scanBan(r scanner) (*yanglao.EmploymentBan, error) {
	b := &yanglao.EmploymentBan{}
	var end yanglao.Date
	err := r.Scan(&b.ID, &b.IDMasked, &b.Name, &b.Source, &b.Reason, &b.Start, &end, &b.RegionCode, &b.CreatedAt)
	b.End = end
	return b, err
}

// Bans lists the bans recorded in the official's subtree. The list is for
// officials; the check itself (isBanned) applies everywhere.
func (s *HomeCareService) Bans(ctx context.Context, f yanglao.BanFilter) ([]*yanglao.EmploymentBan, string, error) {
	if _, err := officialOnly(ctx, "查看从业禁止名单", "read the employment-ban list"); err != nil {
		return nil, "", err
	}
	clause, args, err := scope(ctx, "region_path", "")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if q := strings.TrimSpace(f.Query); q != "" {
		if id, err := idcard.ParseAt(q, s.db.Now(), nil); err == nil {
			where, args = append(where, "id_hash = ?"), append(args, s.box.Hash(id.String()))
		} else {
			if len([]rune(q)) > 40 {
				return nil, "", yanglao.Invalid("q", "搜索词最多40个字符 (q: at most 40 characters)")
			}
			where, args = append(where, "name >= ? AND name < ?"), append(args, q, q+"\U0010FFFF")
		}
	}
	return listByID(ctx, s.db, scanBan, func(b *yanglao.EmploymentBan) int64 { return b.ID }, `SELECT `+banCols+` FROM employment_bans`, where, args, f.Page)
}

// AddBan records a ban. Officials only, recorded on a region in their subtree.
func (s *HomeCareService) AddBan(ctx context.Context, b *yanglao.EmploymentBan) error {
	a, err := officialOnly(ctx, "登记从业禁止", "record employment bans")
	if err != nil {
		return err
	}
	if b.RegionCode == "" {
		b.RegionCode = a.RegionCode
	}
	if err := b.ValidateFields(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id, err := ParseCitizenID("id_number", b.IDNumber, tx.now)
	if err != nil {
		return err
	}
	path, err := tx.regionPath(ctx, "region_code", b.RegionCode)
	if err != nil {
		return err
	}
	if !a.SeesPath(path) {
		return yanglao.Invalid("region_code", "只能在本辖区登记 (record bans inside your region)")
	}
	idHash, idSealed := sealID(s.box, id.String())
	b.IDMasked, b.CreatedAt = id.Masked(), tx.now
	if b.ID, err = tx.insertID(ctx, `INSERT INTO employment_bans (id_hash, id_sealed, id_masked, name, source, reason, start_date, end_date,
		region_code, region_path, county_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		idHash, idSealed, b.IDMasked, b.Name, b.Source, b.Reason, b.Start.String(), nullDate(b.End), b.RegionCode, path,
		countyOfPath(path, b.RegionCode), tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "employment_ban", strconv.FormatInt(b.ID, 10),
		fmt.Sprintf("%s %s from %s to %s source=%s", b.Name, b.IDMasked, b.Start, b.End, b.Source)); err != nil {
		return err
	}
	b.IDNumber = ""
	return tx.Commit()
}

// ---- Calendar ----

// MaxBooking is the longest booking (a catalogue visit is at most 8 hours);
// overlap searches look back this far, so they read only a day's bookings.
const MaxBooking = 12 * time.Hour

// bookCaregiver books the caregiver for orderID from start to end. An
// overlapping booking of the caregiver is refused with ECONFLICT naming it.
// Race-safe: on PostgreSQL the caregiver's row is locked (SELECT … FOR UPDATE)
// before the overlap check, so two transactions booking the same caregiver
// queue and the second sees the first's booking; SQLite has one writer. Booking
// the same order again for the same caregiver and window is a no-op (a retry);
// an order already booked otherwise is ECONFLICT (release it first).
func bookCaregiver(ctx context.Context, tx *Tx, caregiverID, orderID int64, start, end time.Time) error {
	start, end = start.UTC().Truncate(time.Second), end.UTC().Truncate(time.Second)
	if !end.After(start) {
		return yanglao.Invalid("ends_at", "结束时间须晚于开始时间 (end must be after start)")
	}
	if end.Sub(start) > MaxBooking {
		return yanglao.Invalid("ends_at", "一次预约最长12小时 (a booking is at most 12 hours)")
	}
	lock := `SELECT county_code FROM caregivers WHERE id = ?`
	if tx.db.Dialect == Postgres {
		lock += ` FOR UPDATE`
	}
	var county string
	if err := tx.QueryRow(ctx, lock, caregiverID).Scan(&county); err != nil {
		return notFound(err, "护理员", "caregiver")
	}
	var bid, bcg int64
	var bs, be time.Time
	err := tx.QueryRow(ctx, `SELECT id, caregiver_id, starts_at, ends_at FROM caregiver_bookings WHERE order_id = ?`, orderID).Scan(&bid, &bcg, &bs, &be)
	if err == nil {
		if bcg == caregiverID && bs.Equal(start) && be.Equal(end) {
			return nil
		}
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "order_id",
			Message: fmt.Sprintf("工单 %d 已预约护理员 %d（预约 #%d），请先释放 (order %d already has booking #%d of caregiver %d: release it first)", orderID, bcg, bid, orderID, bid, bcg)}
	} else if !isNoRows(err) {
		return err
	}
	var clashOrder int64
	err = tx.QueryRow(ctx, `SELECT id, order_id, starts_at, ends_at FROM caregiver_bookings WHERE caregiver_id = ? AND starts_at > ? AND starts_at < ? AND ends_at > ?
		ORDER BY starts_at LIMIT 1`, caregiverID, start.Add(-MaxBooking), end, start).Scan(&bid, &clashOrder, &bs, &be)
	if err == nil {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "caregiver_id",
			Message: fmt.Sprintf("护理员在 %s–%s 已有预约 #%d（工单 %d） (caregiver already booked %s–%s: booking #%d, order %d)",
				clockText(bs), clockText(be), bid, clashOrder, clockText(bs), clockText(be), bid, clashOrder)}
	} else if !isNoRows(err) {
		return err
	}
	id, err := tx.insertID(ctx, `INSERT INTO caregiver_bookings (caregiver_id, order_id, county_code, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		caregiverID, orderID, county, start, end, tx.now)
	if err != nil {
		return err
	}
	return tx.audit(ctx, yanglao.AuditCreate, "caregiver_booking", strconv.FormatInt(id, 10),
		fmt.Sprintf("caregiver=%d order=%d %s..%s", caregiverID, orderID, start.Format(time.RFC3339), end.Format(time.RFC3339)))
}

func clockText(t time.Time) string { return t.In(yanglao.Shanghai).Format("2006-01-02 15:04") }

// releaseCaregiver frees the time booked for orderID (none booked: nothing to do).
func releaseCaregiver(ctx context.Context, tx *Tx, orderID int64) error {
	var id, cg int64
	err := tx.QueryRow(ctx, `SELECT id, caregiver_id FROM caregiver_bookings WHERE order_id = ?`, orderID).Scan(&id, &cg)
	if isNoRows(err) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM caregiver_bookings WHERE id = ?`, id); err != nil {
		return err
	}
	return tx.audit(ctx, yanglao.AuditDelete, "caregiver_booking", strconv.FormatInt(id, 10), fmt.Sprintf("caregiver=%d order=%d released", cg, orderID))
}

// caregiverBookings lists a caregiver's bookings that overlap [from, to).
func caregiverBookings(ctx context.Context, tx *Tx, caregiverID int64, from, to time.Time) ([]*yanglao.CaregiverBooking, error) {
	return queryAll(ctx, tx, func(r scanner) (*yanglao.CaregiverBooking, error) {
		b := &yanglao.CaregiverBooking{}
		err := r.Scan(&b.ID, &b.CaregiverID, &b.OrderID, &b.StartsAt, &b.EndsAt)
		return b, err
	}, `SELECT id, caregiver_id, order_id, starts_at, ends_at FROM caregiver_bookings WHERE caregiver_id = ? AND starts_at > ? AND starts_at < ? AND ends_at > ?
		ORDER BY starts_at`, caregiverID, from.UTC().Add(-MaxBooking), to.UTC(), from.UTC())
}

// ---- Suggestions ----

// SuggestCaregivers ranks the provider's caregivers for a visit: active, every
// skill and certificate the item needs valid on the visit's day, not banned,
// free for the whole window, with a home position; nearest first (haversine,
// package dispatch). Officials in scope and the provider's own staff may ask.
//
// It searches in growing rings around the home (3, 12, 48 km, then
// everywhere): the (org_id, lat) index bounds each ring's box, the checks run
// only on the caregivers inside it, and a ring that yields Limit caregivers
// within its radius holds the exact answer, since everyone outside is farther.
// A ring whose box already spans all the provider's caregivers is the last.
func (s *HomeCareService) SuggestCaregivers(ctx context.Context, q yanglao.SuggestQuery) ([]*yanglao.CaregiverSuggestion, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := tx.providerOrg(ctx, q.OrgID)
	if err != nil {
		return nil, err
	}
	if !canSeeCaregivers(a) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "无权调度护理员 (not allowed to dispatch caregivers)")
	}
	it, err := tx.serviceItem(ctx, q.ItemID)
	if err != nil {
		return nil, yanglao.Invalid("item_id", "服务项目不存在 (service item not found)")
	}
	day := yanglao.DateOf(q.Start)
	start, end := q.Start.UTC().Truncate(time.Second), q.End.UTC().Truncate(time.Second)
	// Cheap tests first: SQLite evaluates the terms in this order for each row.
	where := []string{"c.org_id = ?", "c.active = TRUE", "c.lat IS NOT NULL", "c.lng IS NOT NULL"}
	args := []any{o.ID}
	if q.Sex != "" {
		where, args = append(where, "c.sex = ?"), append(args, q.Sex)
	}
	for _, k := range it.Skills {
		where, args = append(where, "(',' || c.skills || ',') LIKE ?"), append(args, "%,"+k+",%")
	}
	// Then the calendar, which turns away most caregivers at a busy hour.
	where = append(where, `NOT EXISTS (SELECT 1 FROM caregiver_bookings k WHERE k.caregiver_id = c.id AND k.starts_at > ? AND k.starts_at < ? AND k.ends_at > ?)`)
	args = append(args, start.Add(-MaxBooking), end, start)
	for _, kind := range it.Certs {
		where = append(where, `EXISTS (SELECT 1 FROM caregiver_certs x WHERE x.caregiver_id = c.id AND x.kind = ? AND x.issued <= ? AND (x.expires IS NULL OR x.expires >= ?))`)
		args = append(args, kind, day.String(), day.String())
	}
	where = append(where, `NOT EXISTS (SELECT 1 FROM employment_bans b WHERE b.id_hash = c.id_hash AND b.start_date <= ? AND (b.end_date IS NULL OR b.end_date >= ?))`)
	args = append(args, day.String(), day.String())
	type row struct {
		dispatch.Candidate
		name string
	}
	// The provider's extent, from the (org_id, lat) and (org_id, lng) ends of the index.
	var minLat, maxLat, minLng, maxLng *float64
	if err := tx.QueryRow(ctx, `SELECT (SELECT MIN(lat) FROM caregivers WHERE org_id = ?), (SELECT MAX(lat) FROM caregivers WHERE org_id = ?),
		(SELECT MIN(lng) FROM caregivers WHERE org_id = ?), (SELECT MAX(lng) FROM caregivers WHERE org_id = ?)`, o.ID, o.ID, o.ID, o.ID).Scan(&minLat, &maxLat, &minLng, &maxLng); err != nil {
		return nil, err
	}
	if minLat == nil {
		return []*yanglao.CaregiverSuggestion{}, nil
	}
	names := map[int64]string{}
	prefs := dispatch.Prefs{Sex: q.Sex, Limit: q.Limit, HomeLat: q.Lat, HomeLng: q.Lng}
	var ranked []dispatch.Ranked
	for _, ringM := range []float64{3000, 12000, 48000, 0} {
		w, wargs := where, args
		if q.MaxKm > 0 && (ringM == 0 || ringM > q.MaxKm*1000) {
			ringM = q.MaxKm * 1000
		}
		if ringM > 0 {
			latLo, latHi, lngLo, lngHi := dispatch.Box(q.Lat, q.Lng, ringM)
			if latLo <= *minLat && latHi >= *maxLat && lngLo <= *minLng && lngHi >= *maxLng && q.MaxKm == 0 {
				ringM = 0 // the box holds everyone: search everywhere, once
			} else {
				w, wargs = append(slices.Clip(w), "c.lat >= ? AND c.lat <= ? AND c.lng >= ? AND c.lng <= ?"), append(slices.Clip(wargs), latLo, latHi, lngLo, lngHi)
			}
		}
		rows, err := queryAll(ctx, tx, func(r scanner) (row, error) {
			var v row
			err := r.Scan(&v.ID, &v.Sex, &v.Lat, &v.Lng, &v.name)
			return v, err
		}, `SELECT c.id, c.sex, c.lat, c.lng, c.name FROM caregivers c WHERE `+strings.Join(w, " AND "), wargs...)
		if err != nil {
			return nil, err
		}
		cands := make([]dispatch.Candidate, len(rows))
		for i, r := range rows {
			cands[i], names[r.ID] = r.Candidate, r.name
		}
		prefs.MaxM = ringM
		ranked = dispatch.Rank(cands, prefs)
		if ringM == 0 || len(ranked) >= q.Limit || q.MaxKm > 0 && ringM >= q.MaxKm*1000 {
			break
		}
	}
	out := make([]*yanglao.CaregiverSuggestion, len(ranked))
	for i, r := range ranked {
		out[i] = &yanglao.CaregiverSuggestion{CaregiverID: r.ID, Name: names[r.ID], Sex: r.Sex, DistanceM: int(r.DistanceM + 0.5), Lat: r.Lat, Lng: r.Lng}
	}
	return out, tx.suggestionLevels(ctx, out, day)
}

// suggestionLevels fills each suggestion's highest valid nursing level, for the dispatcher to weigh.
func (tx *Tx) suggestionLevels(ctx context.Context, out []*yanglao.CaregiverSuggestion, day yanglao.Date) error {
	if len(out) == 0 {
		return nil
	}
	ids := make([]int64, len(out))
	byID := map[int64]*yanglao.CaregiverSuggestion{}
	for i, s := range out {
		ids[i], byID[s.CaregiverID] = s.CaregiverID, s
	}
	in, args := inArgs(ids)
	certs, err := queryAll(ctx, tx, scanCert, `SELECT `+certCols+` FROM caregiver_certs WHERE kind = 'nursing' AND caregiver_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	rank := func(level string) int {
		return slices.IndexFunc(yanglao.NursingLevels, func(l [2]string) bool { return l[0] == level })
	}
	for _, c := range certs {
		if s := byID[c.CaregiverID]; c.ValidOn(day) && rank(c.Level) > rank(s.Level) {
			s.Level = c.Level
		}
	}
	return nil
}
