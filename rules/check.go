package rules

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// checker type-checks a parsed rule and compiles every node into a typed
// closure in the same pass.
type checker struct {
	env   *Env
	src   string
	uses  uint64 // declared facts read
	needs uint64 // Required declared facts read
	info  map[string]map[string]bool
	ints  map[int64]bool
	money map[int64]bool
}

func (c *checker) note(kind, v string) {
	m := c.info[kind]
	if m == nil {
		m = map[string]bool{}
		c.info[kind] = m
	}
	m[v] = true
}

func (c *checker) errf(off int, zh, en string, args ...any) *Error {
	return errAt(c.src, off, zh, en, args...)
}

// typeMismatch describes two operand types that do not go together, with a
// hint when an int literal meets money.
func (c *checker) typeMismatch(n *node, what string, whatEN string) *Error {
	x, y := n.kids[0], n.kids[1]
	hint, hintEN := "", ""
	if x.typ == Money && y.typ == Int && y.isConst() || x.typ == Int && y.typ == Money && x.isConst() {
		hint, hintEN = "；金额要写单位，如 80元 或 8000分", "; write money with its unit, e.g. 80元 or 8000分"
	}
	return c.errf(n.opPos, "%[1]s：左边是%[2]s，右边是%[3]s%[4]s", "%[5]s: the left side is %[6]s, the right side is %[7]s%[8]s",
		what, x.typ.ZH(), y.typ.ZH(), hint, whatEN, x.typ, y.typ, hintEN)
}

func (n *node) isConst() bool { return n.kind == nLit }

// numeric reports the types held in Facts.Nums-like int64s.
func numeric(t Type) bool { return t == Int || t == Money || t == Date }

func (c *checker) check(n *node) *Error {
	switch n.kind {
	case nLit:
		c.compileConst(n)
		switch n.lit.Type {
		case Int:
			c.ints[n.lit.Num] = true
		case Money:
			c.money[n.lit.Num] = true
		case String:
			c.note("string", n.lit.Str)
		}
		n.typ = n.lit.Type
		return nil
	case nParen:
		if err := c.check(n.kids[0]); err != nil {
			return err
		}
		k := n.kids[0]
		n.typ, n.cb, n.cn, n.cs, n.cset = k.typ, k.cb, k.cn, k.cs, k.cset
		return c.fold(n)
	case nFact:
		return c.checkFact(n)
	case nCall:
		return c.checkCall(n)
	case nNeg:
		x := n.kids[0]
		if err := c.check(x); err != nil {
			return err
		}
		if x.typ != Int && x.typ != Money && x.typ != Decimal {
			return c.errf(n.opPos, "负号只能用于整数或金额，这里是%[1]s", "unary minus needs an int or money, not %[2]s", x.typ.ZH(), x.typ)
		}
		n.typ = x.typ
		if x.typ == Decimal { // only a literal can be a decimal
			n.kind, n.lit = nLit, Value{Type: Decimal, Num: -x.lit.Num}
			return nil
		}
		xf, at := x.cn, n.opPos+1
		n.cn = func(f *Facts) int64 {
			v := xf(f)
			if v == math.MinInt64 {
				f.setFault(at)
				return 0
			}
			return -v
		}
		return c.fold(n)
	case nNot:
		x := n.kids[0]
		if err := c.check(x); err != nil {
			return err
		}
		if x.typ != Bool {
			return c.errf(n.opPos, "not 后面应为条件（布尔），这里是%[1]s", "not needs a condition (bool), not %[2]s", x.typ.ZH(), x.typ)
		}
		n.typ = Bool
		xf := x.cb
		n.cb = func(f *Facts) bool { return !xf(f) }
		return c.fold(n)
	case nAnd, nOr:
		word := "and"
		if n.kind == nOr {
			word = "or"
		}
		fs := make([]func(*Facts) bool, len(n.kids))
		for i, k := range n.kids {
			if err := c.check(k); err != nil {
				return err
			}
			if k.typ != Bool {
				return c.errf(k.pos, "%[1]s 两边应为条件（布尔），这里是%[2]s", "both sides of %[1]s must be conditions (bool), not %[3]s", word, k.typ.ZH(), k.typ)
			}
			fs[i] = k.cb
		}
		n.typ = Bool
		n.cb = compileAndOr(n.kind == nAnd, fs)
		return c.fold(n)
	case nArith:
		return c.checkArith(n)
	case nCmp:
		return c.checkCmp(n)
	case nBetween:
		return c.checkBetween(n)
	case nIn:
		return c.checkIn(n)
	case nIf:
		return c.checkIf(n)
	case nList:
		return c.errf(n.pos, "列表 [...] 只能写在 in 后面", "a list [...] may only follow in")
	}
	return c.errf(n.pos, "内部错误：未知的表达式", "internal error: unknown expression")
}

// compileConst gives a literal its constant closure.
func (c *checker) compileConst(n *node) {
	v := n.lit
	switch v.Type {
	case Bool:
		b := v.Num != 0
		n.cb = func(*Facts) bool { return b }
	case Int, Money, Date:
		x := v.Num
		n.cn = func(*Facts) int64 { return x }
	case String:
		s := v.Str
		n.cs = func(*Facts) string { return s }
	case Set:
		s := v.Strs
		n.cset = func(*Facts) []string { return s }
	}
}

// fold replaces an expression whose operands are all constants by its value,
// computed now; an overflow there is a compile-time error.
func (c *checker) fold(n *node) *Error {
	if n.kind == nLit {
		return nil
	}
	for _, k := range n.kids {
		if k.kind == nList {
			for _, e := range k.kids {
				if !e.isConst() {
					return nil
				}
			}
			continue
		}
		if !k.isConst() {
			return nil
		}
	}
	if n.kind == nCall && (n.fn == nil || !n.fn.pure) || n.kind == nFact {
		return nil
	}
	var f Facts
	v := n.value(&f)
	if f.fault != 0 {
		return c.errf(f.fault-1, "常量计算溢出", "arithmetic overflow in a constant")
	}
	if n.kind != nParen && n.kind != nNeg && n.kind != nCall {
		// Keep the shape of comparisons, and/or … for explanations; only
		// values become literals.
		if n.typ == Bool {
			return nil
		}
	}
	n.kind, n.lit = nLit, v
	c.compileConst(n)
	return nil
}

// value evaluates any node on f.
func (n *node) value(f *Facts) Value {
	switch n.typ {
	case Bool:
		return Value{Type: Bool, Num: b2i(n.cb(f))}
	case Int, Money, Date:
		return Value{Type: n.typ, Num: n.cn(f)}
	case String:
		return Value{Type: String, Str: n.cs(f)}
	case Set:
		return Value{Type: Set, Strs: n.cset(f)}
	case Decimal:
		return n.lit
	}
	return Value{}
}

func (f *Facts) setFault(at int) {
	if f.fault == 0 {
		f.fault = at
	}
}

func compileAndOr(and bool, fs []func(*Facts) bool) func(*Facts) bool {
	if and {
		switch len(fs) {
		case 2:
			a, b := fs[0], fs[1]
			return func(f *Facts) bool { return a(f) && b(f) }
		case 3:
			a, b, c := fs[0], fs[1], fs[2]
			return func(f *Facts) bool { return a(f) && b(f) && c(f) }
		}
		return func(f *Facts) bool {
			for _, x := range fs {
				if !x(f) {
					return false
				}
			}
			return true
		}
	}
	switch len(fs) {
	case 2:
		a, b := fs[0], fs[1]
		return func(f *Facts) bool { return a(f) || b(f) }
	case 3:
		a, b, c := fs[0], fs[1], fs[2]
		return func(f *Facts) bool { return a(f) || b(f) || c(f) }
	}
	return func(f *Facts) bool {
		for _, x := range fs {
			if x(f) {
				return true
			}
		}
		return false
	}
}

func (c *checker) checkFact(n *node) *Error {
	if fn, ok := builtins[n.name]; ok {
		return c.errf(n.pos, "%[1]s 是函数，要写参数，如 %[2]s", "%[1]s is a function and takes arguments, e.g. %[2]s", n.name, fn.example)
	}
	f, ok := c.env.facts[n.name]
	if !ok {
		return c.unknown(n, n.name)
	}
	n.fact, n.typ = f, f.Type
	n.cb, n.cn, n.cs, n.cset = f.getB, f.getN, f.getS, f.getSet
	if !f.Builtin {
		c.uses |= f.bit
		if f.Required {
			c.needs |= f.bit
		}
	}
	c.note("fact", f.Name)
	return nil
}

// unknown reports an unknown name with the closest known one.
func (c *checker) unknown(n *node, name string) *Error {
	if s, zh := c.suggest(name); s != "" {
		return c.errf(n.pos, "不认识的名称 %[1]s；是否想写 %[2]s%[3]s？", "unknown name %[1]s; did you mean %[2]s?", name, s, zh)
	}
	return c.errf(n.pos, "不认识的名称 %[1]s", "unknown name %[1]s", name)
}

var chineseWords = map[string]string{
	"且": "and", "并且": "and", "而且": "and", "和": "and", "与": "and",
	"或": "or", "或者": "or", "非": "not", "不": "not", "如果": "if", "那么": "then", "则": "then",
	"否则": "else", "在": "between", "之间": "between", "属于": "in", "是": "true", "真": "true", "否": "false", "假": "false",
}

func (c *checker) suggest(name string) (string, string) {
	if w, ok := chineseWords[name]; ok {
		return w, ""
	}
	for _, f := range c.env.facts {
		if f.ZH == name || strings.HasPrefix(f.ZH, name+"（") {
			return f.Name, "（" + f.ZH + "）"
		}
	}
	for k, lbl := range c.env.statusLbl {
		if lbl[0] == name || strings.HasPrefix(lbl[0], name+"（") {
			return `status("` + k + `")`, "（" + lbl[0] + "）"
		}
	}
	lower := strings.ToLower(name)
	best, bestD := "", 3
	consider := func(cand string) {
		if cand == lower {
			best, bestD = cand, -1
			return
		}
		if d := editDistance(lower, cand); d < bestD && d <= len(cand)/3+1 {
			best, bestD = cand, d
		}
	}
	names := make([]string, 0, len(c.env.facts)+len(builtins)+len(keywords))
	for k := range c.env.facts {
		names = append(names, k)
	}
	for k := range builtins {
		names = append(names, k)
	}
	for k := range keywords {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic among equal distances
	for _, k := range names {
		consider(k)
	}
	if _, ok := builtins[best]; ok {
		best = builtins[best].example
	}
	return best, ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func addChecked(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

func subChecked(a, b int64) (int64, bool) {
	s := a - b
	return s, (s < a) == (b > 0)
}

func mulChecked(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || a == -1 && b == math.MinInt64 || b == -1 && a == math.MinInt64 {
		return 0, false
	}
	return p, true
}

// mulDecimal multiplies an amount in fen by a decimal and rounds UP to the
// next whole fen, so that "no less than 1.3 times" (不低于…1.3倍) holds.
func mulDecimal(fen, dec int64) (int64, bool) {
	p, ok := mulChecked(fen, dec)
	if !ok {
		return 0, false
	}
	q := p / DecimalScale
	if p%DecimalScale > 0 {
		q++
	}
	return q, true
}

func (c *checker) checkArith(n *node) *Error {
	x, y := n.kids[0], n.kids[1]
	if err := c.check(x); err != nil {
		return err
	}
	if err := c.check(y); err != nil {
		return err
	}
	at := n.opPos + 1
	opName := map[tokKind][2]string{tPlus: {"加法", "addition"}, tMinus: {"减法", "subtraction"}, tStar: {"乘法", "multiplication"}}[n.op]
	if n.op == tStar {
		var m, d *node
		switch {
		case x.typ == Money && y.typ == Decimal:
			m, d = x, y
		case x.typ == Decimal && y.typ == Money:
			m, d = y, x
		}
		if m != nil {
			mf, dv := m.cn, d.lit.Num
			n.typ = Money
			n.cn = func(f *Facts) int64 {
				v, ok := mulDecimal(mf(f), dv)
				if !ok {
					f.setFault(at)
				}
				return v
			}
			return c.fold(n)
		}
		if x.typ == Decimal || y.typ == Decimal {
			return c.errf(n.opPos, "小数只能乘以金额（结果向上取整到分），如 dibao_standard * 1.3；这里是%[1]s × %[2]s",
				"a decimal can only multiply money (rounded up to the fen), e.g. dibao_standard * 1.3; here it is %[3]s × %[4]s",
				x.typ.ZH(), y.typ.ZH(), x.typ, y.typ)
		}
		switch {
		case x.typ == Int && y.typ == Int:
			n.typ = Int
		case x.typ == Money && y.typ == Int, x.typ == Int && y.typ == Money:
			n.typ = Money
		case x.typ == Money && y.typ == Money:
			return c.errf(n.opPos, "两个金额不能相乘", "two amounts of money cannot be multiplied")
		default:
			return c.typeMismatch(n, "乘法只用于整数和金额", "multiplication takes ints and money")
		}
		xf, yf := x.cn, y.cn
		n.cn = func(f *Facts) int64 {
			v, ok := mulChecked(xf(f), yf(f))
			if !ok {
				f.setFault(at)
			}
			return v
		}
		return c.fold(n)
	}
	if x.typ == Decimal || y.typ == Decimal {
		return c.errf(n.opPos, "小数只能用来乘以金额，如 dibao_standard * 1.3", "a decimal can only multiply money, e.g. dibao_standard * 1.3")
	}
	if x.typ == Date || y.typ == Date {
		return c.errf(n.opPos, "日期不能直接加减，请用 add_days(日期, 天数) 或 days_between(日期1, 日期2)",
			"dates cannot be added or subtracted; use add_days(date, days) or days_between(date1, date2)")
	}
	if x.typ != y.typ || x.typ != Int && x.typ != Money {
		return c.typeMismatch(n, opName[0]+"两边应同为整数或同为金额", opName[1]+" needs two ints or two amounts of money")
	}
	n.typ = x.typ
	xf, yf := x.cn, y.cn
	op := checkedOp(n.op)
	n.cn = func(f *Facts) int64 {
		v, ok := op(xf(f), yf(f))
		if !ok {
			f.setFault(at)
		}
		return v
	}
	return c.fold(n)
}

func checkedOp(k tokKind) func(a, b int64) (int64, bool) {
	if k == tPlus {
		return addChecked
	}
	return subChecked
}

func (c *checker) checkCmp(n *node) *Error {
	x, y := n.kids[0], n.kids[1]
	if err := c.check(x); err != nil {
		return err
	}
	if err := c.check(y); err != nil {
		return err
	}
	n.typ = Bool
	if x.typ != y.typ {
		return c.typeMismatch(n, "比较两边的类型不同", "the two sides of the comparison differ")
	}
	ordered := n.op != tEq && n.op != tNe
	switch x.typ {
	case Int, Money, Date:
		if y.isConst() {
			n.cb = cmpNumConst(n.op, x.cn, y.lit.Num)
		} else {
			n.cb = cmpNum(n.op, x.cn, y.cn)
		}
	case String:
		if ordered {
			return c.errf(n.opPos, "字符串只能比较相等（= 或 ≠）", "strings can only be compared with = or ≠")
		}
		n.cb = cmpEq(n.op, x.cs, y.cs)
	case Bool:
		if ordered {
			return c.errf(n.opPos, "是/否只能比较相等（= 或 ≠）", "bools can only be compared with = or ≠")
		}
		n.cb = cmpEq(n.op, x.cb, y.cb)
	default:
		return c.errf(n.opPos, "%[1]s不能比较", "values of type %[2]s cannot be compared", x.typ.ZH(), x.typ)
	}
	return c.fold(n)
}

// cmpEq compiles x = y or x ≠ y for strings and bools.
func cmpEq[T comparable](op tokKind, x, y func(*Facts) T) func(*Facts) bool {
	if op == tEq {
		return func(f *Facts) bool { return x(f) == y(f) }
	}
	return func(f *Facts) bool { return x(f) != y(f) }
}

func cmpNum(op tokKind, x, y func(*Facts) int64) func(*Facts) bool {
	switch op {
	case tEq:
		return func(f *Facts) bool { return x(f) == y(f) }
	case tNe:
		return func(f *Facts) bool { return x(f) != y(f) }
	case tLt:
		return func(f *Facts) bool { return x(f) < y(f) }
	case tLe:
		return func(f *Facts) bool { return x(f) <= y(f) }
	case tGt:
		return func(f *Facts) bool { return x(f) > y(f) }
	}
	return func(f *Facts) bool { return x(f) >= y(f) }
}

func cmpNumConst(op tokKind, x func(*Facts) int64, c int64) func(*Facts) bool {
	switch op {
	case tEq:
		return func(f *Facts) bool { return x(f) == c }
	case tNe:
		return func(f *Facts) bool { return x(f) != c }
	case tLt:
		return func(f *Facts) bool { return x(f) < c }
	case tLe:
		return func(f *Facts) bool { return x(f) <= c }
	case tGt:
		return func(f *Facts) bool { return x(f) > c }
	}
	return func(f *Facts) bool { return x(f) >= c }
}

func (c *checker) checkBetween(n *node) *Error {
	for _, k := range n.kids {
		if err := c.check(k); err != nil {
			return err
		}
	}
	x, lo, hi := n.kids[0], n.kids[1], n.kids[2]
	n.typ = Bool
	if !numeric(x.typ) {
		return c.errf(n.opPos, "between 只用于整数、金额或日期，这里是%[1]s", "between takes ints, money or dates, not %[2]s", x.typ.ZH(), x.typ)
	}
	for _, b := range []*node{lo, hi} {
		if b.typ != x.typ {
			hint, hintEN := "", ""
			if x.typ == Money && b.typ == Int {
				hint, hintEN = "；金额要写单位，如 80元", "; write money with its unit, e.g. 80元"
			}
			return c.errf(b.pos, "between 的界限应为%[1]s，这里是%[2]s%[3]s", "the bounds of between must be %[4]s, not %[5]s%[6]s",
				x.typ.ZH(), b.typ.ZH(), hint, x.typ, b.typ, hintEN)
		}
	}
	xf := x.cn
	var in func(*Facts) bool
	if lo.isConst() && hi.isConst() {
		l, h := lo.lit.Num, hi.lit.Num
		if l > h {
			return c.errf(lo.pos, "between 的下限大于上限，条件永远不成立", "the lower bound of between is above the upper bound: the condition can never hold")
		}
		in = func(f *Facts) bool { v := xf(f); return v >= l && v <= h }
	} else {
		lf, hf := lo.cn, hi.cn
		in = func(f *Facts) bool { v := xf(f); return v >= lf(f) && v <= hf(f) }
	}
	if n.neg {
		n.cb = func(f *Facts) bool { return !in(f) }
	} else {
		n.cb = in
	}
	return c.fold(n)
}

func (c *checker) checkIn(n *node) *Error {
	x, y := n.kids[0], n.kids[1]
	if err := c.check(x); err != nil {
		return err
	}
	n.typ = Bool
	var in func(*Facts) bool
	if y.kind == nList {
		if x.typ != String && !numeric(x.typ) {
			return c.errf(n.opPos, "in 的左边应为整数、金额、日期或字符串，这里是%[1]s", "the left side of in must be an int, money, a date or a string, not %[2]s", x.typ.ZH(), x.typ)
		}
		allConst := true
		for _, e := range y.kids {
			if err := c.check(e); err != nil {
				return err
			}
			if e.typ != x.typ {
				hint, hintEN := "", ""
				if x.typ == Money && e.typ == Int {
					hint, hintEN = "；金额要写单位，如 80元", "; write money with its unit, e.g. 80元"
				}
				return c.errf(e.pos, "列表元素应为%[1]s（与 in 左边相同），这里是%[2]s%[3]s", "list elements must be %[4]s like the left side of in, not %[5]s%[6]s",
					x.typ.ZH(), e.typ.ZH(), hint, x.typ, e.typ, hintEN)
			}
			allConst = allConst && e.isConst()
		}
		y.typ = List
		if x.typ == String {
			y.constStrs, in = listIn(x.cs, y.kids, allConst, func(e *node) (string, func(*Facts) string) { return e.lit.Str, e.cs })
		} else {
			y.constNums, in = listIn(x.cn, y.kids, allConst, func(e *node) (int64, func(*Facts) int64) { return e.lit.Num, e.cn })
		}
	} else {
		if err := c.check(y); err != nil {
			return err
		}
		if y.typ != Set {
			return c.errf(y.pos, "in 的右边应为列表 [...] 或字符串集合，这里是%[1]s", "the right side of in must be a list [...] or a set of strings, not %[2]s", y.typ.ZH(), y.typ)
		}
		if x.typ != String {
			return c.errf(x.pos, "字符串集合里只能找字符串，这里是%[1]s", "only a string can be looked for in a set of strings, not %[2]s", x.typ.ZH(), x.typ)
		}
		xf, sf := x.cs, y.cset
		in = func(f *Facts) bool { return slices.Contains(sf(f), xf(f)) }
	}
	if n.neg {
		n.cb = func(f *Facts) bool { return !in(f) }
	} else {
		n.cb = in
	}
	return c.fold(n)
}

// listIn decides x in [e1, e2 …] for strings or numbers: against the
// elements' values when all are constants (returned, for explanations), else
// evaluating each element.
func listIn[T comparable](xf func(*Facts) T, elems []*node, allConst bool, of func(*node) (T, func(*Facts) T)) ([]T, func(*Facts) bool) {
	if allConst {
		cs := make([]T, len(elems))
		for i, e := range elems {
			cs[i], _ = of(e)
		}
		return cs, func(f *Facts) bool { return slices.Contains(cs, xf(f)) }
	}
	es := make([]func(*Facts) T, len(elems))
	for i, e := range elems {
		_, es[i] = of(e)
	}
	return nil, func(f *Facts) bool {
		v := xf(f)
		for _, e := range es {
			if e(f) == v {
				return true
			}
		}
		return false
	}
}

func (c *checker) checkIf(n *node) *Error {
	for _, k := range n.kids {
		if err := c.check(k); err != nil {
			return err
		}
	}
	cond, a, b := n.kids[0], n.kids[1], n.kids[2]
	if cond.typ != Bool {
		return c.errf(cond.pos, "if 后面应为条件（布尔），这里是%[1]s", "if needs a condition (bool), not %[2]s", cond.typ.ZH(), cond.typ)
	}
	if a.typ != b.typ {
		hint, hintEN := "", ""
		if a.typ == Money && b.typ == Int && b.isConst() || a.typ == Int && b.typ == Money && a.isConst() {
			hint, hintEN = "；金额要写单位，如 0元", "; write money with its unit, e.g. 0元"
		}
		return c.errf(b.pos, "then 与 else 的类型应相同：then 是%[1]s，else 是%[2]s%[3]s", "then and else must have the same type: then is %[4]s, else is %[5]s%[6]s",
			a.typ.ZH(), b.typ.ZH(), hint, a.typ, b.typ, hintEN)
	}
	if a.typ == Decimal {
		return c.errf(a.pos, "小数只能用来乘以金额", "a decimal can only multiply money")
	}
	n.typ = a.typ
	cf := cond.cb
	switch n.typ {
	case Bool:
		af, bf := a.cb, b.cb
		n.cb = func(f *Facts) bool {
			if cf(f) {
				return af(f)
			}
			return bf(f)
		}
	case Int, Money, Date:
		af, bf := a.cn, b.cn
		n.cn = func(f *Facts) int64 {
			if cf(f) {
				return af(f)
			}
			return bf(f)
		}
	case String:
		af, bf := a.cs, b.cs
		n.cs = func(f *Facts) string {
			if cf(f) {
				return af(f)
			}
			return bf(f)
		}
	case Set:
		af, bf := a.cset, b.cset
		n.cset = func(f *Facts) []string {
			if cf(f) {
				return af(f)
			}
			return bf(f)
		}
	}
	return c.fold(n)
}
