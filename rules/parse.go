package rules

import "slices"

type nodeKind uint8

const (
	nLit     nodeKind = iota // a literal: Int, Money, Decimal, String, Bool
	nFact                    // a fact: age, dibao_standard
	nCall                    // a function call: status("dibao")
	nNeg                     // -x
	nNot                     // not x
	nArith                   // x + y, x - y, x * y
	nCmp                     // x >= y …
	nAnd                     // x and y and …
	nOr                      // x or y or …
	nBetween                 // x [not] between lo and hi
	nIn                      // x [not] in [a, b] / x [not] in set
	nList                    // [a, b, …] (only after in)
	nIf                      // if c then a else b
	nParen                   // (x): kept so that explanations show the source as written
)

type node struct {
	kind  nodeKind
	op    tokKind // nArith, nCmp
	pos   int     // byte span of the whole expression in the source
	end   int
	opPos int  // byte offset of the operator (or the function name)
	neg   bool // not between / not in
	name  string
	kids  []*node
	typ   Type
	lit   Value

	fact *Fact
	fn   *builtin

	// The compiled evaluator: exactly one is set, by typ.
	cb   func(*Facts) bool
	cn   func(*Facts) int64
	cs   func(*Facts) string
	cset func(*Facts) []string

	// For in over a constant list.
	constNums []int64
	constStrs []string
}

// maxDepth bounds the nesting of a rule so that checking and evaluating
// cannot exhaust the stack.
const maxDepth = 64

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errExpected(zhWant, enWant string) *Error {
	t := p.peek()
	zh, en := t.describe()
	return errAt(p.src, t.pos, "这里应为%[1]s，却是%[2]s", "expected %[3]s, found %[4]s", zhWant, zh, enWant, en)
}

func (p *parser) expect(k tokKind, zhWant, enWant string) (token, *Error) {
	if p.peek().kind != k {
		return token{}, p.errExpected(zhWant, enWant)
	}
	return p.next(), nil
}

func parse(src string) (*node, *Error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tEOF {
		return nil, errAt(src, 0, "规则是空的", "the rule is empty")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		zh, en := t.describe()
		hint := ""
		hintEN := ""
		switch w, ok := chineseWords[t.text]; {
		case t.text == yuanSign || t.text == fenSign:
			hint, hintEN = "；金额单位要紧跟数字，如 80元", "; the unit must follow the number directly, e.g. 80元"
		case t.kind == tIdent && ok:
			hint, hintEN = "；请用 "+w+" 代替 "+t.text, "; write "+w+" instead of "+t.text
		case t.kind == tIdent, t.kind == tInt, t.kind == tMoney, t.kind == tString, t.kind == tLParen:
			hint, hintEN = "；是否缺少 and 或 or？", "; is an and or an or missing?"
		case t.kind == tRParen:
			hint, hintEN = "；多了一个右括号？", "; one closing parenthesis too many?"
		}
		return nil, errAt(src, t.pos, "表达式已结束，多余的%[1]s%[2]s", "the expression has ended; unexpected %[3]s%[4]s", zh, hint, en, hintEN)
	}
	return n, nil
}

func (p *parser) enter() *Error {
	p.depth++
	if p.depth > maxDepth {
		return errAt(p.src, p.peek().pos, "规则嵌套太深（最多%[1]d层）", "the rule is nested too deeply (at most %[1]d levels)", maxDepth)
	}
	return nil
}

// expr := or
func (p *parser) expr() (*node, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.or()
}

// or := and { ("or" | "||") and }
func (p *parser) or() (*node, *Error) { return p.nary(tOr, nOr, p.and) }

// and := not { ("and" | "&&") not }
func (p *parser) and() (*node, *Error) { return p.nary(tAnd, nAnd, p.not) }

// nary parses operand { op operand } into one node of kind holding every
// operand (and, or: associative, evaluated left to right with short cuts).
func (p *parser) nary(op tokKind, kind nodeKind, operand func() (*node, *Error)) (*node, *Error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != op {
		return x, nil
	}
	n := &node{kind: kind, pos: x.pos, opPos: p.peek().pos, kids: []*node{x}}
	for p.peek().kind == op {
		p.next()
		y, err := operand()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, y)
		n.end = y.end
	}
	return n, nil
}

// not := ("not" | "!") not | cmp
func (p *parser) not() (*node, *Error) { return p.prefix(tNot, nNot, p.not, p.cmp) }

// prefix parses op self (a node of kind, nesting counted against the depth
// limit) or, without op, next.
func (p *parser) prefix(op tokKind, kind nodeKind, self, next func() (*node, *Error)) (*node, *Error) {
	t := p.peek()
	if t.kind != op {
		return next()
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	x, err := self()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &node{kind: kind, pos: t.pos, opPos: t.pos, end: x.end, kids: []*node{x}}, nil
}

func isCmp(k tokKind) bool { return k >= tEq && k <= tGe }

// cmp := add [ cmpop add
//
//	| ["not"] "between" add "and" add
//	| ["not"] "in" ( list | add ) ]
func (p *parser) cmp() (*node, *Error) {
	x, err := p.add()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	neg := false
	if t.kind == tNot {
		after := p.toks[p.i+1]
		if after.kind != tBetween && after.kind != tIn {
			return nil, errAt(p.src, t.pos, "这里的 not 后面应为 between 或 in（取反请把 not 写在条件前面）",
				"not here must be followed by between or in (to negate a condition, put not before it)")
		}
		p.next()
		neg = true
		t = p.peek()
	}
	switch {
	case isCmp(t.kind):
		p.next()
		y, err := p.add()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); isCmp(c.kind) {
			return nil, errAt(p.src, c.pos, "比较不能连写，请用 between 或 and，如 age between 80 and 89",
				"comparisons cannot be chained; use between or and, e.g. age between 80 and 89")
		}
		return &node{kind: nCmp, op: t.kind, pos: x.pos, opPos: t.pos, end: y.end, kids: []*node{x, y}}, nil
	case t.kind == tBetween:
		p.next()
		lo, err := p.add()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tAnd, "between 的 and", "the and of between"); err != nil {
			return nil, err
		}
		hi, err := p.add()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBetween, neg: neg, pos: x.pos, opPos: t.pos, end: hi.end, kids: []*node{x, lo, hi}}, nil
	case t.kind == tIn:
		p.next()
		var y *node
		if p.peek().kind == tLBrack {
			y, err = p.list()
		} else {
			y, err = p.add()
		}
		if err != nil {
			return nil, err
		}
		return &node{kind: nIn, neg: neg, pos: x.pos, opPos: t.pos, end: y.end, kids: []*node{x, y}}, nil
	}
	return x, nil
}

// list := "[" [ expr { "," expr } [","] ] "]"
func (p *parser) list() (*node, *Error) {
	open := p.next()
	n := &node{kind: nList, pos: open.pos}
	var err *Error
	if n.kids, n.end, err = p.exprs(tRBrack, "逗号或 ]", "a comma or ]"); err != nil {
		return nil, err
	}
	if len(n.kids) == 0 {
		return nil, errAt(p.src, open.pos, "列表不能为空", "the list is empty")
	}
	return n, nil
}

// exprs := [ expr { "," expr } [","] ] close — a list's elements or a call's
// arguments; it returns them and the end of the closing token.
func (p *parser) exprs(close tokKind, expectedZH, expectedEN string) ([]*node, int, *Error) {
	var out []*node
	for p.peek().kind != close {
		x, err := p.expr()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		if p.peek().kind != close {
			return nil, 0, p.errExpected(expectedZH, expectedEN)
		}
	}
	return out, p.next().end, nil
}

// add := mul { ("+" | "-") mul }
func (p *parser) add() (*node, *Error) { return p.arith(p.mul, tPlus, tMinus) }

// mul := unary { "*" unary }
func (p *parser) mul() (*node, *Error) { return p.arith(p.unary, tStar) }

// arith parses operand { op operand } into arithmetic nodes grouped from the left.
func (p *parser) arith(operand func() (*node, *Error), ops ...tokKind) (*node, *Error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	for slices.Contains(ops, p.peek().kind) {
		op := p.next()
		y, err := operand()
		if err != nil {
			return nil, err
		}
		x = &node{kind: nArith, op: op.kind, pos: x.pos, opPos: op.pos, end: y.end, kids: []*node{x, y}}
	}
	return x, nil
}

// unary := "-" unary | primary
func (p *parser) unary() (*node, *Error) { return p.prefix(tMinus, nNeg, p.unary, p.primary) }

// primary := INT | DECIMAL | MONEY | STRING | "true" | "false"
//
//	| NAME | NAME "(" [ expr { "," expr } ] ")"
//	| "(" expr ")"
//	| "if" expr "then" expr "else" expr
func (p *parser) primary() (*node, *Error) {
	t := p.peek()
	switch t.kind {
	case tInt:
		p.next()
		return &node{kind: nLit, pos: t.pos, end: t.end, lit: Value{Type: Int, Num: t.val}}, nil
	case tDec:
		p.next()
		return &node{kind: nLit, pos: t.pos, end: t.end, lit: Value{Type: Decimal, Num: t.val}}, nil
	case tMoney:
		p.next()
		return &node{kind: nLit, pos: t.pos, end: t.end, lit: Value{Type: Money, Num: t.val}}, nil
	case tString:
		p.next()
		return &node{kind: nLit, pos: t.pos, end: t.end, lit: Value{Type: String, Str: t.str}}, nil
	case tTrue, tFalse:
		p.next()
		return &node{kind: nLit, pos: t.pos, end: t.end, lit: Value{Type: Bool, Num: b2i(t.kind == tTrue)}}, nil
	case tIdent:
		p.next()
		if p.peek().kind != tLParen {
			return &node{kind: nFact, name: t.text, pos: t.pos, opPos: t.pos, end: t.end}, nil
		}
		p.next()
		n := &node{kind: nCall, name: t.text, pos: t.pos, opPos: t.pos}
		var err *Error
		if n.kids, n.end, err = p.exprs(tRParen, "逗号或右括号", "a comma or )"); err != nil {
			return nil, err
		}
		return n, nil
	case tLParen:
		p.next()
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		closing, err := p.expect(tRParen, "右括号 )", "a closing )")
		if err != nil {
			return nil, err
		}
		return &node{kind: nParen, pos: t.pos, end: closing.end, kids: []*node{x}}, nil
	case tIf:
		p.next()
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tThen, "then", "then"); err != nil {
			return nil, err
		}
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tElse, "else（if 必须有 else）", "else (an if needs an else)"); err != nil {
			return nil, err
		}
		b, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &node{kind: nIf, pos: t.pos, opPos: t.pos, end: b.end, kids: []*node{c, a, b}}, nil
	case tLBrack:
		return nil, errAt(p.src, t.pos, "列表 [...] 只能写在 in 后面", "a list [...] may only follow in")
	}
	return nil, p.errExpected("一个值、名称或左括号", "a value, a name or (")
}
