package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
)

// Meal assistance (助餐, issue 5): canteens, menus, subsidies, meal orders, the
// kitchen's day and the monthly statement. The MealService decides scope.

func (s *Server) meals() (yanglao.MealService, error) {
	return wired(s.Meals, "助餐服务", "the meal service")
}

var pCanteenID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "食堂（机构）编号 (canteen, i.e. organisation, id)"}

// CanteenInput is the body of POST /api/v1/canteens and PUT /api/v1/canteens/{id}.
type CanteenInput struct {
	Name            string   `json:"name"`
	RegionCode      string   `json:"region_code"`
	Type            string   `json:"type"` // xiaoshan 孝善食堂 | elder_restaurant 长者餐厅 | meal_point 助餐点
	Address         string   `json:"address"`
	Lng             *float64 `json:"lng,omitempty"`
	Lat             *float64 `json:"lat,omitempty"`
	Seats           int      `json:"seats"`
	Hours           string   `json:"hours"`
	Delivery        bool     `json:"delivery"`
	CutoffBreakfast string   `json:"cutoff_breakfast,omitempty"`
	CutoffLunch     string   `json:"cutoff_lunch,omitempty"`
	CutoffDinner    string   `json:"cutoff_dinner,omitempty"`
	EnterpriseFen   int64    `json:"enterprise_fen"`
	CollectiveFen   int64    `json:"collective_fen"`
	SocialFen       int64    `json:"social_fen"`
	MinPersonalFen  int64    `json:"min_personal_fen"`
}

func (in CanteenInput) canteen() *yanglao.Canteen {
	return &yanglao.Canteen{Name: in.Name, RegionCode: in.RegionCode, Type: in.Type, Address: in.Address, Lng: in.Lng, Lat: in.Lat,
		Seats: in.Seats, Hours: in.Hours, Delivery: in.Delivery, CutoffBreakfast: in.CutoffBreakfast, CutoffLunch: in.CutoffLunch,
		CutoffDinner: in.CutoffDinner, EnterpriseFen: in.EnterpriseFen, CollectiveFen: in.CollectiveFen, SocialFen: in.SocialFen, MinPersonalFen: in.MinPersonalFen}
}

var docCanteens = &apiDoc{Tag: "meals", Summary: "食堂列表：民政干部看辖区内的，食堂工作人员看本食堂，老年人和家属看关联老人所在区县的 (canteens: officials see their region's, staff their own, older people and families those of their linked people's county)",
	Params: []param{{Name: "q", In: "query", Type: "string", Desc: "名称包含 (name contains)"}, pAfter, pLimit}, Response: List[*yanglao.Canteen]{}}

func (s *Server) apiCanteens(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := svc.Canteens(r.Context(), yanglao.CanteenFilter{Query: r.URL.Query().Get("q"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Canteen]{Items: items, Next: next})
	return nil
}

var docCreateCanteen = &apiDoc{Tag: "meals", Status: http.StatusCreated,
	Summary: "登记食堂（民政干部，本辖区内）：机构和食堂信息一起登记；每餐的企业让利、集体补助、社会捐助和个人最低支付（分）(register a canteen (officials, in their region): the organisation and its details together; per-meal enterprise discount, collective and social shares and the least the person pays, in fen)",
	Body:    CanteenInput{}, Response: yanglao.Canteen{}}

func (s *Server) apiCreateCanteen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	var in CanteenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c := in.canteen()
	if err := svc.CreateCanteen(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

var docCanteen = &apiDoc{Tag: "meals", Summary: "一个食堂 (one canteen)", Params: []param{pCanteenID}, Response: yanglao.Canteen{}}

func (s *Server) apiCanteen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.Canteen)
}

var docUpdateCanteen = &apiDoc{Tag: "meals",
	Summary: "修改食堂信息：食堂工作人员改地址、座位、营业时间、送餐和截止时间；资金分担只有民政干部能改 (change a canteen: its staff change address, seats, hours, delivery and cut-offs; only officials change the funding shares)",
	Params:  []param{pCanteenID}, Body: CanteenInput{}, Response: yanglao.Canteen{}}

func (s *Server) apiUpdateCanteen(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CanteenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c := in.canteen()
	c.ID = id
	if err := svc.UpdateCanteen(r.Context(), c); err != nil {
		return err
	}
	return respondByID(w, r, svc.Canteen)
}

var docMenus = &apiDoc{Tag: "meals", Summary: "食堂菜单（按日期和餐次）(a canteen's menus by day and meal)",
	Params: []param{pCanteenID, {Name: "from", In: "query", Type: "string", Desc: "YYYY-MM-DD，默认今天 (default today)"},
		{Name: "to", In: "query", Type: "string", Desc: "YYYY-MM-DD，默认7天后 (default 6 days after from)"}},
	Response: List[*yanglao.Menu]{}}

func (s *Server) apiMenus(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from, to, err := dayRange(r)
	if err != nil {
		return err
	}
	items, err := svc.Menus(r.Context(), id, from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Menu]{Items: items})
	return nil
}

// dayRange reads ?from= and ?to=, defaulting to this week from today.
func dayRange(r *http.Request) (yanglao.Date, yanglao.Date, error) {
	from, err := dateField("from", r.URL.Query().Get("from"))
	if err != nil {
		return from, from, err
	}
	if from.IsZero() {
		from = yanglao.DateOf(time.Now())
	}
	to, err := dateField("to", r.URL.Query().Get("to"))
	if to.IsZero() && err == nil {
		to = from.AddDays(6)
	}
	return from, to, err
}

// MenuInput is the body of POST /api/v1/canteens/{id}/menus.
type MenuInput struct {
	Day      string `json:"day"` // YYYY-MM-DD
	Meal     string `json:"meal"`
	Dishes   string `json:"dishes"`
	PriceFen int64  `json:"price_fen"`
}

var docSaveMenu = &apiDoc{Tag: "meals",
	Summary: "保存一餐的菜单（食堂工作人员或民政干部）：同一天同一餐再次保存即替换，已下的订单保持下单时的价格 (save one meal's menu (canteen staff or officials): saving the same day and meal again replaces it; orders already placed keep their price)",
	Params:  []param{pCanteenID}, Body: MenuInput{}, Response: yanglao.Menu{}}

func (s *Server) apiSaveMenu(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in MenuInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	day, err := dateField("day", in.Day)
	if err != nil {
		return err
	}
	m := &yanglao.Menu{CanteenID: id, Day: day, Meal: in.Meal, Dishes: in.Dishes, PriceFen: in.PriceFen}
	if err := svc.SaveMenu(r.Context(), m); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

var docKitchenDay = &apiDoc{Tag: "meals", Summary: "后厨当日统计：按餐次和就餐方式的份数、全部订单和送餐名单 (the kitchen's day: counts by meal and mode, every order, the delivery list)",
	Params: []param{pCanteenID, {Name: "day", In: "query", Type: "string", Desc: "YYYY-MM-DD，默认今天 (default today)"}}, Response: yanglao.KitchenDay{}}

func (s *Server) apiKitchenDay(w http.ResponseWriter, r *http.Request) error {
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
	writeJSON(w, http.StatusOK, k)
	return nil
}

func kitchenParams(r *http.Request) (int64, yanglao.Date, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, yanglao.Date{}, err
	}
	day, err := dateField("day", r.URL.Query().Get("day"))
	if day.IsZero() && err == nil {
		day = yanglao.DateOf(time.Now())
	}
	return id, day, err
}

// monthParam reads ?month=, this month in Asia/Shanghai by default.
func monthParam(r *http.Request) string {
	if m := r.URL.Query().Get("month"); m != "" {
		return m
	}
	return time.Now().In(yanglao.Shanghai).Format("2006-01")
}

var docCanteenStatement = &apiDoc{Tag: "meals",
	Summary: "食堂月度结算：每天和全月的份数、各方分担（分）及政府应付（补贴＋消费券）、按补贴类别的份数 (a canteen's monthly statement: meals and each funding share per day and for the month, in fen, what the government owes (subsidy + vouchers), meals by subsidy category)",
	Params:  []param{pCanteenID, pMonth}, Response: yanglao.CanteenStatement{}}

func (s *Server) apiCanteenStatement(w http.ResponseWriter, r *http.Request) error {
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
	writeJSON(w, http.StatusOK, st)
	return nil
}

var docCanteenStatementCSV = &apiDoc{Tag: "meals", Summary: "食堂月度结算 CSV (the monthly statement as CSV)", Params: []param{pCanteenID, pMonth}}
var docCanteenStatementXLSX = &apiDoc{Tag: "meals", Summary: "食堂月度结算 .xlsx (the monthly statement as .xlsx)", Params: []param{pCanteenID, pMonth}}

func (s *Server) apiCanteenStatementCSV(w http.ResponseWriter, r *http.Request) error {
	return s.exportMealStatement(w, r, register.CSV)
}

func (s *Server) apiCanteenStatementXLSX(w http.ResponseWriter, r *http.Request) error {
	return s.exportMealStatement(w, r, register.XLSX)
}

// MealStatementHeader is the statement file's header row; amounts are in yuan.
var MealStatementHeader = []string{"日期 (day)", "份数 (meals)", "餐价合计 (price)", "个人支付 (person)", "消费券 (vouchers)", "企业让利 (enterprise)",
	"政府补贴 (government subsidy)", "集体补助 (collective)", "社会捐助 (social)", "政府应付 (government owes)"}

func mealStatementCells(day string, l *yanglao.MealStatementLine) []string {
	return []string{day, strconv.Itoa(l.Meals), sqldb.FenText(l.Price), sqldb.FenText(l.Person), sqldb.FenText(l.Voucher), sqldb.FenText(l.Enterprise),
		sqldb.FenText(l.Government), sqldb.FenText(l.Collective), sqldb.FenText(l.Social), sqldb.FenText(l.GovernmentOwes)}
}

func (s *Server) exportMealStatement(w http.ResponseWriter, r *http.Request, format register.Format) error {
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
	return s.download(w, r, File{Format: format, Name: st.CanteenName + "-助餐结算-" + st.Month, ASCIIName: "canteen-" + strconv.FormatInt(id, 10) + "-" + st.Month,
		Sheet: "助餐结算", Header: MealStatementHeader}, func(row func([]string) error) error {
		for _, l := range st.Days {
			if err := row(mealStatementCells(l.Day.String(), l)); err != nil {
				return err
			}
		}
		return row(mealStatementCells("合计 (total)", &st.Total))
	})
}

// MealSubsidyInput is the body of POST /api/v1/meal-subsidies.
type MealSubsidyInput struct {
	RegionCode string `json:"region_code"`
	Category   string `json:"category"`
	Fen        int64  `json:"fen"`
	From       string `json:"from"`            // YYYY-MM-DD
	Until      string `json:"until,omitempty"` // YYYY-MM-DD
	Source     string `json:"source"`
}

var docMealSubsidies = &apiDoc{Tag: "meals", Summary: "一个地区路径上的助餐补贴规则（本级和上级）(the meal-subsidy rules on a region's path: its own and its ancestors')",
	Params: []param{pRegion}, Response: List[*yanglao.MealSubsidy]{}}

func (s *Server) apiMealSubsidies(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	region := r.URL.Query().Get("region")
	if region == "" {
		if a := actor(r); a != nil {
			region = a.RegionCode
		}
	}
	items, err := svc.MealSubsidies(r.Context(), region)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.MealSubsidy]{Items: items})
	return nil
}

var docSetMealSubsidy = &apiDoc{Tag: "meals", Status: http.StatusCreated,
	Summary: "设置助餐补贴（民政干部，本辖区）：类别为 age_80 这样的年龄段或登记身份类别，每餐补贴（分）、有效期和依据；最具体地区的规则生效，多个类别取最高 (set a meal subsidy (officials, in their region): category age_80 … or a register status, fen per meal, validity and source; the most specific region's rule applies, the highest of a person's categories wins)",
	Body:    MealSubsidyInput{}, Response: yanglao.MealSubsidy{}}

func (s *Server) apiSetMealSubsidy(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	var in MealSubsidyInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ms := &yanglao.MealSubsidy{RegionCode: in.RegionCode, Category: in.Category, Fen: in.Fen, Source: in.Source}
	if ms.From, err = dateField("from", in.From); err != nil {
		return err
	}
	if ms.Until, err = dateField("until", in.Until); err != nil {
		return err
	}
	if err := svc.SetMealSubsidy(r.Context(), ms); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ms)
	return nil
}

var docMealOrders = &apiDoc{Tag: "meals", Summary: "订餐列表（新的在前）：老年人和家属看关联老人的，食堂看本食堂的，民政干部看辖区内食堂的 (meal orders, newest first: older people and families see their linked people's, a canteen its own, officials their region's canteens')",
	Params: []param{{Name: "canteen", In: "query", Type: "integer"}, {Name: "person", In: "query", Type: "integer"},
		{Name: "from", In: "query", Type: "string"}, {Name: "to", In: "query", Type: "string"}, {Name: "status", In: "query", Type: "string", Desc: "ordered | cancelled"}, pAfter, pLimit},
	Response: List[*yanglao.MealOrder]{}}

func (s *Server) apiMealOrders(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	f := yanglao.MealOrderFilter{Status: r.URL.Query().Get("status"), Page: page}
	if f.CanteenID, err = queryID(r, "canteen"); err != nil {
		return err
	}
	if f.PersonID, err = queryID(r, "person"); err != nil {
		return err
	}
	if f.From, err = dateField("from", r.URL.Query().Get("from")); err != nil {
		return err
	}
	if f.To, err = dateField("to", r.URL.Query().Get("to")); err != nil {
		return err
	}
	items, next, err := svc.MealOrders(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.MealOrder]{Items: items, Next: next})
	return nil
}

var docPlaceMealOrder = &apiDoc{Tag: "meals", Status: http.StatusCreated,
	Summary: "订一餐：老年人本人或家属为关联老人（person_id），食堂工作人员在柜台凭身份证号（id_number）；按类别补贴并记录各方分担，可用消费券支付个人部分；同一幂等键重复提交只生成一单；同一老人同一餐只能有一单 " +
		"(order one meal: the older person or family for a linked person (person_id), canteen staff at the counter by citizen ID (id_number); the category's subsidy and every share are recorded, a voucher may pay the person's part; the same idempotency_key makes one order; one live order per person and meal)",
	Body: yanglao.MealOrderInput{}, Response: yanglao.MealOrder{}}

func (s *Server) apiPlaceMealOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	var in yanglao.MealOrderInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := svc.PlaceMealOrder(r.Context(), &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

var pMealOrderID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "订餐编号 (meal order id)"}

var docMealOrder = &apiDoc{Tag: "meals", Summary: "一份订餐 (one meal order)", Params: []param{pMealOrderID}, Response: yanglao.MealOrder{}}

func (s *Server) apiMealOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.MealOrder)
}

var docCancelMealOrder = &apiDoc{Tag: "meals", Summary: "取消订餐（截止时间前；退回消费券）(cancel a meal order before the cut-off; the voucher comes back)",
	Params: []param{pMealOrderID}, Response: yanglao.MealOrder{}}

func (s *Server) apiCancelMealOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	return respondByID(w, r, svc.CancelMealOrder)
}
