package yanglao

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yanglao/yanglao/meals"
)

// Meal assistance (助餐): canteens, their daily menus, meal orders with the
// subsidy of the person's category and the other funding shares recorded per
// meal (Tancheng §8 孝善食堂 and 多元筹资; Chenzhou §7 长者餐厅; Shaoyang §4 老年助餐点).

// Canteen sub-types, named as the seeds name them.
var CanteenTypes = map[string][2]string{
	"xiaoshan":         {"孝善食堂", "Filial-piety canteen"}, // Tancheng §8
	"elder_restaurant": {"长者餐厅", "Seniors' restaurant"},  // Chenzhou §7
	"meal_point":       {"助餐点", "Meal-assistance point"}, // Shaoyang §4 老年助餐点
}

// Meals of the day and how a meal reaches the person.
var (
	MealNames = map[string][2]string{"breakfast": {"早餐", "Breakfast"}, "lunch": {"午餐", "Lunch"}, "dinner": {"晚餐", "Dinner"}}
	MealModes = map[string][2]string{"eat_in": {"堂食", "Eat in"}, "pickup": {"自取", "Pick up"}, "delivery": {"送餐上门", "Delivery"}}
	// MealOrder order of display.
	MealOrderOfDay = []string{"breakfast", "lunch", "dinner"}
	MealModeOrder  = []string{"eat_in", "pickup", "delivery"}
)

// Meal-order states and channels.
const (
	MealOrdered   = "ordered"
	MealCancelled = "cancelled"

	ChannelSelf    = "self"    // the older person on their phone
	ChannelFamily  = "family"  // a linked family member (子女网上下单)
	ChannelCounter = "counter" // canteen staff at the counter
)

// MaxMealFen bounds a menu price and a per-meal share (500 yuan): far above any
// canteen meal, low enough that a mistyped amount is caught.
const MaxMealFen = 50_000

// MaxOrderAhead is how many days ahead a meal can be ordered.
const MaxOrderAhead = 14

// Canteen is an organisation of kind canteen with what only a canteen has.
type Canteen struct {
	ID         int64    `json:"id"` // the organisation's id
	Name       string   `json:"name"`
	RegionCode string   `json:"region_code"`
	RegionPath string   `json:"-"`
	Type       string   `json:"type"`
	Address    string   `json:"address"`
	Lng        *float64 `json:"lng,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Seats      int      `json:"seats"`
	Hours      string   `json:"hours"`
	Delivery   bool     `json:"delivery"`
	// Ordering and cancelling a meal close at these times (HH:MM) on its day.
	CutoffBreakfast string `json:"cutoff_breakfast"`
	CutoffLunch     string `json:"cutoff_lunch"`
	CutoffDinner    string `json:"cutoff_dinner"`
	// The per-meal shares beside the person's and the government's (Tancheng §8); officials set them.
	EnterpriseFen  int64     `json:"enterprise_fen"`
	CollectiveFen  int64     `json:"collective_fen"`
	SocialFen      int64     `json:"social_fen"`
	MinPersonalFen int64     `json:"min_personal_fen"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Cutoff returns the closing time of a meal, "HH:MM".
func (c *Canteen) Cutoff(meal string) string {
	switch meal {
	case "breakfast":
		return c.CutoffBreakfast
	case "dinner":
		return c.CutoffDinner
	}
	return c.CutoffLunch
}

// Validate checks the caller's fields and fills defaults.
func (c *Canteen) Validate() error {
	c.Name, c.Address, c.Hours = strings.TrimSpace(c.Name), strings.TrimSpace(c.Address), strings.TrimSpace(c.Hours)
	if c.CutoffBreakfast == "" {
		c.CutoffBreakfast = "07:00"
	}
	if c.CutoffLunch == "" {
		c.CutoffLunch = "10:00"
	}
	if c.CutoffDinner == "" {
		c.CutoffDinner = "15:00"
	}
	switch {
	case c.Name == "":
		return Invalid("name", "请填写食堂名称 (name is required)")
	case utf8.RuneCountInString(c.Name) > 100:
		return Invalid("name", "食堂名称最多100个字符 (name: at most 100 characters)")
	case CanteenTypes[c.Type] == [2]string{}:
		return Invalid("type", "类型应为孝善食堂、长者餐厅或助餐点 (type must be xiaoshan, elder_restaurant or meal_point)")
	case utf8.RuneCountInString(c.Address) > 200:
		return Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	case utf8.RuneCountInString(c.Hours) > 100:
		return Invalid("hours", "营业时间最多100个字符 (hours: at most 100 characters)")
	case c.Seats < 0 || c.Seats > 10000:
		return Invalid("seats", "座位数应为0到10000 (seats must be 0 to 10,000)")
	case c.Lng != nil && (*c.Lng < 73 || *c.Lng > 136):
		return Invalid("lng", "经度不在中国境内 (longitude outside China)")
	case c.Lat != nil && (*c.Lat < 3 || *c.Lat > 54):
		return Invalid("lat", "纬度不在中国境内 (latitude outside China)")
	}
	for field, v := range map[string]string{"cutoff_breakfast": c.CutoffBreakfast, "cutoff_lunch": c.CutoffLunch, "cutoff_dinner": c.CutoffDinner} {
		if _, err := time.Parse("15:04", v); err != nil || len(v) != 5 {
			return Invalid(field, "截止时间应为 HH:MM (cut-off must be HH:MM)")
		}
	}
	for field, v := range map[string]int64{"enterprise_fen": c.EnterpriseFen, "collective_fen": c.CollectiveFen, "social_fen": c.SocialFen, "min_personal_fen": c.MinPersonalFen} {
		if v < 0 || v > MaxMealFen {
			return Invalid(field, "每餐金额应为0到500元 (per-meal amount must be 0 to 500 yuan)")
		}
	}
	return CheckRegionCode("region_code", c.RegionCode)
}

// Menu is what a canteen serves at one meal of one day, and its price.
type Menu struct {
	ID        int64     `json:"id"`
	CanteenID int64     `json:"canteen_id"`
	Day       Date      `json:"day"`
	Meal      string    `json:"meal"`
	Dishes    string    `json:"dishes"`
	PriceFen  int64     `json:"price_fen"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the caller's fields.
func (m *Menu) Validate() error {
	m.Dishes = strings.TrimSpace(m.Dishes)
	switch {
	case m.CanteenID <= 0:
		return Invalid("canteen_id", "请选择食堂 (canteen_id is required)")
	case m.Day.IsZero():
		return Invalid("day", "请填写日期 (day is required)")
	case MealNames[m.Meal] == [2]string{}:
		return Invalid("meal", "餐次应为 breakfast、lunch 或 dinner (meal must be breakfast, lunch or dinner)")
	case m.Dishes == "":
		return Invalid("dishes", "请填写菜品 (dishes are required)")
	case utf8.RuneCountInString(m.Dishes) > 300:
		return Invalid("dishes", "菜品最多300个字符 (dishes: at most 300 characters)")
	case m.PriceFen <= 0 || m.PriceFen > MaxMealFen:
		return Invalid("price_fen", "价格应为1分到500元 (price must be 1 fen to 500 yuan)")
	}
	return nil
}

// MealSubsidy is the government's subsidy per meal for one category of people
// in a region and its subtree, over a period.
type MealSubsidy struct {
	ID         int64     `json:"id"`
	RegionCode string    `json:"region_code"`
	Category   string    `json:"category"` // "age_80", "age_90" … or a register status kind
	Fen        int64     `json:"fen"`
	From       Date      `json:"from"`
	Until      Date      `json:"until,omitzero"`
	Source     string    `json:"source"` // the document and clause, or who decided it
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks the caller's fields.
func (s *MealSubsidy) Validate() error {
	s.Source = strings.TrimSpace(s.Source)
	_, status := StatusKinds[s.Category]
	if _, age := meals.CategoryAge(s.Category); !status && !age {
		return Invalid("category", "类别应为 age_80 这样的年龄段或登记的身份类别 (category must be an age such as age_80 or a register status kind)")
	}
	switch {
	case s.Fen < 0 || s.Fen > MaxMealFen:
		return Invalid("fen", "每餐补贴应为0到500元 (subsidy must be 0 to 500 yuan per meal)")
	case s.From.IsZero():
		return Invalid("from", "请填写生效日期 (from is required)")
	case !s.Until.IsZero() && s.Until.Before(s.From):
		return Invalid("until", "截止日期早于生效日期 (until is before from)")
	case s.Source == "":
		return Invalid("source", "请填写依据（文件及条款）(source is required: the document and clause)")
	case utf8.RuneCountInString(s.Source) > 200:
		return Invalid("source", "依据最多200个字符 (source: at most 200 characters)")
	}
	return CheckRegionCode("region_code", s.RegionCode)
}

// SubsidyCategoryName names a subsidy category in the language.
func SubsidyCategoryName(c, lang string) string {
	if c == "" {
		return map[bool]string{true: "none", false: "无"}[lang == "en"]
	}
	if n, ok := meals.CategoryAge(c); ok {
		if lang == "en" {
			return "aged " + strconv.Itoa(n) + "+"
		}
		return strconv.Itoa(n) + "周岁及以上"
	}
	if n, ok := StatusKinds[c]; ok {
		if lang == "en" {
			return n[1]
		}
		return n[0]
	}
	return c
}

// MealOrderInput is one order for one meal.
type MealOrderInput struct {
	MenuID   int64  `json:"menu_id"`
	PersonID int64  `json:"person_id,omitempty"` // elder, family: a linked person
	IDNumber string `json:"id_number,omitempty"` // counter staff: the person's citizen ID
	Mode     string `json:"mode"`
	Address  string `json:"address,omitempty"` // delivery; default the person's address
	Note     string `json:"note,omitempty"`
	// A voucher pays part of the person's share: a given voucher, or with
	// UseVoucher the person's unspent meal voucher that expires first.
	VoucherID  int64  `json:"voucher_id,omitempty"`
	UseVoucher bool   `json:"use_voucher,omitempty"`
	RequestKey string `json:"idempotency_key,omitempty"`
}

// Validate checks what can be checked without the database.
func (in *MealOrderInput) Validate() error {
	in.Address, in.Note, in.IDNumber = strings.TrimSpace(in.Address), strings.TrimSpace(in.Note), strings.TrimSpace(in.IDNumber)
	switch {
	case in.MenuID <= 0:
		return Invalid("menu_id", "请选择菜单 (menu_id is required)")
	case in.PersonID < 0:
		return Invalid("person_id", "person_id 应为正整数 (person_id must be a positive integer)")
	case in.PersonID == 0 && in.IDNumber == "":
		return Invalid("person_id", "请选择老人 (person_id or id_number is required)")
	case MealModes[in.Mode] == [2]string{}:
		return Invalid("mode", "就餐方式应为 eat_in、pickup 或 delivery (mode must be eat_in, pickup or delivery)")
	case utf8.RuneCountInString(in.Address) > 200:
		return Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	case utf8.RuneCountInString(in.Note) > 200:
		return Invalid("note", "备注最多200个字符 (note: at most 200 characters)")
	case in.VoucherID < 0:
		return Invalid("voucher_id", "voucher_id 应为正整数 (voucher_id must be a positive integer)")
	case len(in.RequestKey) > 100:
		return Invalid("idempotency_key", "幂等键最多100个字符 (idempotency_key: at most 100 characters)")
	}
	return nil
}

// MealOrder is one meal for one person, with who pays what.
type MealOrder struct {
	ID          int64  `json:"id"`
	CanteenID   int64  `json:"canteen_id"`
	CanteenName string `json:"canteen_name"`
	RegionPath  string `json:"-"`
	PersonID    int64  `json:"person_id"`
	PersonName  string `json:"person_name"`
	MenuID      int64  `json:"menu_id"`
	Dishes      string `json:"dishes"`
	Day         Date   `json:"day"`
	Meal        string `json:"meal"`
	Mode        string `json:"mode"`
	Address     string `json:"address,omitempty"`
	Note        string `json:"note,omitempty"`
	Status      string `json:"status"`
	Channel     string `json:"channel"`
	PriceFen    int64  `json:"price_fen"`
	meals.Shares
	Category    string     `json:"category"` // the subsidy category applied ("" none)
	VoucherID   *int64     `json:"voucher_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
}

// MealOrderFilter selects meal orders in the actor's scope.
type MealOrderFilter struct {
	CanteenID int64
	PersonID  int64
	From, To  Date // days, inclusive; zero: open
	Status    string
	Page      Page
}

// CanteenFilter selects canteens in the actor's scope.
type CanteenFilter struct {
	Query string
	Page  Page
}

// KitchenCount is the number of meals of one meal and mode.
type KitchenCount struct {
	Meal  string `json:"meal"`
	Mode  string `json:"mode"`
	Count int    `json:"count"`
}

// KitchenDay is what a kitchen cooks on one day: counts by meal and mode, and
// where the deliveries go.
type KitchenDay struct {
	CanteenID  int64           `json:"canteen_id"`
	Day        Date            `json:"day"`
	Counts     []*KitchenCount `json:"counts"`
	Total      int             `json:"total"`
	Deliveries []*MealOrder    `json:"deliveries"`
	Orders     []*MealOrder    `json:"orders"` // every live order, by meal then name
}

// MealStatementLine totals one day, or the month, of a canteen's meals.
type MealStatementLine struct {
	Day   Date  `json:"day,omitzero"` // zero on the month's total
	Meals int   `json:"meals"`
	Price int64 `json:"price_fen"`
	meals.Shares
	GovernmentOwes int64 `json:"government_owes_fen"` // subsidy + vouchers
}

// CanteenStatement is a canteen's month: each day, the total, and the meals by subsidy category.
type CanteenStatement struct {
	CanteenID   int64                `json:"canteen_id"`
	CanteenName string               `json:"canteen_name"`
	Month       string               `json:"month"`
	Days        []*MealStatementLine `json:"days"`
	Total       MealStatementLine    `json:"total"`
	ByCategory  map[string]int       `json:"by_category"`
}

// MealService runs canteens, menus and meal orders.
type MealService interface {
	CreateCanteen(ctx context.Context, c *Canteen) error
	UpdateCanteen(ctx context.Context, c *Canteen) error
	Canteen(ctx context.Context, id int64) (*Canteen, error)
	Canteens(ctx context.Context, f CanteenFilter) ([]*Canteen, string, error)

	SaveMenu(ctx context.Context, m *Menu) error
	Menus(ctx context.Context, canteenID int64, from, to Date) ([]*Menu, error)

	SetMealSubsidy(ctx context.Context, s *MealSubsidy) error
	// MealSubsidies lists the rules on a region's path (its own and its ancestors').
	MealSubsidies(ctx context.Context, regionCode string) ([]*MealSubsidy, error)

	PlaceMealOrder(ctx context.Context, in *MealOrderInput) (*MealOrder, error)
	CancelMealOrder(ctx context.Context, id int64) (*MealOrder, error)
	MealOrder(ctx context.Context, id int64) (*MealOrder, error)
	MealOrders(ctx context.Context, f MealOrderFilter) ([]*MealOrder, string, error)

	KitchenDay(ctx context.Context, canteenID int64, day Date) (*KitchenDay, error)
	CanteenStatement(ctx context.Context, canteenID int64, month string) (*CanteenStatement, error)
}
