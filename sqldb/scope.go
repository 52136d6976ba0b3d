package sqldb

import (
	"context"

	"github.com/yanglao/yanglao"
)

// This file is the one place that decides what an actor may see (DESIGN §5).
// Every list, search, count and export of a scoped table adds the clause built
// here; single-record reads and writes call mayTouch.

// scope returns a WHERE fragment and its arguments restricting rows to the
// actor: the region subtree through pathCol, and the actor's organisation
// through orgCol when the actor is an organisation's staff (orgCol may be "").
func scope(ctx context.Context, pathCol, orgCol string) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() {
		return "1=1", nil, nil
	}
	if a.RegionPath == "" {
		return "1=0", nil, nil
	}
	lo, hi := pathRange(a.RegionPath)
	clause, args := pathCol+" >= ? AND "+pathCol+" < ?", []any{lo, hi}
	if a.OrgID != nil {
		if orgCol == "" {
			return "1=0", nil, nil
		}
		clause, args = clause+" AND "+orgCol+" = ?", append(args, *a.OrgID)
	}
	return clause, args, nil
}

// mayTouch reports, as a domain error, whether the actor may read or change a
// record at path owned by orgID. Records out of scope are reported as not found,
// so their existence does not leak.
func mayTouch(ctx context.Context, path string, orgID *int64, zh, en string) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !a.SeesPath(path) || !a.SeesOrg(orgID) {
		return yanglao.Errorf(yanglao.ENOTFOUND, "%s不存在 (%s not found)", zh, en)
	}
	return nil
}

// canManageUsers reports whether the actor administers accounts: administrators
// everywhere, officials within their subtree.
func canManageUsers(a *yanglao.Actor) bool {
	return a != nil && (a.Unrestricted() || a.Role == yanglao.RoleOfficial)
}
