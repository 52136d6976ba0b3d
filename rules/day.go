package rules

import (
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
)

// Day is a civil date counted in days from 1970-01-01 in the proleptic
// Gregorian calendar. Rules compute with Days because they are plain integers:
// comparing, adding and converting them needs no time.Time and no allocation.
type Day int32

// DayOf returns the Day of a civil date. The date must exist (use ParseDay or
// yanglao.ParseDate on input); out-of-range months and days are not normalised.
//
// The algorithm is H. Hinnant's days_from_civil
// (https://howardhinnant.github.io/date_algorithms.html).
func DayOf(y int, m time.Month, d int) Day {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mm := int(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Day(era*146097 + doe - 719468)
}

// Civil returns the year, month and day of d.
func (d Day) Civil() (int, time.Month, int) {
	z := int(d) + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, time.Month(m), dd
}

// FromDate converts a yanglao.Date.
func FromDate(x yanglao.Date) Day { return DayOf(x.Year, x.Month, x.Day) }

// Date converts back to a yanglao.Date.
func (d Day) Date() yanglao.Date {
	y, m, dd := d.Civil()
	return yanglao.Date{Year: y, Month: m, Day: dd}
}

func (d Day) String() string {
	y, m, dd := d.Civil()
	return fmt.Sprintf("%04d-%02d-%02d", y, m, dd)
}

// ParseDay parses "YYYY-MM-DD" and refuses dates that do not exist.
func ParseDay(s string) (Day, error) {
	x, err := yanglao.ParseDate(s)
	if err != nil {
		return 0, err
	}
	return FromDate(x), nil
}

// MonthBounds returns the first and the last day of the month that holds d.
func MonthBounds(d Day) (first, last Day) {
	y, m, _ := d.Civil()
	first = DayOf(y, m, 1)
	if m == 12 {
		last = DayOf(y+1, 1, 1) - 1
	} else {
		last = DayOf(y, m+1, 1) - 1
	}
	return first, last
}

// IsLeap reports whether y is a leap year of the Gregorian calendar.
func IsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// AgeOn is the age in whole years on day on of a person born on birth. It is
// yanglao.AgeOn on Days: a 29 February birthday counts on 1 March in common
// years (DESIGN §4), so the threshold ages 60, 65, 80, 90 and 100 apply from
// that day.
func AgeOn(birth, on Day) int {
	by, bm, bd := birth.Civil()
	oy, om, od := on.Civil()
	age := oy - by
	if bm == time.February && bd == 29 && !IsLeap(oy) {
		bm, bd = time.March, 1
	}
	if om < bm || om == bm && od < bd {
		age--
	}
	return age
}

// birthdayMonth is the month in which the birthday of a person born on birth
// falls in year y (a 29 February birthday falls in March in common years).
func birthdayMonth(birth Day, y int) time.Month {
	_, bm, bd := birth.Civil()
	if bm == time.February && bd == 29 && !IsLeap(y) {
		return time.March
	}
	return bm
}
