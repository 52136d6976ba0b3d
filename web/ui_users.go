package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

// Account administration for administrators and officials: /users, /users/new,
// /users/{id}. The user service scopes every read and write; these handlers
// only parse, call it once and show the outcome.

const uiPageSize = 50

type option struct {
	Value, Label string
	Selected     bool
}

func roleOptions(a *yanglao.Actor, l string, selected yanglao.Role, forCreate bool) []option {
	var out []option
	for _, r := range yanglao.Roles {
		if forCreate && r == yanglao.RoleAdmin && !a.Unrestricted() {
			continue
		}
		out = append(out, option{Value: string(r), Label: r.Name(l), Selected: r == selected})
	}
	return out
}

type userRow struct {
	*yanglao.User
	Region *yanglao.Region
	Org    string
}

type usersData struct {
	Q, Role    string
	Roles      []option
	Picker     *pickerData
	Rows       []userRow
	Count      int
	Next, Prev string // Prev returns to the first page
	CanCreate  bool
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	l := lang(r)
	f, err := userFilter(r)
	if err != nil {
		return err
	}
	f.Page.Limit = uiPageSize
	if f.Role != "" && !f.Role.Valid() {
		f.Role = ""
	}
	d := usersData{Q: f.Query, Role: string(f.Role), Roles: roleOptions(a, l, f.Role, false), CanCreate: manages(a)}
	if d.Picker, err = s.picker(ctx, r, "region", f.RegionCode, "", ""); err != nil {
		return err
	}
	var users []*yanglao.User
	var next string
	if d.Picker.Error == "" {
		if users, next, err = s.Users.Users(ctx, f); err != nil {
			return err
		}
		if d.Count, err = s.Users.CountUsers(ctx, yanglao.UserFilter{RegionCode: f.RegionCode, Role: f.Role, Query: f.Query}); err != nil {
			return err
		}
	}
	d.Rows = s.userRows(ctx, users)
	base := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "role": string(f.Role), "region": f.RegionCode} {
		if v != "" {
			base.Set(k, v)
		}
	}
	if next != "" {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("after", next)
		d.Next = "/users?" + q.Encode()
	}
	if f.Page.After != "" {
		d.Prev = "/users"
		if len(base) > 0 {
			d.Prev += "?" + base.Encode()
		}
	}
	return s.render(w, http.StatusOK, "users.html", s.newPage(r, "账号", "Accounts", d))
}

func (s *Server) userRows(ctx context.Context, users []*yanglao.User) []userRow {
	codes := make([]string, len(users))
	for i, u := range users {
		codes[i] = u.RegionCode
	}
	regions := s.regionNames(ctx, codes)
	orgs := map[int64]string{}
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userRow{User: u, Region: regions[u.RegionCode]}
		if u.OrgID != nil {
			name, ok := orgs[*u.OrgID]
			if !ok {
				if o, err := s.Orgs.Org(ctx, *u.OrgID); err == nil {
					name = o.Name
				}
				orgs[*u.OrgID] = name
			}
			rows[i].Org = name
		}
	}
	return rows
}

// --- new account

type userForm struct {
	Username, DisplayName, Role, OrgID string
	Roles                              []option
	Orgs                               []option
	OrgRoles                           string
	Picker                             *pickerData
	Errors                             map[string]string
	Problem                            string // an error that belongs to no field
}

// userFormFields are the fields a service error may name on the account form.
var userFormFields = map[string]bool{"username": true, "display_name": true, "role": true, "region_code": true, "org_id": true, "password": true}

func (s *Server) pageNewUser(w http.ResponseWriter, r *http.Request) error {
	if !manages(actor(r)) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权创建账号 (not allowed to create accounts)")
	}
	return s.renderUserForm(w, r, http.StatusOK, &userForm{Role: string(yanglao.RoleWorker)}, "")
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, f *userForm, regionCode string) error {
	ctx := r.Context()
	a := actor(r)
	l := lang(r)
	f.Roles = roleOptions(a, l, yanglao.Role(f.Role), true)
	var orgRoles []string
	for _, role := range yanglao.Roles {
		if role.NeedsOrg() {
			orgRoles = append(orgRoles, string(role))
		}
	}
	f.OrgRoles = strings.Join(orgRoles, " ")
	orgs, _, err := s.Orgs.Orgs(ctx, yanglao.OrgFilter{Page: yanglao.Page{Limit: yanglao.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, o := range orgs {
		id := strconv.FormatInt(o.ID, 10)
		f.Orgs = append(f.Orgs, option{Value: id, Label: o.Name + " · " + yanglao.OrgKindName(o.Kind, l), Selected: id == f.OrgID})
	}
	if f.Picker, err = s.picker(ctx, r, "region_code", regionCode, "", f.Errors["region_code"]); err != nil {
		return err
	}
	return s.render(w, status, "user_new.html", s.newPage(r, "新建账号", "New account", f))
}

func (s *Server) postUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := lang(r)
	f := &userForm{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: r.PostFormValue("role"), OrgID: r.PostFormValue("org_id"), Errors: map[string]string{}}
	region := strings.TrimSpace(r.PostFormValue("region_code"))
	u := &yanglao.User{Username: f.Username, DisplayName: f.DisplayName, Role: yanglao.Role(f.Role), RegionCode: region}
	if u.Role.NeedsOrg() && f.OrgID != "" {
		id, err := strconv.ParseInt(f.OrgID, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["org_id"] = tr(l, "请选择机构", "Choose an organisation")
			return s.renderUserForm(w, r, http.StatusBadRequest, f, region)
		}
		u.OrgID = &id
	}
	err := s.Users.CreateUser(r.Context(), u, r.PostFormValue("password"))
	if err == nil {
		seeOther(w, r, "/users/"+strconv.FormatInt(u.ID, 10)+"?msg=user_created")
		return nil
	}
	code := yanglao.ErrorCode(err)
	if code == yanglao.EINTERNAL || code == yanglao.EFORBIDDEN || code == yanglao.EUNAUTHORIZED {
		return err
	}
	if field := yanglao.ErrorField(err); userFormFields[field] {
		f.Errors[field] = localMsg(l, yanglao.ErrorMessage(err))
	} else {
		f.Problem = localMsg(l, yanglao.ErrorMessage(err))
	}
	return s.renderUserForm(w, r, statusOf(code), f, region)
}

// --- one account

type userDetail struct {
	Crumbs crumbsData
	Org    *yanglao.Org
	Self   bool
	Locked bool
	Errors map[string]string
}

func (s *Server) pageUser(w http.ResponseWriter, r *http.Request) error {
	return s.renderUser(w, r, http.StatusOK, nil)
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return yanglao.Errorf(yanglao.ENOTFOUND, "用户不存在 (user not found)")
	}
	u, err := s.Users.User(ctx, id)
	if err != nil {
		return err
	}
	a := actor(r)
	d := userDetail{Self: a.UserID == u.ID, Errors: errs}
	if u.LockedUntil != nil && u.LockedUntil.After(time.Now()) {
		d.Locked = true
	}
	if here, trail, err := s.regionTrail(ctx, u.RegionCode); err == nil {
		d.Crumbs = crumbsData{Lang: lang(r), Trail: trail, Here: here, Link: true}
	}
	if u.OrgID != nil {
		d.Org, _ = s.Orgs.Org(ctx, *u.OrgID)
	}
	p := s.newPage(r, u.DisplayName, u.DisplayName, d)
	p.User = u
	return s.render(w, status, "user.html", p)
}

func (s *Server) postUserStatus(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	disabled := r.PostFormValue("disabled") == "1"
	if _, err := s.Users.UpdateUser(r.Context(), id, yanglao.UserUpdate{Disabled: &disabled}); err != nil {
		return err
	}
	msg := "user_enabled"
	if disabled {
		msg = "user_disabled"
	}
	seeOther(w, r, "/users/"+strconv.FormatInt(id, 10)+"?msg="+msg)
	return nil
}

func (s *Server) postUserPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l := lang(r)
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		return s.renderUser(w, r, http.StatusBadRequest, map[string]string{"password2": tr(l, "两次输入的密码不一致", "The two passwords differ")})
	}
	if err := s.Users.SetPassword(r.Context(), id, pw); err != nil {
		if yanglao.ErrorCode(err) == yanglao.EINVALID && yanglao.ErrorField(err) == "password" {
			return s.renderUser(w, r, http.StatusBadRequest, map[string]string{"password": localMsg(l, yanglao.ErrorMessage(err))})
		}
		return err
	}
	if id == actor(r).UserID {
		// Setting one's own password ends one's own sessions too.
		s.clearSessionCookie(w)
		seeOther(w, r, "/login?msg=password_changed")
		return nil
	}
	seeOther(w, r, "/users/"+strconv.FormatInt(id, 10)+"?msg=password_reset")
	return nil
}
