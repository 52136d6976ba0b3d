package sqldb

import (
	"context"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

var _ yanglao.OrgService = (*OrgService)(nil)

// OrgService manages organisations. Officials register them inside their subtree;
// an organisation's staff see only their own.
type OrgService struct{ db *DB }

func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

const orgCols = `id, name, kind, region_code, region_path, created_at, updated_at`

func scanOrg(row scanner) (*yanglao.Org, error) {
	o := &yanglao.Org{}
	err := row.Scan(&o.ID, &o.Name, &o.Kind, &o.RegionCode, &o.RegionPath, &o.CreatedAt, &o.UpdatedAt)
	return o, err
}

func (s *OrgService) CreateOrg(ctx context.Context, o *yanglao.Org) error {
	a := yanglao.ActorFromContext(ctx)
	if !canManageUsers(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权登记机构 (not allowed to register organisations)")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.createOrg(ctx, a, o); err != nil {
		return err
	}
	return tx.Commit()
}

// createOrg inserts a validated o inside the actor's region, audited (canteens are created with their details through it).
func (tx *Tx) createOrg(ctx context.Context, a *yanglao.Actor, o *yanglao.Org) error {
	var err error
	if o.RegionPath, err = tx.regionPath(ctx, "region_code", o.RegionCode); err != nil {
		return err
	}
	if !a.SeesPath(o.RegionPath) {
		return yanglao.Invalid("region_code", "只能在本辖区内登记机构 (organisations can only be registered inside your region)")
	}
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	if o.ID, err = tx.insertID(ctx, `INSERT INTO orgs (name, kind, region_code, region_path, county_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.Name, o.Kind, o.RegionCode, o.RegionPath, yanglao.CountyCode(o.RegionCode), tx.now, tx.now); err != nil {
		return err
	}
	return tx.audit(ctx, yanglao.AuditCreate, "org", strconv.FormatInt(o.ID, 10), o.Kind+" "+o.Name)
}

func (s *OrgService) Org(ctx context.Context, id int64) (*yanglao.Org, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o, err := scanOrg(tx.QueryRow(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "机构", "organisation")
	}
	if err := mayTouch(ctx, o.RegionPath, &o.ID, "机构", "organisation"); err != nil {
		return nil, err
	}
	return o, nil
}

// orgWhere is the scoped filter that Orgs and CountOrgs share.
func orgWhere(ctx context.Context, f yanglao.OrgFilter) ([]string, []any, error) {
	clause, args, err := scope(ctx, "region_path", "id")
	if err != nil {
		return nil, nil, err
	}
	where := []string{clause}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where, args = append(where, `name LIKE ? ESCAPE '\'`), append(args, like(q))
	}
	return where, args, nil
}

// CountOrgs counts what Orgs would list.
func (s *OrgService) CountOrgs(ctx context.Context, f yanglao.OrgFilter) (int, error) {
	where, args, err := orgWhere(ctx, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM orgs WHERE `+strings.Join(where, " AND ")), args...).Scan(&n)
	return n, err
}

func (s *OrgService) Orgs(ctx context.Context, f yanglao.OrgFilter) ([]*yanglao.Org, string, error) {
	where, args, err := orgWhere(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return listByID(ctx, s.db, scanOrg, func(o *yanglao.Org) int64 { return o.ID }, `SELECT `+orgCols+` FROM orgs`, where, args, f.Page)
}
