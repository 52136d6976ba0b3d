package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestBadInput: malformed JSON, unknown fields, wrong types, 10 MB strings,
// SQL-ish text and invalid region codes get a 4xx naming the field and write nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	admin := tk.CreateUser(t, e.db, "admin", yanglao.RoleAdmin, tk.Hunan, nil)
	tok := e.token(admin)
	huge := strings.Repeat("长", 10<<20/3)
	voucher := `"name":"券","region_code":"` + tk.TownA + `","uses":["meal"],"face_fen":500,"valid_from":"2026-11-01","valid_until":"2026-12-31"`
	allowance := `"region_code":"` + tk.TownA + `","category":"life_care","unit":"fen","amount":100,"valid_from":"2026-01-01","source":"x"`
	valid := `"username":"newbie","display_name":"新人","role":"worker","region_code":"` + tk.TownA + `","password":"a-long-password"`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"malformed JSON", "POST", "/api/v1/users", `{"username": "x",`, 400, "body"},
		{"not an object", "POST", "/api/v1/users", `[1,2]`, 400, "body"},
		{"empty body", "POST", "/api/v1/users", ``, 400, "body"},
		{"two objects", "POST", "/api/v1/users", `{` + valid + `} {}`, 400, "body"},
		{"unknown field", "POST", "/api/v1/users", `{` + valid + `,"is_admin":true}`, 400, "is_admin"},
		{"wrong type", "POST", "/api/v1/users", `{"username":42,"display_name":"x","role":"worker","region_code":"` + tk.TownA + `","password":"a-long-password"}`, 400, "username"},
		{"wrong type nested id", "POST", "/api/v1/users", `{` + valid + `,"org_id":"seven"}`, 400, "org_id"},
		{"10 MB string", "POST", "/api/v1/users", `{"username":"x","display_name":"` + huge + `"}`, 413, "display_name"},
		{"SQL-ish username", "POST", "/api/v1/users", `{"username":"x'; DROP TABLE users; --","display_name":"x","role":"worker","region_code":"` + tk.TownA + `","password":"a-long-password"}`, 400, "username"},
		{"region code too short", "POST", "/api/v1/users", `{"username":"newbie","display_name":"x","role":"worker","region_code":"4310","password":"a-long-password"}`, 400, "region_code"},
		{"region code unknown", "POST", "/api/v1/users", `{"username":"newbie","display_name":"x","role":"worker","region_code":"999999999999","password":"a-long-password"}`, 400, "region_code"},
		{"region code SQL-ish", "POST", "/api/v1/users", `{"username":"newbie","display_name":"x","role":"worker","region_code":"1' OR '1'='1","password":"a-long-password"}`, 400, "region_code"},
		{"unknown role", "POST", "/api/v1/users", `{"username":"newbie","display_name":"x","role":"god","region_code":"` + tk.TownA + `","password":"a-long-password"}`, 400, "role"},
		{"short password", "POST", "/api/v1/users", `{"username":"newbie","display_name":"x","role":"worker","region_code":"` + tk.TownA + `","password":"short"}`, 400, "password"},
		{"org kind", "POST", "/api/v1/orgs", `{"name":"x","kind":"casino","region_code":"` + tk.TownA + `"}`, 400, "kind"},
		{"bad id", "GET", "/api/v1/users/abc", ``, 400, "id"},
		{"negative id", "GET", "/api/v1/users/-1", ``, 400, "id"},
		{"bad limit", "GET", "/api/v1/users?limit=100000", ``, 400, "limit"},
		{"bad cursor", "GET", "/api/v1/users?after=zzz", ``, 400, "after"},
		{"bad region path", "GET", "/api/v1/regions/43100200100x", ``, 400, "code"},
		{"bad level", "GET", "/api/v1/regions?level=9", ``, 400, "level"},
		{"patch unknown field", "PATCH", "/api/v1/users/1", `{"password_hash":"x"}`, 400, "password_hash"},
		{"patch wrong type", "PATCH", "/api/v1/users/1", `{"disabled":"yes"}`, 400, "disabled"},
		{"visit mode", "POST", "/api/v1/carevisits/visits", `{"person_id":1,"date":"` + yanglao.DateOf(time.Now()).String() + `","mode":"letter","health":"good"}`, 400, "mode"},
		{"visit photo not an image", "POST", "/api/v1/carevisits/visits", `{"person_id":1,"date":"` + yanglao.DateOf(time.Now()).String() + `","mode":"phone","health":"good","photos":["PGh0bWw+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="]}`, 400, "photos"},
		{"visit hazard unknown", "POST", "/api/v1/carevisits/visits", `{"person_id":1,"date":"` + yanglao.DateOf(time.Now()).String() + `","mode":"phone","health":"good","hazards":["ghosts"]}`, 400, "hazards"},
		{"visit follow-up kind", "POST", "/api/v1/carevisits/visits", `{"person_id":1,"date":"` + yanglao.DateOf(time.Now()).String() + `","mode":"phone","health":"good","follow_ups":[{"kind":"pray","detail":"x"}]}`, 400, "kind"},
		{"care rule below monthly", "POST", "/api/v1/carevisits/rules", `{"region":"` + tk.TownA + `","group":"alone","per_month":0,"from":"2026-01-01","source":"x"}`, 400, "per_month"},
		{"care rule group", "POST", "/api/v1/carevisits/rules", `{"region":"` + tk.TownA + `","group":"rich","per_month":1,"from":"2026-01-01","source":"x"}`, 400, "group"},
		{"assign without visitor", "POST", "/api/v1/carevisits/plan/assign", `{"region_code":"` + tk.TownA + `"}`, 400, "visitor_id"},
		{"targets month", "GET", "/api/v1/carevisits/targets?month=2026-13", ``, 400, "month"},
		{"targets pending flag", "GET", "/api/v1/carevisits/targets?pending=maybe", ``, 400, "pending"},
		{"targets cursor", "GET", "/api/v1/carevisits/targets?after=zzz", ``, 400, "after"},
		{"rates region", "GET", "/api/v1/carevisits/rates?region=43100200100x", ``, 400, "region"},
		{"follow-up state", "GET", "/api/v1/carevisits/followups?state=maybe", ``, 400, "state"},
		{"report without the check", "POST", "/api/v1/abuse-reports", `{"region_code":"` + tk.VillageA1 + `","elder_name":"张","place":"x","kinds":["neglect"],"description":"无人照料很久了","challenge_token":"x","challenge_answer":"3"}`, 400, "challenge_token"},
		{"report honeypot", "POST", "/api/v1/abuse-reports", `{"region_code":"` + tk.VillageA1 + `","elder_name":"张","place":"x","kinds":["neglect"],"description":"无人照料很久了","website":"http://spam"}`, 400, "website"},
		{"report state", "GET", "/api/v1/abuse-reports?state=lost", ``, 400, "state"},
		{"track code", "GET", "/api/v1/abuse-reports/track/123", ``, 400, "code"},
		{"voucher face as text", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"face_fen":"5元"}`, 400, "face_fen"},
		{"voucher face fraction", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"face_fen":5.5}`, 400, "face_fen"},
		{"voucher face negative", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"face_fen":-500}`, 400, "face_fen"},
		{"voucher face huge", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"face_fen":9223372036854775807}`, 400, "face_fen"},
		{"voucher date", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"valid_from":"2026-02-30"}`, 400, "valid_from"},
		{"voucher dates reversed", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"valid_from":"2027-01-01"}`, 400, "valid_until"},
		{"voucher use", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"uses":["meal'--"]}`, 400, "uses"},
		{"voucher ids", "POST", "/api/v1/voucher-batches/preview", `{` + voucher + `,"person_ids":["x"]}`, 400, "person_ids"},
		{"voucher nobody", "POST", "/api/v1/voucher-batches", `{` + voucher + `,"person_ids":[424242]}`, 400, "person_ids"},
		{"voucher state", "GET", "/api/v1/vouchers?state=bogus", ``, 400, "state"},
		{"voucher batch filter", "GET", "/api/v1/vouchers?batch=abc", ``, 400, "batch"},
		{"voucher person filter", "GET", "/api/v1/vouchers?person=-3", ``, 400, "person"},
		{"voucher id", "GET", "/api/v1/vouchers/1x", ``, 400, "id"},
		{"meal menu id as text", "POST", "/api/v1/meal-orders", `{"menu_id":"x","person_id":1,"mode":"eat_in"}`, 400, "menu_id"},
		{"meal mode", "POST", "/api/v1/meal-orders", `{"menu_id":1,"person_id":1,"mode":"fly"}`, 400, "mode"},
		{"meal nobody", "POST", "/api/v1/meal-orders", `{"menu_id":1,"mode":"eat_in"}`, 400, "person_id"},
		{"meal voucher id", "POST", "/api/v1/meal-orders", `{"menu_id":1,"person_id":1,"mode":"eat_in","voucher_id":-2}`, 400, "voucher_id"},
		{"menu price as text", "POST", "/api/v1/canteens/1/menus", `{"day":"2026-11-23","meal":"lunch","dishes":"面","price_fen":"12元"}`, 400, "price_fen"},
		{"menu price zero", "POST", "/api/v1/canteens/1/menus", `{"day":"2026-11-23","meal":"lunch","dishes":"面","price_fen":0}`, 400, "price_fen"},
		{"menu price huge", "POST", "/api/v1/canteens/1/menus", `{"day":"2026-11-23","meal":"lunch","dishes":"面","price_fen":99999999999}`, 400, "price_fen"},
		{"menu day", "POST", "/api/v1/canteens/1/menus", `{"day":"2026-13-01","meal":"lunch","dishes":"面","price_fen":800}`, 400, "day"},
		{"menu meal", "POST", "/api/v1/canteens/1/menus", `{"day":"2026-11-23","meal":"brunch","dishes":"面","price_fen":800}`, 400, "meal"},
		{"menu canteen id", "POST", "/api/v1/canteens/0/menus", `{"day":"2026-11-23","meal":"lunch","dishes":"面","price_fen":800}`, 400, "id"},
		{"canteen seats", "POST", "/api/v1/canteens", `{"name":"食堂","region_code":"` + tk.TownA + `","type":"meal_point","seats":"many"}`, 400, "seats"},
		{"canteen cutoff", "POST", "/api/v1/canteens", `{"name":"食堂","region_code":"` + tk.TownA + `","type":"meal_point","cutoff_lunch":"9am"}`, 400, "cutoff_lunch"},
		{"canteen share", "POST", "/api/v1/canteens", `{"name":"食堂","region_code":"` + tk.TownA + `","type":"meal_point","enterprise_fen":-1}`, 400, "enterprise_fen"},
		{"canteen lng", "POST", "/api/v1/canteens", `{"name":"食堂","region_code":"` + tk.TownA + `","type":"meal_point","lng":500}`, 400, "lng"},
		{"canteen type", "POST", "/api/v1/canteens", `{"name":"食堂","region_code":"` + tk.TownA + `","type":"bar"}`, 400, "type"},
		{"subsidy fen", "POST", "/api/v1/meal-subsidies", `{"region_code":"` + tk.TownA + `","category":"age_80","fen":-1,"from":"2026-01-01","source":"x"}`, 400, "fen"},
		{"subsidy date", "POST", "/api/v1/meal-subsidies", `{"region_code":"` + tk.TownA + `","category":"age_80","fen":100,"from":"soon","source":"x"}`, 400, "from"},
		{"subsidy category", "POST", "/api/v1/meal-subsidies", `{"region_code":"` + tk.TownA + `","category":"rich","fen":100,"from":"2026-01-01","source":"x"}`, 400, "category"},
		{"statement month", "GET", "/api/v1/canteens/1/statement?month=2026-13", ``, 400, "month"},
		{"statement csv month", "GET", "/api/v1/canteens/1/statement.csv?month=11/2026", ``, 400, "month"},
		{"kitchen day", "GET", "/api/v1/canteens/1/kitchen?day=yesterday", ``, 400, "day"},
		{"meal orders status", "GET", "/api/v1/meal-orders?status=eaten", ``, 400, "status"},
		{"meal orders from", "GET", "/api/v1/meal-orders?from=2026-02-31", ``, 400, "from"},
		{"meal order id", "POST", "/api/v1/meal-orders/abc/cancel", `{}`, 400, "id"},
		{"service item minutes", "POST", "/api/v1/service-items", `{"code":"x","category":"visit","name":"x","minutes":1}`, 400, "minutes"},
		{"service item category", "POST", "/api/v1/service-items", `{"code":"x","category":"cooking","name":"x","minutes":30}`, 400, "category"},
		{"service item skill", "POST", "/api/v1/service-items", `{"code":"x","category":"visit","name":"x","minutes":30,"skills":["bath'--"]}`, 400, "skills"},
		{"service item code", "PUT", "/api/v1/service-items/1", `{"code":"a b","category":"visit","name":"x","minutes":30}`, 400, "code"},
		{"allowance unit", "POST", "/api/v1/service-allowances", `{` + allowance + `,"unit":"yuan"}`, 400, "unit"},
		{"allowance amount as text", "POST", "/api/v1/service-allowances", `{` + allowance + `,"amount":"100元"}`, 400, "amount"},
		{"allowance amount fraction", "POST", "/api/v1/service-allowances", `{` + allowance + `,"amount":1.5}`, 400, "amount"},
		{"allowance status", "POST", "/api/v1/service-allowances", `{` + allowance + `,"statuses":["rich"]}`, 400, "statuses"},
		{"allowance grade", "POST", "/api/v1/service-allowances", `{` + allowance + `,"min_grade":7}`, 400, "min_grade"},
		{"allowance date", "POST", "/api/v1/service-allowances", `{` + allowance + `,"valid_from":"2026-02-30"}`, 400, "valid_from"},
		{"allowance region", "POST", "/api/v1/service-allowances", `{` + allowance + `,"region_code":"1' OR '1'='1"}`, 400, "region_code"},
		{"allowance end id", "POST", "/api/v1/service-allowances/abc/end", `{"end":"2026-12-31"}`, 400, "id"},
		{"person allowance category", "GET", "/api/v1/people/1/service-allowance?category=cooking", ``, 400, "category"},
		{"coverage region", "POST", "/api/v1/providers/1/coverage", `{"region_code":"4310","covered":true}`, 400, "region_code"},
		{"price negative", "POST", "/api/v1/providers/1/items", `{"item_id":1,"price_fen":-1}`, 400, "price_fen"},
		{"price fraction", "POST", "/api/v1/providers/1/items", `{"item_id":1,"price_fen":5.5}`, 400, "price_fen"},
		{"contract dates reversed", "POST", "/api/v1/providers/1/contracts", `{"number":"x","region_code":"` + tk.TownA + `","start":"2026-12-01","end":"2026-01-01","item_ids":[1]}`, 400, "end"},
		{"contract without items", "POST", "/api/v1/providers/1/contracts", `{"number":"x","region_code":"` + tk.TownA + `","start":"2026-01-01","end":"2026-12-31","item_ids":[]}`, 400, "item_ids"},
		{"offer without item", "GET", "/api/v1/providers/1/offer?region=" + tk.VillageA1, ``, 400, "item"},
		{"caregiver citizen ID", "POST", "/api/v1/caregivers", `{"org_id":1,"name":"张","id_number":"431002198001010000"}`, 400, "id_number"},
		{"caregiver phone", "POST", "/api/v1/caregivers", `{"org_id":1,"name":"张","id_number":"` + tk.CitizenID("431002", "1980-01-01", 11) + `","phone":"12"}`, 400, "phone"},
		{"caregiver half a position", "POST", "/api/v1/caregivers", `{"org_id":1,"name":"张","id_number":"` + tk.CitizenID("431002", "1980-01-01", 11) + `","lat":25.7}`, 400, "lat"},
		{"caregiver skill", "POST", "/api/v1/caregivers", `{"org_id":1,"name":"张","id_number":"` + tk.CitizenID("431002", "1980-01-01", 11) + `","skills":["flying"]}`, 400, "skills"},
		{"caregiver cert level", "POST", "/api/v1/caregivers", `{"org_id":1,"name":"张","id_number":"` + tk.CitizenID("431002", "1980-01-01", 11) + `","certs":[{"kind":"nursing","level":"大师","issued":"2020-01-01"}]}`, 400, "level"},
		{"caregivers sort", "GET", "/api/v1/caregivers?sort=age", ``, 400, "sort"},
		{"caregivers expiring flag", "GET", "/api/v1/caregivers?expiring=maybe", ``, 400, "expiring"},
		{"caregivers org filter", "GET", "/api/v1/caregivers?org=abc", ``, 400, "org"},
		{"caregivers cursor", "GET", "/api/v1/caregivers?after=zzz", ``, 400, "after"},
		{"cert expiry before issue", "POST", "/api/v1/caregivers/1/certs", `{"kind":"health","issued":"2026-01-01","expires":"2025-01-01"}`, 400, "expires"},
		{"cert kind", "POST", "/api/v1/caregivers/1/certs", `{"kind":"driving","issued":"2026-01-01"}`, 400, "kind"},
		{"eligible day", "GET", "/api/v1/caregivers/1/eligible?item=1&day=2026-02-30", ``, 400, "day"},
		{"suggest window reversed", "POST", "/api/v1/caregivers/suggest", `{"org_id":1,"item_id":1,"start":"2026-11-23T10:00:00+08:00","end":"2026-11-23T09:00:00+08:00","lat":25.7,"lng":113}`, 400, "end"},
		{"suggest sex", "POST", "/api/v1/caregivers/suggest", `{"org_id":1,"item_id":1,"start":"2026-11-23T10:00:00+08:00","end":"2026-11-23T11:00:00+08:00","lat":25.7,"lng":113,"sex":"X"}`, 400, "sex"},
		{"ban citizen ID", "POST", "/api/v1/employment-bans", `{"id_number":"123","name":"x","source":"x","reason":"x","start":"2025-01-01"}`, 400, "id_number"},
		{"ban without reason", "POST", "/api/v1/employment-bans", `{"id_number":"` + tk.CitizenID("431002", "1970-01-01", 11) + `","name":"x","source":"x","start":"2025-01-01"}`, 400, "reason"},
		{"bans cursor", "GET", "/api/v1/employment-bans?after=zzz", ``, 400, "after"},
		{"device serial with a slash", "POST", "/api/v1/devices", `{"serial":"a/b","kind":"sos","vendor":"x","region_code":"` + tk.VillageA1 + `"}`, 400, "serial"},
		{"device serial wildcard", "POST", "/api/v1/devices", `{"serial":"+","kind":"sos","vendor":"x","region_code":"` + tk.VillageA1 + `"}`, 400, "serial"},
		{"device kind", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"toaster","vendor":"x","region_code":"` + tk.VillageA1 + `"}`, 400, "kind"},
		{"device heartbeat text", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"sos","vendor":"x","heartbeat_seconds":"5m","region_code":"` + tk.VillageA1 + `"}`, 400, "heartbeat_seconds"},
		{"device heartbeat tiny", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"sos","vendor":"x","heartbeat_seconds":3,"region_code":"` + tk.VillageA1 + `"}`, 400, "heartbeat_seconds"},
		{"device person text", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"sos","vendor":"x","person_id":"x"}`, 400, "person_id"},
		{"device nobody", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"sos","vendor":"x","person_id":424242}`, 400, "person_id"},
		{"device region", "POST", "/api/v1/devices", `{"serial":"ok-1","kind":"sos","vendor":"x","region_code":"999999999999"}`, 400, "region_code"},
		{"device sort", "GET", "/api/v1/devices?sort=colour", ``, 400, "sort"},
		{"device cursor", "GET", "/api/v1/devices?sort=battery&after=zz", ``, 400, "after"},
		{"device binding unknown field", "PUT", "/api/v1/devices/1/binding", `{"owner":"x"}`, 400, "owner"},
		{"event malformed", "POST", "/api/v1/devices/NOPE-1/events", `{"id":`, 400, "body"},
		{"event type", "POST", "/api/v1/devices/NOPE-1/events", `{"id":"1","type":"explode","at":"2026-03-14T08:00:00+08:00"}`, 400, "type"},
		{"event time", "POST", "/api/v1/devices/NOPE-1/events", `{"id":"1","type":"sos","at":"yesterday"}`, 400, "at"},
		{"event battery", "POST", "/api/v1/devices/NOPE-1/events", `{"id":"1","type":"sos","at":"2026-03-14T08:00:00+08:00","battery":150}`, 400, "battery"},
		{"event without id", "POST", "/api/v1/devices/NOPE-1/events", `{"type":"sos","at":"2026-03-14T08:00:00+08:00"}`, 400, "id"},
		{"event serial mismatch", "POST", "/api/v1/devices/NOPE-1/events", `{"serial":"OTHER","id":"1","type":"sos","at":"2026-03-14T08:00:00+08:00"}`, 400, "serial"},
		{"event unknown device", "POST", "/api/v1/devices/NOPE-1/events", `{"id":"1","type":"sos","at":"2026-03-14T08:00:00+08:00"}`, 400, "serial"},
		{"case action", "POST", "/api/v1/alarms/1/actions", `{"action":"ignore"}`, 400, "action"},
		{"case responder", "POST", "/api/v1/alarms/1/actions", `{"action":"dispatch","responder":"police"}`, 400, "responder"},
		{"case outcome", "POST", "/api/v1/alarms/1/actions", `{"action":"close"}`, 400, "outcome"},
		{"case status filter", "GET", "/api/v1/alarms?status=lost", ``, 400, "status"},
		{"case device filter", "GET", "/api/v1/alarms?device=x", ``, 400, "device"},
		{"report month", "GET", "/api/v1/alarms/report?month=March", ``, 400, "month"},
		{"chain empty", "PUT", "/api/v1/escalation/" + tk.TownA, `{"steps":[]}`, 400, "steps"},
		{"chain wait", "PUT", "/api/v1/escalation/" + tk.TownA, `{"steps":[{"name":"x","after_seconds":1}]}`, 400, "steps"},
		{"chain region", "GET", "/api/v1/escalation/12ab", ``, 400, "region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.countAudit()
			var body any
			if tc.body != "" {
				body = tc.body
			}
			if tc.method == "POST" && tc.body == "" {
				body = []byte{}
			}
			r := e.do(tc.method, tc.path, tok, body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if r.err.Field != tc.field {
				t.Errorf("field %q, want %q (message %q)", r.err.Field, tc.field, r.err.Message)
			}
			if r.err.Message == "" || r.err.Code == "" {
				t.Errorf("error without code or message: %s", r.body)
			}
			if after := e.countAudit(); after != before {
				t.Errorf("bad input wrote %d audit entries", after-before)
			}
		})
	}
	// The tables are intact and the SQL-ish text was stored nowhere.
	if r := e.do("GET", "/api/v1/users", tok, nil); r.status != http.StatusOK || strings.Contains(string(r.body), "DROP") || strings.Contains(string(r.body), "newbie") {
		t.Fatalf("after bad input: %d %s", r.status, r.body)
	}
	// Unknown API routes answer in the same error shape.
	if r := e.do("GET", "/api/v1/nope", tok, nil); r.status != http.StatusNotFound || r.err.Code != yanglao.ENOTFOUND {
		t.Fatalf("unknown route: %d %s", r.status, r.body)
	}
	// A bad token is 401, not a silent anonymous request.
	if r := e.do("GET", "/api/v1/me", "yl_wrong", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", r.status)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/api/docs"} {
		if r := e.do("GET", p, "", nil); r.status != http.StatusOK {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	r := e.do("GET", "/api/v1/openapi.json", "", nil)
	for _, want := range []string{`"openapi": "3.0.3"`, `"/api/v1/users/{id}"`, `"CreateUserRequest"`, `"RegionList"`, `"ErrorResponse"`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("openapi.json lacks %s", want)
		}
	}
	m := e.do("GET", "/metrics", "", nil)
	if !strings.Contains(string(m.body), `yanglao_http_requests_total{route="GET /api/v1/openapi.json",status="200"}`) {
		t.Errorf("metrics lack the route-labelled request counter")
	}
}
