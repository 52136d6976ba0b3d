package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/idcard"
)

var _ yanglao.PersonService = (*PersonService)(nil)

// PersonService is the register of older people. Scope: the residence subtree
// of the actor; older people and their families will see only their own record
// once accounts are linked to people (issue 3, item 6).
type PersonService struct {
	db  *DB
	box *crypt.Box
}

func NewPersonService(db *DB, box *crypt.Box) *PersonService { return &PersonService{db: db, box: box} }

const personCols = `p.id, p.county_code, p.residence_code, p.residence_path, COALESCE(p.household_code, ''), p.name, p.sex, p.birth_date,
	p.id_masked, p.phones_masked, p.ethnicity, p.address, p.lng, p.lat, p.living, p.disability_cert, p.disability_grade, p.chronic,
	p.life_status, p.death_date, p.moved_out_date, p.moved_to, p.grade, p.grade_valid_until, p.version, p.created_at, p.updated_at`

func scanPerson(row scanner) (*yanglao.Person, error) {
	p := &yanglao.Person{}
	var phones, chronic string
	var death, moved, validUntil yanglao.Date
	err := row.Scan(&p.ID, &p.CountyCode, &p.ResidenceCode, &p.ResidencePath, &p.HouseholdCode, &p.Name, &p.Sex, &p.BirthDate,
		&p.IDMasked, &phones, &p.Ethnicity, &p.Address, &p.Lng, &p.Lat, &p.Living, &p.DisabilityCert, &p.DisabilityGrade, &chronic,
		&p.Life, &death, &moved, &p.MovedTo, &p.Grade, &validUntil, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.DeathDate, p.MovedOutDate, p.GradeValidUntil = death, moved, validUntil
	p.PhonesMasked = splitList(phones)
	p.Chronic = splitList(chronic)
	return p, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ParseCitizenID parses and validates a citizen ID for the register, naming the
// field and the part that failed (GB 11643: length, characters, region, date, check).
func ParseCitizenID(field, s string, now time.Time) (idcard.ID, error) {
	id, err := idcard.ParseAt(s, now, nil)
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*idcard.Error); ok {
			msg = e.Msg
		}
		return id, yanglao.Invalid(field, "身份证号码无效：%s", msg)
	}
	return id, nil
}

// preparePerson validates p and derives sex, birth date and the sealed columns.
func (s *PersonService) preparePerson(p *yanglao.Person, now time.Time) (sealedPerson, error) {
	var sp sealedPerson
	id, err := ParseCitizenID("id_number", p.IDNumber, now)
	if err != nil {
		return sp, err
	}
	if err := p.ValidateFields(); err != nil {
		return sp, err
	}
	y, m, d := id.BirthDate()
	birth := yanglao.Date{Year: y, Month: m, Day: d}
	if !p.BirthDate.IsZero() && p.BirthDate != birth {
		return sp, yanglao.Invalid("birth_date", "出生日期与身份证号码不符 (birth date does not match the citizen ID: %s)", birth)
	}
	sex := string(id.Sex())
	if p.Sex != "" && p.Sex != sex {
		return sp, yanglao.Invalid("sex", "性别与身份证号码不符 (sex does not match the citizen ID)")
	}
	p.IDNumber, p.BirthDate, p.Sex, p.IDMasked = id.String(), birth, sex, id.Masked()
	if !p.DeathDate.IsZero() && p.DeathDate.Before(birth) {
		return sp, yanglao.Invalid("death_date", "死亡日期早于出生日期 (death date is before birth)")
	}
	p.PhonesMasked = nil
	for _, ph := range p.Phones {
		p.PhonesMasked = append(p.PhonesMasked, yanglao.MaskPhone(ph))
		sp.phoneHashes = append(sp.phoneHashes, s.box.Hash(ph))
	}
	sp.idHash, sp.idSealed = sealID(s.box, p.IDNumber)
	sp.phonesSealed = s.box.Seal(strings.Join(p.Phones, ","))
	if len(p.Contacts) > 0 || p.Guardian != nil {
		b, _ := json.Marshal(struct {
			Contacts []yanglao.Contact `json:"contacts"`
			Guardian *yanglao.Contact  `json:"guardian"`
		}{p.Contacts, p.Guardian})
		sp.contactsSealed = s.box.Seal(string(b))
	}
	for _, c := range p.Chronic {
		if strings.Contains(c, ",") {
			return sp, yanglao.Invalid("chronic", "慢性病名称不能包含逗号 (a condition name cannot contain a comma)")
		}
	}
	return sp, nil
}

// sealID is how every table stores a citizen ID (DESIGN §5): sealed with the
// box, and found through the box's keyed hash. The register and the caregiver
// records both use it, so one ID hashes alike everywhere (the ban list relies on that).
func sealID(box *crypt.Box, idNumber string) (hash string, sealed []byte) {
	return box.Hash(idNumber), box.Seal(idNumber)
}

type sealedPerson struct {
	idHash                                 string
	idSealed, phonesSealed, contactsSealed []byte
	phoneHashes                            []string
}

func nullDate(d yanglao.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// CreatePerson adds a person. The same citizen ID twice is a conflict; the same
// name and birth date in the same county is accepted and flagged for review.
func (s *PersonService) CreatePerson(ctx context.Context, p *yanglao.Person) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.createPerson(ctx, tx, p); err != nil {
		return err
	}
	return tx.Commit()
}

// createPerson inserts p inside tx (the importer calls it row by row).
func (s *PersonService) createPerson(ctx context.Context, tx *Tx, p *yanglao.Person) error {
	sp, err := s.preparePerson(p, tx.now)
	if err != nil {
		return err
	}
	if err := s.placePerson(ctx, tx, p); err != nil {
		return err
	}
	var exists int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM people WHERE id_hash = ?`, sp.idHash).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "id_number", Message: "该身份证号码已登记 (this citizen ID is already registered)"}
	}
	p.Version, p.CreatedAt, p.UpdatedAt = 1, tx.now, tx.now
	p.ID, err = tx.insertID(ctx, `INSERT INTO people (county_code, residence_code, residence_path, household_code, name, sex, birth_date,
		id_hash, id_sealed, id_masked, phones_sealed, phones_masked, ethnicity, address, lng, lat, living, disability_cert, disability_grade,
		chronic, contacts_sealed, life_status, death_date, moved_out_date, moved_to, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		p.CountyCode, p.ResidenceCode, p.ResidencePath, nullString(p.HouseholdCode), p.Name, p.Sex, p.BirthDate.String(),
		sp.idHash, sp.idSealed, p.IDMasked, sp.phonesSealed, strings.Join(p.PhonesMasked, ","), p.Ethnicity, p.Address, p.Lng, p.Lat,
		p.Living, p.DisabilityCert, p.DisabilityGrade, strings.Join(p.Chronic, ","), sp.contactsSealed, p.Life,
		nullDate(p.DeathDate), nullDate(p.MovedOutDate), p.MovedTo, tx.now, tx.now)
	if err != nil {
		return err
	}
	if err := tx.savePhones(ctx, p.ID, sp.phoneHashes); err != nil {
		return err
	}
	if err := tx.flagDuplicates(ctx, p); err != nil {
		return err
	}
	if err := tx.lifeEvent(ctx, p); err != nil {
		return err
	}
	return tx.audit(ctx, yanglao.AuditCreate, "person", strconv.FormatInt(p.ID, 10), "name="+p.Name+" residence="+p.ResidenceCode)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placePerson resolves the residence (and household) regions, checks the actor
// may write there, and fills the derived path and county code.
func (s *PersonService) placePerson(ctx context.Context, tx *Tx, p *yanglao.Person) error {
	return placePersonWith(ctx, p, func(field, code string) (string, error) { return tx.regionPath(ctx, field, code) })
}

// placePersonWith is placePerson with the region lookup passed in, so the bulk
// importer can answer it from a cache instead of one query per row.
func placePersonWith(ctx context.Context, p *yanglao.Person, regionPath func(field, code string) (string, error)) error {
	var err error
	if p.ResidencePath, err = regionPath("residence_code", p.ResidenceCode); err != nil {
		return err
	}
	if !yanglao.ActorFromContext(ctx).SeesPath(p.ResidencePath) {
		return yanglao.Invalid("residence_code", "常住地不在您的辖区内 (residence is outside your region)")
	}
	if p.HouseholdCode != "" {
		if _, err := regionPath("household_code", p.HouseholdCode); err != nil {
			return err
		}
	}
	p.CountyCode = countyOfPath(p.ResidencePath, p.ResidenceCode)
	return nil
}

// countyOfPath is the county-level node on the path (level 3), found by the path
// rather than by the code, so 东莞's townships (directly under the city) still get one.
func countyOfPath(path, code string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 3 {
		return parts[2]
	}
	return yanglao.CountyCode(code)
}

func (tx *Tx) savePhones(ctx context.Context, personID int64, hashes []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM person_phones WHERE person_id = ?`, personID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, h := range hashes {
		if seen[h] {
			continue
		}
		seen[h] = true
		if _, err := tx.Exec(ctx, `INSERT INTO person_phones (person_id, phone_hash) VALUES (?, ?)`, personID, h); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) flagDuplicates(ctx context.Context, p *yanglao.Person) error {
	others, err := queryAll(ctx, tx, func(r scanner) (int64, error) { var id int64; err := r.Scan(&id); return id, err },
		`SELECT id FROM people WHERE county_code = ? AND name = ? AND birth_date = ? AND id <> ?`, p.CountyCode, p.Name, p.BirthDate.String(), p.ID)
	if err != nil {
		return err
	}
	for _, o := range others {
		if _, err := tx.Exec(ctx, `INSERT INTO person_reviews (person_id, other_id, county_code, reason, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (person_id, other_id) DO NOTHING`, p.ID, o, p.CountyCode, "same name and birth date in county", tx.now); err != nil {
			return err
		}
	}
	return nil
}

// lifeEvent records a death or move in the outbox, once per person, kind and date.
func (tx *Tx) lifeEvent(ctx context.Context, p *yanglao.Person) error {
	kind, date := "", yanglao.Date{}
	switch p.Life {
	case yanglao.Deceased:
		kind, date = "person.deceased", p.DeathDate
	case yanglao.MovedOut:
		kind, date = "person.moved_out", p.MovedOutDate
	default:
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO life_events (kind, person_id, county_code, event_date, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (person_id, kind, event_date) DO NOTHING`, kind, p.ID, p.CountyCode, date.String(), tx.now)
	return err
}

// canWriteRegister: officials, workers and assessors keep the register; administrators too.
func canWriteRegister(ctx context.Context) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker || a.Role == yanglao.RoleAssessor {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "无权修改老年人信息 (not allowed to change the register)")
}

// canReadRegister: those who keep it, emergency operators who must see who is
// calling, and older people and families (narrowed to their links by personScope).
func canReadRegister(a *yanglao.Actor) bool {
	if a != nil && (a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily) {
		return true
	}
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker ||
		a.Role == yanglao.RoleAssessor || a.Role == yanglao.RoleEmergency)
}

// personScope is the register's scope clause for the actor.
func personScope(ctx context.Context) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !canReadRegister(a) {
		return "1=0", nil, nil
	}
	if a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily {
		return "p.id IN (SELECT person_id FROM person_links WHERE user_id = ?)", []any{a.UserID}, nil
	}
	return scope(ctx, "p.residence_path", "")
}

// personScopeOn is personScope with the path column written as pathCol (see DB.unindexed).
func personScopeOn(ctx context.Context, pathCol string) (string, []any, error) {
	clause, args, err := personScope(ctx)
	return strings.ReplaceAll(clause, "p.residence_path", pathCol), args, err
}

func (s *PersonService) Person(ctx context.Context, id int64) (*yanglao.Person, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := tx.person(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Statuses, err = queryAll(ctx, tx, scanStatus, `SELECT `+statusCols+` FROM person_statuses WHERE person_id = ? ORDER BY start_date, id`, id)
	return p, err
}

func (tx *Tx) person(ctx context.Context, id int64) (*yanglao.Person, error) {
	clause, args, err := personScope(ctx)
	if err != nil {
		return nil, err
	}
	p, err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "老年人", "person")
	}
	return p, nil
}

// personWhere builds the scoped WHERE clause of a search; People and CountPeople share it.
func (s *PersonService) personWhere(ctx context.Context, f yanglao.PersonFilter, today yanglao.Date, pathCol string) ([]string, []any, error) {
	clause, args, err := personScopeOn(ctx, pathCol)
	if err != nil {
		return nil, nil, err
	}
	where := []string{clause}
	if f.RegionCode != "" {
		if err := yanglao.CheckRegionCode("region", f.RegionCode); err != nil {
			return nil, nil, err
		}
		var root string
		if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), f.RegionCode).Scan(&root); err != nil {
			if isNoRows(err) {
				return nil, nil, yanglao.Invalid("region", "区划不存在 (region not found)")
			}
			return nil, nil, err
		}
		lo, hi := pathRange(root)
		where, args = append(where, pathCol+" >= ? AND "+pathCol+" < ?"), append(args, lo, hi)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if id, err := idcard.ParseAt(q, s.db.Now(), nil); err == nil {
			where, args = append(where, "p.id_hash = ?"), append(args, s.box.Hash(id.String()))
		} else if ph, err := yanglao.NormalizePhone("q", q); err == nil {
			where, args = append(where, "p.id IN (SELECT person_id FROM person_phones WHERE phone_hash = ?)"), append(args, s.box.Hash(ph))
		} else {
			if len([]rune(q)) > 50 {
				return nil, nil, yanglao.Invalid("q", "搜索词最多50个字符 (q: at most 50 characters)")
			}
			// A name prefix, as a byte range so the (name, id) index serves it on both databases.
			where, args = append(where, "p.name >= ? AND p.name < ?"), append(args, q, q+"\U0010FFFF")
		}
	}
	if f.Status != "" {
		if _, ok := yanglao.StatusKinds[f.Status]; !ok {
			return nil, nil, yanglao.Invalid("status", "未知的身份类别 (unknown status kind)")
		}
		// Joined, with the status table first (see personFrom): the (kind,
		// person_id) index yields the few people with the status in id order,
		// instead of the planner probing every person in scope.
		where = append(where, `st.person_id = p.id AND st.kind = ? AND st.start_date <= ? AND (st.end_date IS NULL OR st.end_date >= ?)`)
		args = append(args, f.Status, today.String(), today.String())
	}
	if f.MinAge < 0 || f.MaxAge < 0 || f.MinAge > 130 || f.MaxAge > 130 || (f.MaxAge > 0 && f.MaxAge < f.MinAge) {
		return nil, nil, yanglao.Invalid("min_age", "年龄范围无效 (invalid age range)")
	}
	if f.MinAge > 0 { // born on or before today minus MinAge years
		where, args = append(where, "p.birth_date <= ?"), append(args, yanglao.Date{Year: today.Year - f.MinAge, Month: today.Month, Day: today.Day}.String())
	}
	if f.MaxAge > 0 { // not yet MaxAge+1
		where, args = append(where, "p.birth_date > ?"), append(args, yanglao.Date{Year: today.Year - f.MaxAge - 1, Month: today.Month, Day: today.Day}.String())
	}
	if f.Grade != nil {
		if *f.Grade < 0 || *f.Grade > 4 {
			return nil, nil, yanglao.Invalid("grade", "能力等级应为0到4 (grade must be 0 to 4)")
		}
		// Only a grade still valid today counts (an expired assessment needs redoing, not trusting).
		where, args = append(where, "p.grade = ? AND p.grade_valid_until >= ?"), append(args, *f.Grade, today.String())
	}
	if f.Life != "" {
		if f.Life != yanglao.Alive && f.Life != yanglao.Deceased && f.Life != yanglao.MovedOut {
			return nil, nil, yanglao.Invalid("life", "未知的生存状态 (unknown life status)")
		}
		where, args = append(where, "p.life_status = ?"), append(args, f.Life)
	}
	return where, args, nil
}

// People searches the register, keyset-paged in the requested order.
func (s *PersonService) People(ctx context.Context, f yanglao.PersonFilter) ([]*yanglao.Person, string, error) {
	today := yanglao.DateOf(s.db.Now())
	page := f.Page.Normalize()
	col := map[string]string{"region": "p.residence_path", "id": "", "name": "p.name", "birth_date": "p.birth_date"}
	if f.Sort == "" {
		f.Sort = s.naturalOrder(f)
	}
	sortCol, ok := col[f.Sort]
	if !ok {
		return nil, "", yanglao.Invalid("sort", "排序只能是 region、id、name 或 birth_date (sort must be region, id, name or birth_date)")
	}
	// In region order the path index serves scope, order and cursor at once.
	// In any other order the ordering index must drive, and the path range only
	// filters: otherwise SQLite gathers the whole subtree and sorts it per page.
	pathCol := "p.residence_path"
	if f.Sort != "region" {
		pathCol = s.db.unindexed(pathCol)
	}
	where, args, err := s.personWhere(ctx, f, today, pathCol)
	if err != nil {
		return nil, "", err
	}
	from, idCol := personFrom(f)
	order := idCol
	if page.After != "" {
		if sortCol == "" {
			after, err := afterID(page.After)
			if err != nil {
				return nil, "", err
			}
			where, args = append(where, idCol+" > ?"), append(args, after)
		} else {
			key, idStr, ok := strings.Cut(page.After, "\x1f")
			after, err := afterID(idStr)
			if !ok || err != nil {
				return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
			}
			// A row-value comparison: both databases turn it into one index range.
			where, args = append(where, "("+sortCol+", p.id) > (?, ?)"), append(args, key, after)
		}
	}
	if sortCol != "" {
		order = sortCol + ", p.id"
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanPerson, `SELECT `+personCols+` FROM `+from+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(p *yanglao.Person) string {
		switch f.Sort {
		case "name":
			return p.Name + "\x1f" + strconv.FormatInt(p.ID, 10)
		case "birth_date":
			return p.BirthDate.String() + "\x1f" + strconv.FormatInt(p.ID, 10)
		case "region":
			return p.ResidencePath + "\x1f" + strconv.FormatInt(p.ID, 10)
		}
		return strconv.FormatInt(p.ID, 10)
	})
	if err := tx.activeStatuses(ctx, out, today); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// activeStatuses fills each listed person's statuses in force on day, in one
// query for the page rather than one per row.
func (tx *Tx) activeStatuses(ctx context.Context, people []*yanglao.Person, day yanglao.Date) error {
	if len(people) == 0 {
		return nil
	}
	byID := make(map[int64]*yanglao.Person, len(people))
	args := make([]any, 0, len(people)+2)
	for _, p := range people {
		byID[p.ID] = p
		args = append(args, p.ID)
	}
	args = append(args, day.String(), day.String())
	sts, err := queryAll(ctx, tx, scanStatus, `SELECT `+statusCols+` FROM person_statuses WHERE person_id IN (?`+
		strings.Repeat(", ?", len(people)-1)+`) AND start_date <= ? AND (end_date IS NULL OR end_date >= ?) ORDER BY person_id, start_date, id`, args...)
	if err != nil {
		return err
	}
	for _, st := range sts {
		p := byID[st.PersonID]
		p.Statuses = append(p.Statuses, st)
	}
	return nil
}

// CountPeople counts what People would list, up to f.CountUpTo+1 when it is set.
func (s *PersonService) CountPeople(ctx context.Context, f yanglao.PersonFilter) (int, error) {
	where, args, err := s.personWhere(ctx, f, yanglao.DateOf(s.db.Now()), "p.residence_path")
	if err != nil {
		return 0, err
	}
	from, _ := personFrom(f)
	q := `SELECT COUNT(*) FROM ` + from + ` WHERE ` + strings.Join(where, " AND ")
	if f.CountUpTo > 0 {
		q, args = `SELECT COUNT(*) FROM (SELECT 1 FROM `+from+` WHERE `+strings.Join(where, " AND ")+` LIMIT ?) t`, append(args, f.CountUpTo+1)
	}
	var n int
	err = s.db.read.QueryRowContext(ctx, s.db.rebind(q), args...).Scan(&n)
	return n, err
}

// personFrom is the FROM clause of a search: with a status filter the status
// table drives (CROSS JOIN fixes the join order on SQLite; PostgreSQL plans it
// as an inner join from its statistics), and idCol names the person id on the
// driving side so ORDER BY and the keyset cursor follow its index.
func personFrom(f yanglao.PersonFilter) (from, idCol string) {
	if f.Status != "" {
		return "person_statuses st CROSS JOIN people p", "st.person_id"
	}
	return "people p", "p.id"
}

// naturalOrder is the order a search's most selective filter can deliver from
// its own index, so the first page never waits for a sort of everything that
// matched: a name prefix in name order, an age range in birth-date order, a
// status or grade in id order (their indexes are keyed by person id), and
// otherwise by place.
func (s *PersonService) naturalOrder(f yanglao.PersonFilter) string {
	switch q := strings.TrimSpace(f.Query); {
	case q != "" && queryKind(q, s.db.Now()) == queryName:
		return "name"
	case f.Status != "" || f.Grade != nil:
		return "id"
	case f.MinAge > 0 || f.MaxAge > 0:
		return "birth_date"
	}
	return "region"
}

const (
	queryName = iota
	queryID
	queryPhone
)

// queryKind tells what a search box holds: a whole citizen ID, a whole phone, or a name prefix.
func queryKind(q string, now time.Time) int {
	if _, err := idcard.ParseAt(q, now, nil); err == nil {
		return queryID
	}
	if _, err := yanglao.NormalizePhone("q", q); err == nil {
		return queryPhone
	}
	return queryName
}

// UpdatePerson replaces a person's fields, guarded by Version so two editors
// cannot overwrite each other. Only the names of changed fields are audited.
func (s *PersonService) UpdatePerson(ctx context.Context, p *yanglao.Person) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	old, err := tx.person(ctx, p.ID)
	if err != nil {
		return err
	}
	if p.IDNumber == "" { // keep the stored ID unless a new one is given
		sealed, err := tx.sealedID(ctx, p.ID)
		if err != nil {
			return err
		}
		if p.IDNumber, err = s.box.Open(sealed); err != nil {
			return err
		}
	}
	// Phones (nil) and contacts with guardian (both nil) that are not sent keep
	// their stored values: screens show them masked or not at all, so a form
	// that does not touch them must not wipe them. An empty, non-nil slice clears.
	if p.Phones == nil || (p.Contacts == nil && p.Guardian == nil) {
		if err := s.keepSealed(ctx, tx, p); err != nil {
			return err
		}
	}
	sp, err := s.preparePerson(p, tx.now)
	if err != nil {
		return err
	}
	if err := s.placePerson(ctx, tx, p); err != nil {
		return err
	}
	var clash int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM people WHERE id_hash = ? AND id <> ?`, sp.idHash, p.ID).Scan(&clash); err != nil {
		return err
	}
	if clash > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "id_number", Message: "该身份证号码已登记 (this citizen ID is already registered)"}
	}
	res, err := tx.Exec(ctx, `UPDATE people SET county_code = ?, residence_code = ?, residence_path = ?, household_code = ?, name = ?, sex = ?,
		birth_date = ?, id_hash = ?, id_sealed = ?, id_masked = ?, phones_sealed = ?, phones_masked = ?, ethnicity = ?, address = ?, lng = ?, lat = ?,
		living = ?, disability_cert = ?, disability_grade = ?, chronic = ?, contacts_sealed = ?, life_status = ?, death_date = ?, moved_out_date = ?,
		moved_to = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		p.CountyCode, p.ResidenceCode, p.ResidencePath, nullString(p.HouseholdCode), p.Name, p.Sex, p.BirthDate.String(), sp.idHash, sp.idSealed,
		p.IDMasked, sp.phonesSealed, strings.Join(p.PhonesMasked, ","), p.Ethnicity, p.Address, p.Lng, p.Lat, p.Living, p.DisabilityCert,
		p.DisabilityGrade, strings.Join(p.Chronic, ","), sp.contactsSealed, p.Life, nullDate(p.DeathDate), nullDate(p.MovedOutDate), p.MovedTo,
		tx.now, p.ID, p.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "version", Message: "记录已被他人修改，请刷新后重试 (the record was changed by someone else: reload and try again)"}
	}
	if err := tx.savePhones(ctx, p.ID, sp.phoneHashes); err != nil {
		return err
	}
	if err := tx.lifeEvent(ctx, p); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "person", strconv.FormatInt(p.ID, 10), "changed: "+strings.Join(changedFields(old, p), ",")); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	p.Version++
	p.UpdatedAt = tx.now
	return nil
}

// changedFields names what an update changed, without the values (they may be sensitive).
func changedFields(a, b *yanglao.Person) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("id_number", a.IDMasked != b.IDMasked)
	add("residence_code", a.ResidenceCode != b.ResidenceCode)
	add("household_code", a.HouseholdCode != b.HouseholdCode)
	add("phones", strings.Join(a.PhonesMasked, ",") != strings.Join(b.PhonesMasked, ","))
	add("address", a.Address != b.Address)
	add("living", a.Living != b.Living)
	add("disability", a.DisabilityGrade != b.DisabilityGrade || a.DisabilityCert != b.DisabilityCert)
	add("chronic", strings.Join(a.Chronic, ",") != strings.Join(b.Chronic, ","))
	add("life_status", a.Life != b.Life || a.DeathDate != b.DeathDate || a.MovedOutDate != b.MovedOutDate)
	add("ethnicity", a.Ethnicity != b.Ethnicity)
	if len(out) == 0 {
		out = append(out, "contacts_or_none")
	}
	return out
}

// keepSealed fills the phones (when p.Phones is nil) and the contacts and guardian
// (when both are nil) from the stored sealed columns, for UpdatePerson.
func (s *PersonService) keepSealed(ctx context.Context, tx *Tx, p *yanglao.Person) error {
	var phonesSealed, contactsSealed []byte
	if err := tx.QueryRow(ctx, `SELECT phones_sealed, contacts_sealed FROM people WHERE id = ?`, p.ID).Scan(&phonesSealed, &contactsSealed); err != nil {
		return err
	}
	if p.Phones == nil && len(phonesSealed) > 0 {
		phones, err := s.box.Open(phonesSealed)
		if err != nil {
			return err
		}
		p.Phones = splitList(phones)
	}
	if p.Contacts == nil && p.Guardian == nil && len(contactsSealed) > 0 {
		b, err := s.box.Open(contactsSealed)
		if err != nil {
			return err
		}
		var c struct {
			Contacts []yanglao.Contact `json:"contacts"`
			Guardian *yanglao.Contact  `json:"guardian"`
		}
		if err := json.Unmarshal([]byte(b), &c); err != nil {
			return err
		}
		p.Contacts, p.Guardian = c.Contacts, c.Guardian
	}
	return nil
}

func (tx *Tx) sealedID(ctx context.Context, id int64) ([]byte, error) {
	var b []byte
	err := tx.QueryRow(ctx, `SELECT id_sealed FROM people WHERE id = ?`, id).Scan(&b)
	return b, err
}

// RevealID opens the citizen ID and phones for an actor who may read the record,
// and writes the read to the audit log with the reason given.
func (s *PersonService) RevealID(ctx context.Context, id int64, reason string) (string, []string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 200 {
		return "", nil, yanglao.Invalid("reason", "请说明查看完整证件号码的理由（最多200字） (give a reason for reading the full ID, at most 200 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	if _, err := tx.person(ctx, id); err != nil {
		return "", nil, err
	}
	var idSealed, phonesSealed []byte
	if err := tx.QueryRow(ctx, `SELECT id_sealed, phones_sealed FROM people WHERE id = ?`, id).Scan(&idSealed, &phonesSealed); err != nil {
		return "", nil, err
	}
	idNumber, err := s.box.Open(idSealed)
	if err != nil {
		return "", nil, err
	}
	phones, err := s.box.Open(phonesSealed)
	if err != nil {
		return "", nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditRead, "person", strconv.FormatInt(id, 10), "id_number,phones reason="+reason); err != nil {
		return "", nil, err
	}
	return idNumber, splitList(phones), tx.Commit()
}

const statusCols = `id, person_id, kind, source, start_date, end_date, note, created_at`

func scanStatus(row scanner) (*yanglao.Status, error) {
	st := &yanglao.Status{}
	var end yanglao.Date
	err := row.Scan(&st.ID, &st.PersonID, &st.Kind, &st.Source, &st.Start, &end, &st.Note, &st.CreatedAt)
	st.End = end
	return st, err
}

// AddStatus records a policy status. An open status of the same kind that
// overlaps is refused: end it first, so history stays a clean sequence.
func (s *PersonService) AddStatus(ctx context.Context, st *yanglao.Status) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p, err := tx.person(ctx, st.PersonID)
	if err != nil {
		return err
	}
	if st.Start.Before(p.BirthDate) {
		return yanglao.Invalid("start", "开始日期早于出生日期 (start is before birth)")
	}
	end := "9999-12-31"
	if !st.End.IsZero() {
		end = st.End.String()
	}
	var overlap int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM person_statuses WHERE person_id = ? AND kind = ?
		AND start_date <= ? AND COALESCE(end_date, '9999-12-31') >= ?`, st.PersonID, st.Kind, end, st.Start.String()).Scan(&overlap); err != nil {
		return err
	}
	if overlap > 0 {
		return yanglao.Invalid("start", "与已有的同类身份时间重叠 (overlaps an existing status of the same kind)")
	}
	st.CreatedAt = tx.now
	if st.ID, err = tx.insertID(ctx, `INSERT INTO person_statuses (person_id, county_code, kind, source, start_date, end_date, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.PersonID, p.CountyCode, st.Kind, st.Source, st.Start.String(), nullDate(st.End), st.Note, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "person", strconv.FormatInt(st.PersonID, 10),
		fmt.Sprintf("status %s from %s source=%s", st.Kind, st.Start, st.Source)); err != nil {
		return err
	}
	return tx.Commit()
}

// EndStatus closes an open status on end.
func (s *PersonService) EndStatus(ctx context.Context, statusID int64, end yanglao.Date) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	if end.IsZero() {
		return yanglao.Invalid("end", "请填写结束日期 (end date is required)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := scanStatus(tx.QueryRow(ctx, `SELECT `+statusCols+` FROM person_statuses WHERE id = ?`, statusID))
	if err != nil {
		return notFound(err, "身份记录", "status")
	}
	if _, err := tx.person(ctx, st.PersonID); err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "身份记录不存在 (status not found)")
	}
	if !st.End.IsZero() {
		return yanglao.Invalid("end", "该身份已结束 (this status has already ended)")
	}
	if end.Before(st.Start) {
		return yanglao.Invalid("end", "结束日期早于开始日期 (end is before start)")
	}
	if _, err := tx.Exec(ctx, `UPDATE person_statuses SET end_date = ? WHERE id = ?`, end.String(), statusID); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "person", strconv.FormatInt(st.PersonID, 10), fmt.Sprintf("status %s ended %s", st.Kind, end)); err != nil {
		return err
	}
	return tx.Commit()
}

// PersonHistory is the person's change history: the audit entries about the record.
func (s *PersonService) PersonHistory(ctx context.Context, id int64) ([]*yanglao.AuditEntry, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.person(ctx, id); err != nil {
		return nil, err
	}
	return queryAll(ctx, tx, scanAudit, `SELECT id, at, user_id, username, action, entity, entity_id, detail, ip, prev_hash, hash
		FROM audit_log WHERE entity = 'person' AND entity_id = ? ORDER BY id`, strconv.FormatInt(id, 10))
}

// LifeEvents reads the outbox after a given event id, for modules that react to
// deaths and moves. Only the platform itself reads it.
func (s *PersonService) LifeEvents(ctx context.Context, afterID int64, limit int) ([]*yanglao.LifeEvent, error) {
	if a := yanglao.ActorFromContext(ctx); !a.Unrestricted() {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "仅供系统内部使用 (for the platform's own jobs)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return queryAll(ctx, tx, func(r scanner) (*yanglao.LifeEvent, error) {
		e := &yanglao.LifeEvent{}
		err := r.Scan(&e.ID, &e.Kind, &e.PersonID, &e.Date, &e.At)
		return e, err
	}, `SELECT id, kind, person_id, event_date, at FROM life_events WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

// Relations an account can have to a person.
var linkRelations = map[string]bool{"self": true, "child": true, "spouse": true, "relative": true, "guardian": true}

// LinkUser lets an older person's or family member's account see one person.
// Those who keep the register link accounts, within their scope; an older
// person's own account links only as "self".
func (s *PersonService) LinkUser(ctx context.Context, userID, personID int64, relation string) error {
	if err := canWriteRegister(ctx); err != nil {
		return err
	}
	if !linkRelations[relation] {
		return yanglao.Invalid("relation", "关系应为 self、child、spouse、relative 或 guardian (relation must be self, child, spouse, relative or guardian)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.person(ctx, personID); err != nil {
		return err
	}
	u, err := tx.user(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role != yanglao.RoleElder && u.Role != yanglao.RoleFamily {
		return yanglao.Invalid("user_id", "只有老年人或家属账号可以关联老年人 (only older-person or family accounts are linked to people)")
	}
	if (u.Role == yanglao.RoleElder) != (relation == "self") {
		return yanglao.Invalid("relation", "老年人本人账号的关系应为 self，家属账号不能是 self (an older person's account links as self; a family account cannot)")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO person_links (user_id, person_id, relation, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, person_id) DO UPDATE SET relation = excluded.relation`, userID, personID, relation, tx.now); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "person", strconv.FormatInt(personID, 10), fmt.Sprintf("linked user %d as %s", userID, relation)); err != nil {
		return err
	}
	return tx.Commit()
}
