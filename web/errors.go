package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/yanglao/yanglao"
)

// statusOf is the one map from domain error codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case yanglao.EINVALID:
		return http.StatusBadRequest
	case yanglao.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case yanglao.EFORBIDDEN:
		return http.StatusForbidden
	case yanglao.ENOTFOUND:
		return http.StatusNotFound
	case yanglao.ECONFLICT:
		return http.StatusConflict
	case yanglao.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case yanglao.ELOCKED:
		return http.StatusLocked
	case yanglao.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// ErrorResponse is the one error shape of the API.
type ErrorResponse struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// apiError writes err as JSON. Internal errors are logged with the request id
// and shown to the client only as "internal error".
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := yanglao.ErrorCode(err)
	if code == yanglao.EINTERNAL && !errors.Is(err, errClientGone(r)) {
		s.log.ErrorContext(r.Context(), "internal error", slog.String("err", err.Error()),
			slog.String("method", r.Method), slog.String("path", r.URL.Path))
	}
	writeJSON(w, statusOf(code), ErrorResponse{Code: code, Message: yanglao.ErrorMessage(err),
		Field: yanglao.ErrorField(err), RequestID: requestID(r.Context())})
}

// errClientGone is the context error when the client went away mid-request; not worth an alarm.
func errClientGone(r *http.Request) error { return r.Context().Err() }

var (
	errNotSignedIn = yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	errCSRF        = yanglao.Errorf(yanglao.EFORBIDDEN, "表单已过期或来源不明，请刷新页面后重试 (missing or wrong CSRF token: reload the page and try again)")
)
