package benefits

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// ServiceType is the 服务类型 column of the list; item 25 of the Chenzhou
// annex is both 照护服务 and 物质帮助, so it is a set.
type ServiceType uint8

const (
	Material ServiceType = 1 << iota // 物质帮助: cash or goods
	Care                             // 照护服务: care services
	Concern                          // 关爱服务: concessions and visits
)

var serviceTypeNames = []struct {
	t      ServiceType
	zh, en string
}{{Care, "照护服务", "care service"}, {Material, "物质帮助", "material aid"}, {Concern, "关爱服务", "concern service"}}

// String is the Chinese name, e.g. "照护服务和物质帮助".
func (t ServiceType) String() string {
	var parts []string
	for _, n := range serviceTypeNames {
		if t&n.t != 0 {
			parts = append(parts, n.zh)
		}
	}
	return strings.Join(parts, "和")
}

// EN is the English name.
func (t ServiceType) EN() string {
	var parts []string
	for _, n := range serviceTypeNames {
		if t&n.t != 0 {
			parts = append(parts, n.en)
		}
	}
	return strings.Join(parts, " and ")
}

func (t ServiceType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func (t *ServiceType) UnmarshalText(b []byte) error {
	var v ServiceType
	for _, part := range strings.Split(string(b), "和") {
		found := false
		for _, n := range serviceTypeNames {
			if part == n.zh {
				v |= n.t
				found = true
			}
		}
		if !found {
			return yanglao.Invalid("type", "服务类型应为 物质帮助、照护服务 或 关爱服务 (type must be 物质帮助, 照护服务 or 关爱服务)")
		}
	}
	*t = v
	return nil
}

// Application says whether an item needs an application.
type Application string

const (
	// NoApplication (免申请): granted from the data, silently
	// ("免申请静默认证", Tancheng §1).
	NoApplication Application = "none"
	// OnApplication (依申请): granted after an application is approved.
	OnApplication Application = "apply"
)

// ZH is 免申请 or 依申请.
func (a Application) ZH() string {
	if a == NoApplication {
		return "免申请"
	}
	return "依申请"
}

// Item is one version of one item of a basic service list (基本养老服务清单).
// Eligibility and Amount are rules (package rules) over the person's facts;
// Amount is the monthly amount in fen for cash items and empty for services.
// An Item is immutable once added to a List.
type Item struct {
	Code        string       `json:"code"` // CZ-12
	Version     int          `json:"version"`
	Name        string       `json:"name"` // 高龄津贴
	NameEN      string       `json:"name_en,omitempty"`
	Target      string       `json:"target"`  // 服务对象
	Content     string       `json:"content"` // 服务内容及标准, as published
	Type        ServiceType  `json:"type"`    // 服务类型
	Lead        string       `json:"lead"`    // 牵头责任部门
	Source      string       `json:"source"`  // document and clause: 郴政办发〔2023〕14号 附件 第12项
	From        yanglao.Date `json:"from"`
	To          yanglao.Date `json:"to,omitzero"` // inclusive; zero while open
	Application Application  `json:"application"`
	Eligibility string       `json:"eligibility"`      // rule, Bool
	Amount      string       `json:"amount,omitempty"` // rule, Money per month
	Note        string       `json:"note,omitempty"`   // decisions taken where the source is silent

	elig   *rules.Program
	amount *rules.Program
	from   rules.Day
	to     rules.Day // openEnd while open
}

// Cash reports whether the item pays a monthly amount.
func (it *Item) Cash() bool { return it.Amount != "" }

// EligibilityRule is the compiled eligibility rule.
func (it *Item) EligibilityRule() *rules.Program { return it.elig }

// AmountRule is the compiled amount rule, nil for services.
func (it *Item) AmountRule() *rules.Program { return it.amount }

// InForce reports whether the version is in force on d.
func (it *Item) InForce(d yanglao.Date) bool { return it.inForce(rules.FromDate(d)) }

func (it *Item) inForce(d rules.Day) bool { return it.from <= d && d <= it.to }

func (it *Item) period() string { return periodText(it.from, it.to) }

// RuleError is a rule that does not compile. It unwraps to the *rules.Error
// (position, messages) and to an EINVALID *yanglao.Error naming the field.
type RuleError struct {
	Code  string       // the item
	Field string       // "eligibility" or "amount"
	Err   *rules.Error // with the position
}

func (e *RuleError) Error() string {
	what := map[string]string{"eligibility": "资格规则", "amount": "金额规则"}[e.Field]
	return fmt.Sprintf("%s %s%s", e.Code, what, e.Err.Error())
}

func (e *RuleError) Unwrap() []error {
	d := e.Err.Domain(e.Field)
	d.Message = e.Error()
	return []error{e.Err, d}
}

var codePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,31}$`)

// prepare validates the fields and compiles the rules.
func (it *Item) prepare() error {
	it.Code = strings.TrimSpace(it.Code)
	it.Name = strings.TrimSpace(it.Name)
	it.Source = strings.TrimSpace(it.Source)
	switch {
	case !codePattern.MatchString(it.Code):
		return yanglao.Invalid("code", "项目编码应为大写字母、数字和连字符，如 CZ-12 (code: capitals, digits and hyphens, e.g. CZ-12)")
	case it.Name == "" || utf8.RuneCountInString(it.Name) > 100:
		return yanglao.Invalid("name", "请填写项目名称（最多100字） (name is required, at most 100 characters)")
	case it.Source == "":
		// DESIGN §4: every rule that comes from a policy names its source.
		return yanglao.Invalid("source", "请填写政策依据（文件和条款） (source is required: document and clause)")
	case it.Type == 0 || it.Type&^(Material|Care|Concern) != 0:
		return yanglao.Invalid("type", "服务类型应为 物质帮助、照护服务 或 关爱服务 (type must be 物质帮助, 照护服务 or 关爱服务)")
	case it.Application != NoApplication && it.Application != OnApplication:
		return yanglao.Invalid("application", "申请方式应为 none（免申请）或 apply（依申请） (application must be none or apply)")
	case it.From.IsZero():
		return yanglao.Invalid("from", "请填写生效日期 (from is required)")
	case !it.To.IsZero() && rules.FromDate(it.To) < rules.FromDate(it.From):
		return yanglao.Invalid("to", "失效日期早于生效日期 (to is before from)")
	case strings.TrimSpace(it.Eligibility) == "":
		return yanglao.Invalid("eligibility", "请填写资格规则 (an eligibility rule is required)")
	}
	p, err := env.Compile(it.Eligibility, rules.Bool)
	if err != nil {
		return &RuleError{Code: it.Code, Field: "eligibility", Err: asRulesError(err)}
	}
	it.elig = p
	it.amount = nil
	if strings.TrimSpace(it.Amount) != "" {
		p, err := env.Compile(it.Amount, rules.Money)
		if err != nil {
			return &RuleError{Code: it.Code, Field: "amount", Err: asRulesError(err)}
		}
		it.amount = p
	} else {
		it.Amount = ""
	}
	it.from = rules.FromDate(it.From)
	it.to = openEnd
	if !it.To.IsZero() {
		it.to = rules.FromDate(it.To)
	}
	return nil
}

func asRulesError(err error) *rules.Error {
	var re *rules.Error
	if errors.As(err, &re) {
		return re
	}
	return &rules.Error{ZH: err.Error(), EN: err.Error()}
}

// CheckRule compiles a rule for an item field ("eligibility" or "amount")
// without saving anything, for editors that check as the user types.
func CheckRule(field, src string) error {
	want := rules.Bool
	if field == "amount" {
		want = rules.Money
	}
	if _, err := env.Compile(src, want); err != nil {
		return &RuleError{Field: field, Err: asRulesError(err)}
	}
	return nil
}

// List is a region's basic service list (基本养老服务清单): every version of
// every item. A lower region's list starts as a copy of its parent's
// (Derive) and may add items or raise them; CheckInheritance reports where it
// falls below the parent.
type List struct {
	Region string `json:"region"` // 12-digit code of the region that publishes it
	Name   string `json:"name"`
	items  []*Item
}

// NewList makes an empty list for a region.
func NewList(region, name string) (*List, error) {
	if err := yanglao.CheckRegionCode("region", region); err != nil {
		return nil, err
	}
	return &List{Region: region, Name: name}, nil
}

// Add validates and compiles a new item version and adds it. Version 0 means
// "the next number for this code". A version whose period overlaps another
// version of the same item is refused (ECONFLICT).
func (l *List) Add(it Item) (*Item, error) {
	if err := it.prepare(); err != nil {
		return nil, err
	}
	maxV := 0
	for _, o := range l.items {
		if o.Code != it.Code {
			continue
		}
		maxV = max(maxV, o.Version)
		if it.Version == o.Version {
			return nil, yanglao.Errorf(yanglao.ECONFLICT, "项目 %s 已有第%d版 (item %s already has version %d)", it.Code, o.Version, it.Code, o.Version)
		}
		if err := overlap(&it, o); err != nil {
			return nil, err
		}
	}
	if it.Version == 0 {
		it.Version = maxV + 1
	}
	p := &it
	l.items = append(l.items, p)
	l.sort()
	return p, nil
}

func overlap(a, b *Item) error {
	if a.from <= b.to && b.from <= a.to {
		return yanglao.Errorf(yanglao.ECONFLICT,
			"项目 %s 的新版本（%s）与第%d版（%s）有效期重叠；修改项目请从某日起生成新版本 (item %s: the new version's period overlaps version %d; to change an item, start a new version from a date)",
			a.Code, a.period(), b.Version, b.period(), a.Code, b.Version)
	}
	return nil
}

func (l *List) sort() {
	sort.SliceStable(l.items, func(i, j int) bool {
		a, b := l.items[i], l.items[j]
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Version < b.Version
	})
}

// Revise is how an item is edited: a new version, in force from from, made
// from the version in force that day with edit applied; that version ends the
// day before. History is kept. edit may change anything but the code, the
// version number and the start; the new version keeps the old end date unless
// edit changes it, and if it then overlaps another version nothing changes
// and the error says so.
func (l *List) Revise(code string, from yanglao.Date, edit func(*Item)) (*Item, error) {
	if from.IsZero() {
		return nil, yanglao.Invalid("from", "请填写新版本的生效日期 (from is required)")
	}
	d := rules.FromDate(from)
	idx := -1
	maxV := 0
	for i, o := range l.items {
		if o.Code == code {
			maxV = max(maxV, o.Version)
			if o.inForce(d) {
				idx = i
			}
		}
	}
	if maxV == 0 {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "清单中没有项目 %s (no item %s in the list)", code, code)
	}
	if idx < 0 {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "项目 %s 在 %s 没有生效的版本可修改；请新增版本 (item %s has no version in force on %s to revise; add a version)", code, from, code, from)
	}
	cur := l.items[idx]
	if cur.from == d {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "项目 %s 第%d版就从 %s 起生效；已发布的版本不能原地修改，请选更晚的日期 (item %s version %d starts on %s; a published version is not edited in place: choose a later date)",
			code, cur.Version, from, code, cur.Version, from)
	}
	next := *cur
	next.Version, next.From = maxV+1, from
	next.elig, next.amount = nil, nil
	if edit != nil {
		edit(&next)
	}
	next.Code, next.Version, next.From = code, maxV+1, from // edit changes the content, not the identity or the start
	if err := next.prepare(); err != nil {
		return nil, err
	}
	closed := *cur
	closed.To = (d - 1).Date()
	closed.to = d - 1
	for i, o := range l.items {
		if o.Code == code && i != idx {
			if err := overlap(&next, o); err != nil {
				return nil, err
			}
		}
	}
	l.items[idx] = &closed
	p := &next
	l.items = append(l.items, p)
	l.sort()
	return p, nil
}

// Items lists every version of every item, by code and version.
func (l *List) Items() []*Item { return append([]*Item(nil), l.items...) }

// History lists the versions of one item.
func (l *List) History(code string) []*Item {
	var out []*Item
	for _, it := range l.items {
		if it.Code == code {
			out = append(out, it)
		}
	}
	return out
}

// At returns the version of an item in force on d, or nil.
func (l *List) At(code string, d yanglao.Date) *Item {
	day := rules.FromDate(d)
	for _, it := range l.items {
		if it.Code == code && it.inForce(day) {
			return it
		}
	}
	return nil
}

// InForce lists the items in force on d, one version each, by code.
func (l *List) InForce(d yanglao.Date) []*Item { return l.inForce(rules.FromDate(d)) }

func (l *List) inForce(d rules.Day) []*Item {
	var out []*Item
	for _, it := range l.items {
		if it.inForce(d) {
			out = append(out, it)
		}
	}
	return out
}

// Derive starts a lower region's list as a copy of this one: every version of
// every item, with the same codes, so that the lower region can then revise
// (raise) items and add its own.
func (l *List) Derive(region, name string) (*List, error) {
	c, err := NewList(region, name)
	if err != nil {
		return nil, err
	}
	for _, it := range l.items {
		cp := *it
		c.items = append(c.items, &cp)
	}
	return c, nil
}
