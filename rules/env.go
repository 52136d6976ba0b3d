package rules

import (
	"fmt"
	"sort"
)

// Fact is a named value a rule can read: one of the built-in facts every
// environment has, or one declared with Env.Declare.
type Fact struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	ZH       string `json:"zh"` // label, e.g. 年龄
	EN       string `json:"en"` // what it means, e.g. "age in whole years on the evaluation date"
	Required bool   `json:"required,omitempty"`
	Builtin  bool   `json:"builtin,omitempty"`

	slot int    // index in Facts.Nums / Strs / Sets (declared facts)
	bit  uint64 // bit in Facts.Known (declared facts)

	getB   func(*Facts) bool
	getN   func(*Facts) int64
	getS   func(*Facts) string
	getSet func(*Facts) []string
}

// Facts are the values one evaluation reads. The built-in facts are fields;
// declared facts live in Nums (Bool, Int, Money, Date), Strs and Sets at the
// slot Env.Declare returned, set through the Set* methods.
//
// A Facts is reused from one evaluation to the next (so that evaluating does
// not allocate) and is used by one goroutine at a time: evaluation keeps a
// small memo (the age for Birth and Date) and a fault flag in it.
type Facts struct {
	Date  Day // eval_date: the day the rule is evaluated for; month_start and month_end follow from it
	Birth Day // birth_date; age and birthday_month follow from it

	Sex             string   // "M" or "F"
	Statuses        uint64   // status kinds active on Date: bit Env.StatusBit(kind)
	Grade           int      // assessment grade 0–4 valid on Date; -1 when there is none
	DisabilityGrade int      // 1 (most severe) – 4; 0 when there is no disability certificate
	Residence       string   // 常住地: 12-digit region code
	ResidencePath   string   // its path "/430000000000/431000000000/…/", for in_region
	Household       string   // 户籍地: 12-digit region code ("" when unknown)
	HouseholdPath   string   // its path, for household_in_region
	Living          string   // living arrangement: alone, empty_nest, with_children, with_others, institution
	NoFixedIncome   bool     // 无固定收入 on Date
	Chronic         []string // chronic conditions

	Nums  []int64    // declared Bool (0/1), Int, Money (fen) and Date (Day) facts
	Strs  []string   // declared String facts
	Sets  [][]string // declared Set facts
	Known uint64     // bit set for each declared fact that has a value

	memoOK    bool
	memoBirth Day
	memoDate  Day
	memoAge   int

	fault int // 1 + byte offset of the first operation that overflowed
}

// Reset clears every field for the next person, keeping the slices' storage.
func (f *Facts) Reset() {
	nums, strs, sets := f.Nums, f.Strs, f.Sets
	clear(nums)
	clear(strs)
	clear(sets)
	*f = Facts{Nums: nums, Strs: strs, Sets: sets, Grade: -1}
}

func (f *Facts) age() int {
	if !f.memoOK || f.memoBirth != f.Birth || f.memoDate != f.Date {
		f.memoAge = AgeOn(f.Birth, f.Date)
		f.memoBirth, f.memoDate, f.memoOK = f.Birth, f.Date, true
	}
	return f.memoAge
}

// Slot addresses a declared fact in Facts.
type Slot struct {
	name string
	typ  Type
	idx  int
	bit  uint64
}

// Name is the fact's name.
func (s Slot) Name() string { return s.name }

// Type is the fact's type.
func (s Slot) Type() Type { return s.typ }

func (s Slot) must(t Type) {
	if s.typ != t {
		panic(fmt.Sprintf("rules: fact %s is %s, not %s", s.name, s.typ, t))
	}
}

// SetBool sets a declared Bool fact.
func (f *Facts) SetBool(s Slot, v bool) {
	s.must(Bool)
	f.Nums[s.idx] = b2i(v)
	f.Known |= s.bit
}

// SetInt sets a declared Int fact.
func (f *Facts) SetInt(s Slot, v int64) {
	s.must(Int)
	f.Nums[s.idx] = v
	f.Known |= s.bit
}

// SetMoney sets a declared Money fact, in fen.
func (f *Facts) SetMoney(s Slot, fen int64) {
	s.must(Money)
	f.Nums[s.idx] = fen
	f.Known |= s.bit
}

// SetDate sets a declared Date fact.
func (f *Facts) SetDate(s Slot, d Day) {
	s.must(Date)
	f.Nums[s.idx] = int64(d)
	f.Known |= s.bit
}

// SetString sets a declared String fact.
func (f *Facts) SetString(s Slot, v string) {
	s.must(String)
	f.Strs[s.idx] = v
	f.Known |= s.bit
}

// SetSet sets a declared Set fact.
func (f *Facts) SetSet(s Slot, v []string) {
	s.must(Set)
	f.Sets[s.idx] = v
	f.Known |= s.bit
}

// Unset marks a declared fact as having no value; it then reads as the zero
// of its type, and a rule that needs a Required fact fails.
func (f *Facts) Unset(s Slot) { f.Known &^= s.bit }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Env is the vocabulary rules are compiled against: the built-in facts and
// functions, the status kinds status("…") accepts, and the facts a caller
// declares (per-region parameters such as dibao_standard, flags supplied by
// other departments). Declare everything before compiling and before NewFacts;
// after that an Env is read-only and safe for concurrent use.
type Env struct {
	facts     map[string]*Fact
	statusBit map[string]uint64
	statusLbl map[string][2]string
	nNum      int
	nStr      int
	nSet      int
	nDeclared int
}

// MaxDeclared is the number of facts an Env can declare; MaxStatuses the
// number of status kinds.
const (
	MaxDeclared = 64
	MaxStatuses = 64
)

// NewEnv makes an environment with the built-in facts and the given status
// kinds (kind → {Chinese, English} label, e.g. yanglao.StatusKinds).
func NewEnv(statusKinds map[string][2]string) (*Env, error) {
	if len(statusKinds) > MaxStatuses {
		return nil, fmt.Errorf("rules: at most %d status kinds", MaxStatuses)
	}
	e := &Env{facts: map[string]*Fact{}, statusBit: map[string]uint64{}, statusLbl: map[string][2]string{}}
	kinds := make([]string, 0, len(statusKinds))
	for k := range statusKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for i, k := range kinds {
		e.statusBit[k] = 1 << uint(i)
		e.statusLbl[k] = statusKinds[k]
	}
	for _, f := range builtinFacts() {
		e.facts[f.Name] = f
	}
	return e, nil
}

// StatusBit returns the bit of a status kind in Facts.Statuses.
func (e *Env) StatusBit(kind string) (uint64, bool) {
	b, ok := e.statusBit[kind]
	return b, ok
}

// StatusKinds lists the kinds status("…") accepts, sorted.
func (e *Env) StatusKinds() []string {
	out := make([]string, 0, len(e.statusBit))
	for k := range e.statusBit {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Declare adds a fact the caller will supply. A Required fact must have a
// value (Facts.Known) whenever a rule that reads it is evaluated; otherwise
// it reads as the zero of its type (false, 0, "").
func (e *Env) Declare(name string, t Type, zh, en string, required bool) (Slot, error) {
	if !isName(name) {
		return Slot{}, fmt.Errorf("rules: %q is not a valid fact name (ASCII letters, digits, _)", name)
	}
	if _, ok := keywords[name]; ok {
		return Slot{}, fmt.Errorf("rules: %q is a keyword", name)
	}
	if _, ok := e.facts[name]; ok {
		return Slot{}, fmt.Errorf("rules: fact %q is already declared", name)
	}
	if _, ok := builtins[name]; ok {
		return Slot{}, fmt.Errorf("rules: %q is a function", name)
	}
	if e.nDeclared >= MaxDeclared {
		return Slot{}, fmt.Errorf("rules: at most %d declared facts", MaxDeclared)
	}
	f := &Fact{Name: name, Type: t, ZH: zh, EN: en, Required: required, bit: 1 << uint(e.nDeclared)}
	switch t {
	case Bool, Int, Money, Date:
		f.slot = e.nNum
		e.nNum++
		idx := f.slot
		if t == Bool {
			f.getB = func(x *Facts) bool { return x.Nums[idx] != 0 }
		} else {
			f.getN = func(x *Facts) int64 { return x.Nums[idx] }
		}
	case String:
		f.slot = e.nStr
		e.nStr++
		idx := f.slot
		f.getS = func(x *Facts) string { return x.Strs[idx] }
	case Set:
		f.slot = e.nSet
		e.nSet++
		idx := f.slot
		f.getSet = func(x *Facts) []string { return x.Sets[idx] }
	default:
		return Slot{}, fmt.Errorf("rules: a fact cannot have type %s", t)
	}
	e.nDeclared++
	e.facts[name] = f
	return Slot{name: name, typ: t, idx: f.slot, bit: f.bit}, nil
}

// Lookup returns a fact by name.
func (e *Env) Lookup(name string) (*Fact, bool) {
	f, ok := e.facts[name]
	return f, ok
}

// Facts lists every fact, built-in first, then by name.
func (e *Env) Facts() []*Fact {
	out := make([]*Fact, 0, len(e.facts))
	for _, f := range e.facts {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Builtin != out[j].Builtin {
			return out[i].Builtin
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// NewFacts returns a Facts sized for the declared facts, with Grade -1.
func (e *Env) NewFacts() *Facts {
	return &Facts{Nums: make([]int64, e.nNum), Strs: make([]string, e.nStr), Sets: make([][]string, e.nSet), Grade: -1}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

func builtinFacts() []*Fact {
	fs := []*Fact{
		{Name: "eval_date", Type: Date, ZH: "评估日", EN: "the day the rule is evaluated for",
			getN: func(f *Facts) int64 { return int64(f.Date) }},
		{Name: "month_start", Type: Date, ZH: "当月第一天", EN: "the first day of the month of eval_date",
			getN: func(f *Facts) int64 { first, _ := MonthBounds(f.Date); return int64(first) }},
		{Name: "month_end", Type: Date, ZH: "当月最后一天", EN: "the last day of the month of eval_date",
			getN: func(f *Facts) int64 { _, last := MonthBounds(f.Date); return int64(last) }},
		{Name: "birth_date", Type: Date, ZH: "出生日期", EN: "date of birth",
			getN: func(f *Facts) int64 { return int64(f.Birth) }},
		{Name: "age", Type: Int, ZH: "年龄", EN: "age in whole years on eval_date (29 Feb birthdays count on 1 Mar in common years)",
			getN: func(f *Facts) int64 { return int64(f.age()) }},
		{Name: "birthday_month", Type: Bool, ZH: "本月是生日月", EN: "the birthday falls in the month of eval_date (29 Feb: March in common years)",
			getB: func(f *Facts) bool {
				y, m, _ := f.Date.Civil()
				return birthdayMonth(f.Birth, y) == m
			}},
		{Name: "sex", Type: String, ZH: "性别", EN: `sex, "M" or "F"`,
			getS: func(f *Facts) string { return f.Sex }},
		{Name: "grade", Type: Int, ZH: "能力评估等级", EN: "GB/T 42195-2022 capability grade valid on eval_date, 0 (intact) – 4 (lost); -1 when none is valid",
			getN: func(f *Facts) int64 { return int64(f.Grade) }},
		{Name: "disability_grade", Type: Int, ZH: "残疾等级", EN: "disability certificate grade 1 (most severe) – 4; 0 when none",
			getN: func(f *Facts) int64 { return int64(f.DisabilityGrade) }},
		{Name: "residence", Type: String, ZH: "常住地区划代码", EN: "12-digit region code of residence",
			getS: func(f *Facts) string { return f.Residence }},
		{Name: "household", Type: String, ZH: "户籍地区划代码", EN: "12-digit region code of household registration (hukou), \"\" when unknown",
			getS: func(f *Facts) string { return f.Household }},
		{Name: "living", Type: String, ZH: "居住状况", EN: "living arrangement: alone, empty_nest, with_children, with_others, institution",
			getS: func(f *Facts) string { return f.Living }},
		{Name: "no_fixed_income", Type: Bool, ZH: "无固定收入", EN: "has no fixed income on eval_date",
			getB: func(f *Facts) bool { return f.NoFixedIncome }},
		{Name: "chronic", Type: Set, ZH: "慢性病", EN: "chronic conditions",
			getSet: func(f *Facts) []string { return f.Chronic }},
	}
	for _, f := range fs {
		f.Builtin = true
	}
	return fs
}

// Get returns a declared fact's value and whether it is known.
func (f *Facts) Get(s Slot) (Value, bool) {
	known := f.Known&s.bit != 0
	switch s.typ {
	case String:
		return Value{Type: String, Str: f.Strs[s.idx]}, known
	case Set:
		return Value{Type: Set, Strs: f.Sets[s.idx]}, known
	}
	return Value{Type: s.typ, Num: f.Nums[s.idx]}, known
}
