package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

// Pages of meal assistance and vouchers (issue 5): canteens and their menus,
// the older person's meal ordering on a phone, the kitchen's printable day,
// the canteen's monthly statement, voucher batches and "my vouchers".

// yuanField parses an amount in yuan with at most two decimals ("12", "12.5",
// "12.50") into fen, exactly (no floating point); empty is 0.
func yuanField(field, s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "元"))
	if s == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	bad := yanglao.Invalid(field, "金额应为元，最多两位小数 (amount in yuan, at most two decimals)")
	if whole == "" || len(whole) > 7 || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, bad
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}

// formKey is a fresh idempotency key for a form, so a double tap makes one order.
func formKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// fieldErrors turns a service error into the form's field errors (or a
// problem not tied to a field); internal errors are returned as they are.
func fieldErrors(l string, err error) (map[string]string, string, error) {
	if yanglao.ErrorCode(err) == yanglao.EINTERNAL {
		return nil, "", err
	}
	msg := localMsg(l, yanglao.ErrorMessage(err))
	if f := yanglao.ErrorField(err); f != "" {
		return map[string]string{f: msg}, "", nil
	}
	return map[string]string{}, msg, nil
}

func mealLabel(l, meal string) string { return yanglao.NameIn(yanglao.MealNames, meal, l) }
func modeLabel(l, mode string) string { return yanglao.NameIn(yanglao.MealModes, mode, l) }

// --- canteens

type canteenListData struct {
	Items       []*yanglao.Canteen
	Next        string
	Query       string
	CanAdd      bool
	TypeName    func(string) string
	Subsidies   []*yanglao.MealSubsidy // officials: the rules on their region's path
	SubsidyForm *subsidyForm
	Categories  [][2]string
}

func (s *Server) pageCanteens(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	items, next, err := svc.Canteens(r.Context(), yanglao.CanteenFilter{Query: q, Page: page})
	if err != nil {
		return err
	}
	a, l := actor(r), lang(r)
	d := &canteenListData{Items: items, Next: next, Query: q, CanAdd: a.Unrestricted() || a.Role == yanglao.RoleOfficial,
		TypeName: func(t string) string { return yanglao.NameIn(yanglao.CanteenTypes, t, l) }}
	if err := s.subsidySection(r, d, nil); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "canteens.html", s.newPage(r, "助餐食堂", "Canteens", d))
}

type canteenFormData struct {
	C       *yanglao.Canteen
	Yuan    map[string]string // the funding shares as typed, in yuan
	Types   [][2]string
	Errors  map[string]string
	Problem string
}

func canteenTypes(l string) [][2]string {
	var out [][2]string
	for _, t := range []string{"xiaoshan", "elder_restaurant", "meal_point"} {
		out = append(out, [2]string{t, yanglao.NameIn(yanglao.CanteenTypes, t, l)})
	}
	return out
}

func (s *Server) pageNewCanteen(w http.ResponseWriter, r *http.Request) error {
	c := &yanglao.Canteen{RegionCode: actor(r).RegionCode, Type: "xiaoshan", CutoffBreakfast: "07:00", CutoffLunch: "10:00", CutoffDinner: "15:00"}
	d := &canteenFormData{C: c, Types: canteenTypes(lang(r)), Yuan: map[string]string{}}
	return s.render(w, http.StatusOK, "canteen_form.html", s.newPage(r, "登记食堂", "Register a canteen", d))
}

func (s *Server) postCanteen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	seats, _ := strconv.Atoi(strings.TrimSpace(f("seats")))
	c := &yanglao.Canteen{Name: f("name"), RegionCode: strings.TrimSpace(f("region_code")), Type: f("type"), Address: f("address"),
		Seats: seats, Hours: f("hours"), Delivery: f("delivery") == "1",
		CutoffBreakfast: f("cutoff_breakfast"), CutoffLunch: f("cutoff_lunch"), CutoffDinner: f("cutoff_dinner")}
	d := &canteenFormData{C: c, Types: canteenTypes(lang(r)), Yuan: map[string]string{}}
	if s := strings.TrimSpace(f("seats")); s != "" && strconv.Itoa(seats) != s {
		d.Errors = map[string]string{"seats": tr(lang(r), "座位数应为整数", "Seats must be a whole number")}
	}
	for field, dst := range map[string]*int64{"enterprise_fen": &c.EnterpriseFen, "collective_fen": &c.CollectiveFen, "social_fen": &c.SocialFen, "min_personal_fen": &c.MinPersonalFen} {
		d.Yuan[field] = f(field)
		v, err := yuanField(field, f(field))
		if err != nil && d.Errors == nil {
			d.Errors = map[string]string{field: localMsg(lang(r), yanglao.ErrorMessage(err))}
		}
		*dst = v
	}
	if d.Errors == nil {
		if err = svc.CreateCanteen(r.Context(), c); err == nil {
			seeOther(w, r, "/canteens/"+strconv.FormatInt(c.ID, 10))
			return nil
		}
		if d.Errors, d.Problem, err = fieldErrors(lang(r), err); err != nil {
			return err
		}
	}
	return s.render(w, http.StatusUnprocessableEntity, "canteen_form.html", s.newPage(r, "登记食堂", "Register a canteen", d))
}

type canteenMenuDay struct {
	Day   yanglao.Date
	Menus []*yanglao.Menu
}

type canteenViewData struct {
	C        *yanglao.Canteen
	TypeName string
	Days     []canteenMenuDay
	Runs     bool // staff or an official: menus, kitchen, statement
	Staff    bool // the canteen's own staff: the counter
	Meals    [][2]string
	Modes    [][2]string
	Today    string
	Month    string
	Key      string
	Menu     *yanglao.Menu // the menu form as typed
	MenuYuan string
	Counter  *yanglao.MealOrderInput
	Errors   map[string]string
	Problem  string
	Placed   *yanglao.MealOrder // the counter's last order
}

func labelled(table map[string][2]string, order []string, l string) [][2]string {
	var out [][2]string
	for _, k := range order {
		out = append(out, [2]string{k, yanglao.NameIn(table, k, l)})
	}
	return out
}

func (s *Server) canteenView(r *http.Request, id int64) (*canteenViewData, error) {
	svc, err := s.meals()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	c, err := svc.Canteen(ctx, id)
	if err != nil {
		return nil, err
	}
	l, a := lang(r), actor(r)
	today := yanglao.DateOf(time.Now())
	menus, err := svc.Menus(ctx, id, today, today.AddDays(6))
	if err != nil {
		return nil, err
	}
	d := &canteenViewData{C: c, TypeName: yanglao.NameIn(yanglao.CanteenTypes, c.Type, l), Meals: labelled(yanglao.MealNames, yanglao.MealOrderOfDay, l),
		Modes: labelled(yanglao.MealModes, yanglao.MealModeOrder, l), Today: today.String(), Month: today.String()[:7], Key: formKey(),
		Menu: &yanglao.Menu{Day: today, Meal: "lunch"}, Counter: &yanglao.MealOrderInput{Mode: "eat_in"}, Errors: map[string]string{}}
	d.Staff = a.OrgID != nil && *a.OrgID == c.ID
	d.Runs = d.Staff || a.Unrestricted() || (a.Role == yanglao.RoleOfficial && a.OrgID == nil)
	for i := range 7 {
		day := today.AddDays(i)
		md := canteenMenuDay{Day: day}
		for _, m := range menus {
			if m.Day == day {
				md.Menus = append(md.Menus, m)
			}
		}
		d.Days = append(d.Days, md)
	}
	return d, nil
}

func (s *Server) pageCanteen(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.canteenView(r, id)
	if err != nil {
		return err
	}
	if oid, err := queryID(r, "placed"); err == nil && oid != 0 {
		d.Placed, _ = s.Meals.MealOrder(r.Context(), oid)
	}
	return s.render(w, http.StatusOK, "canteen_view.html", s.newPage(r, d.C.Name, d.C.Name, d))
}

func (s *Server) postCanteenMenu(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	d, err := s.canteenView(r, id)
	if err != nil {
		return err
	}
	f := r.PostFormValue
	d.Menu = &yanglao.Menu{CanteenID: id, Meal: f("meal"), Dishes: f("dishes")}
	d.MenuYuan = f("price")
	var ferr error
	if d.Menu.Day, ferr = dateField("day", f("day")); ferr == nil {
		d.Menu.PriceFen, ferr = yuanField("price", f("price"))
		if ferr == nil && d.Menu.PriceFen == 0 {
			ferr = yanglao.Invalid("price", "请填写价格 (price is required)")
		}
	}
	if ferr == nil {
		ferr = s.Meals.SaveMenu(r.Context(), d.Menu)
		if ferr == nil {
			seeOther(w, r, "/canteens/"+strconv.FormatInt(id, 10)+"#menus")
			return nil
		}
	}
	errs, problem, err := fieldErrors(lang(r), ferr)
	if err != nil {
		return err
	}
	if m, ok := errs["price_fen"]; ok {
		errs["price"] = m
	}
	d.Errors, d.Problem = errs, problem
	return s.render(w, http.StatusUnprocessableEntity, "canteen_view.html", s.newPage(r, d.C.Name, d.C.Name, d))
}

// postCanteenCounter takes an order at the counter, by the person's citizen ID.
func (s *Server) postCanteenCounter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	d, err := s.canteenView(r, id)
	if err != nil {
		return err
	}
	f := r.PostFormValue
	menuID, _ := strconv.ParseInt(f("menu_id"), 10, 64)
	in := &yanglao.MealOrderInput{MenuID: menuID, IDNumber: f("id_number"), Mode: f("mode"), Address: f("address"),
		UseVoucher: f("use_voucher") == "1", RequestKey: f("key")}
	o, err := s.Meals.PlaceMealOrder(r.Context(), in)
	if err == nil {
		seeOther(w, r, "/canteens/"+strconv.FormatInt(id, 10)+"?placed="+strconv.FormatInt(o.ID, 10)+"#counter")
		return nil
	}
	if d.Errors, d.Problem, err = fieldErrors(lang(r), err); err != nil {
		return err
	}
	in.IDNumber = "" // not echoed back into the page
	d.Counter = in
	return s.render(w, http.StatusUnprocessableEntity, "canteen_view.html", s.newPage(r, d.C.Name, d.C.Name, d))
}

type canteenKitchenData struct {
	C       *yanglao.Canteen
	K       *yanglao.KitchenDay
	Prev    string
	Next    string
	ByMeal  []canteenKitchenMeal
	Lang    string
	Printed string
}

type canteenKitchenMeal struct {
	Meal   string
	Label  string
	Counts []*yanglao.KitchenCount
	Total  int
}

func (s *Server) pageKitchen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, day, err := kitchenParams(r)
	if err != nil {
		return err
	}
	k, err := svc.KitchenDay(r.Context(), id, day)
	if err != nil {
		return err
	}
	c, err := svc.Canteen(r.Context(), id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := &canteenKitchenData{C: c, K: k, Prev: day.AddDays(-1).String(), Next: day.AddDays(1).String(), Lang: l, Printed: whenText(time.Now())}
	for _, meal := range yanglao.MealOrderOfDay {
		km := canteenKitchenMeal{Meal: meal, Label: mealLabel(l, meal)}
		for _, c := range k.Counts {
			if c.Meal == meal {
				km.Counts = append(km.Counts, c)
				km.Total += c.Count
			}
		}
		if km.Total > 0 {
			d.ByMeal = append(d.ByMeal, km)
		}
	}
	return s.render(w, http.StatusOK, "canteen_kitchen.html", s.newPage(r, "后厨当日统计", "Kitchen day", d))
}

type canteenStatementData struct {
	C    *yanglao.Canteen
	St   *yanglao.CanteenStatement
	Cats [][2]string // category label, meals
}

func (s *Server) pageCanteenStatement(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := svc.CanteenStatement(r.Context(), id, monthParam(r))
	if err != nil {
		return err
	}
	c, err := svc.Canteen(r.Context(), id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := &canteenStatementData{C: c, St: st}
	for cat, n := range st.ByCategory {
		d.Cats = append(d.Cats, [2]string{yanglao.SubsidyCategoryName(cat, l), strconv.Itoa(n)})
	}
	return s.render(w, http.StatusOK, "canteen_statement.html", s.newPage(r, "助餐月度结算", "Monthly meal statement", d))
}

// --- the older person's meal ordering

type mealsPageData struct {
	People   []*yanglao.Person
	Person   *yanglao.Person
	Vouchers []*yanglao.Voucher
	Canteens []mealCanteen
	Orders   []*yanglao.MealOrder
	Modes    [][2]string
	Key      string
	ErrMenu  int64
	Error    string
	Family   bool
}

type mealCanteen struct {
	C     *yanglao.Canteen
	Menus []*yanglao.Menu
}

func (s *Server) mealsPage(r *http.Request) (*mealsPageData, error) {
	svc, err := s.meals()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	a := actor(r)
	if a.Role != yanglao.RoleElder && a.Role != yanglao.RoleFamily {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "这个页面供老年人和家属订餐；食堂工作人员请在食堂页面的柜台点餐 (this page is for older people and families; canteen staff order at the counter on the canteen's page)")
	}
	people, _, err := s.People.People(ctx, yanglao.PersonFilter{Life: yanglao.Alive})
	if err != nil {
		return nil, err
	}
	d := &mealsPageData{People: people, Modes: labelled(yanglao.MealModes, yanglao.MealModeOrder, lang(r)), Key: formKey(), Family: a.Role == yanglao.RoleFamily}
	if len(people) == 0 {
		return d, nil
	}
	d.Person = people[0]
	if pid, err := queryID(r, "person"); err == nil && pid != 0 {
		for _, p := range people {
			if p.ID == pid {
				d.Person = p
			}
		}
	}
	if s.Vouchers != nil {
		d.Vouchers, _, err = s.Vouchers.Vouchers(ctx, yanglao.VoucherFilter{PersonID: d.Person.ID, State: yanglao.VoucherUnspent, Use: yanglao.VoucherMeal})
		if err != nil {
			return nil, err
		}
	}
	canteens, _, err := svc.Canteens(ctx, yanglao.CanteenFilter{})
	if err != nil {
		return nil, err
	}
	today := yanglao.DateOf(time.Now())
	for _, c := range canteens {
		ms, err := svc.Menus(ctx, c.ID, today, today.AddDays(2))
		if err != nil {
			return nil, err
		}
		d.Canteens = append(d.Canteens, mealCanteen{C: c, Menus: ms})
	}
	d.Orders, _, err = svc.MealOrders(ctx, yanglao.MealOrderFilter{PersonID: d.Person.ID, From: today, Status: yanglao.MealOrdered})
	return d, err
}

func (s *Server) pageMeals(w http.ResponseWriter, r *http.Request) error {
	d, err := s.mealsPage(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "meal_order.html", s.newPage(r, "订餐", "Order a meal", d))
}

func (s *Server) postMeal(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	menuID, _ := strconv.ParseInt(f("menu_id"), 10, 64)
	personID, _ := strconv.ParseInt(f("person_id"), 10, 64)
	in := &yanglao.MealOrderInput{MenuID: menuID, PersonID: personID, Mode: f("mode"), Address: f("address"),
		UseVoucher: f("use_voucher") == "1", RequestKey: f("key")}
	svc, err := s.meals()
	if err != nil {
		return err
	}
	o, err := svc.PlaceMealOrder(r.Context(), in)
	if err == nil {
		seeOther(w, r, "/meals/orders/"+strconv.FormatInt(o.ID, 10))
		return nil
	}
	if yanglao.ErrorCode(err) == yanglao.EINTERNAL {
		return err
	}
	d, derr := s.mealsPage(r)
	if derr != nil {
		return derr
	}
	d.ErrMenu, d.Error = menuID, localMsg(lang(r), yanglao.ErrorMessage(err))
	return s.render(w, http.StatusUnprocessableEntity, "meal_order.html", s.newPage(r, "订餐", "Order a meal", d))
}

type mealDoneData struct {
	O         *yanglao.MealOrder
	Meal      string
	Mode      string
	Category  string
	CanCancel bool
}

func (s *Server) pageMealOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := svc.MealOrder(r.Context(), id)
	if err != nil {
		return err
	}
	l := lang(r)
	d := &mealDoneData{O: o, Meal: mealLabel(l, o.Meal), Mode: modeLabel(l, o.Mode), Category: yanglao.SubsidyCategoryName(o.Category, l),
		CanCancel: o.Status == yanglao.MealOrdered && !o.Day.Before(yanglao.DateOf(time.Now()))}
	return s.render(w, http.StatusOK, "meal_done.html", s.newPage(r, "订餐结果", "Your meal order", d))
}

func (s *Server) postCancelMeal(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := svc.CancelMealOrder(r.Context(), id); err != nil {
		return err
	}
	back := "/meals/orders/" + strconv.FormatInt(id, 10)
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/canteens/") {
		back = safeNext(b)
	}
	seeOther(w, r, back)
	return nil
}

// --- vouchers

type voucherPageData struct {
	Official bool
	Batches  []*yanglao.VoucherBatch
	Next     string
	Mine     []*yanglao.Voucher
	Form     *voucherForm
	Statuses [][2]string
}

type voucherForm struct {
	Name, Region, Face, From, Until, Use, Status, MinAge, IDs, Key string
	Preview                                                        int
	Previewed                                                      bool
	Errors                                                         map[string]string
	Problem                                                        string
}

func (s *Server) voucherPage(r *http.Request, form *voucherForm) (*voucherPageData, error) {
	svc, err := s.vouchers()
	if err != nil {
		return nil, err
	}
	a, l := actor(r), lang(r)
	d := &voucherPageData{Official: a.Unrestricted() || a.Role == yanglao.RoleOfficial}
	if !d.Official {
		d.Mine, _, err = svc.Vouchers(r.Context(), yanglao.VoucherFilter{})
		return d, err
	}
	page, err := pageParams(r)
	if err != nil {
		return nil, err
	}
	if d.Batches, d.Next, err = svc.VoucherBatches(r.Context(), yanglao.VoucherBatchFilter{Page: page}); err != nil {
		return nil, err
	}
	if form == nil {
		today := yanglao.DateOf(time.Now())
		form = &voucherForm{Region: a.RegionCode, From: today.String(), Until: today.AddDays(90).String(), Use: yanglao.VoucherMeal, Key: formKey()}
	}
	d.Form = form
	d.Statuses = [][2]string{{"", tr(l, "不限", "Any")}}
	for _, k := range []string{"tekun_dispersed", "tekun_centralised", "dibao", "low_income", "disabled", "dementia", "special_family"} {
		d.Statuses = append(d.Statuses, [2]string{k, yanglao.StatusKinds[k][map[bool]int{true: 1, false: 0}[l == "en"]]})
	}
	return d, nil
}

func (s *Server) pageVouchers(w http.ResponseWriter, r *http.Request) error {
	d, err := s.voucherPage(r, nil)
	if err != nil {
		return err
	}
	title := [2]string{"消费券", "Vouchers"}
	if !d.Official {
		title = [2]string{"我的消费券", "My vouchers"}
	}
	return s.render(w, http.StatusOK, "voucher_list.html", s.newPage(r, title[0], title[1], d))
}

// postVouchers previews (action=preview) or issues (action=issue) a batch.
func (s *Server) postVouchers(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	form := &voucherForm{Name: f("name"), Region: strings.TrimSpace(f("region_code")), Face: f("face"), From: f("valid_from"), Until: f("valid_until"),
		Use: f("use"), Status: f("status"), MinAge: strings.TrimSpace(f("min_age")), IDs: f("person_ids"), Key: f("key"), Errors: map[string]string{}}
	b, err := form.batch()
	if err == nil {
		if f("action") == "issue" {
			if err = svc.IssueVoucherBatch(r.Context(), b); err == nil {
				seeOther(w, r, "/vouchers/batches/"+strconv.FormatInt(b.ID, 10))
				return nil
			}
		} else {
			form.Preview, err = svc.PreviewVoucherBatch(r.Context(), b)
			form.Previewed = err == nil
		}
	}
	if c := yanglao.ErrorCode(err); err != nil && c != yanglao.EINVALID && c != yanglao.ECONFLICT {
		return err // not allowed, or broken: the error page, not the form
	}
	if err != nil {
		if form.Errors, form.Problem, err = fieldErrors(lang(r), err); err != nil {
			return err
		}
		if m, ok := form.Errors["face_fen"]; ok {
			form.Errors["face"] = m
		}
	}
	d, err := s.voucherPage(r, form)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(form.Errors) > 0 || form.Problem != "" {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, status, "voucher_list.html", s.newPage(r, "消费券", "Vouchers", d))
}

// batch reads the form: register filters, or person ids one per line (or
// separated by commas or spaces) when the list box is filled.
func (f *voucherForm) batch() (*yanglao.VoucherBatch, error) {
	face, err := yuanField("face", f.Face)
	if err != nil {
		return nil, err
	}
	b := &yanglao.VoucherBatch{Name: f.Name, RegionCode: f.Region, FaceFen: face, Uses: []string{f.Use}, RequestKey: f.Key}
	if b.ValidFrom, err = dateField("valid_from", f.From); err != nil {
		return nil, err
	}
	if b.ValidUntil, err = dateField("valid_until", f.Until); err != nil {
		return nil, err
	}
	if ids := strings.FieldsFunc(f.IDs, func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }); len(ids) > 0 {
		for _, s := range ids {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return nil, yanglao.Invalid("person_ids", "人员编号应为正整数：%q (person ids must be positive integers: %q)", s, s)
			}
			b.PersonIDs = append(b.PersonIDs, id)
		}
		return b, nil
	}
	spec := &yanglao.VoucherFilterSpec{Status: f.Status}
	if f.MinAge != "" {
		n, err := strconv.Atoi(f.MinAge)
		if err != nil {
			return nil, yanglao.Invalid("min_age", "年龄应为整数 (age must be a whole number)")
		}
		spec.MinAge = n
	}
	b.Filter = spec
	return b, nil
}

type voucherBatchData struct {
	States []string
	B      *yanglao.VoucherBatch
	Items  []*yanglao.Voucher
	Next   string
	State  string
}

func (s *Server) pageVoucherBatch(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.vouchers()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := svc.VoucherBatch(r.Context(), id)
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	items, next, err := svc.Vouchers(r.Context(), yanglao.VoucherFilter{BatchID: id, State: state, Page: page})
	if err != nil {
		return err
	}
	d := &voucherBatchData{B: b, Items: items, Next: next, State: state,
		States: []string{yanglao.VoucherUnspent, yanglao.VoucherSpent, yanglao.VoucherExpired, yanglao.VoucherPending}}
	return s.render(w, http.StatusOK, "voucher_batch.html", s.newPage(r, b.Name, b.Name, d))
}

// dayName is "今天", "明天", "后天" or the date with its weekday.
func dayName(l string, d yanglao.Date) string {
	today := yanglao.DateOf(time.Now())
	switch d {
	case today:
		return tr(l, "今天", "Today")
	case today.AddDays(1):
		return tr(l, "明天", "Tomorrow")
	case today.AddDays(2):
		return tr(l, "后天", "Day after tomorrow")
	}
	wd := [...]string{"日", "一", "二", "三", "四", "五", "六"}[d.Time().Weekday()]
	return tr(l, d.String()+" 周"+wd, d.Time().Format("Mon 2 Jan"))
}
