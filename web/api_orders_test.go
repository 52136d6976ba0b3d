package web_test

import (
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestOrdersBadInput: the order endpoints answer bad input with a 4xx naming
// the field, and write nothing.
func TestOrdersBadInput(t *testing.T) {
	e := newEnv(t)
	admin := tk.CreateUser(t, e.db, "admin", yanglao.RoleAdmin, tk.Hunan, nil)
	tok := e.token(admin)
	huge := strings.Repeat("长", 10<<20/3)
	valid := `"person_id":1,"provider_id":1,"item_id":1,"start":"2030-01-01T09:00:00+08:00"`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"malformed JSON", "POST", "/api/v1/orders", `{"person_id": 1,`, 400, "body"},
		{"unknown field", "POST", "/api/v1/orders", `{` + valid + `,"price_fen":1}`, 400, "price_fen"},
		{"wrong type", "POST", "/api/v1/orders", `{"person_id":"one","provider_id":1,"item_id":1,"start":"2030-01-01T09:00:00+08:00"}`, 400, "person_id"},
		{"start not a time", "POST", "/api/v1/orders", `{"person_id":1,"provider_id":1,"item_id":1,"start":"tomorrow 9am"}`, 400, "start"},
		{"end before start", "POST", "/api/v1/orders", `{` + valid + `,"end":"2030-01-01T08:00:00+08:00"}`, 400, "end"},
		{"no start", "POST", "/api/v1/orders", `{"person_id":1,"provider_id":1,"item_id":1}`, 400, "start"},
		{"negative insurance", "POST", "/api/v1/orders", `{` + valid + `,"ltc_fen":-5}`, 400, "ltc_fen"},
		{"one coordinate", "POST", "/api/v1/orders", `{` + valid + `,"lat":25.7}`, 400, "lng"},
		{"10 MB needs", "POST", "/api/v1/orders", `{` + valid + `,"needs":"` + huge + `"}`, 413, "needs"},
		{"SQL-ish key", "POST", "/api/v1/orders", `{` + valid + `,"request_key":"` + strings.Repeat("x'; DROP TABLE orders; --", 4) + `"}`, 400, "request_key"},
		{"unknown action", "POST", "/api/v1/orders/1/steps", `{"action":"teleport"}`, 404, ""}, // order 1 does not exist: not found first
		{"no action", "POST", "/api/v1/orders/1/steps", `{}`, 400, "action"},
		{"lat without lng", "POST", "/api/v1/orders/1/steps", `{"action":"check_in","lat":25.7}`, 400, "lat"},
		{"latitude out of range", "POST", "/api/v1/orders/1/steps", `{"action":"check_in","lat":95,"lng":113}`, 400, "lat"},
		{"rating of 9", "POST", "/api/v1/orders/1/steps", `{"action":"rate","rating":9}`, 400, "rating"},
		{"signature not an image", "POST", "/api/v1/orders/1/steps", `{"action":"confirm","signature":"javascript:alert(1)"}`, 400, "signature"},
		{"bad order id", "POST", "/api/v1/orders/abc/steps", `{"action":"accept"}`, 400, "id"},
		{"review without reason", "POST", "/api/v1/orders/1/review", `{"accept":true}`, 400, "reason"},
		{"review wrong type", "POST", "/api/v1/orders/1/review", `{"accept":"yes","reason":"x"}`, 400, "accept"},
		{"unknown state", "GET", "/api/v1/orders?state=lost", ``, 400, "state"},
		{"bad day", "GET", "/api/v1/orders?day=2026-13-01", ``, 400, "day"},
		{"bad flag", "GET", "/api/v1/orders?flagged=maybe", ``, 400, "flagged"},
		{"bad person", "GET", "/api/v1/orders?person=-3", ``, 400, "person"},
		{"bad cursor", "GET", "/api/v1/orders?after=zzz", ``, 400, "after"},
		{"bad month", "GET", "/api/v1/statements/1?month=2026-13", ``, 400, "month"},
		{"bad provider", "GET", "/api/v1/statements/abc", ``, 400, "provider"},
		{"bad export month", "GET", "/api/v1/statements/1/export.csv?month=26-1", ``, 400, "month"},
		{"bad board day", "GET", "/api/v1/dispatch/1?day=monday", ``, 400, "day"},
		{"bad board provider", "GET", "/api/v1/dispatch/0", ``, 400, "provider"},
		{"booking options of nobody", "GET", "/api/v1/people/0/booking-options", ``, 400, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.countAudit()
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, tok, body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if r.err.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", r.err.Field, tc.field, r.err.Message)
			}
			if after := e.countAudit(); after != before {
				t.Errorf("bad input wrote %d audit entries", after-before)
			}
		})
	}
}
