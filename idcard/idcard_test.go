package idcard

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// today is fixed so that "future" and age cases do not drift.
var today = time.Date(2025, time.June, 15, 10, 0, 0, 0, chinaTime)

// Check characters in this file were computed independently (Python), and
// 11010519491231002X / 440524188001010014 are the examples in GB 11643-1999.
func TestParseAt(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string // 18-character form when valid
		part  string // failing part when invalid
		msgIn string // substring the message must contain
	}{
		// valid
		{name: "standard example with X", in: "11010519491231002X", want: "11010519491231002X"},
		{name: "lower-case x", in: "11010519491231002x", want: "11010519491231002X"},
		{name: "surrounding spaces", in: "  430102199003071234\t", want: "430102199003071234"},
		{name: "ideographic space and full-width digits", in: "\u3000４３０１０２１９９００３０７１２３４", want: "430102199003071234"},
		{name: "full-width X", in: "11010519491231002Ｘ", want: "11010519491231002X"},
		{name: "29 Feb in a leap year (2000)", in: "430102200002290027", want: "430102200002290027"},
		{name: "county part 00 (HK residence permit)", in: "810000195501010025", want: "810000195501010025"},
		{name: "born today", in: Generate("430102", today, 5), want: Generate("430102", today, 5)},
		{name: "born 1 Jan 1890", in: Generate("430102", time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC), 1), want: Generate("430102", time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC), 1)},

		// 15-digit legacy numbers
		{name: "15 to 18, known pair", in: "110105491231002", want: "11010519491231002X"},
		{name: "15 to 18, second pair", in: "130503670401001", want: "130503196704010016"},
		{name: "15-digit with bad month", in: "110105491331002", part: PartBirthDate, msgIn: "13"},
		{name: "15-digit with X", in: "11010549123100X", part: PartChars, msgIn: "position 15"},

		// length
		{name: "empty", in: "", part: PartLength, msgIn: "got 0"},
		{name: "17 characters", in: "11010519491231002", part: PartLength, msgIn: "got 17"},
		{name: "19 characters", in: "11010519491231002X1", part: PartLength, msgIn: "got 19"},
		{name: "16 characters", in: "1101054912310021", part: PartLength},
		{name: "inner space counts", in: "110105 19491231002X", part: PartLength},

		// chars
		{name: "letter in the middle", in: "1101051949A231002X", part: PartChars, msgIn: "position 11"},
		{name: "X not last", in: "1101051949123100X2", part: PartChars, msgIn: "X at position 17"},
		{name: "other letter last", in: "11010519491231002Y", part: PartChars, msgIn: "'Y'"},
		{name: "Chinese character", in: "11010519491231002号", part: PartChars, msgIn: "position 18"},
		{name: "hyphen", in: "110105-9491231002X", part: PartChars, msgIn: "position 7"},

		// region
		{name: "province 00", in: "000000199003071234", part: PartRegion, msgIn: "no province 00"},
		{name: "province 10", in: "100102199003071234", part: PartRegion, msgIn: "no province 10"},
		{name: "province 16", in: "160102199003071234", part: PartRegion},
		{name: "province 24", in: "240102199003071234", part: PartRegion},
		{name: "province 91", in: "910102199003071234", part: PartRegion},

		// birth date
		{name: "29 Feb in a common year (2023)", in: "43010220230229001X", part: PartBirthDate, msgIn: "no day 29"},
		{name: "29 Feb 1900 (century, not leap)", in: "430102190002290012", part: PartBirthDate, msgIn: "no day 29"},
		{name: "month 13", in: "430102199013071234", part: PartBirthDate, msgIn: "got 13"},
		{name: "month 00", in: "430102199000071234", part: PartBirthDate, msgIn: "got 00"},
		{name: "day 00", in: "430102199003001234", part: PartBirthDate, msgIn: "no day 00"},
		{name: "31 April", in: "430102199004311234", part: PartBirthDate, msgIn: "no day 31"},
		{name: "tomorrow", in: Generate("430102", today.AddDate(0, 0, 1), 5), part: PartBirthDate, msgIn: "future"},
		{name: "far future", in: "430102209901011234", part: PartBirthDate, msgIn: "future"},
		{name: "standard example born 1880", in: "440524188001010014", part: PartBirthDate, msgIn: "before 1890"},
		{name: "31 Dec 1889", in: Generate("430102", time.Date(1889, 12, 31, 0, 0, 0, 0, time.UTC), 1), part: PartBirthDate, msgIn: "before 1890"},

		// checksum
		{name: "wrong check character", in: "110105194912310025", part: PartChecksum, msgIn: "want X, got 5"},
		{name: "X where a digit belongs", in: "43010219900307123X", part: PartChecksum, msgIn: "want 4, got X"},
		{name: "transposed digits", in: "430102199003071324", part: PartChecksum},
		{name: "one digit typo", in: "430102199003071235", part: PartChecksum, msgIn: "want 4, got 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseAt(tt.in, today, nil)
			if tt.part == "" {
				if err != nil {
					t.Fatalf("ParseAt(%q) error: %v", tt.in, err)
				}
				if got := id.String(); got != tt.want {
					t.Fatalf("ParseAt(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseAt(%q) = %v, %v; want *Error with part %q", tt.in, id, err, tt.part)
			}
			if e.Part != tt.part {
				t.Fatalf("ParseAt(%q) part = %q (%s), want %q", tt.in, e.Part, e.Msg, tt.part)
			}
			if !strings.Contains(e.Msg, tt.msgIn) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.msgIn)
			}
			if !strings.Contains(e.Msg, " (") || e.Msg[0] < 0x80 {
				t.Errorf("message %q is not Chinese first, then English in parentheses", e.Msg)
			}
			if id != (ID{}) {
				t.Errorf("rejected number returned non-zero ID %q", id)
			}
		})
	}
}

func TestParseAtFutureUsesChinaDate(t *testing.T) {
	// 2025-06-15 20:00 UTC is already 16 June in Beijing.
	now := time.Date(2025, 6, 15, 20, 0, 0, 0, time.UTC)
	s := Generate("430102", time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC), 2)
	if _, err := ParseAt(s, now, nil); err != nil {
		t.Fatalf("born on the Beijing date of now: %v", err)
	}
}

func TestParseWithRegion(t *testing.T) {
	known := map[string]bool{"430102": true, "110105": true}
	lookup := func(code string) bool { return known[code] }

	if _, err := ParseAt("430102199003071234", today, lookup); err != nil {
		t.Fatalf("known region rejected: %v", err)
	}
	unknown := Generate("430199", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), 123)
	_, err := ParseAt(unknown, today, lookup)
	var e *Error
	if !errors.As(err, &e) || e.Part != PartRegion || !strings.Contains(e.Msg, "unknown region code 430199") {
		t.Fatalf("unknown region: got %v", err)
	}
	// The lookup sees only structurally plausible codes.
	called := false
	_, err = ParseAt("000000199003071234", today, func(string) bool { called = true; return true })
	if !errors.As(err, &e) || e.Part != PartRegion || called {
		t.Fatalf("bad province: err %v, lookup called %v", err, called)
	}
	// ParseWith uses the real clock; a 1990 birth is in the past whatever it says.
	if _, err := ParseWith("430102199003071234", lookup); err != nil {
		t.Fatalf("ParseWith: %v", err)
	}
	if _, err := Parse("430102199003071234"); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

func TestIDMethods(t *testing.T) {
	tests := []struct {
		in     string
		region string
		y      int
		m      time.Month
		d      int
		sex    byte
		masked string
	}{
		{"11010519491231002X", "110105", 1949, time.December, 31, 'F', "110***********002X"},
		{"430102199003071234", "430102", 1990, time.March, 7, 'M', "430***********1234"},
		{"130503670401001", "130503", 1967, time.April, 1, 'M', "130***********0016"},
		{"430102193506120045", "430102", 1935, time.June, 12, 'F', "430***********0045"},
	}
	for _, tt := range tests {
		id, err := ParseAt(tt.in, today, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := id.Region6(); got != tt.region {
			t.Errorf("%s Region6 = %q, want %q", tt.in, got, tt.region)
		}
		if y, m, d := id.BirthDate(); y != tt.y || m != tt.m || d != tt.d {
			t.Errorf("%s BirthDate = %d-%d-%d, want %d-%d-%d", tt.in, y, m, d, tt.y, tt.m, tt.d)
		}
		if got := id.Sex(); got != tt.sex {
			t.Errorf("%s Sex = %c, want %c", tt.in, got, tt.sex)
		}
		if got := id.Masked(); got != tt.masked || len(got) != 18 {
			t.Errorf("%s Masked = %q, want %q", tt.in, got, tt.masked)
		}
	}

	var zero ID
	if zero.String() != "" || zero.Region6() != "" || zero.Sex() != 0 || zero.Masked() != "" {
		t.Error("zero ID methods should return zero values")
	}
	if y, m, d := zero.BirthDate(); y != 0 || m != 0 || d != 0 {
		t.Error("zero ID BirthDate should be zero")
	}
}

func TestCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"43010219900307123", '4'},
		{"32058319470101351", '9'},
		{"11010119800101001", '0'},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310021", 0}, // 18 digits
		{"1101051949123100X", 0},  // not all digits
		{"", 0},
	}
	for _, tt := range tests {
		if got := CheckChar(tt.in); got != tt.want {
			t.Errorf("CheckChar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGenerate(t *testing.T) {
	birth := time.Date(1949, 12, 31, 23, 0, 0, 0, chinaTime)
	if got := Generate("110105", birth, 2); got != "11010519491231002X" {
		t.Errorf("Generate = %q, want 11010519491231002X", got)
	}
	if got := Generate("430102", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 2); got != "430102200002290027" {
		t.Errorf("Generate = %q, want 430102200002290027", got)
	}
	for _, bad := range []func(){
		func() { Generate("43010", birth, 1) },
		func() { Generate("43010a", birth, 1) },
		func() { Generate("430102", birth, -1) },
		func() { Generate("430102", birth, 1000) },
		func() { Generate("430102", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Generate with bad arguments did not panic")
				}
			}()
			bad()
		}()
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "110105491231002", "", "X",
		"430102199013071234", "４３０１０２１９９００３０７１２３４", "\xff\xfe", strings.Repeat("9", 18),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseAt(s, today, nil)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Part == "" || e.Msg == "" {
				t.Fatalf("ParseAt(%q) error %v is not a complete *Error", s, err)
			}
			return
		}
		if len(id.String()) != 18 {
			t.Fatalf("ParseAt(%q) = %q, not 18 characters", s, id)
		}
		again, err := ParseAt(id.String(), today, nil)
		if err != nil || again != id {
			t.Fatalf("re-parsing %q: %v, %v", id, again, err)
		}
	})
}

func FuzzGenerateRoundTrip(f *testing.F) {
	f.Add(uint8(0), uint16(0), uint32(0), uint16(1))
	f.Add(uint8(30), uint16(999), uint32(49000), uint16(2))
	f.Fuzz(func(t *testing.T, prov uint8, rest uint16, day uint32, seq uint16) {
		provinces := []int{11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
			41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
		region := itoa2(provinces[int(prov)%len(provinces)]) + itoa4(int(rest)%10000)
		first := time.Date(MinBirthYear, 1, 1, 0, 0, 0, 0, chinaTime)
		span := int(today.Sub(first).Hours() / 24)
		birth := first.AddDate(0, 0, int(day)%(span+1))
		s := Generate(region, birth, int(seq)%1000)

		id, err := ParseAt(s, today, nil)
		if err != nil {
			t.Fatalf("ParseAt(Generate(%q, %s, %d) = %q): %v", region, birth.Format(time.DateOnly), seq%1000, s, err)
		}
		y, m, d := id.BirthDate()
		by, bm, bd := birth.Date()
		if id.String() != s || id.Region6() != region || y != by || m != bm || d != bd {
			t.Fatalf("round trip of %q gave %q region %q birth %d-%d-%d", s, id, id.Region6(), y, m, d)
		}
		wantSex := byte('F')
		if seq%1000%2 == 1 {
			wantSex = 'M'
		}
		if id.Sex() != wantSex {
			t.Fatalf("%q Sex = %c, want %c", s, id.Sex(), wantSex)
		}
	})
}

func itoa2(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
func itoa4(n int) string { return itoa2(n/100) + itoa2(n%100) }

func BenchmarkParseAt(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAt("430102199003071234", today, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAtLegacy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAt("110105491231002", today, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Generate("430102", birth, i%1000)
	}
}
