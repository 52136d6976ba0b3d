package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	tk "github.com/yanglao/yanglao/testkit"
	"github.com/yanglao/yanglao/web"
)

// TestVoucherAPI: an official previews and issues a batch by filter; a retry
// with the same key is the same batch; the elder sees their voucher.
func TestVoucherAPI(t *testing.T) {
	e := newEnv(t)
	official := e.token(tk.CreateUser(t, e.db, "vofficial", yanglao.RoleOfficial, tk.Beihu, nil))
	p := &yanglao.Person{Name: "券老人", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1936-05-05", 31)}
	if err := e.people.CreatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	elderUser := tk.CreateUser(t, e.db, "velder", yanglao.RoleElder, tk.VillageA1, nil)
	if err := e.people.LinkUser(tk.System(), elderUser.ID, p.ID, "self"); err != nil {
		t.Fatal(err)
	}
	today := yanglao.DateOf(time.Now())
	body := map[string]any{"name": "重阳助餐券", "region_code": tk.Beihu, "face_fen": 1500, "uses": []string{"meal"},
		"valid_from": today.String(), "valid_until": today.AddDays(60).String(), "filter": map[string]any{"min_age": 80},
		"idempotency_key": "chongyang-2026"}
	r := e.do("POST", "/api/v1/voucher-batches/preview", official, body)
	var pv web.VoucherPreview
	if json.Unmarshal(r.body, &pv); r.status != http.StatusOK || pv.People != 1 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	before := e.countAudit()
	var b1, b2 yanglao.VoucherBatch
	r = e.do("POST", "/api/v1/voucher-batches", official, body)
	if json.Unmarshal(r.body, &b1); r.status != http.StatusCreated || b1.People != 1 {
		t.Fatalf("issue: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/voucher-batches", official, body)
	if json.Unmarshal(r.body, &b2); r.status != http.StatusCreated || b2.ID != b1.ID {
		t.Fatalf("retried issue: %d %s", r.status, r.body)
	}
	if e.countAudit() != before+1 {
		t.Errorf("issuing wrote %d audit entries, want 1", e.countAudit()-before)
	}
	var mine web.List[*yanglao.Voucher]
	r = e.do("GET", "/api/v1/vouchers?state=unspent&use=meal", e.token(elderUser), nil)
	if json.Unmarshal(r.body, &mine); r.status != http.StatusOK || len(mine.Items) != 1 || mine.Items[0].FaceFen != 1500 || mine.Items[0].State != yanglao.VoucherUnspent {
		t.Fatalf("elder's vouchers: %d %s", r.status, r.body)
	}
	// The elder cannot issue, nor read batches.
	if r := e.do("POST", "/api/v1/voucher-batches", e.token(elderUser), body); r.status != http.StatusForbidden {
		t.Fatalf("elder issuing: %d", r.status)
	}
	if r := e.do("GET", "/api/v1/voucher-batches/"+fmt.Sprint(b1.ID), e.token(elderUser), nil); r.status != http.StatusNotFound {
		t.Fatalf("elder reading a batch: %d", r.status)
	}
}
