package rules

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tInt     // 80
	tDec     // 1.3 (val scaled by DecimalScale)
	tMoney   // 80元, 80.5元, 8000分 (val in fen)
	tString  // "dibao"
	tLParen  // (
	tRParen  // )
	tLBrack  // [
	tRBrack  // ]
	tComma   // ,
	tPlus    // +
	tMinus   // -
	tStar    // * ×
	tEq      // = ==
	tNe      // != <> ≠
	tLt      // <
	tLe      // <= ≤
	tGt      // >
	tGe      // >= ≥
	tAnd     // and &&
	tOr      // or ||
	tNot     // not !
	tBetween // between
	tIn      // in
	tIf      // if
	tThen    // then
	tElse    // else
	tTrue    // true
	tFalse   // false
)

var keywords = map[string]tokKind{
	"and": tAnd, "or": tOr, "not": tNot, "between": tBetween, "in": tIn,
	"if": tIf, "then": tThen, "else": tElse, "true": tTrue, "false": tFalse,
}

// opText is how an operator is shown in messages and explanations.
var opText = [...]string{
	tEq: "=", tNe: "≠", tLt: "<", tLe: "≤", tGt: ">", tGe: "≥",
	tPlus: "+", tMinus: "-", tStar: "×", tAnd: "and", tOr: "or", tNot: "not",
	tBetween: "between", tIn: "in", tIf: "if", tThen: "then", tElse: "else",
	tLParen: "(", tRParen: ")", tLBrack: "[", tRBrack: "]", tComma: ",",
	tTrue: "true", tFalse: "false",
}

type token struct {
	kind tokKind
	pos  int    // byte offset of the first byte
	end  int    // byte offset after the last byte
	text string // the source text
	str  string // the value of a string literal
	val  int64  // the value of a number: int, fen, or decimal × DecimalScale
}

// describe names a token for "expected …, found …" messages.
func (t token) describe() (zh, en string) {
	switch t.kind {
	case tEOF:
		return "规则结尾", "end of rule"
	case tIdent:
		return "名称 " + t.text, "name " + t.text
	case tInt, tDec, tMoney:
		return "数值 " + t.text, "number " + t.text
	case tString:
		return "字符串 " + t.text, "string " + t.text
	}
	return "“" + t.text + "”", "'" + t.text + "'"
}

// Fullwidth and Chinese punctuation that people type by accident, with the
// ASCII character meant.
var fullwidth = map[rune]string{
	'（': "(", '）': ")", '，': ",", '＝': "=", '＞': ">", '＜': "<", '＋': "+", '－': "-",
	'＊': "*", '【': "[", '】': "]", '［': "[", '］': "]", '“': `"`, '”': `"`, '‘': `"`, '’': `"`,
	'！': "!", '：': ":", '；': ";", '、': ",", '。': ".",
}

// maxSource bounds the length of a rule (bytes); maxTokens the number of tokens.
const (
	maxSource = 8 << 10
	maxTokens = 2000
)

func lex(src string) ([]token, *Error) {
	if len(src) > maxSource {
		return nil, errAt(src, maxSource, "规则太长（最多%[1]d字节）", "the rule is too long (at most %[1]d bytes)", maxSource)
	}
	if !utf8.ValidString(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, errAt(src, i, "规则含有无效的UTF-8字节", "the rule holds bytes that are not valid UTF-8")
	}
	var toks []token
	i := 0
	for {
		// Skip blanks and # comments.
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == '#' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				continue
			}
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if len(toks) >= maxTokens {
			return nil, errAt(src, i, "规则太长（最多%[1]d个记号）", "the rule is too long (at most %[1]d tokens)", maxTokens)
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, pos: i, end: i})
			return toks, nil
		}
		start := i
		r, n := utf8.DecodeRuneInString(src[i:])
		simple := func(k tokKind, width int) {
			toks = append(toks, token{kind: k, pos: start, end: start + width, text: src[start : start+width]})
			i = start + width
		}
		next := byte(0)
		if i+1 < len(src) {
			next = src[i+1]
		}
		switch {
		case r >= '0' && r <= '9':
			t, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case r == '_' || unicode.IsLetter(r):
			// Names: ASCII letters, digits and _. A run of other letters (年龄)
			// is lexed as a name too, so that the checker can suggest the
			// ASCII name it stands for.
			j := i
			for j < len(src) {
				c, w := utf8.DecodeRuneInString(src[j:])
				if c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) {
					j += w
					continue
				}
				break
			}
			word := src[i:j]
			k, ok := keywords[word]
			if !ok {
				k = tIdent
			}
			toks = append(toks, token{kind: k, pos: i, end: j, text: word})
			i = j
		case r == '"':
			t, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = t.end
		case r == '(':
			simple(tLParen, 1)
		case r == ')':
			simple(tRParen, 1)
		case r == '[':
			simple(tLBrack, 1)
		case r == ']':
			simple(tRBrack, 1)
		case r == ',':
			simple(tComma, 1)
		case r == '+':
			simple(tPlus, 1)
		case r == '-':
			simple(tMinus, 1)
		case r == '*':
			simple(tStar, 1)
		case r == '×':
			simple(tStar, n)
		case r == '=':
			if next == '=' {
				simple(tEq, 2)
			} else {
				simple(tEq, 1)
			}
		case r == '!':
			if next == '=' {
				simple(tNe, 2)
			} else {
				simple(tNot, 1)
			}
		case r == '≠':
			simple(tNe, n)
		case r == '<':
			switch next {
			case '=':
				simple(tLe, 2)
			case '>':
				simple(tNe, 2)
			default:
				simple(tLt, 1)
			}
		case r == '>':
			if next == '=' {
				simple(tGe, 2)
			} else {
				simple(tGt, 1)
			}
		case r == '≤':
			simple(tLe, n)
		case r == '≥':
			simple(tGe, n)
		case r == '&' && next == '&':
			simple(tAnd, 2)
		case r == '|' && next == '|':
			simple(tOr, 2)
		case r == '/' || r == '÷':
			return nil, errAt(src, i, "不支持除法；比例请写成乘以小数，如 dibao_standard * 1.3",
				"division is not supported; write a ratio as a decimal factor, e.g. dibao_standard * 1.3")
		case r == '\'':
			return nil, errAt(src, i, "字符串请用英文双引号，如 \"dibao\"", `strings take ASCII double quotes, e.g. "dibao"`)
		default:
			if ascii, ok := fullwidth[r]; ok {
				return nil, errAt(src, i, "请使用英文半角符号 %[1]s，不要用 %[2]c", "use the ASCII character %[1]s instead of %[2]c", ascii, r)
			}
			return nil, errAt(src, i, "不能识别的字符 %[1]q", "unexpected character %[1]q", r)
		}
	}
}

const (
	yuanSign = "元"
	fenSign  = "分"
)

func lexNumber(src string, i int) (token, *Error) {
	start := i
	var whole int64
	for i < len(src) && src[i] >= '0' && src[i] <= '9' {
		d := int64(src[i] - '0')
		if whole > (math.MaxInt64-d)/10 {
			return token{}, errAt(src, start, "数值太大", "the number is too large")
		}
		whole = whole*10 + d
		i++
	}
	fracStart, fracEnd := i, i
	if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
		i++
		fracStart = i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	frac := src[fracStart:fracEnd]
	// fixed returns whole.frac scaled by 10^places, refusing more places.
	fixed := func(places int) (int64, bool) {
		if len(frac) > places {
			return 0, false
		}
		v := whole
		for k := 0; k < places; k++ {
			var digit int64
			if k < len(frac) {
				digit = int64(frac[k] - '0')
			}
			if v > (math.MaxInt64-digit)/10 {
				return 0, false
			}
			v = v*10 + digit
		}
		return v, true
	}
	switch {
	case strings.HasPrefix(src[i:], yuanSign):
		end := i + len(yuanSign)
		fen, ok := fixed(2)
		if !ok {
			if len(frac) > 2 {
				return token{}, errAt(src, start, "金额最多精确到分（小数点后两位）：%[1]s", "money has at most two decimals (fen): %[1]s", src[start:end])
			}
			return token{}, errAt(src, start, "金额太大", "the amount is too large")
		}
		return token{kind: tMoney, pos: start, end: end, text: src[start:end], val: fen}, nil
	case strings.HasPrefix(src[i:], fenSign):
		end := i + len(fenSign)
		if frac != "" {
			return token{}, errAt(src, start, "以分为单位的金额必须是整数：%[1]s", "an amount in fen must be whole: %[1]s", src[start:end])
		}
		return token{kind: tMoney, pos: start, end: end, text: src[start:end], val: whole}, nil
	}
	if i < len(src) {
		if r, _ := utf8.DecodeRuneInString(src[i:]); r == '_' || unicode.IsLetter(r) {
			return token{}, errAt(src, start, "数字后面不能直接跟文字；金额写作 80元 或 8000分", "a number cannot run into letters; money is written 80元 or 8000分")
		}
		if src[i] == '.' {
			return token{}, errAt(src, i, "小数点后应有数字", "a decimal point must be followed by digits")
		}
	}
	if frac != "" {
		v, ok := fixed(4)
		if !ok {
			return token{}, errAt(src, start, "小数最多四位：%[1]s", "a decimal has at most four places: %[1]s", src[start:i])
		}
		return token{kind: tDec, pos: start, end: i, text: src[start:i], val: v}, nil
	}
	return token{kind: tInt, pos: start, end: i, text: src[start:i], val: whole}, nil
}

func lexString(src string, i int) (token, *Error) {
	start := i
	i++
	var b strings.Builder
	for i < len(src) {
		c := src[i]
		switch c {
		case '"':
			return token{kind: tString, pos: start, end: i + 1, text: src[start : i+1], str: b.String()}, nil
		case '\\':
			if i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
				b.WriteByte(src[i+1])
				i += 2
				continue
			}
			return token{}, errAt(src, i, "字符串中只能用 \\\" 和 \\\\ 转义", `only \" and \\ may be escaped in a string`)
		case '\n':
			return token{}, errAt(src, start, "字符串没有结束的双引号", "the string has no closing double quote")
		}
		b.WriteByte(c)
		i++
	}
	return token{}, errAt(src, start, "字符串没有结束的双引号", "the string has no closing double quote")
}
