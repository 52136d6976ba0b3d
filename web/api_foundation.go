package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/yanglao/yanglao"
)

// Handlers of the foundation API: parse, validate, one service call, respond.

func actor(r *http.Request) *yanglao.Actor { return yanglao.ActorFromContext(r.Context()) }

var errNoRoute = yanglao.Errorf(yanglao.ENOTFOUND, "接口不存在 (no such API route)")

var (
	pAfter = param{Name: "after", In: "query", Type: "string", Desc: "上一页返回的 next 游标 (cursor from the previous page's next)"}
	pLimit = param{Name: "limit", In: "query", Type: "integer", Desc: "每页条数 1–500，默认50 (page size 1–500, default 50)"}
	pCode  = param{Name: "code", In: "path", Type: "string", Required: true, Desc: "12位区划代码 (12-digit region code)"}
	pID    = param{Name: "id", In: "path", Type: "integer", Required: true}
)

// --- regions

var docSearchRegions = &apiDoc{Tag: "regions", Summary: "按名称、层级或上级搜索区划 (search regions by name, level or parent)",
	Params:   []param{{Name: "name", In: "query", Type: "string"}, {Name: "level", In: "query", Type: "integer"}, {Name: "parent", In: "query", Type: "string"}, pAfter, pLimit},
	Response: List[*yanglao.Region]{}}

func (s *Server) apiSearchRegions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	f := yanglao.RegionFilter{Name: q.Get("name"), Page: page}
	if len([]rune(f.Name)) > 50 {
		return yanglao.Invalid("name", "名称最多50个字符 (name: at most 50 characters)")
	}
	if v := q.Get("level"); v != "" {
		if f.Level, err = strconv.Atoi(v); err != nil || f.Level < 1 || f.Level > 5 {
			return yanglao.Invalid("level", "层级应为1到5 (level must be 1 to 5)")
		}
	}
	if v := q.Get("parent"); v != "" {
		if err := yanglao.CheckRegionCode("parent", v); err != nil {
			return err
		}
		f.ParentCode = &v
	}
	items, next, err := s.Regions.SearchRegions(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Region]{Items: items, Next: next})
	return nil
}

var docRegion = &apiDoc{Tag: "regions", Summary: "一个区划 (one region)", Params: []param{pCode}, Response: &yanglao.Region{}}

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.Regions.Region(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
}

var docRegionChildren = &apiDoc{Tag: "regions", Summary: "下级区划 (children of a region)", Params: []param{pCode}, Response: List[*yanglao.Region]{}}

func (s *Server) apiRegionChildren(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Regions.Children(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Region]{Items: items})
	return nil
}

var docRegionAncestors = &apiDoc{Tag: "regions", Summary: "上级链，从省开始 (ancestors, province first)", Params: []param{pCode}, Response: List[*yanglao.Region]{}}

func (s *Server) apiRegionAncestors(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Regions.Ancestors(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Region]{Items: items})
	return nil
}

// --- accounts

var docMe = &apiDoc{Tag: "accounts", Summary: "当前用户 (the signed-in user)", Response: &yanglao.User{}}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Users.User(r.Context(), actor(r).UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

var docUsers = &apiDoc{Tag: "accounts", Summary: "本辖区内的账号 (accounts in your scope)",
	Params:   []param{{Name: "region", In: "query", Type: "string"}, {Name: "role", In: "query", Type: "string"}, {Name: "q", In: "query", Type: "string"}, pAfter, pLimit},
	Response: List[*yanglao.User]{}}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.Users.Users(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.User]{Items: items, Next: next})
	return nil
}

func userFilter(r *http.Request) (yanglao.UserFilter, error) {
	q := r.URL.Query()
	page, err := pageParams(r)
	f := yanglao.UserFilter{RegionCode: q.Get("region"), Role: yanglao.Role(q.Get("role")), Query: strings.TrimSpace(q.Get("q")), Page: page}
	if err != nil {
		return f, err
	}
	if len([]rune(f.Query)) > 64 {
		return f, yanglao.Invalid("q", "搜索词最多64个字符 (q: at most 64 characters)")
	}
	return f, nil
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Role        yanglao.Role `json:"role"`
	RegionCode  string       `json:"region_code"`
	OrgID       *int64       `json:"org_id,omitempty"`
	Password    string       `json:"password"`
}

var docCreateUser = &apiDoc{Tag: "accounts", Summary: "创建账号 (create an account)", Body: CreateUserRequest{}, Response: &yanglao.User{}, Status: http.StatusCreated}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var req CreateUserRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	u := &yanglao.User{Username: req.Username, DisplayName: req.DisplayName, Role: req.Role, RegionCode: req.RegionCode, OrgID: req.OrgID}
	if err := s.Users.CreateUser(r.Context(), u, req.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

var docUser = &apiDoc{Tag: "accounts", Summary: "一个账号 (one account)", Params: []param{pID}, Response: &yanglao.User{}}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.Users.User)
}

var docUpdateUser = &apiDoc{Tag: "accounts", Summary: "修改账号 (change an account)", Params: []param{pID}, Body: yanglao.UserUpdate{}, Response: &yanglao.User{}}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd yanglao.UserUpdate
	if err := decodeJSON(r, &upd); err != nil {
		return err
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// SetPasswordRequest is the body of PUT /api/v1/users/{id}/password.
type SetPasswordRequest struct {
	Password string `json:"password"`
}

var docSetPassword = &apiDoc{Tag: "accounts", Summary: "设置密码并结束该账号的会话 (set a password; ends the account's sessions)", Params: []param{pID}, Body: SetPasswordRequest{}, Status: http.StatusNoContent}

func (s *Server) apiSetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req SetPasswordRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := s.Users.SetPassword(r.Context(), id, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TokenRequest and TokenResponse create an API token; the token is shown once.
type TokenRequest struct {
	Name string `json:"name"`
}
type TokenResponse struct {
	Token string `json:"token"`
}

var docCreateToken = &apiDoc{Tag: "accounts", Summary: "签发API令牌（只显示一次）(issue an API token, shown once)", Params: []param{pID}, Body: TokenRequest{}, Response: TokenResponse{}, Status: http.StatusCreated}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	tok, err := s.Users.CreateAPIToken(r.Context(), id, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, TokenResponse{Token: tok})
	return nil
}

// --- organisations

var docOrgs = &apiDoc{Tag: "orgs", Summary: "本辖区内的机构 (organisations in your scope)",
	Params: []param{{Name: "kind", In: "query", Type: "string"}, {Name: "q", In: "query", Type: "string"}, pAfter, pLimit}, Response: List[*yanglao.Org]{}}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	f := yanglao.OrgFilter{Kind: r.URL.Query().Get("kind"), Query: r.URL.Query().Get("q"), Page: page}
	items, next, err := s.Orgs.Orgs(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Org]{Items: items, Next: next})
	return nil
}

// CreateOrgRequest is the body of POST /api/v1/orgs.
type CreateOrgRequest struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	RegionCode string `json:"region_code"`
}

var docCreateOrg = &apiDoc{Tag: "orgs", Summary: "登记机构 (register an organisation)", Body: CreateOrgRequest{}, Response: &yanglao.Org{}, Status: http.StatusCreated}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request) error {
	var req CreateOrgRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o := &yanglao.Org{Name: req.Name, Kind: req.Kind, RegionCode: req.RegionCode}
	if err := s.Orgs.CreateOrg(r.Context(), o); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

var docOrg = &apiDoc{Tag: "orgs", Summary: "一个机构 (one organisation)", Params: []param{pID}, Response: &yanglao.Org{}}

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.Orgs.Org)
}

// --- audit

var docAudit = &apiDoc{Tag: "audit", Summary: "审计日志，新的在前；管理员看全部，其他人看自己的 (audit log, newest first; administrators see all, others their own)",
	Params: []param{{Name: "entity", In: "query", Type: "string"}, {Name: "entity_id", In: "query", Type: "string"}, pAfter, pLimit}, Response: List[*yanglao.AuditEntry]{}}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Audit.AuditEntries(r.Context(), yanglao.AuditFilter{Entity: r.URL.Query().Get("entity"), EntityID: r.URL.Query().Get("entity_id"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.AuditEntry]{Items: items, Next: next})
	return nil
}

// --- operations

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
