package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestMealPages walks issue 5 through the pages: an official registers a
// canteen and issues vouchers (preview first), the staff write tomorrow's menu,
// the older person orders on the meals page with a voucher and sees who pays
// what, the kitchen page counts it, the statement totals it, and cancelling
// gives the voucher back.
func TestMealPages(t *testing.T) {
	e := newEnv(t)
	official := e.token(tk.CreateUser(t, e.db, "mealofficial", yanglao.RoleOfficial, tk.Beihu, nil))
	p := &yanglao.Person{Name: "订餐老人", ResidenceCode: tk.VillageA1, IDNumber: tk.CitizenID("431002", "1940-02-02", 51), Address: "人民路社区5栋"}
	if err := e.people.CreatePerson(tk.System(), p); err != nil {
		t.Fatal(err)
	}
	elderU := tk.CreateUser(t, e.db, "mealelder", yanglao.RoleElder, tk.VillageA1, nil)
	if err := e.people.LinkUser(tk.System(), elderU.ID, p.ID, "self"); err != nil {
		t.Fatal(err)
	}
	elder := e.token(elderU)
	if err := sqldb.NewMealService(e.db, tk.Box()).SetMealSubsidy(tk.System(), &yanglao.MealSubsidy{RegionCode: tk.Beihu, Category: "age_80", Fen: 300,
		From: yanglao.Date{Year: 2025, Month: 1, Day: 1}, Source: "测试"}); err != nil {
		t.Fatal(err)
	}

	// Subsidy rules on the canteen list: a bad amount is shown at its field; a good rule is listed.
	if status, body, _ := e.page("GET", "/canteens", official, nil); status != 200 || !strings.Contains(body, "80周岁及以上") || !strings.Contains(body, "测试") {
		t.Fatalf("subsidy rules on the canteen list: %d", status)
	}
	rule := url.Values{"region_code": {tk.TownA}, "category": {"dibao"}, "yuan": {"4.5.0"}, "from": {"2026-01-01"}, "source": {"某县文件第3条"}}
	if status, body, _ := e.page("POST", "/canteens/subsidies", official, rule); status != 422 || !strings.Contains(body, `id="yuan-error"`) {
		t.Fatalf("bad subsidy amount: %d", status)
	}
	rule.Set("yuan", "4.5")
	if status, _, _ := e.page("POST", "/canteens/subsidies", official, rule); status != http.StatusSeeOther {
		t.Fatalf("save subsidy: %d", status)
	}
	if status, _, _ := e.page("POST", "/canteens/subsidies", elder, rule); status != http.StatusForbidden {
		t.Fatalf("elder saving a subsidy: %d", status)
	}

	// The canteen: a bad amount is shown next to its field, then it registers.
	form := url.Values{"name": {"人民路孝善食堂"}, "type": {"xiaoshan"}, "region_code": {tk.TownA}, "address": {"人民路1号"}, "seats": {"30"},
		"delivery": {"1"}, "cutoff_breakfast": {"07:00"}, "cutoff_lunch": {"23:59"}, "cutoff_dinner": {"23:59"}, "enterprise_fen": {"1.5元"}, "social_fen": {"abc"}}
	status, body, _ := e.page("POST", "/canteens", official, form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="social_fen-error"`) {
		t.Fatalf("bad amount: %d", status)
	}
	form.Set("social_fen", "0.5")
	status, _, loc := e.page("POST", "/canteens", official, form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/canteens/") {
		t.Fatalf("register canteen: %d %s", status, loc)
	}
	cid := strings.TrimPrefix(loc, "/canteens/")
	var canteenID int64
	fmt.Sscan(cid, &canteenID)
	staff := e.token(tk.CreateUser(t, e.db, "mealcook", yanglao.RoleOperator, tk.TownA, &canteenID))

	// Tomorrow's lunch from the canteen page; a price of 0 is refused at its field.
	tomorrow := yanglao.DateOf(time.Now()).AddDays(1).String()
	if status, body, _ := e.page("POST", loc+"/menus", staff, url.Values{"day": {tomorrow}, "meal": {"lunch"}, "dishes": {"红烧肉、青菜"}, "price": {"0"}}); status != 422 || !strings.Contains(body, `id="price-error"`) {
		t.Fatalf("zero price: %d", status)
	}
	if status, _, _ := e.page("POST", loc+"/menus", staff, url.Values{"day": {tomorrow}, "meal": {"lunch"}, "dishes": {"红烧肉、青菜"}, "price": {"12"}}); status != http.StatusSeeOther {
		t.Fatalf("save menu: %d", status)
	}

	// Vouchers: preview shows the count, then issue.
	vform := url.Values{"name": {"助餐券"}, "region_code": {tk.Beihu}, "face": {"5"}, "use": {"meal"}, "valid_from": {yanglao.DateOf(time.Now()).String()},
		"valid_until": {yanglao.DateOf(time.Now()).AddDays(30).String()}, "min_age": {"80"}, "key": {"ui-batch"}, "action": {"preview"}}
	if status, body, _ := e.page("POST", "/vouchers", official, vform); status != 200 || !strings.Contains(body, "<strong>1</strong>") {
		t.Fatalf("preview: %d", status)
	}
	vform.Set("action", "issue")
	if status, _, loc := e.page("POST", "/vouchers", official, vform); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/vouchers/batches/") {
		t.Fatalf("issue: %d %s", status, loc)
	} else if status, body, _ := e.page("GET", loc, official, nil); status != 200 || !strings.Contains(body, "订餐老人") {
		t.Fatalf("batch page: %d", status)
	}

	// The older person: their voucher, the menu, one tap to order.
	status, body, _ = e.page("GET", "/meals", elder, nil)
	if status != 200 || !strings.Contains(body, "红烧肉") || !strings.Contains(body, "5.00") || !strings.Contains(body, `name="use_voucher"`) {
		t.Fatalf("meals page: %d %s", status, body)
	}
	var menuID string
	if i := strings.Index(body, `name="menu_id" value="`); i > 0 {
		menuID = strings.SplitN(body[i+len(`name="menu_id" value="`):], `"`, 2)[0]
	}
	order := url.Values{"menu_id": {menuID}, "person_id": {fmt.Sprint(p.ID)}, "mode": {"delivery"}, "use_voucher": {"1"}, "key": {"tap"}}
	status, _, loc = e.page("POST", "/meals", elder, order)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/meals/orders/") {
		t.Fatalf("order: %d %s", status, loc)
	}
	// 12 = 1.50 enterprise + 0.50 social + 3 subsidy (80+) + 5 voucher + 2 the person pays.
	if status, body, _ := e.page("GET", loc, elder, nil); status != 200 || !strings.Contains(body, "2.00") || !strings.Contains(body, "−5.00") || !strings.Contains(body, "−3.00") {
		t.Fatalf("order page: %d %s", status, body)
	}
	if status, _, again := e.page("POST", "/meals", elder, order); status != http.StatusSeeOther || again != loc {
		t.Fatalf("double tap: %d %s (first %s)", status, again, loc)
	}
	order.Set("key", "another")
	if status, body, _ := e.page("POST", "/meals", elder, order); status != 422 || !strings.Contains(body, "已经订过") {
		t.Fatalf("second order of the meal: %d", status)
	}
	if status, body, _ := e.page("GET", "/vouchers", elder, nil); status != 200 || !strings.Contains(body, "已使用") {
		t.Fatalf("my vouchers: %d", status)
	}

	// The kitchen sees it on the delivery list; the statement totals it; the elder cannot see either.
	if status, body, _ := e.page("GET", "/canteens/"+cid+"/kitchen?day="+tomorrow, staff, nil); status != 200 || !strings.Contains(body, "订餐老人") || !strings.Contains(body, "人民路社区5栋") {
		t.Fatalf("kitchen: %d", status)
	}
	if status, body, _ := e.page("GET", "/canteens/"+cid+"/statement?month="+tomorrow[:7], official, nil); status != 200 || !strings.Contains(body, "8.00") {
		t.Fatalf("statement (government owes 3 + 5): %d", status)
	}
	if status, _, _ := e.page("GET", "/canteens/"+cid+"/kitchen", elder, nil); status != http.StatusForbidden {
		t.Fatalf("elder on the kitchen page: %d", status)
	}
	r := e.do("GET", "/api/v1/canteens/"+cid+"/statement.csv?month="+tomorrow[:7], official, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "合计") || !strings.Contains(string(r.body), "8.00") {
		t.Fatalf("statement CSV: %d %s", r.status, r.body)
	}

	// Cancelling gives the voucher back.
	if status, _, _ := e.page("POST", loc+"/cancel", elder, url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", status)
	}
	if status, body, _ := e.page("GET", "/vouchers", elder, nil); status != 200 || !strings.Contains(body, "可使用") {
		t.Fatalf("voucher after cancelling: %d", status)
	}
	// The counter: by citizen ID, and a wrong one is shown at its field.
	if status, body, _ := e.page("POST", "/canteens/"+cid+"/counter", staff, url.Values{"menu_id": {menuID}, "id_number": {"123"}, "mode": {"eat_in"}}); status != 422 || !strings.Contains(body, `id="id_number-error"`) {
		t.Fatalf("counter with a bad ID: %d", status)
	}
	if status, loc, _ := e.page("POST", "/canteens/"+cid+"/counter", staff, url.Values{"menu_id": {menuID}, "id_number": {p.IDNumber}, "mode": {"eat_in"}, "key": {"c1"}}); status != http.StatusSeeOther {
		t.Fatalf("counter: %d %s", status, loc)
	}
}
