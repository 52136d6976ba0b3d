package benefits

import (
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/rules"
)

// Month is a calendar month: the unit benefits are paid in.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month that holds d.
func MonthOf(d yanglao.Date) Month { return Month{d.Year, d.Month} }

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, yanglao.Invalid("month", "月份格式应为 YYYY-MM (month must be YYYY-MM): %q", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

func (m Month) valid() bool { return m.Year >= 1900 && m.Year <= 9999 && m.Month >= 1 && m.Month <= 12 }

// First is the first day of the month.
func (m Month) First() yanglao.Date { return yanglao.Date{Year: m.Year, Month: m.Month, Day: 1} }

// Last is the last day of the month.
func (m Month) Last() yanglao.Date {
	_, last := rules.MonthBounds(rules.DayOf(m.Year, m.Month, 1))
	return last.Date()
}

// Next is the month after m.
func (m Month) Next() Month {
	if m.Month == 12 {
		return Month{m.Year + 1, 1}
	}
	return Month{m.Year, m.Month + 1}
}

func (m Month) bounds() (rules.Day, rules.Day) {
	return rules.MonthBounds(rules.DayOf(m.Year, m.Month, 1))
}

// Span is a status over a period (Start and End inclusive, End zero while
// open), as yanglao.Status.
type Span struct {
	Kind  string       `json:"kind"`
	Start yanglao.Date `json:"start"`
	End   yanglao.Date `json:"end,omitzero"`
}

// GradeSpan is a capability assessment grade (GB/T 42195-2022, 0–4) and the
// period it is valid: From (the assessment day; zero if unknown) to Until
// (inclusive; zero while open).
type GradeSpan struct {
	Grade int          `json:"grade"`
	From  yanglao.Date `json:"from,omitzero"`
	Until yanglao.Date `json:"until,omitzero"`
}

// Subject is what the engine knows about one person over time: the facts of
// the register with their dates, the flags other departments supply and the
// parameters of the person's region. Batches fill one Subject per row and
// reuse it.
type Subject struct {
	Birth           yanglao.Date `json:"birth"`
	Sex             string       `json:"sex,omitempty"`
	Death           yanglao.Date `json:"death,omitzero"`     // zero while alive
	MovedOut        yanglao.Date `json:"moved_out,omitzero"` // the day the person moved out of the region; zero if not
	Residence       string       `json:"residence"`
	ResidencePath   string       `json:"residence_path,omitempty"`
	Household       string       `json:"household,omitempty"`
	HouseholdPath   string       `json:"household_path,omitempty"`
	Living          string       `json:"living,omitempty"`
	DisabilityGrade int          `json:"disability_grade,omitempty"`
	Chronic         []string     `json:"chronic,omitempty"`
	Statuses        []Span       `json:"statuses,omitempty"`
	Grades          []GradeSpan  `json:"grades,omitempty"`
	Flags           []string     `json:"flags,omitempty"` // names of the Flag* facts that are true
	Params          *Params      `json:"-"`
}

// SubjectOf takes a person of the register. The register keeps the latest
// valid grade only, so the grade counts from any date to GradeValidUntil.
// Household paths and flags are not in the register; callers that have them
// set them on the result.
func SubjectOf(p *yanglao.Person, params *Params) Subject {
	s := Subject{
		Birth: p.BirthDate, Sex: p.Sex, MovedOut: p.MovedOutDate,
		Residence: p.ResidenceCode, ResidencePath: p.ResidencePath, Household: p.HouseholdCode,
		Living: p.Living, DisabilityGrade: p.DisabilityGrade, Chronic: p.Chronic, Params: params,
	}
	if p.Life == yanglao.Deceased || !p.DeathDate.IsZero() {
		s.Death = p.DeathDate
	}
	for _, st := range p.Statuses {
		s.Statuses = append(s.Statuses, Span{Kind: st.Kind, Start: st.Start, End: st.End})
	}
	if p.Grade != nil {
		s.Grades = []GradeSpan{{Grade: *p.Grade, Until: p.GradeValidUntil}}
	}
	return s
}

// Why the reference day of a month is what it is.
type refReason uint8

const (
	refMonthEnd    refReason = iota // the last day of the month
	refDeath                        // the day of death, in the month
	refMovedOut                     // the day of moving out, in the month
	refDiedBefore                   // died before the month: nothing is due
	refMovedBefore                  // moved out before the month: nothing is due
	refNotBorn                      // born after the month
)

// referenceDay is the day whose facts decide a month (package doc, "Monthly
// entitlement"): the month's last day, or the day of death or of moving out
// if that falls inside the month. ok is false when the person was not alive
// and resident on any day of the month.
func referenceDay(s *Subject, m Month) (ref rules.Day, why refReason, ok bool) {
	first, last := m.bounds()
	ref, why = last, refMonthEnd
	if rules.FromDate(s.Birth) > last {
		return last, refNotBorn, false
	}
	if !s.Death.IsZero() {
		d := rules.FromDate(s.Death)
		if d < first {
			return d, refDiedBefore, false
		}
		if d <= ref {
			ref, why = d, refDeath
		}
	}
	if !s.MovedOut.IsZero() {
		d := rules.FromDate(s.MovedOut)
		if d < first {
			return d, refMovedBefore, false
		}
		if d < ref || d == ref && why == refMonthEnd {
			ref, why = d, refMovedOut
		}
	}
	return ref, why, true
}

// fill sets f to the facts of s on day ref.
func fill(f *rules.Facts, s *Subject, ref rules.Day) error {
	f.Reset()
	f.Date = ref
	f.Birth = rules.FromDate(s.Birth)
	f.Sex = s.Sex
	f.Residence, f.ResidencePath = s.Residence, s.ResidencePath
	f.Household, f.HouseholdPath = s.Household, s.HouseholdPath
	f.Living = s.Living
	f.DisabilityGrade = s.DisabilityGrade
	f.Chronic = s.Chronic
	for i := range s.Statuses {
		st := &s.Statuses[i]
		if rules.FromDate(st.Start) > ref || !st.End.IsZero() && rules.FromDate(st.End) < ref {
			continue
		}
		bit, ok := env.StatusBit(st.Kind)
		if !ok {
			return yanglao.Invalid("statuses", "未知的身份类别 %q (unknown status kind %q)", st.Kind, st.Kind)
		}
		f.Statuses |= bit
		if st.Kind == statusNoFixedIncome {
			f.NoFixedIncome = true
		}
	}
	var gradeFrom rules.Day = -1 << 30
	for i := range s.Grades {
		g := &s.Grades[i]
		from := rules.Day(-1 << 30)
		if !g.From.IsZero() {
			from = rules.FromDate(g.From)
		}
		if from > ref || !g.Until.IsZero() && rules.FromDate(g.Until) < ref {
			continue
		}
		// The latest assessment valid on the day counts.
		if f.Grade < 0 || from >= gradeFrom {
			f.Grade, gradeFrom = g.Grade, from
		}
	}
	for _, name := range s.Flags {
		slot, ok := flagSlots[name]
		if !ok {
			return yanglao.Invalid("flags", "未知的标记 %q (unknown flag %q)", name, name)
		}
		f.SetBool(slot, true)
	}
	if s.Params != nil {
		for i, slot := range paramSlots {
			if v, ok := s.Params.on(i, ref); ok {
				f.SetMoney(slot, v)
			}
		}
	}
	return nil
}
