package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/yanglao/yanglao"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets maps a static file name to its content-hashed URL, so browsers may cache
// forever and still see a new file after an upgrade.
var assets = hashAssets()

func hashAssets() map[string]string {
	m := map[string]string{}
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		m[name] = "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		return nil
	})
	return m
}

// serveStatic serves /static/{hash}/{file...}; the hash only busts caches.
func serveStatic() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + r.PathValue("file")
		files.ServeHTTP(w, r2)
	})
}

// page is what every template receives.
type page struct {
	Title   string
	Lang    string
	Actor   *yanglao.Actor
	User    *yanglao.User
	CSRF    string
	Large   bool // large type / high contrast for older users
	Path    string
	Demo    bool
	Version string
	Data    any
}

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	p := &page{Title: title, Lang: lang(r), Actor: actor(r), Path: r.URL.Path, Demo: !s.cfg.Production, Version: s.cfg.Version, Data: data}
	if sess := sessionOf(r.Context()); sess != nil {
		p.CSRF = sess.CSRFToken
	}
	if c, err := r.Cookie("yl_large"); err == nil && c.Value == "1" {
		p.Large = true
	}
	return p
}

// lang is the user's language: the yl_lang cookie, else Chinese.
func lang(r *http.Request) string {
	if c, err := r.Cookie("yl_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

var funcs = template.FuncMap{
	"asset": func(name string) string { return assets[name] },
	"tr": func(lang, zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	},
	"roleName":  func(r yanglao.Role, lang string) string { return r.Name(lang) },
	"levelName": yanglao.LevelName,
}

var templates = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// render executes a template into a buffer first, so a template error never
// leaves half a page on the wire.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) error {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	code := yanglao.ErrorCode(err)
	if code == yanglao.EUNAUTHORIZED {
		s.redirectToLogin(w, r)
		return
	}
	if code == yanglao.EINTERNAL {
		s.apiError(w, r, err) // logs it; the page below shows no detail
		return
	}
	p := s.newPage(r, "出错了 (Error)", ErrorResponse{Code: code, Message: yanglao.ErrorMessage(err), Field: yanglao.ErrorField(err), RequestID: requestID(r.Context())})
	if rerr := s.render(w, statusOf(code), "error.html", p); rerr != nil {
		s.apiError(w, r, rerr)
	}
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(next))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return path.Clean("/" + strings.TrimPrefix(next, "/"))
}

// pageTable lists the web UI's routes; it joins table() in routes().
func (s *Server) pageTable() []route {
	return []route{
		{method: "GET", path: "/static/{hash}/{file...}", raw: serveStatic()},
		{method: "GET", path: "/login", page: s.pageLogin},
		{method: "POST", path: "/login", page: s.postLogin},
		{method: "POST", path: "/logout", access: signedIn, page: s.postLogout},
		{method: "GET", path: "/{$}", access: signedIn, page: s.pageHome},
	}
}

type loginForm struct {
	Username, Next string
	Error          *ErrorResponse
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	if actor(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, http.StatusOK, "login.html", s.newPage(r, "登录 (Sign in)", loginForm{Next: r.URL.Query().Get("next")}))
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return yanglao.Invalid("body", "表单无效 (invalid form)")
	}
	form := loginForm{Username: r.PostFormValue("username"), Next: r.PostFormValue("next")}
	_, _, token, err := s.Users.Login(r.Context(), form.Username, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		if yanglao.ErrorCode(err) == yanglao.EINTERNAL {
			return err
		}
		form.Error = &ErrorResponse{Code: yanglao.ErrorCode(err), Message: yanglao.ErrorMessage(err), Field: yanglao.ErrorField(err)}
		return s.render(w, statusOf(form.Error.Code), "login.html", s.newPage(r, "登录 (Sign in)", form))
	}
	s.setSessionCookie(w, token)
	http.Redirect(w, r, safeNext(form.Next), http.StatusSeeOther)
	return nil
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Users.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Users.User(r.Context(), actor(r).UserID)
	if err != nil {
		return err
	}
	p := s.newPage(r, "首页 (Home)", nil)
	p.User = u
	return s.render(w, http.StatusOK, "home.html", p)
}
