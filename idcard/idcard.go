package idcard

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Parts of a number that validation can reject, in the order they are checked.
const (
	PartLength    = "length"
	PartChars     = "chars"
	PartRegion    = "region"
	PartBirthDate = "birthdate"
	PartChecksum  = "checksum"
)

// Error reports why a number was rejected. Part is one of the Part*
// constants; Msg is bilingual, Chinese first.
type Error struct {
	Part string
	Msg  string
}

func (e *Error) Error() string { return "idcard: " + e.Part + ": " + e.Msg }

func fail(part, zh, en string) error {
	return &Error{Part: part, Msg: zh + " (" + en + ")"}
}

// MinBirthYear is the earliest birth year accepted. Nobody born earlier is
// alive, so an earlier year is a typo (GB 11643's own example, born 1880, is
// rejected on purpose).
const MinBirthYear = 1890

// chinaTime is UTC+8. China has had no daylight saving since 1991, so a fixed
// zone gives the right calendar day without loading tzdata.
var chinaTime = time.FixedZone("CST", 8*60*60)

// ID is a validated citizen ID number, always in its 18-character form with
// an upper-case X. The zero ID is not valid and its methods return zero values.
type ID struct{ s string }

// Parse validates s as of today. It checks that the region code belongs to a
// real province but not that the county exists; use ParseWith for that.
func Parse(s string) (ID, error) { return ParseAt(s, time.Now(), nil) }

// ParseWith is Parse with a region lookup: regionKnown gets the 6-digit
// address code and reports whether it exists (e.g. in the GB/T 2260 table,
// including codes abolished since the number was issued).
func ParseWith(s string, regionKnown func(code6 string) bool) (ID, error) {
	return ParseAt(s, time.Now(), regionKnown)
}

// ParseAt validates s with "today" taken from now (in China time, UTC+8).
// Surrounding white space is ignored, a lower-case x and full-width digits
// (typed with a Chinese input method) are accepted. regionKnown may be nil.
// Checks run in the order length, chars, region, birthdate, checksum and the
// first failure is returned as *Error.
func ParseAt(s string, now time.Time, regionKnown func(code6 string) bool) (ID, error) {
	s = normalize(s)
	n := utf8.RuneCountInString(s)
	if n != 18 && n != 15 {
		return ID{}, fail(PartLength,
			fmt.Sprintf("长度错误：应为18位（或15位旧号码），实为%d位", n),
			fmt.Sprintf("wrong length: want 18 characters (or 15 for a pre-1999 number), got %d", n))
	}
	if err := checkChars(s); err != nil {
		return ID{}, err
	}
	legacy := n == 15
	if legacy {
		// GB 11643-1999 replaced the 15-digit numbers, whose YYMMDD is always 19YY.
		first17 := s[:6] + "19" + s[6:]
		s = first17 + string(CheckChar(first17))
	}
	if err := checkRegion(s[:6], regionKnown); err != nil {
		return ID{}, err
	}
	if err := checkBirthDate(s[6:14], now); err != nil {
		return ID{}, err
	}
	if !legacy {
		if want := CheckChar(s[:17]); s[17] != want {
			return ID{}, fail(PartChecksum,
				fmt.Sprintf("校验码错误：应为%c，实为%c", want, s[17]),
				fmt.Sprintf("check character mismatch: want %c, got %c", want, s[17]))
		}
	}
	return ID{s: s}, nil
}

// normalize trims white space and folds x, full-width digits and full-width X
// to ASCII. It returns s itself, without allocating, when nothing changes.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 'x' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + r - '０'))
		case r == 'x' || r == 'Ｘ' || r == 'ｘ':
			b.WriteByte('X')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkChars wants digits everywhere except the 18th character, which may be X.
func checkChars(s string) error {
	n := utf8.RuneCountInString(s)
	pos := 0
	for _, r := range s {
		pos++
		if r >= '0' && r <= '9' || r == 'X' && pos == 18 {
			continue
		}
		q := strconv.QuoteRune(r)
		if r == 'X' {
			return fail(PartChars,
				fmt.Sprintf("第%d位不能是X：X只能出现在18位号码的最后一位", pos),
				fmt.Sprintf("X at position %d: X is only allowed as the last of 18 characters", pos))
		}
		last := "，最后一位可为X"
		lastEN := ", X allowed as the last"
		if n == 15 {
			last, lastEN = "", ""
		}
		return fail(PartChars,
			fmt.Sprintf("第%d位字符%s无效：只能是数字%s", pos, q, last),
			fmt.Sprintf("invalid character %s at position %d: digits only%s", q, pos, lastEN))
	}
	return nil
}

func checkRegion(code6 string, regionKnown func(string) bool) error {
	p := int(code6[0]-'0')*10 + int(code6[1]-'0')
	if !provinceExists(p) {
		return fail(PartRegion,
			fmt.Sprintf("地址码%s无效：不存在省级代码%02d", code6, p),
			fmt.Sprintf("invalid region code %s: no province %02d", code6, p))
	}
	if regionKnown != nil && !regionKnown(code6) {
		return fail(PartRegion,
			fmt.Sprintf("地址码%s不是已知的行政区划代码", code6),
			fmt.Sprintf("unknown region code %s", code6))
	}
	return nil
}

// provinceExists reports whether p is a province-level code of GB/T 2260.
// The city and county digits are not checked: "00" appears in real numbers
// (old county codes, and 810000/820000/830000 on the residence permits for
// Hong Kong, Macao and Taiwan residents, which use the same number format).
func provinceExists(p int) bool {
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37,
		p >= 41 && p <= 46, p >= 50 && p <= 54, p >= 61 && p <= 65,
		p == 71, p == 81, p == 82, p == 83:
		return true
	}
	return false
}

func checkBirthDate(yyyymmdd string, now time.Time) error {
	y, m, d := splitDate(yyyymmdd)
	if m < 1 || m > 12 {
		return fail(PartBirthDate,
			fmt.Sprintf("出生日期的月份应为01–12，实为%02d", m),
			fmt.Sprintf("birth month must be 01-12, got %02d", m))
	}
	if last := daysIn(y, m); d < 1 || d > last {
		return fail(PartBirthDate,
			fmt.Sprintf("出生日期无效：%d年%d月没有%d日（该月共%d天）", y, m, d, last),
			fmt.Sprintf("birth date is not a calendar date: %s %d has no day %02d", m, y, d))
	}
	if y < MinBirthYear {
		return fail(PartBirthDate,
			fmt.Sprintf("出生年份%d早于%d年", y, MinBirthYear),
			fmt.Sprintf("birth year %d is before %d", y, MinBirthYear))
	}
	ty, tm, td := now.In(chinaTime).Date()
	if y*10000+int(m)*100+d > ty*10000+int(tm)*100+td {
		return fail(PartBirthDate, "出生日期晚于今天", "birth date is in the future")
	}
	return nil
}

// splitDate reads YYYYMMDD from 8 ASCII digits.
func splitDate(s string) (y int, m time.Month, d int) {
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	return num(s[:4]), time.Month(num(s[4:6])), num(s[6:8])
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// weights[i] is 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weight of digit i
// (GB 11643-1999 §5.5).
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars11 maps the weighted sum mod 11 to the check character.
const checkChars11 = "10X98765432"

// CheckChar returns the check character ('0'–'9' or 'X') for the first 17
// digits of a number, or 0 if first17 is not exactly 17 ASCII digits.
func CheckChar(first17 string) byte { return checkChar(first17) }

func checkChar[T string | []byte](first17 T) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars11[sum%11]
}

// Generate builds a valid 18-character number from a 6-digit region code, a
// birth date (its calendar date in its own location) and a sequence code
// 0–999 (odd for a man, even for a woman). It is meant for demo and test
// data and panics on arguments it cannot encode.
func Generate(region6 string, birth time.Time, seq int) string {
	if len(region6) != 6 || strings.Trim(region6, "0123456789") != "" {
		panic("idcard.Generate: region6 must be 6 digits, got " + strconv.Quote(region6))
	}
	if seq < 0 || seq > 999 {
		panic("idcard.Generate: seq must be 0-999, got " + strconv.Itoa(seq))
	}
	y, m, d := birth.Date()
	if y < 0 || y > 9999 {
		panic("idcard.Generate: birth year must have 4 digits, got " + strconv.Itoa(y))
	}
	b := make([]byte, 0, 18)
	b = append(b, region6...)
	b = appendPadded(b, y, 4)
	b = appendPadded(b, int(m), 2)
	b = appendPadded(b, d, 2)
	b = appendPadded(b, seq, 3)
	b = append(b, checkChar(b))
	return string(b)
}

func appendPadded(b []byte, n, width int) []byte {
	start := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// String returns the 18-character number.
func (id ID) String() string { return id.s }

// Region6 returns the 6-digit address code (the region where the number was
// first issued, not necessarily where the person lives now).
func (id ID) Region6() string {
	if id.s == "" {
		return ""
	}
	return id.s[:6]
}

// BirthDate returns the birth date encoded in the number.
func (id ID) BirthDate() (year int, month time.Month, day int) {
	if id.s == "" {
		return 0, 0, 0
	}
	return splitDate(id.s[6:14])
}

// Sex returns 'M' when the 17th digit (last of the sequence code) is odd and
// 'F' when it is even (GB 11643-1999 §5.4, 顺序码).
func (id ID) Sex() byte {
	if id.s == "" {
		return 0
	}
	if (id.s[16]-'0')%2 == 1 {
		return 'M'
	}
	return 'F'
}

// Masked returns the number for display, e.g. "430***********1234". Only
// the first 3 and last 4 characters are shown (PIPL data minimisation): the
// full region code and the birth date are hidden because, with a name, they
// identify a person, while the tail still lets the person recognise the
// number as theirs.
func (id ID) Masked() string {
	if id.s == "" {
		return ""
	}
	return id.s[:3] + "***********" + id.s[14:]
}
