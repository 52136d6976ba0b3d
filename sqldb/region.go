package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/yanglao/yanglao"
)

var _ yanglao.RegionService = (*RegionService)(nil)

// RegionService reads and loads the region tree. Regions are public reference
// data (the statistical division codes are published), so reads are not scoped.
type RegionService struct{ db *DB }

func NewRegionService(db *DB) *RegionService { return &RegionService{db: db} }

const regionCols = `code, COALESCE(parent_code, ''), name, level, path, ur_code, lng, lat, placeholder, child_count`

func scanRegion(row scanner) (*yanglao.Region, error) {
	r := &yanglao.Region{}
	err := row.Scan(&r.Code, &r.ParentCode, &r.Name, &r.Level, &r.Path, &r.URCode, &r.Lng, &r.Lat, &r.Placeholder, &r.ChildCount)
	return r, err
}

func (s *RegionService) Region(ctx context.Context, code string) (*yanglao.Region, error) {
	if err := yanglao.CheckRegionCode("code", code); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.region(ctx, code)
}

func (tx *Tx) region(ctx context.Context, code string) (*yanglao.Region, error) {
	r, err := scanRegion(tx.QueryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE code = ?`, code))
	if err != nil {
		return nil, notFound(err, "区划 "+code, "region "+code)
	}
	return r, nil
}

// regionPath returns the path of an existing region, naming field when it does not exist.
func (tx *Tx) regionPath(ctx context.Context, field, code string) (string, error) {
	if err := yanglao.CheckRegionCode(field, code); err != nil {
		return "", err
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, code).Scan(&path); err != nil {
		if isNoRows(err) {
			return "", yanglao.Invalid(field, "区划代码 %s 不存在 (region %s does not exist)", code, code)
		}
		return "", err
	}
	return path, nil
}

func (s *RegionService) Children(ctx context.Context, code string) ([]*yanglao.Region, error) {
	if err := yanglao.CheckRegionCode("code", code); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.region(ctx, code); err != nil {
		return nil, err
	}
	return tx.regions(ctx, `WHERE parent_code = ? ORDER BY code`, code)
}

// Roots returns the top of the tree (the provinces).
func (s *RegionService) Roots(ctx context.Context) ([]*yanglao.Region, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.regions(ctx, `WHERE level = 1 ORDER BY code`)
}

func (s *RegionService) Ancestors(ctx context.Context, code string) ([]*yanglao.Region, error) {
	r, err := s.Region(ctx, code)
	if err != nil {
		return nil, err
	}
	codes := strings.Split(strings.Trim(r.Path, "/"), "/")
	codes = codes[:len(codes)-1]
	if len(codes) == 0 {
		return []*yanglao.Region{}, nil
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	return tx.regions(ctx, `WHERE code IN (?`+strings.Repeat(", ?", len(codes)-1)+`) ORDER BY level`, args...)
}

// RegionsByCode looks up many nodes in one query; unknown or malformed codes are left out.
func (s *RegionService) RegionsByCode(ctx context.Context, codes []string) (map[string]*yanglao.Region, error) {
	out := make(map[string]*yanglao.Region, len(codes))
	var args []any
	seen := map[string]bool{}
	for _, c := range codes {
		if yanglao.ValidRegionCode(c) && !seen[c] {
			seen[c] = true
			args = append(args, c)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	if len(args) > 1000 {
		return nil, yanglao.Invalid("codes", "一次最多查询1000个区划 (at most 1000 regions at once)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rs, err := tx.regions(ctx, `WHERE code IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	for _, r := range rs {
		out[r.Code] = r
	}
	return out, err
}

func (s *RegionService) SearchRegions(ctx context.Context, f yanglao.RegionFilter) ([]*yanglao.Region, string, error) {
	page := f.Page.Normalize()
	where, args := []string{"1=1"}, []any{}
	if f.ParentCode != nil {
		where, args = append(where, "parent_code = ?"), append(args, *f.ParentCode)
	}
	if f.Within != "" {
		if err := yanglao.CheckRegionCode("within", f.Within); err != nil {
			return nil, "", err
		}
		var root string
		if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), f.Within).Scan(&root); err != nil {
			return nil, "", notFound(err, "区划", "region")
		}
		lo, hi := pathRange(root)
		where, args = append(where, "path >= ? AND path < ?"), append(args, lo, hi)
	}
	if f.Name = strings.TrimSpace(f.Name); f.Name != "" {
		where, args = append(where, `name LIKE ? ESCAPE '\'`), append(args, like(f.Name))
	}
	if f.Level != 0 {
		if f.Level < 1 || f.Level > 5 {
			return nil, "", yanglao.Invalid("level", "层级应为1到5 (level must be 1 to 5)")
		}
		where, args = append(where, "level = ?"), append(args, f.Level)
	}
	if page.After != "" {
		if !yanglao.ValidRegionCode(page.After) {
			return nil, "", yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
		}
		where, args = append(where, "code > ?"), append(args, page.After)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := tx.regions(ctx, `WHERE `+strings.Join(where, " AND ")+` ORDER BY code LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(r *yanglao.Region) string { return r.Code })
	return out, next, nil
}

func (tx *Tx) regions(ctx context.Context, tail string, args ...any) ([]*yanglao.Region, error) {
	return queryAll(ctx, tx, scanRegion, `SELECT `+regionCols+` FROM regions `+tail, args...)
}

func (s *RegionService) CountRegions(ctx context.Context) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&n)
	return n, err
}

// ImportRegions upserts nodes (parents before children, as regiondata orders
// them), fills in paths from the parent chain and recounts children, all in one
// transaction. Rows go in multi-row statements: one round trip per row made the
// first start of a PostgreSQL server slow. Importing the same data twice changes nothing.
func (s *RegionService) ImportRegions(ctx context.Context, regions []*yanglao.Region) (int, error) {
	if a := yanglao.ActorFromContext(ctx); !a.Unrestricted() {
		return 0, yanglao.Errorf(yanglao.EFORBIDDEN, "只有系统管理员可以导入区划 (only administrators import regions)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	paths := map[string]string{}
	const perStmt = 500 // 9 parameters a row stays far below both databases' limits
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / 9
		values := strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", n)
		_, err := tx.Exec(ctx, `INSERT INTO regions (code, parent_code, name, level, path, ur_code, lng, lat, placeholder)
			VALUES `+values[:len(values)-2]+`
			ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, name = excluded.name, level = excluded.level,
				path = excluded.path, ur_code = excluded.ur_code, lng = COALESCE(excluded.lng, regions.lng),
				lat = COALESCE(excluded.lat, regions.lat), placeholder = excluded.placeholder`, args...)
		args = args[:0]
		return err
	}
	seen := make(map[string]bool, len(regions))
	for i, r := range regions {
		if !yanglao.ValidRegionCode(r.Code) {
			return 0, yanglao.Invalid("code", "第%d行：区划代码应为12位数字 (row %d: region code must be 12 digits): %q", i+1, i+1, r.Code)
		}
		if seen[r.Code] {
			return 0, yanglao.Invalid("code", "第%d行：区划代码 %s 重复 (row %d: duplicate region code %s)", i+1, r.Code, i+1, r.Code)
		}
		seen[r.Code] = true
		path := "/" + r.Code + "/"
		if r.ParentCode != "" {
			pp, ok := paths[r.ParentCode]
			if !ok {
				if err := tx.QueryRow(ctx, `SELECT path FROM regions WHERE code = ?`, r.ParentCode).Scan(&pp); err != nil {
					return 0, yanglao.Invalid("parent_code", "第%d行：上级区划 %s 不存在 (row %d: parent %s not found)", i+1, r.ParentCode, i+1, r.ParentCode)
				}
			}
			path = pp + r.Code + "/"
		}
		paths[r.Code] = path
		var parent any
		if r.ParentCode != "" {
			parent = r.ParentCode
		}
		args = append(args, r.Code, parent, r.Name, r.Level, path, r.URCode, r.Lng, r.Lat, r.Placeholder)
		if len(args)/9 == perStmt {
			if err := flush(); err != nil {
				return 0, fmt.Errorf("regions near row %d: %w", i+1, err)
			}
		}
	}
	if err := flush(); err != nil {
		return 0, fmt.Errorf("regions: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE regions SET child_count = c.n FROM (SELECT parent_code, COUNT(*) AS n FROM regions
		WHERE parent_code IS NOT NULL GROUP BY parent_code) c WHERE regions.code = c.parent_code AND regions.child_count <> c.n`); err != nil {
		return 0, err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "regions", "", fmt.Sprintf("imported %d regions", len(regions))); err != nil {
		return 0, err
	}
	return len(regions), tx.Commit()
}
