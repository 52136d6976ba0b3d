package yanglao

import "context"

// Actor is who is acting on a request. The data layer reads it from the context
// and narrows every read and write to what the actor may see (DESIGN §5); nothing
// else decides scope.
type Actor struct {
	UserID     int64
	Username   string
	Role       Role
	RegionCode string
	RegionPath string
	OrgID      *int64
	IP         string
	System     bool // a job or command-line tool acting for the platform itself
}

// SystemActor acts for the platform (migrations, imports, scheduled jobs, `yanglao admin`).
func SystemActor(name string) *Actor { return &Actor{Username: name, System: true} }

// ActorOf returns the actor for u.
func ActorOf(u *User, ip string) *Actor {
	return &Actor{UserID: u.ID, Username: u.Username, Role: u.Role, RegionCode: u.RegionCode,
		RegionPath: u.RegionPath, OrgID: u.OrgID, IP: ip}
}

// Unrestricted reports whether the actor sees the whole platform.
func (a *Actor) Unrestricted() bool { return a != nil && (a.System || a.Role == RoleAdmin) }

// SeesPath reports whether a region at path lies in the actor's scope.
func (a *Actor) SeesPath(path string) bool {
	if a == nil {
		return false
	}
	return a.Unrestricted() || PathContains(a.RegionPath, path)
}

// SeesOrg reports whether a record owned by organisation orgID is visible to an
// organisation's staff; people not bound to an organisation are judged by region alone.
func (a *Actor) SeesOrg(orgID *int64) bool {
	if a == nil {
		return false
	}
	if a.Unrestricted() || a.OrgID == nil {
		return true
	}
	return orgID != nil && *orgID == *a.OrgID
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor, or nil when nobody is signed in.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
