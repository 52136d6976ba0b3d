package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	sessionKey
	reqInfoKey
)

// reqInfo is filled in by inner handlers (the matched route, the signed-in user)
// for the access log written by the outer one.
type reqInfo struct{ route, user string }

func infoOf(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(reqInfoKey).(*reqInfo)
	if i == nil {
		return &reqInfo{}
	}
	return i
}

func requestID(ctx context.Context) string { s, _ := ctx.Value(requestIDKey).(string); return s }

// withRequestID tags each request with an id (a sane X-Request-ID from a proxy, or a new one),
// echoed in the response, the logs and error bodies.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush for server-sent events.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLogging writes one structured line per request and feeds the metrics.
func (s *Server) withLogging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		info := &reqInfo{route: "unmatched"}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), reqInfoKey, info)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(info.route, sw.status, d)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		} else if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("id", requestID(r.Context())), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", info.route), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("duration", d), slog.String("user", info.user), slog.String("ip", clientIP(r)))
	})
}

func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.Any("value", v), slog.String("stack", string(debug.Stack())))
				s.apiError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets the headers every response carries. Scripts come only
// from our own origin (htmx and friends are vendored).
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		if s.cfg.Production {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "yl_session"

// Limits on page form bodies (API bodies are bounded by decodeJSON and the upload handlers).
const (
	maxFormBody   = 1 << 20
	maxUploadBody = 256 << 20
)

// withActor signs the request in from a bearer token or a session cookie and
// puts the actor in the context. Unsafe methods under cookie sessions must carry
// the session's CSRF token and must not come from another origin.
func (s *Server) withActor(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ip := clientIP(r)
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				s.apiError(w, r, yanglao.Errorf(yanglao.EUNAUTHORIZED, "Authorization 头应为 Bearer 令牌 (Authorization must be a Bearer token)"))
				return
			}
			u, err := s.Users.TokenUser(ctx, strings.TrimSpace(token))
			if err != nil {
				s.apiError(w, r, err)
				return
			}
			infoOf(r).user = u.Username
			next.ServeHTTP(w, r.WithContext(yanglao.NewContextWithActor(ctx, yanglao.ActorOf(u, ip))))
			return
		}
		if err := cop.Check(r); err != nil {
			s.fail(w, r, errCSRF)
			return
		}
		if !safeMethod(r.Method) && !isAPI(r) {
			// Page forms are small; file uploads get room for a county's register.
			limit := int64(maxFormBody)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				limit = maxUploadBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			u, sess, err := s.Users.SessionUser(ctx, c.Value)
			if err == nil {
				if !safeMethod(r.Method) && !csrfOK(r, sess) {
					s.fail(w, r, errCSRF)
					return
				}
				infoOf(r).user = u.Username
				ctx = yanglao.NewContextWithActor(ctx, yanglao.ActorOf(u, ip))
				ctx = context.WithValue(ctx, sessionKey, sess)
			} else if yanglao.ErrorCode(err) == yanglao.EUNAUTHORIZED {
				s.clearSessionCookie(w)
			} else {
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfOK checks the synchroniser token from the X-CSRF-Token header (htmx, fetch) or the form.
func csrfOK(r *http.Request, sess *yanglao.Session) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = r.PostFormValue("csrf_token")
	}
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(32 << 20); err == nil {
			got = r.PostFormValue("csrf_token")
		}
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) == 1
}

func sessionOf(ctx context.Context) *yanglao.Session {
	s, _ := ctx.Value(sessionKey).(*yanglao.Session)
	return s
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.Production, SameSite: http.SameSiteLaxMode, MaxAge: int(yanglao.SessionMaxAge.Seconds())})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.cfg.Production, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// clientIP is the peer address; a reverse proxy's X-Forwarded-For is not trusted
// unless the deployment puts one in front (then configure the proxy to overwrite it).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// fail answers an error as JSON for API requests, as a small HTML alert for htmx
// requests (swapped into the target, see app.js), and as a page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case isAPI(r):
		s.apiError(w, r, err)
	case r.Header.Get("HX-Request") != "" && yanglao.ErrorCode(err) != yanglao.EUNAUTHORIZED:
		code := yanglao.ErrorCode(err)
		if code == yanglao.EINTERNAL {
			s.log.ErrorContext(r.Context(), "internal error", slog.String("err", err.Error()), slog.String("path", r.URL.Path))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(statusOf(code))
		fmt.Fprintf(w, `<p class="error" role="alert">%s</p>`, template.HTMLEscapeString(localMsg(lang(r), yanglao.ErrorMessage(err))))
	default:
		s.renderErrorPage(w, r, err)
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
