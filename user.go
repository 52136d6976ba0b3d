package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user does in the platform (DESIGN §1). Scope follows from it.
type Role string

const (
	RoleAdmin      Role = "admin"      // 系统管理员
	RoleOfficial   Role = "official"   // 民政干部, any of the five levels
	RoleWorker     Role = "worker"     // 乡镇（街道）/村（社区）工作人员
	RoleAssessor   Role = "assessor"   // 评估员
	RoleOperator   Role = "operator"   // 养老机构运营人员
	RoleDispatcher Role = "dispatcher" // 服务组织调度员
	RoleCaregiver  Role = "caregiver"  // 护理员 / 志愿者
	RoleEmergency  Role = "emergency"  // 应急值守员
	RoleElder      Role = "elder"      // 老年人本人
	RoleFamily     Role = "family"     // 家属
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleOfficial, RoleWorker, RoleAssessor, RoleOperator,
	RoleDispatcher, RoleCaregiver, RoleEmergency, RoleElder, RoleFamily}

var roleNames = map[Role][2]string{
	RoleAdmin:      {"系统管理员", "System administrator"},
	RoleOfficial:   {"民政干部", "Civil-affairs official"},
	RoleWorker:     {"乡镇村社工作人员", "Township / village worker"},
	RoleAssessor:   {"评估员", "Assessor"},
	RoleOperator:   {"机构运营人员", "Institution operator"},
	RoleDispatcher: {"服务调度员", "Provider dispatcher"},
	RoleCaregiver:  {"护理员", "Caregiver"},
	RoleEmergency:  {"应急值守员", "Emergency operator"},
	RoleElder:      {"老年人", "Older person"},
	RoleFamily:     {"家属", "Family member"},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// Name returns the role's name in the language ("zh" or "en").
func (r Role) Name(lang string) string {
	n := roleNames[r]
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// NeedsOrg reports whether the role works for one organisation, whose records bound its scope.
func (r Role) NeedsOrg() bool {
	return r == RoleOperator || r == RoleDispatcher || r == RoleCaregiver
}

// User is an account. Every user hangs on a region node; organisation staff also on an organisation.
type User struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        Role       `json:"role"`
	RegionCode  string     `json:"region_code"`
	RegionPath  string     `json:"-"`
	OrgID       *int64     `json:"org_id,omitempty"`
	Disabled    bool       `json:"disabled"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Validate checks the fields a caller supplies.
func (u *User) Validate() error {
	u.Username = strings.TrimSpace(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	switch {
	case u.Username == "":
		return Invalid("username", "请填写用户名 (username is required)")
	case len(u.Username) > 64 || !usernameOK(u.Username):
		return Invalid("username", "用户名只能包含字母、数字、点、下划线和连字符，最多64个字符 (username: letters, digits, . _ -; at most 64)")
	case u.DisplayName == "":
		return Invalid("display_name", "请填写姓名 (display name is required)")
	case utf8.RuneCountInString(u.DisplayName) > 64:
		return Invalid("display_name", "姓名最多64个字符 (display name: at most 64 characters)")
	case !u.Role.Valid():
		return Invalid("role", "未知角色 (unknown role)")
	}
	if err := CheckRegionCode("region_code", u.RegionCode); err != nil {
		return err
	}
	if u.Role.NeedsOrg() && u.OrgID == nil {
		return Invalid("org_id", "该角色必须属于一个机构 (this role must belong to an organisation)")
	}
	return nil
}

func usernameOK(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidatePassword enforces a minimum the way NIST 800-63B does: length, not composition rules.
func ValidatePassword(field, pw string) error {
	if n := utf8.RuneCountInString(pw); n < 10 {
		return Invalid(field, "密码至少10个字符 (password must have at least 10 characters)")
	} else if n > 256 {
		return Invalid(field, "密码最多256个字符 (password: at most 256 characters)")
	}
	return nil
}

// UserFilter selects users; the service always narrows it to the actor's scope.
type UserFilter struct {
	RegionCode string // subtree root; empty means the actor's whole scope
	Role       Role
	Query      string // username or display name contains
	Page       Page
}

// UserUpdate changes an account; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string `json:"display_name"`
	Role        *Role   `json:"role"`
	RegionCode  *string `json:"region_code"`
	Disabled    *bool   `json:"disabled"`
}

// Login policy (等保 2.0 level 3 asks for lockout after repeated failures and idle timeout).
const (
	MaxFailedLogins = 5
	LockoutDuration = 15 * time.Minute
	SessionIdle     = 30 * time.Minute
	SessionMaxAge   = 12 * time.Hour
)

// Session is a signed-in browser. The token itself is never stored, only its hash.
type Session struct {
	ID        string // hash of the cookie token, hex
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	LastSeen  time.Time
	IP        string
}

// UserService manages accounts, sign-in and API tokens.
type UserService interface {
	CreateUser(ctx context.Context, u *User, password string) error
	User(ctx context.Context, id int64) (*User, error)
	Users(ctx context.Context, f UserFilter) ([]*User, string, error)
	CountUsers(ctx context.Context, f UserFilter) (int, error)
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	SetPassword(ctx context.Context, id int64, password string) error
	// ChangePassword lets the signed-in user replace their own password, given the current one.
	ChangePassword(ctx context.Context, current, password string) error

	// Login checks a password, counting failures and locking the account.
	Login(ctx context.Context, username, password, ip string) (*User, *Session, string, error)
	// SessionUser returns the user of a live session token and touches it.
	SessionUser(ctx context.Context, token string) (*User, *Session, error)
	Logout(ctx context.Context, token string) error

	CreateAPIToken(ctx context.Context, userID int64, name string) (string, error)
	TokenUser(ctx context.Context, token string) (*User, error)
}
