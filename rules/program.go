package rules

import (
	"sort"
	"strings"
)

// Program is a compiled, type-checked rule. It is immutable and safe for
// concurrent use; each goroutine evaluates with its own Facts.
type Program struct {
	src   string
	typ   Type
	root  *node
	env   *Env
	needs uint64
	uses  uint64
	info  Info
}

// Info lists what a rule reads and the constants it compares with. Tools use
// it to build test persons around a rule's boundaries (benefits.CheckInheritance).
type Info struct {
	Facts            []string `json:"facts,omitempty"`             // facts read, by name
	Functions        []string `json:"functions,omitempty"`         // functions called
	Statuses         []string `json:"statuses,omitempty"`          // kinds in status("…")
	Regions          []string `json:"regions,omitempty"`           // 12-digit codes in in_region("…")
	HouseholdRegions []string `json:"household_regions,omitempty"` // codes in household_in_region("…")
	Strings          []string `json:"strings,omitempty"`           // other string literals
	Ints             []int64  `json:"ints,omitempty"`              // int literals
	Money            []int64  `json:"money,omitempty"`             // money literals, in fen
}

// Compile parses and type-checks src. want is the type the rule must have
// (Bool for an eligibility rule, Money for an amount), or Invalid for any.
// The error is an *Error with the position of the first problem.
func (e *Env) Compile(src string, want Type) (*Program, error) {
	p, err := e.compile(src, want)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (e *Env) compile(src string, want Type) (*Program, *Error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &checker{env: e, src: src, info: map[string]map[string]bool{}, ints: map[int64]bool{}, money: map[int64]bool{}}
	if err := c.check(root); err != nil {
		return nil, err
	}
	switch {
	case root.typ == Decimal:
		return nil, errAt(src, root.pos, "小数只能用来乘以金额，不能单独作为结果", "a decimal can only multiply money; it cannot be the result")
	case want != Invalid && root.typ != want:
		hint, hintEN := "", ""
		switch {
		case want == Money && root.typ == Int:
			hint, hintEN = "；金额要写单位，如 80元", "; write money with its unit, e.g. 80元"
		case want == Bool:
			hint, hintEN = "；资格规则应是条件，如 age >= 80", "; an eligibility rule is a condition, e.g. age >= 80"
		}
		return nil, errAt(src, root.pos, "规则的结果应为%[1]s，这里是%[2]s%[3]s", "the rule must give %[4]s, but gives %[5]s%[6]s",
			want.ZH(), root.typ.ZH(), hint, want, root.typ, hintEN)
	}
	p := &Program{src: src, typ: root.typ, root: root, env: e, needs: c.needs, uses: c.uses}
	keys := func(kind string) []string {
		var out []string
		for k := range c.info[kind] {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	p.info = Info{Facts: keys("fact"), Functions: keys("func"), Statuses: keys("status"), Regions: keys("region"),
		HouseholdRegions: keys("household_region"), Strings: keys("string")}
	for v := range c.ints {
		p.info.Ints = append(p.info.Ints, v)
	}
	for v := range c.money {
		p.info.Money = append(p.info.Money, v)
	}
	sort.Slice(p.info.Ints, func(i, j int) bool { return p.info.Ints[i] < p.info.Ints[j] })
	sort.Slice(p.info.Money, func(i, j int) bool { return p.info.Money[i] < p.info.Money[j] })
	return p, nil
}

// MustCompile is Compile for rules written in the program; it panics on error.
func (e *Env) MustCompile(src string, want Type) *Program {
	p, err := e.Compile(src, want)
	if err != nil {
		panic(err)
	}
	return p
}

// Source is the rule as written.
func (p *Program) Source() string { return p.src }

// Type is the type of the rule's result.
func (p *Program) Type() Type { return p.typ }

// Info lists what the rule reads.
func (p *Program) Info() Info { return p.info }

// Env is the environment the rule was compiled against.
func (p *Program) Env() *Env { return p.env }

// Reads reports whether the rule reads the named fact.
func (p *Program) Reads(name string) bool {
	i := sort.SearchStrings(p.info.Facts, name)
	return i < len(p.info.Facts) && p.info.Facts[i] == name
}

// begin checks that the Required facts the rule reads are known.
func (p *Program) begin(f *Facts) *Error {
	if missing := p.needs &^ f.Known; missing != 0 {
		var names []string
		for _, fact := range p.env.facts {
			if !fact.Builtin && missing&fact.bit != 0 {
				names = append(names, fact.Name)
			}
		}
		sort.Strings(names)
		return &Error{Runtime: true, Pos: position(p.src, 0),
			ZH: "缺少事实 " + strings.Join(names, "、") + " 的取值",
			EN: "no value for " + strings.Join(names, ", ")}
	}
	f.fault = 0
	return nil
}

func (p *Program) end(f *Facts) error {
	if f.fault != 0 {
		at := f.fault - 1
		f.fault = 0
		return &Error{Runtime: true, Pos: position(p.src, at), ZH: "计算溢出", EN: "arithmetic overflow"}
	}
	return nil
}

// Bool evaluates a Bool rule. It does not allocate unless it fails.
func (p *Program) Bool(f *Facts) (bool, error) {
	if p.root.cb == nil {
		panic("rules: Bool on a rule of type " + p.typ.String())
	}
	if err := p.begin(f); err != nil {
		return false, err
	}
	v := p.root.cb(f)
	if err := p.end(f); err != nil {
		return false, err
	}
	return v, nil
}

// Num evaluates an Int, Money (fen) or Date (Day) rule. It does not allocate
// unless it fails.
func (p *Program) Num(f *Facts) (int64, error) {
	if p.root.cn == nil {
		panic("rules: Num on a rule of type " + p.typ.String())
	}
	if err := p.begin(f); err != nil {
		return 0, err
	}
	v := p.root.cn(f)
	if err := p.end(f); err != nil {
		return 0, err
	}
	return v, nil
}

// Eval evaluates a rule of any type.
func (p *Program) Eval(f *Facts) (Value, error) {
	if err := p.begin(f); err != nil {
		return Value{}, err
	}
	v := p.root.value(f)
	if err := p.end(f); err != nil {
		return Value{}, err
	}
	return v, nil
}
