package rules

import (
	"sort"
	"strings"
	"time"
)

// builtin is a function of the language.
type builtin struct {
	name    string
	example string
	zh, en  string
	pure    bool // the result depends on the arguments only (constant arguments fold)
	check   func(c *checker, n *node) *Error
}

var builtins map[string]*builtin

// Dates a rule can reach: 0001-01-01 … 9999-12-31.
var (
	minDay = DayOf(1, 1, 1)
	maxDay = DayOf(9999, 12, 31)
)

func init() {
	list := []*builtin{
		{name: "status", example: `status("dibao")`, zh: "该身份在评估日有效", en: "the status is active on eval_date", check: checkStatus},
		{name: "in_region", example: `in_region("431002")`, zh: "常住地在该区划辖区内（按区划路径判断下级）", en: "residence lies in the region's subtree (by path)",
			check: func(c *checker, n *node) *Error { return checkRegion(c, n, false) }},
		{name: "household_in_region", example: `household_in_region("431000")`, zh: "户籍地在该区划辖区内", en: "household registration lies in the region's subtree",
			check: func(c *checker, n *node) *Error { return checkRegion(c, n, true) }},
		{name: "age_on", example: "age_on(month_start)", zh: "在某日的年龄（周岁）", en: "age in whole years on a date", check: checkAgeOn},
		{name: "add_days", example: "add_days(month_start, -1)", zh: "日期加减天数", en: "a date moved by a number of days", pure: true, check: checkAddDays},
		{name: "days_between", example: "days_between(birth_date, eval_date)", zh: "两个日期相差的天数", en: "days from the first date to the second", pure: true,
			check: func(c *checker, n *node) *Error {
				if err := c.args(n, Date, Date); err != nil {
					return err
				}
				a, b := n.kids[0].cn, n.kids[1].cn
				n.typ = Int
				n.cn = func(f *Facts) int64 { return b(f) - a(f) }
				return nil
			}},
		{name: "year", example: "year(eval_date)", zh: "日期的年份", en: "the year of a date", pure: true, check: func(c *checker, n *node) *Error { return checkDatePart(c, n, 0) }},
		{name: "month", example: "month(birth_date)", zh: "日期的月份（1–12）", en: "the month of a date (1–12)", pure: true, check: func(c *checker, n *node) *Error { return checkDatePart(c, n, 1) }},
		{name: "day", example: "day(birth_date)", zh: "日期的日（1–31）", en: "the day of the month of a date", pure: true, check: func(c *checker, n *node) *Error { return checkDatePart(c, n, 2) }},
		{name: "date", example: `date("2024-01-01")`, zh: "日期常量", en: "a date constant", pure: true, check: checkDateLit},
		{name: "min", example: "min(dibao_standard, 800元)", zh: "两者中较小的", en: "the smaller of two values", pure: true, check: func(c *checker, n *node) *Error { return checkMinMax(c, n, true) }},
		{name: "max", example: "max(dibao_standard * 1.3, 900元)", zh: "两者中较大的", en: "the larger of two values", pure: true, check: func(c *checker, n *node) *Error { return checkMinMax(c, n, false) }},
	}
	builtins = map[string]*builtin{}
	for _, b := range list {
		builtins[b.name] = b
	}
}

// Function describes a built-in function for documentation.
type Function struct {
	Name    string `json:"name"`
	Example string `json:"example"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
}

// Functions lists the built-in functions, by name.
func Functions() []Function {
	out := make([]Function, 0, len(builtins))
	for _, b := range builtins {
		out = append(out, Function{b.name, b.example, b.zh, b.en})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *checker) checkCall(n *node) *Error {
	fn, ok := builtins[n.name]
	if !ok {
		if f, isFact := c.env.facts[n.name]; isFact {
			return c.errf(n.pos, "%[1]s 是事实，不是函数，不用加括号", "%[1]s is a fact, not a function: drop the parentheses", f.Name)
		}
		if s, zh := c.suggest(n.name); s != "" {
			return c.errf(n.pos, "没有函数 %[1]s；是否想写 %[2]s%[3]s？", "there is no function %[1]s; did you mean %[2]s?", n.name, s, zh)
		}
		return c.errf(n.pos, "没有函数 %[1]s", "there is no function %[1]s", n.name)
	}
	n.fn = fn
	c.note("func", fn.name)
	if err := fn.check(c, n); err != nil {
		return err
	}
	return c.fold(n)
}

// args checks the number and the types of a call's arguments.
func (c *checker) args(n *node, types ...Type) *Error {
	if len(n.kids) != len(types) {
		return c.errf(n.pos, "%[1]s 需要%[2]d个参数，这里有%[3]d个；例如 %[4]s", "%[1]s takes %[2]d argument(s), got %[3]d; e.g. %[4]s",
			n.name, len(types), len(n.kids), n.fn.example)
	}
	for i, k := range n.kids {
		if err := c.check(k); err != nil {
			return err
		}
		if types[i] != Invalid && k.typ != types[i] {
			return c.errf(k.pos, "%[1]s 的第%[2]d个参数应为%[3]s，这里是%[4]s", "argument %[2]d of %[1]s must be %[5]s, not %[6]s",
				n.name, i+1, types[i].ZH(), k.typ.ZH(), types[i], k.typ)
		}
	}
	return nil
}

// constString checks that argument i is a string literal and returns it.
func (c *checker) constString(n *node) (string, *Error) {
	if err := c.args(n, String); err != nil {
		return "", err
	}
	a := n.kids[0]
	if !a.isConst() {
		return "", c.errf(a.pos, "%[1]s 的参数必须是字符串常量，如 %[2]s", "the argument of %[1]s must be a string literal, e.g. %[2]s", n.name, n.fn.example)
	}
	return a.lit.Str, nil
}

func checkStatus(c *checker, n *node) *Error {
	kind, err := c.constString(n)
	if err != nil {
		return err
	}
	bit, ok := c.env.statusBit[kind]
	if !ok {
		for k, lbl := range c.env.statusLbl {
			if lbl[0] == kind || strings.HasPrefix(lbl[0], kind+"（") {
				return c.errf(n.kids[0].pos, "身份类别要写代码：%[1]q 应写作 %[2]q", "status kinds are written as codes: %[1]q is %[2]q", kind, k)
			}
		}
		return c.errf(n.kids[0].pos, "未知的身份类别 %[1]q；可用的有：%[2]s", "unknown status kind %[1]q; known kinds: %[2]s",
			kind, strings.Join(c.env.StatusKinds(), ", "))
	}
	c.note("status", kind)
	n.typ = Bool
	n.cb = func(f *Facts) bool { return f.Statuses&bit != 0 }
	return nil
}

// normalizeRegion accepts a region code of 2, 4, 6, 9 or 12 digits (province,
// city, county, township, village) and pads it to the 12-digit code of that
// node: "431002" → "431002000000".
func normalizeRegion(s string) (string, bool) {
	switch len(s) {
	case 2, 4, 6, 9, 12:
	default:
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s + strings.Repeat("0", 12-len(s)), true
}

func checkRegion(c *checker, n *node, household bool) *Error {
	raw, err := c.constString(n)
	if err != nil {
		return err
	}
	code, ok := normalizeRegion(raw)
	if !ok {
		return c.errf(n.kids[0].pos, "区划代码应为2、4、6、9或12位数字，如 \"431002\" 或 \"431002000000\"",
			`a region code has 2, 4, 6, 9 or 12 digits, e.g. "431002" or "431002000000"`)
	}
	needle := "/" + code + "/"
	n.typ = Bool
	// The subtree test is on the path (the chain of codes from the root), not
	// on a code prefix, which is wrong under placeholder nodes (DESIGN §4).
	// Without a path only the node itself matches.
	if household {
		c.note("household_region", code)
		n.cb = func(f *Facts) bool {
			if f.HouseholdPath == "" {
				return f.Household == code
			}
			return strings.Contains(f.HouseholdPath, needle)
		}
	} else {
		c.note("region", code)
		n.cb = func(f *Facts) bool {
			if f.ResidencePath == "" {
				return f.Residence == code
			}
			return strings.Contains(f.ResidencePath, needle)
		}
	}
	return nil
}

func checkAgeOn(c *checker, n *node) *Error {
	if err := c.args(n, Date); err != nil {
		return err
	}
	c.note("fact", "birth_date")
	d := n.kids[0].cn
	n.typ = Int
	n.cn = func(f *Facts) int64 { return int64(AgeOn(f.Birth, Day(d(f)))) }
	return nil
}

func checkAddDays(c *checker, n *node) *Error {
	if err := c.args(n, Date, Int); err != nil {
		return err
	}
	d, k, at := n.kids[0].cn, n.kids[1].cn, n.opPos+1
	n.typ = Date
	n.cn = func(f *Facts) int64 {
		v, ok := addChecked(d(f), k(f))
		if !ok || v < int64(minDay) || v > int64(maxDay) {
			f.setFault(at)
			return d(f)
		}
		return v
	}
	return nil
}

func checkDatePart(c *checker, n *node, part int) *Error {
	if err := c.args(n, Date); err != nil {
		return err
	}
	d := n.kids[0].cn
	n.typ = Int
	n.cn = func(f *Facts) int64 {
		y, m, dd := Day(d(f)).Civil()
		switch part {
		case 0:
			return int64(y)
		case 1:
			return int64(m)
		}
		return int64(dd)
	}
	return nil
}

func checkDateLit(c *checker, n *node) *Error {
	s, err := c.constString(n)
	if err != nil {
		return err
	}
	t, perr := time.Parse(time.DateOnly, s)
	if perr != nil || t.Year() < 1 {
		return c.errf(n.kids[0].pos, "日期应为存在的 YYYY-MM-DD，如 \"2024-02-29\"：%[1]q", `a date must be an existing YYYY-MM-DD, e.g. "2024-02-29": %[1]q`, s)
	}
	v := int64(DayOf(t.Year(), t.Month(), t.Day()))
	n.typ = Date
	n.cn = func(*Facts) int64 { return v }
	return nil
}

func checkMinMax(c *checker, n *node, isMin bool) *Error {
	if err := c.args(n, Invalid, Invalid); err != nil {
		return err
	}
	a, b := n.kids[0], n.kids[1]
	if !numeric(a.typ) || a.typ != b.typ {
		return c.errf(n.pos, "%[1]s 的两个参数应同为整数、金额或日期：这里是%[2]s和%[3]s", "the two arguments of %[1]s must both be ints, money or dates: here %[4]s and %[5]s",
			n.name, a.typ.ZH(), b.typ.ZH(), a.typ, b.typ)
	}
	n.typ = a.typ
	af, bf := a.cn, b.cn
	if isMin {
		n.cn = func(f *Facts) int64 { return min(af(f), bf(f)) }
	} else {
		n.cn = func(f *Facts) int64 { return max(af(f), bf(f)) }
	}
	return nil
}
