package benefits

import (
	"fmt"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// Explanation says, for one person, item and month, whether the person is
// entitled, to how much, and why: the reference day and the reason for it,
// the rule version, and every sub-condition with the facts it read.
type Explanation struct {
	Code      string       `json:"code"`
	Version   int          `json:"version"`
	Name      string       `json:"name"`
	Source    string       `json:"source"`
	Month     string       `json:"month"`
	RefDay    yanglao.Date `json:"ref_day,omitzero"`
	Eligible  bool         `json:"eligible"`
	AmountFen int64        `json:"amount_fen"`
	Lines     []rules.Line `json:"lines"`
}

// Text renders the explanation in Chinese (zh) or English.
func (x *Explanation) Text(zh bool) string {
	var b strings.Builder
	for _, l := range x.Lines {
		b.WriteString(l.Text(zh))
		b.WriteByte('\n')
	}
	return b.String()
}

func (x *Explanation) say(depth int, m rules.Mark, zh, en string) {
	x.Lines = append(x.Lines, rules.Line{Depth: depth, ZH: zh, EN: en, Mark: m})
}

func (x *Explanation) append(ex *rules.Explanation, depth int) {
	for _, l := range ex.Lines {
		l.Depth += depth
		x.Lines = append(x.Lines, l)
	}
}

// Entitlement decides one item version for one person and month, with the
// explanation (see the package documentation for the monthly semantics).
// eligible is the eligibility rule's verdict on the reference day; an item
// that needs an application (依申请) is payable only once one is approved,
// which is the caller's business. amountFen is the monthly amount for cash
// items (0 for services and when not eligible). The error is a rule that
// could not be evaluated — a parameter the region has no value for, an
// overflow — or a bad Subject; the explanation then says what failed.
func Entitlement(s *Subject, it *Item, m Month) (eligible bool, amountFen int64, ex *Explanation, err error) {
	f := env.NewFacts()
	return entitlement(f, s, it, m)
}

func entitlement(f *rules.Facts, s *Subject, it *Item, m Month) (bool, int64, *Explanation, error) {
	x := &Explanation{Code: it.Code, Version: it.Version, Name: it.Name, Source: it.Source, Month: m.String()}
	if !m.valid() {
		return false, 0, x, yanglao.Invalid("month", "月份无效 (invalid month): %s", m)
	}
	x.say(0, rules.NoMark,
		fmt.Sprintf("%s %s 第%d版（依据：%s；%s），%d年%d月", it.Code, it.Name, it.Version, it.Source, it.Application.ZH(), m.Year, m.Month),
		fmt.Sprintf("%s %s version %d (source: %s; %s), month %s", it.Code, nameEN(it), it.Version, it.Source, applicationEN(it.Application), m))
	ref, why, ok := referenceDay(s, m)
	if !ok {
		switch why {
		case refDiedBefore:
			x.say(0, rules.Failed, "已于 "+ref.String()+" 死亡，本月不享受", "died on "+ref.String()+", before this month: nothing is due")
		case refMovedBefore:
			x.say(0, rules.Failed, "已于 "+ref.String()+" 迁出，本月不享受", "moved out on "+ref.String()+", before this month: nothing is due")
		default:
			x.say(0, rules.Failed, "本月尚未出生", "not yet born in this month")
		}
		return false, 0, x, nil
	}
	x.RefDay = ref.Date()
	switch why {
	case refDeath:
		x.say(0, rules.NoMark, "判断日 "+ref.String()+"（死亡当日）：死亡当月按当日情况照发，次月起停发",
			"reference day "+ref.String()+" (the day of death): the month of death is decided on that day and paid; payments stop from the next month")
	case refMovedOut:
		x.say(0, rules.NoMark, "判断日 "+ref.String()+"（迁出当日）：迁出当月按当日情况照发，次月起停发",
			"reference day "+ref.String()+" (the day of moving out): that month is decided on that day and paid; payments stop from the next month")
	default:
		x.say(0, rules.NoMark, "判断日 "+ref.String()+"（当月最后一天）：当月内达到的年龄、当月内开始的身份都从本月起算",
			"reference day "+ref.String()+" (the last day of the month): an age reached or a status begun during the month counts for the whole month")
	}
	if !it.inForce(ref) {
		x.say(0, rules.Failed, "该版本在判断日不生效（有效期 "+it.period()+"）", "this version is not in force on the reference day (in force "+it.period()+")")
		return false, 0, x, nil
	}
	if err := fill(f, s, ref); err != nil {
		x.say(0, rules.Failed, "人员数据有误："+yanglao.ErrorMessage(err), "bad person data: "+yanglao.ErrorMessage(err))
		return false, 0, x, err
	}
	x.say(0, rules.NoMark, "资格规则："+it.Eligibility, "eligibility rule: "+it.Eligibility)
	v, ex, err := it.elig.Explain(f)
	if err != nil {
		x.say(1, rules.Failed, "无法判断："+err.Error(), "cannot decide: "+err.Error())
		return false, 0, x, err
	}
	x.append(ex, 1)
	if !v.Bool() {
		x.say(0, rules.Failed, "结论：不符合条件", "result: not eligible")
		return false, 0, x, nil
	}
	x.Eligible = true
	if it.amount == nil {
		x.say(0, rules.Held, "结论：符合条件（服务项目，无现金）", "result: eligible (a service, no cash)")
		return true, 0, x, nil
	}
	x.say(0, rules.NoMark, "金额规则："+it.Amount, "amount rule: "+it.Amount)
	a, ax, err := it.amount.Explain(f)
	if err != nil {
		x.say(1, rules.Failed, "无法计算金额："+err.Error(), "cannot compute the amount: "+err.Error())
		return true, 0, x, err
	}
	x.append(ax, 1)
	x.AmountFen = a.Num
	x.say(0, rules.Held, "结论：符合条件，本月 "+rules.FormatFen(a.Num)+" 元", "result: eligible, ¥"+rules.FormatFen(a.Num)+" for the month")
	return true, a.Num, x, nil
}

func nameEN(it *Item) string {
	if it.NameEN != "" {
		return it.Name + " (" + it.NameEN + ")"
	}
	return it.Name
}

func applicationEN(a Application) string {
	if a == NoApplication {
		return "granted without application"
	}
	return "on application"
}

// Explain decides the version of an item in force on the month's reference
// day, with the explanation.
func (l *List) Explain(s *Subject, code string, m Month) (bool, int64, *Explanation, error) {
	if !m.valid() {
		return false, 0, nil, yanglao.Invalid("month", "月份无效 (invalid month): %s", m)
	}
	ref, _, ok := referenceDay(s, m)
	if !ok {
		_, last := m.bounds()
		ref = last
	}
	var it *Item
	for _, o := range l.items {
		if o.Code == code && o.inForce(ref) {
			it = o
		}
	}
	if it == nil {
		return false, 0, nil, yanglao.Errorf(yanglao.ENOTFOUND, "项目 %s 在 %s 没有生效的版本 (item %s has no version in force on %s)", code, ref, code, ref)
	}
	return Entitlement(s, it, m)
}

// Result is the decision on one item for one person and month, without the
// explanation.
type Result struct {
	Item      *Item
	Eligible  bool
	AmountFen int64
	Err       error // the rule could not be evaluated (e.g. no parameter value)
}

// Evaluator decides every item of a list for many people, as the monthly batch
// does. It reuses its buffers, so it does not allocate per person; it is used
// by one goroutine at a time (make one per worker).
type Evaluator struct {
	list     *List
	facts    *rules.Facts
	cache    map[rules.Day][]*Item
	lastDay  rules.Day
	lastList []*Item
}

// NewEvaluator prepares an evaluator for a list. The list must not change
// while the evaluator is used.
func NewEvaluator(l *List) *Evaluator {
	return &Evaluator{list: l, facts: env.NewFacts(), cache: map[rules.Day][]*Item{}}
}

func (e *Evaluator) items(d rules.Day) []*Item {
	if d == e.lastDay && e.lastList != nil {
		return e.lastList
	}
	its, ok := e.cache[d]
	if !ok {
		its = e.list.inForce(d)
		if len(e.cache) > 1000 {
			clear(e.cache)
		}
		e.cache[d] = its
	}
	e.lastDay, e.lastList = d, its
	return its
}

// Month appends to out one Result per item in force on the person's
// reference day of month m (nothing when the person was not alive and
// resident on any day of it). The error is a bad Subject or month.
func (e *Evaluator) Month(s *Subject, m Month, out []Result) ([]Result, error) {
	if !m.valid() {
		return out, yanglao.Invalid("month", "月份无效 (invalid month): %s", m)
	}
	ref, _, ok := referenceDay(s, m)
	if !ok {
		return out, nil
	}
	f := e.facts
	if err := fill(f, s, ref); err != nil {
		return out, err
	}
	for _, it := range e.items(ref) {
		r := Result{Item: it}
		r.Eligible, r.Err = it.elig.Bool(f)
		if r.Eligible && it.amount != nil && r.Err == nil {
			r.AmountFen, r.Err = it.amount.Num(f)
		}
		out = append(out, r)
	}
	return out, nil
}
