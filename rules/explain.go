package rules

import (
	"strings"
)

// Mark says whether a line of an explanation is a condition that held.
type Mark uint8

const (
	NoMark Mark = iota // a value, not a condition
	Held               // ✓
	Failed             // ✗
)

func markOf(b bool) Mark {
	if b {
		return Held
	}
	return Failed
}

// Symbol is ✓, ✗ or "".
func (m Mark) Symbol() string {
	switch m {
	case Held:
		return "✓"
	case Failed:
		return "✗"
	}
	return ""
}

// Line is one step of an explanation: a sub-condition with the fact values it
// read ("age = 85 ≥ 80 ✓"), a group (all of / any of), or a value.
type Line struct {
	Depth int    `json:"depth"` // nesting, for indentation
	Pos   Pos    `json:"pos"`   // where the sub-expression starts in the rule
	Src   string `json:"src"`   // the sub-expression as written
	ZH    string `json:"zh"`
	EN    string `json:"en"`
	Mark  Mark   `json:"mark"`
}

// Text is the line in one language with its mark, indented two spaces a level.
func (l Line) Text(zh bool) string {
	s := l.EN
	if zh {
		s = l.ZH
	}
	if m := l.Mark.Symbol(); m != "" {
		s += " " + m
	}
	return strings.Repeat("  ", l.Depth) + s
}

// Explanation is the value of a rule for one set of facts and why.
type Explanation struct {
	Value Value  `json:"value"`
	Lines []Line `json:"lines"`
}

// Text renders the explanation, one line per step.
func (x *Explanation) Text(zh bool) string {
	var b strings.Builder
	for _, l := range x.Lines {
		b.WriteString(l.Text(zh))
		b.WriteByte('\n')
	}
	return b.String()
}

// Explain evaluates the rule like Eval and records why: every sub-condition
// with the values of the facts it read and whether it held. Both sides of
// and/or are explained even where evaluation would stop early, so that the
// reader sees every condition; only the branch an if takes is explained.
// Explain allocates; use Bool, Num or Eval in batches.
func (p *Program) Explain(f *Facts) (Value, *Explanation, error) {
	if err := p.begin(f); err != nil {
		return Value{}, nil, err
	}
	x := &explainer{p: p, f: f}
	var v Value
	if p.typ == Bool {
		v = Value{Type: Bool, Num: b2i(x.cond(p.root, 0))}
	} else {
		v = x.val(p.root, 0)
		x.add(p.root, 0, NoMark, "结果 = "+v.ZH(), "result = "+v.EN())
	}
	if err := p.end(f); err != nil {
		return Value{}, nil, err
	}
	return v, &Explanation{Value: v, Lines: x.lines}, nil
}

type explainer struct {
	p     *Program
	f     *Facts
	lines []Line
}

func (x *explainer) src(n *node) string { return x.p.src[n.pos:n.end] }

func (x *explainer) add(n *node, depth int, m Mark, zh, en string) int {
	x.lines = append(x.lines, Line{Depth: depth, Pos: position(x.p.src, n.pos), Src: x.src(n), ZH: zh, EN: en, Mark: m})
	return len(x.lines) - 1
}

// operand describes a value in a condition: a constant as itself, a fact as
// "年龄（age）= 85" / "age = 85", anything else as "source = value".
func (x *explainer) operand(n *node) (zh, en string) {
	for n.kind == nParen {
		n = n.kids[0]
	}
	v := n.value(x.f)
	if n.kind == nLit {
		return v.ZH(), v.EN()
	}
	s := x.src(n)
	if n.kind == nFact && n.fact != nil && n.fact.ZH != "" {
		if n.fact.Name == "grade" && v.Num < 0 {
			return n.fact.ZH + "（" + s + "）= -1（无有效评估）", s + " = -1 (no valid assessment)"
		}
		return n.fact.ZH + "（" + s + "）= " + v.ZH(), s + " = " + v.EN()
	}
	return s + " = " + v.ZH(), s + " = " + v.EN()
}

func hasIf(n *node) bool {
	if n.kind == nIf {
		return true
	}
	for _, k := range n.kids {
		if hasIf(k) {
			return true
		}
	}
	return false
}

// flatten gathers the operands of nested ands (or ors), through parentheses.
func flatten(n *node, kind nodeKind, out []*node) []*node {
	for _, k := range n.kids {
		inner := k
		for inner.kind == nParen {
			inner = inner.kids[0]
		}
		if inner.kind == kind {
			out = flatten(inner, kind, out)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// cond explains a Bool node and returns its value.
func (x *explainer) cond(n *node, depth int) bool {
	switch n.kind {
	case nParen:
		return x.cond(n.kids[0], depth)
	case nAnd, nOr:
		and := n.kind == nAnd
		head := x.add(n, depth, NoMark, "", "")
		kids := flatten(n, n.kind, nil)
		held := 0
		for _, k := range kids {
			if x.cond(k, depth+1) {
				held++
			}
		}
		v := n.cb(x.f)
		l := &x.lines[head]
		switch {
		case and && v:
			l.ZH, l.EN = "以下条件全部满足", "all of these hold"
		case and:
			l.ZH, l.EN = "以下条件须全部满足，有不满足的", "all of these must hold, and some do not"
		case v:
			l.ZH, l.EN = "以下条件至少满足一项", "at least one of these holds"
		default:
			l.ZH, l.EN = "以下条件须至少满足一项，都不满足", "at least one of these must hold, and none does"
		}
		l.Mark = markOf(v)
		return v
	case nNot:
		head := x.add(n, depth, NoMark, "", "")
		inner := x.cond(n.kids[0], depth+1)
		l := &x.lines[head]
		l.ZH, l.EN, l.Mark = "以下条件须不成立", "the following must not hold", markOf(!inner)
		return !inner
	case nCmp:
		v := n.cb(x.f)
		lz, le := x.operand(n.kids[0])
		rz, re := x.operand(n.kids[1])
		op := opText[n.op]
		x.add(n, depth, markOf(v), lz+" "+op+" "+rz, le+" "+op+" "+re)
		x.inner(n.kids, depth+1)
		return v
	case nBetween:
		v := n.cb(x.f)
		vz, ve := x.operand(n.kids[0])
		loz, loe := x.operand(n.kids[1])
		hiz, hie := x.operand(n.kids[2])
		word, wordEN := "在 %s 与 %s 之间（含）", "between %s and %s (inclusive)"
		if n.neg {
			word, wordEN = "不在 %s 与 %s 之间", "not between %s and %s"
		}
		x.add(n, depth, markOf(v), vz+" "+sprintf(word, loz, hiz), ve+" "+sprintf(wordEN, loe, hie))
		x.inner(n.kids, depth+1)
		return v
	case nIn:
		v := n.cb(x.f)
		vz, ve := x.operand(n.kids[0])
		var lz, le string
		if y := n.kids[1]; y.kind == nList {
			zs, es := make([]string, len(y.kids)), make([]string, len(y.kids))
			for i, e := range y.kids {
				zs[i], es[i] = x.operand(e)
			}
			lz, le = "["+strings.Join(zs, ", ")+"]", "["+strings.Join(es, ", ")+"]"
		} else {
			lz, le = x.operand(y)
		}
		word, wordEN := " 属于 ", " in "
		if n.neg {
			word, wordEN = " 不属于 ", " not in "
		}
		x.add(n, depth, markOf(v), vz+word+lz, ve+wordEN+le)
		return v
	case nIf:
		return x.cond(x.branch(n, depth), depth)
	}
	// A fact, a call or a literal of type Bool.
	v := n.cb(x.f)
	s := x.src(n)
	zh := s + " = " + (Value{Type: Bool, Num: b2i(v)}).ZH()
	switch {
	case n.kind == nFact && n.fact != nil:
		zh = n.fact.ZH + "（" + s + "）= " + (Value{Type: Bool, Num: b2i(v)}).ZH()
	case n.kind == nCall && n.fn.name == "status":
		kind := n.kids[0].lit.Str
		zh = "「" + x.p.env.statusLbl[kind][0] + "」身份（" + s + "）= " + (Value{Type: Bool, Num: b2i(v)}).ZH()
	case n.kind == nCall && n.fn.name == "in_region":
		zh = "常住地在 " + n.kids[0].lit.Str + " 辖区内（" + s + "）= " + (Value{Type: Bool, Num: b2i(v)}).ZH() + "；常住地 " + x.f.Residence
	case n.kind == nCall && n.fn.name == "household_in_region":
		zh = "户籍在 " + n.kids[0].lit.Str + " 辖区内（" + s + "）= " + (Value{Type: Bool, Num: b2i(v)}).ZH() + "；户籍地 " + x.f.Household
	}
	en := s + " = " + (Value{Type: Bool, Num: b2i(v)}).EN()
	switch {
	case n.kind == nCall && n.fn.name == "in_region":
		en += "; residence " + x.f.Residence
	case n.kind == nCall && n.fn.name == "household_in_region":
		en += "; household " + x.f.Household
	}
	x.add(n, depth, markOf(v), zh, en)
	return v
}

// branch explains the condition of an if and returns the branch it takes.
func (x *explainer) branch(n *node, depth int) *node {
	if x.condIf(n, depth) {
		return n.kids[1]
	}
	return n.kids[2]
}

// condIf explains the condition of an if and which branch it takes.
func (x *explainer) condIf(n *node, depth int) bool {
	head := x.add(n.kids[0], depth, NoMark, "", "")
	c := x.cond(n.kids[0], depth+1)
	l := &x.lines[head]
	if c {
		l.ZH, l.EN = "如果以下条件成立（成立，取 then 分支）", "if the following holds (it does: the then branch)"
	} else {
		l.ZH, l.EN = "如果以下条件成立（不成立，取 else 分支）", "if the following holds (it does not: the else branch)"
	}
	return c
}

// inner explains the ifs inside the operands of a comparison.
func (x *explainer) inner(kids []*node, depth int) {
	for _, k := range kids {
		if k.typ != Bool && hasIf(k) {
			x.val(k, depth)
		}
	}
}

// val explains a non-Bool node and returns its value.
func (x *explainer) val(n *node, depth int) Value {
	switch n.kind {
	case nParen:
		return x.val(n.kids[0], depth)
	case nIf:
		return x.val(x.branch(n, depth), depth)
	}
	v := n.value(x.f)
	if n.kind == nLit {
		x.add(n, depth, NoMark, "取 "+v.ZH(), "take "+v.EN())
		return v
	}
	zh, en := x.operand(n)
	x.add(n, depth, NoMark, zh, en)
	if n.kind == nArith || n.kind == nNeg || n.kind == nCall {
		// Show what the value was computed from: every operand that is not a
		// constant, down to the facts.
		for _, k := range n.kids {
			if !k.isConst() && k.typ != Bool && k.typ != Decimal {
				x.val(k, depth+1)
			}
		}
	} else {
		x.inner(n.kids, depth+1)
	}
	return v
}
