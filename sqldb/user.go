package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/password"
)

var _ yanglao.UserService = (*UserService)(nil)

// UserService manages accounts, sessions and API tokens.
type UserService struct{ db *DB }

func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userCols = `id, username, display_name, role, region_code, region_path, org_id, disabled, locked_until, created_at, updated_at`

func scanUser(row scanner) (*yanglao.User, error) {
	u := &yanglao.User{}
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.RegionCode, &u.RegionPath, &u.OrgID,
		&u.Disabled, &u.LockedUntil, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

// CreateUser adds an account. Administrators create any account; an official
// creates non-administrator accounts inside their own subtree.
func (s *UserService) CreateUser(ctx context.Context, u *yanglao.User, pw string) error {
	a := yanglao.ActorFromContext(ctx)
	if !canManageUsers(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权创建账号 (not allowed to create accounts)")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := yanglao.ValidatePassword("password", pw); err != nil {
		return err
	}
	if u.Role == yanglao.RoleAdmin && !a.Unrestricted() {
		return yanglao.Invalid("role", "只有系统管理员可以创建管理员 (only administrators create administrators)")
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if u.RegionPath, err = tx.regionPath(ctx, "region_code", u.RegionCode); err != nil {
		return err
	}
	if !a.SeesPath(u.RegionPath) {
		return yanglao.Invalid("region_code", "只能在本辖区内创建账号 (accounts can only be created inside your region)")
	}
	if u.OrgID != nil {
		if err := tx.checkOrg(ctx, *u.OrgID, u.RegionPath); err != nil {
			return err
		}
	}
	var exists int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, u.Username).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		return &yanglao.Error{Code: yanglao.ECONFLICT, Field: "username", Message: "用户名已被使用 (username is taken)"}
	}
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	u.ID, err = tx.insertID(ctx, `INSERT INTO users (username, display_name, role, region_code, region_path, org_id, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.Username, u.DisplayName, u.Role, u.RegionCode, u.RegionPath, u.OrgID, hash, tx.now, tx.now)
	if err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "user", strconv.FormatInt(u.ID, 10),
		fmt.Sprintf("username=%s role=%s region=%s", u.Username, u.Role, u.RegionCode)); err != nil {
		return err
	}
	return tx.Commit()
}

// checkOrg verifies an organisation exists in the actor's scope and on the same
// branch of the tree as the account: the org's region contains the account's, or
// the other way round (a caregiver living in a village of the provider's township).
func (tx *Tx) checkOrg(ctx context.Context, id int64, userPath string) error {
	var path string
	if err := tx.QueryRow(ctx, `SELECT region_path FROM orgs WHERE id = ?`, id).Scan(&path); err != nil {
		if isNoRows(err) {
			return yanglao.Invalid("org_id", "机构不存在 (organisation not found)")
		}
		return err
	}
	if !yanglao.ActorFromContext(ctx).SeesPath(path) {
		return yanglao.Invalid("org_id", "机构不存在 (organisation not found)")
	}
	if !yanglao.PathContains(path, userPath) && !yanglao.PathContains(userPath, path) {
		return yanglao.Invalid("org_id", "机构不在该账号的辖区内 (the organisation is not in the account's region)")
	}
	return nil
}

// User returns one account the actor may see: their own, or one in scope for
// those who manage accounts.
func (s *UserService) User(ctx context.Context, id int64) (*yanglao.User, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.user(ctx, id)
}

func (tx *Tx) user(ctx context.Context, id int64) (*yanglao.User, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "用户", "user")
	}
	if a.UserID == u.ID && !a.System {
		return u, nil
	}
	if !canManageUsers(a) {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "用户不存在 (user not found)")
	}
	if err := mayTouch(ctx, u.RegionPath, u.OrgID, "用户", "user"); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *UserService) userWhere(ctx context.Context, f yanglao.UserFilter) ([]string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !canManageUsers(a) {
		return []string{"id = ?"}, []any{a.UserID}, nil
	}
	clause, args, err := scope(ctx, "region_path", "org_id")
	if err != nil {
		return nil, nil, err
	}
	where := []string{clause}
	if f.RegionCode != "" {
		if err := yanglao.CheckRegionCode("region_code", f.RegionCode); err != nil {
			return nil, nil, err
		}
		var root string
		if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), f.RegionCode).Scan(&root); err != nil {
			return nil, nil, notFound(err, "区划", "region")
		}
		lo, hi := pathRange(root)
		where, args = append(where, "region_path >= ? AND region_path < ?"), append(args, lo, hi)
	}
	if f.Role != "" {
		if !f.Role.Valid() {
			return nil, nil, yanglao.Invalid("role", "未知角色 (unknown role)")
		}
		where, args = append(where, "role = ?"), append(args, f.Role)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where, args = append(where, `(username LIKE ? ESCAPE '\' OR display_name LIKE ? ESCAPE '\')`), append(args, like(q), like(q))
	}
	return where, args, nil
}

// Users lists the accounts in the actor's scope, by id.
func (s *UserService) Users(ctx context.Context, f yanglao.UserFilter) ([]*yanglao.User, string, error) {
	where, args, err := s.userWhere(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return listByID(ctx, s.db, scanUser, func(u *yanglao.User) int64 { return u.ID }, `SELECT `+userCols+` FROM users`, where, args, f.Page)
}

// CountUsers counts what Users would list.
func (s *UserService) CountUsers(ctx context.Context, f yanglao.UserFilter) (int, error) {
	where, args, err := s.userWhere(ctx, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM users WHERE `+strings.Join(where, " AND ")), args...).Scan(&n)
	return n, err
}

// UpdateUser changes an account in scope. Nobody changes their own role or region.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd yanglao.UserUpdate) (*yanglao.User, error) {
	a := yanglao.ActorFromContext(ctx)
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := tx.user(ctx, id)
	if err != nil {
		return nil, err
	}
	self := a.UserID == u.ID
	if !canManageUsers(a) && !self {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "无权修改账号 (not allowed to change accounts)")
	}
	var changes []string
	if upd.DisplayName != nil {
		u.DisplayName = *upd.DisplayName
		changes = append(changes, "display_name")
	}
	if upd.Role != nil {
		if self || !canManageUsers(a) {
			return nil, yanglao.Invalid("role", "不能修改自己的角色 (you cannot change your own role)")
		}
		if *upd.Role == yanglao.RoleAdmin && !a.Unrestricted() {
			return nil, yanglao.Invalid("role", "只有系统管理员可以授予管理员角色 (only administrators grant the administrator role)")
		}
		u.Role = *upd.Role
		changes = append(changes, "role="+string(u.Role))
	}
	if upd.RegionCode != nil {
		if self || !canManageUsers(a) {
			return nil, yanglao.Invalid("region_code", "不能修改自己的辖区 (you cannot change your own region)")
		}
		u.RegionCode = *upd.RegionCode
		changes = append(changes, "region="+u.RegionCode)
	}
	if upd.Disabled != nil {
		if self {
			return nil, yanglao.Invalid("disabled", "不能停用自己的账号 (you cannot disable your own account)")
		}
		u.Disabled = *upd.Disabled
		changes = append(changes, fmt.Sprintf("disabled=%v", u.Disabled))
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if upd.RegionCode != nil {
		if u.RegionPath, err = tx.regionPath(ctx, "region_code", u.RegionCode); err != nil {
			return nil, err
		}
		if !a.SeesPath(u.RegionPath) {
			return nil, yanglao.Invalid("region_code", "只能设为本辖区内的区划 (region must lie inside your own)")
		}
	}
	u.UpdatedAt = tx.now
	if _, err := tx.Exec(ctx, `UPDATE users SET display_name = ?, role = ?, region_code = ?, region_path = ?, disabled = ?, updated_at = ? WHERE id = ?`,
		u.DisplayName, u.Role, u.RegionCode, u.RegionPath, u.Disabled, u.UpdatedAt, u.ID); err != nil {
		return nil, err
	}
	if u.Disabled {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "user", strconv.FormatInt(u.ID, 10), strings.Join(changes, " ")); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// SetPassword sets a new password (own, or in scope for those who manage accounts),
// clears any lockout and ends the account's sessions.
func (s *UserService) SetPassword(ctx context.Context, id int64, pw string) error {
	if err := yanglao.ValidatePassword("password", pw); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.user(ctx, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`,
		hash, tx.now, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "user", strconv.FormatInt(id, 10), "password reset"); err != nil {
		return err
	}
	return tx.Commit()
}

// ChangePassword replaces the actor's own password after checking the current
// one. A wrong current password counts as a failed sign-in (it is one), so it
// cannot be used to guess past the lockout.
func (s *UserService) ChangePassword(ctx context.Context, current, pw string) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil || a.UserID == 0 {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if current == "" {
		return yanglao.Invalid("current", "请填写当前密码 (enter your current password)")
	}
	if err := yanglao.ValidatePassword("password", pw); err != nil {
		return err
	}
	var hash string
	if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT password_hash FROM users WHERE id = ?`), a.UserID).Scan(&hash); err != nil {
		return notFound(err, "用户", "user")
	}
	if ok, err := password.Check(current, hash); err != nil {
		return err
	} else if !ok {
		tx, err := s.db.BeginTx(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var n int
		if err := tx.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, a.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= yanglao.MaxFailedLogins {
			if _, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, tx.now.Add(yanglao.LockoutDuration), a.UserID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, a.UserID); err != nil {
				return err
			}
		}
		if err := tx.audit(ctx, yanglao.AuditLoginFailed, "user", strconv.FormatInt(a.UserID, 10), fmt.Sprintf("password change: wrong current password, failed=%d", n)); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		return yanglao.Invalid("current", "当前密码不正确 (the current password is wrong)")
	}
	return s.SetPassword(ctx, a.UserID, pw)
}

// dummyHash makes a login for an unknown user cost as much as one for a known
// user, so timing does not reveal which usernames exist.
var dummyHash, _ = password.Hash("yanglao-dummy-password")

var errBadLogin = yanglao.Errorf(yanglao.EUNAUTHORIZED, "用户名或密码错误 (wrong username or password)")

// Login checks the password outside any transaction (argon2 is slow), then
// records the outcome: a session, or a failure that after MaxFailedLogins
// locks the account for LockoutDuration.
func (s *UserService) Login(ctx context.Context, username, pw, ip string) (*yanglao.User, *yanglao.Session, string, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return nil, nil, "", yanglao.Invalid("username", "请填写用户名 (username is required)")
	}
	if pw == "" {
		return nil, nil, "", yanglao.Invalid("password", "请填写密码 (password is required)")
	}
	var (
		u    *yanglao.User
		hash string
		fail int
	)
	row := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT `+userCols+`, password_hash, failed_logins FROM users WHERE username = ?`), username)
	u = &yanglao.User{}
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.RegionCode, &u.RegionPath, &u.OrgID,
		&u.Disabled, &u.LockedUntil, &u.CreatedAt, &u.UpdatedAt, &hash, &fail)
	if isNoRows(err) {
		password.Check(pw, dummyHash)
		return nil, nil, "", errBadLogin
	} else if err != nil {
		return nil, nil, "", err
	}
	actx := yanglao.NewContextWithActor(ctx, &yanglao.Actor{UserID: u.ID, Username: u.Username, IP: ip})
	now := s.db.Now().UTC()
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		return nil, nil, "", yanglao.Errorf(yanglao.ELOCKED, "登录失败次数过多，账号已锁定至 %s (too many failed sign-ins: locked until %s)",
			u.LockedUntil.In(yanglao.Shanghai).Format("15:04"), u.LockedUntil.In(yanglao.Shanghai).Format("15:04"))
	}
	ok, err := password.Check(pw, hash)
	if err != nil {
		return nil, nil, "", err
	}
	tx, err := s.db.BeginTx(actx)
	if err != nil {
		return nil, nil, "", err
	}
	defer tx.Rollback()
	if !ok || u.Disabled {
		// Count atomically so parallel guesses cannot slip past the limit.
		var n int
		if err := tx.QueryRow(actx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, u.ID).Scan(&n); err != nil {
			return nil, nil, "", err
		}
		detail := fmt.Sprintf("failed=%d", n)
		if n >= yanglao.MaxFailedLogins {
			if _, err := tx.Exec(actx, `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, tx.now.Add(yanglao.LockoutDuration), u.ID); err != nil {
				return nil, nil, "", err
			}
			detail += " locked"
		}
		if err := tx.audit(actx, yanglao.AuditLoginFailed, "user", strconv.FormatInt(u.ID, 10), detail); err != nil {
			return nil, nil, "", err
		}
		if err := tx.Commit(); err != nil {
			return nil, nil, "", err
		}
		if u.Disabled && ok {
			return nil, nil, "", yanglao.Errorf(yanglao.EFORBIDDEN, "账号已停用 (account disabled)")
		}
		return nil, nil, "", errBadLogin
	}
	token, sess, err := tx.createSession(actx, u.ID, ip)
	if err != nil {
		return nil, nil, "", err
	}
	if _, err := tx.Exec(actx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`, u.ID); err != nil {
		return nil, nil, "", err
	}
	if err := tx.audit(actx, yanglao.AuditLogin, "user", strconv.FormatInt(u.ID, 10), ""); err != nil {
		return nil, nil, "", err
	}
	u.LockedUntil = nil
	return u, sess, token, tx.Commit()
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (tx *Tx) createSession(ctx context.Context, userID int64, ip string) (string, *yanglao.Session, error) {
	token := randomToken(32)
	sess := &yanglao.Session{ID: tokenHash(token), UserID: userID, CSRFToken: randomToken(24), CreatedAt: tx.now, LastSeen: tx.now, IP: ip}
	// Housekeeping: drop this user's expired sessions while we hold the write lock anyway.
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND (last_seen < ? OR created_at < ?)`,
		userID, tx.now.Add(-yanglao.SessionIdle), tx.now.Add(-yanglao.SessionMaxAge)); err != nil {
		return "", nil, err
	}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen, ip) VALUES (?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.UserID, sess.CSRFToken, sess.CreatedAt, sess.LastSeen, sess.IP)
	return token, sess, err
}

var errNoSession = yanglao.Errorf(yanglao.EUNAUTHORIZED, "登录已过期，请重新登录 (session expired: sign in again)")

// SessionUser returns the user of a live session. A session idle for
// SessionIdle, or older than SessionMaxAge, is over.
func (s *UserService) SessionUser(ctx context.Context, token string) (*yanglao.User, *yanglao.Session, error) {
	if token == "" || len(token) > 128 {
		return nil, nil, errNoSession
	}
	sess := &yanglao.Session{ID: tokenHash(token)}
	u := &yanglao.User{}
	row := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen, s.ip,
		u.id, u.username, u.display_name, u.role, u.region_code, u.region_path, u.org_id, u.disabled, u.locked_until, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`), sess.ID)
	if err := row.Scan(&sess.UserID, &sess.CSRFToken, &sess.CreatedAt, &sess.LastSeen, &sess.IP,
		&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.RegionCode, &u.RegionPath, &u.OrgID, &u.Disabled, &u.LockedUntil, &u.CreatedAt, &u.UpdatedAt); err != nil {
		if isNoRows(err) {
			return nil, nil, errNoSession
		}
		return nil, nil, err
	}
	now := s.db.Now().UTC()
	if u.Disabled || now.Sub(sess.LastSeen) > yanglao.SessionIdle || now.Sub(sess.CreatedAt) > yanglao.SessionMaxAge {
		return nil, nil, errNoSession
	}
	// Touch at most once a minute: a write per page view would serialise every reader behind SQLite's writer.
	if now.Sub(sess.LastSeen) > time.Minute {
		if _, err := s.db.write.ExecContext(ctx, s.db.rebind(`UPDATE sessions SET last_seen = ? WHERE id = ?`), now, sess.ID); err != nil {
			return nil, nil, err
		}
		sess.LastSeen = now
	}
	return u, sess, nil
}

// Logout ends a session.
func (s *UserService) Logout(ctx context.Context, token string) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var uid int64
	err = tx.QueryRow(ctx, `DELETE FROM sessions WHERE id = ? RETURNING user_id`, tokenHash(token)).Scan(&uid)
	if isNoRows(err) {
		return nil
	} else if err != nil {
		return err
	}
	if err := tx.audit(ctx, yanglao.AuditLogout, "user", strconv.FormatInt(uid, 10), ""); err != nil {
		return err
	}
	return tx.Commit()
}

const apiTokenPrefix = "yl_"

// CreateAPIToken issues a bearer token for an integration; it is shown once.
func (s *UserService) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", yanglao.Invalid("name", "请填写令牌名称，最多100个字符 (token name is required, at most 100 characters)")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.user(ctx, userID); err != nil {
		return "", err
	}
	token := apiTokenPrefix + randomToken(32)
	id, err := tx.insertID(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
		userID, name, tokenHash(token), tx.now)
	if err != nil {
		return "", err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "api_token", strconv.FormatInt(id, 10), fmt.Sprintf("user=%d name=%s", userID, name)); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

// TokenUser returns the enabled user behind a bearer token.
func (s *UserService) TokenUser(ctx context.Context, token string) (*yanglao.User, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 128 {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "API令牌无效 (invalid API token)")
	}
	u, err := scanUser(s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT `+prefixCols("u.", userCols)+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`), tokenHash(token)))
	if err != nil {
		if isNoRows(err) {
			return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "API令牌无效 (invalid API token)")
		}
		return nil, err
	}
	if u.Disabled {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "账号已停用 (account disabled)")
	}
	return u, nil
}

func prefixCols(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
