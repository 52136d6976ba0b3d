package benefits

import (
	"fmt"
	"sort"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// Parameters: per-region amounts with effective dates that the caller looks
// up for the person's region (Subject.Params) and that rules read as Money
// facts. They are Required: a rule that reads one fails, rather than paying
// 0, when the region has no value for the day.
const (
	// 当地最低生活保障标准 (元/人/月): the 特困 basic living standard is
	// "不低于当地最低生活保障标准的1.3倍" (Chenzhou annex items 19, 20).
	ParamDibao = "dibao_standard"
	// 当地护理补贴标准 (annex item 16: the annex sets no amount).
	ParamCareSubsidy = "care_subsidy_standard"
	// 当地养老服务补贴标准 (annex item 14: no amount in the annex).
	ParamServiceSubsidy = "service_subsidy_standard"
	// 当地困难残疾人生活补贴标准 (annex item 24: "按当地规定标准").
	ParamDisabledLiving = "disabled_living_standard"
	// 当地重度残疾人护理补贴标准 (annex item 24).
	ParamDisabledCare = "disabled_care_standard"
)

// Flags: yes/no facts that other departments supply (人社, 住建, 救助) and the
// register does not hold. A flag is false unless the Subject lists it.
const (
	FlagEmployeePension = "employee_pension"   // 领取职工基本养老金 (人社 data; annex item 1)
	FlagResidentPension = "resident_pension"   // 参加城乡居民基本养老保险 (人社 data; annex item 2)
	FlagUrbanHousehold  = "urban_household"    // 城镇户籍 (annex item 9)
	FlagHousingHardship = "housing_difficulty" // 符合住房保障条件的住房困难 (住建 data; annex item 9)
	FlagSuddenHardship  = "sudden_hardship"    // 遭遇突发事件等导致基本生活陷入困境 (annex item 10)
	FlagHomeless        = "homeless"           // 流浪乞讨、走失等生活无着 (annex item 25)

	// statusNoFixedIncome is the register's status kind behind the
	// no_fixed_income fact.
	statusNoFixedIncome = "no_fixed_income"
)

var paramDecls = []struct{ name, zh, en string }{
	{ParamDibao, "当地最低生活保障标准（月）", "local minimum living standard (dibao), per month"},
	{ParamCareSubsidy, "当地护理补贴标准（月）", "local care subsidy standard, per month"},
	{ParamServiceSubsidy, "当地养老服务补贴标准（月）", "local elderly-care service subsidy standard, per month"},
	{ParamDisabledLiving, "当地困难残疾人生活补贴标准（月）", "local living subsidy for disabled people in difficulty, per month"},
	{ParamDisabledCare, "当地重度残疾人护理补贴标准（月）", "local care subsidy for severely disabled people, per month"},
}

var flagDecls = []struct{ name, zh, en string }{
	{FlagEmployeePension, "领取职工基本养老金", "receives the employee basic pension (HR & social security data)"},
	{FlagResidentPension, "参加城乡居民基本养老保险", "insured in the urban and rural residents' basic pension"},
	{FlagUrbanHousehold, "城镇户籍", "urban household registration"},
	{FlagHousingHardship, "住房困难（符合住房保障条件）", "housing hardship meeting the housing-security conditions"},
	{FlagSuddenHardship, "遭遇突发困难", "basic living in crisis after a sudden event, accident or serious illness"},
	{FlagHomeless, "生活无着（流浪、乞讨、走失等）", "without means of living: vagrant, begging, lost, abused or abandoned"},
}

// The environment is built in variable initialisers, not in init, so that
// other package-level variables (tests' tables of people) may use it: each
// variable below depends on built, so Go initialises them first.
var (
	built      = buildEnv()
	env        = built.env
	paramSlots = built.paramSlots // by index in paramDecls
	paramIndex = built.paramIndex // name → index in paramDecls
	flagSlots  = built.flagSlots
)

type envParts struct {
	env        *rules.Env
	paramSlots []rules.Slot
	paramIndex map[string]int
	flagSlots  map[string]rules.Slot
}

func buildEnv() envParts {
	e, err := rules.NewEnv(yanglao.StatusKinds)
	if err != nil {
		panic(err)
	}
	b := envParts{env: e, paramIndex: map[string]int{}, flagSlots: map[string]rules.Slot{}}
	for i, d := range paramDecls {
		s, err := e.Declare(d.name, rules.Money, d.zh, d.en, true)
		if err != nil {
			panic(err)
		}
		b.paramSlots = append(b.paramSlots, s)
		b.paramIndex[d.name] = i
	}
	for _, d := range flagDecls {
		s, err := e.Declare(d.name, rules.Bool, d.zh, d.en, false)
		if err != nil {
			panic(err)
		}
		b.flagSlots[d.name] = s
	}
	return b
}

// Env is the rule environment of benefit items: the built-in facts of package
// rules, the status kinds of the register (yanglao.StatusKinds), the
// parameters (Param*) and the flags (Flag*).
func Env() *rules.Env { return env }

// ParamNames lists the parameters, sorted.
func ParamNames() []string {
	out := make([]string, 0, len(paramDecls))
	for _, d := range paramDecls {
		out = append(out, d.name)
	}
	sort.Strings(out)
	return out
}

// FlagNames lists the flags, sorted.
func FlagNames() []string {
	out := make([]string, 0, len(flagDecls))
	for _, d := range flagDecls {
		out = append(out, d.name)
	}
	sort.Strings(out)
	return out
}

// Rate is one value of a parameter over a period: From and To inclusive, To
// zero while open.
type Rate struct {
	From yanglao.Date `json:"from"`
	To   yanglao.Date `json:"to,omitzero"`
	Fen  int64        `json:"fen"`
}

type rate struct {
	from, to rules.Day // to: inclusive; maxDay when open
	fen      int64
}

// Params holds the parameters of one region (usually a county: the caller
// resolves which region's values apply to a person) with their dates. One
// Params is shared by every person of the region; it is read-only once built.
type Params struct {
	Region string
	rates  [][]rate // by index in paramDecls
}

// NewParams makes an empty set of parameters for a region.
func NewParams(region string) *Params {
	return &Params{Region: region, rates: make([][]rate, len(paramDecls))}
}

const openEnd = rules.Day(1 << 30)

// Set adds a value of a parameter from a date (to a date, or open when to is
// zero). Periods of one parameter may not overlap.
func (p *Params) Set(name string, from, to yanglao.Date, fen int64) error {
	i, ok := paramIndex[name]
	if !ok {
		return yanglao.Invalid("param", "未知的参数 %s；可用的有 %v (unknown parameter %s; known: %v)", name, ParamNames(), name, ParamNames())
	}
	if fen < 0 {
		return yanglao.Invalid("fen", "金额不能为负 (the amount cannot be negative)")
	}
	if from.IsZero() {
		return yanglao.Invalid("from", "请填写开始日期 (from is required)")
	}
	r := rate{from: rules.FromDate(from), to: openEnd, fen: fen}
	if !to.IsZero() {
		r.to = rules.FromDate(to)
		if r.to < r.from {
			return yanglao.Invalid("to", "结束日期早于开始日期 (to is before from)")
		}
	}
	for _, o := range p.rates[i] {
		if r.from <= o.to && o.from <= r.to {
			return yanglao.Errorf(yanglao.ECONFLICT, "%s 的取值期间 %s 与已有的 %s 重叠 (the period of %s overlaps an existing one: %s)",
				name, periodText(r.from, r.to), periodText(o.from, o.to), name, periodText(o.from, o.to))
		}
	}
	p.rates[i] = append(p.rates[i], r)
	sort.Slice(p.rates[i], func(a, b int) bool { return p.rates[i][a].from < p.rates[i][b].from })
	return nil
}

// On returns a parameter's value on a day.
func (p *Params) On(name string, d yanglao.Date) (int64, bool) {
	i, ok := paramIndex[name]
	if !ok || p == nil {
		return 0, false
	}
	return p.on(i, rules.FromDate(d))
}

func (p *Params) on(i int, d rules.Day) (int64, bool) {
	for _, r := range p.rates[i] {
		if r.from <= d && d <= r.to {
			return r.fen, true
		}
	}
	return 0, false
}

// Rates lists a parameter's values.
func (p *Params) Rates(name string) []Rate {
	i, ok := paramIndex[name]
	if !ok || p == nil {
		return nil
	}
	out := make([]Rate, len(p.rates[i]))
	for k, r := range p.rates[i] {
		out[k] = Rate{From: r.from.Date(), Fen: r.fen}
		if r.to != openEnd {
			out[k].To = r.to.Date()
		}
	}
	return out
}

func periodText(from, to rules.Day) string {
	if to >= openEnd {
		return fmt.Sprintf("%s 起 (from %s)", from, from)
	}
	return fmt.Sprintf("%s 至 %s", from, to)
}
