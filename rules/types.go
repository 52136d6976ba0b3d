package rules

import (
	"strconv"
	"strings"
)

// Type is the type of a fact or an expression.
type Type uint8

// The types of the language. Decimal is the type of a literal such as 1.3; it
// may only multiply money. List is the bracketed list after `in`.
const (
	Invalid Type = iota
	Bool         // true / false
	Int          // a whole number (age, grade, a count of days)
	Money        // an amount in integer fen (分); literals 80元, 80.5元, 8000分
	Date         // a civil date; date("2024-02-29"), eval_date, month_end …
	String       // "dibao", a region code, a living arrangement
	Set          // a set of strings (e.g. chronic conditions); `"x" in chronic`
	Decimal      // a decimal literal (1.3), only as a factor of money
	List         // a bracketed list, only after `in`
)

var typeNames = [...][2]string{
	Invalid: {"无效", "invalid"},
	Bool:    {"布尔（是/否）", "bool"},
	Int:     {"整数", "int"},
	Money:   {"金额", "money"},
	Date:    {"日期", "date"},
	String:  {"字符串", "string"},
	Set:     {"字符串集合", "set of strings"},
	Decimal: {"小数", "decimal"},
	List:    {"列表", "list"},
}

func (t Type) String() string { return typeNames[t][1] }

// ZH is the Chinese name of the type.
func (t Type) ZH() string { return typeNames[t][0] }

// DecimalScale is the fixed scale of Decimal literals: 1.3 is held as 13000.
const DecimalScale = 10000

// Value is the result of an evaluation. Num holds a Bool (0 or 1), an Int, a
// Money amount in fen, or a Date as a Day; Str a String; Strs a Set.
type Value struct {
	Type Type
	Num  int64
	Str  string
	Strs []string
}

// Bool reports a Bool value.
func (v Value) Bool() bool { return v.Num != 0 }

// ZH formats the value for a Chinese reader: 是/否, 80.00元, 2024-03-01.
func (v Value) ZH() string { return v.format(true) }

// EN formats the value for an English reader: true/false, ¥80.00, 2024-03-01.
func (v Value) EN() string { return v.format(false) }

func (v Value) format(zh bool) string {
	switch v.Type {
	case Bool:
		switch {
		case zh && v.Num != 0:
			return "是"
		case zh:
			return "否"
		case v.Num != 0:
			return "true"
		}
		return "false"
	case Int:
		return strconv.FormatInt(v.Num, 10)
	case Money:
		if zh {
			return FormatFen(v.Num) + "元"
		}
		if v.Num < 0 {
			return "-¥" + FormatFen(-v.Num)
		}
		return "¥" + FormatFen(v.Num)
	case Date:
		return Day(v.Num).String()
	case String:
		return strconv.Quote(v.Str)
	case Set:
		q := make([]string, len(v.Strs))
		for i, s := range v.Strs {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case Decimal:
		return formatDecimal(v.Num)
	}
	return "?"
}

// FormatFen writes an amount of fen as yuan with two decimals: 8000 → "80.00".
func FormatFen(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10) + "." + strconv.FormatUint(u%100/10, 10) + strconv.FormatUint(u%10, 10)
	if neg {
		return "-" + s
	}
	return s
}

func formatDecimal(scaled int64) string {
	neg := scaled < 0
	u := uint64(scaled)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/DecimalScale, 10)
	if f := u % DecimalScale; f != 0 {
		fs := strconv.FormatUint(f+DecimalScale, 10)[1:]
		s += "." + strings.TrimRight(fs, "0")
	}
	if neg {
		return "-" + s
	}
	return s
}
