package demogen

import (
	"math/rand/v2"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/assess"
)

// Assessment is a generated capability assessment (GB/T 42195-2022). Scoring
// Answers with Adjustments through assess.Score gives Grade.
type Assessment struct {
	Date        yanglao.Date
	Place       string         // 居家, 养老机构, 社区
	Assessor    string         // one of the county's few assessors (评估员)
	Answers     map[string]int // item code (B.1.1 … B.4.5) → score; all 26 items
	Adjustments assess.Adjustments
	Grade       assess.Grade // the final grade, after the annex C.4 adjustments
}

// item is one annex B item as the generator needs it.
type item struct {
	code string
	dim  int
	max  int
	min  int // 1 for B.3.9 unless in a coma: 0 is 昏睡或昏迷
}

var items = func() []item {
	var out []item
	for d, dim := range assess.Dimensions() {
		for _, it := range dim.Items {
			lo := 0
			if it.Code == "B.3.9" {
				lo = 1
			}
			out = append(out, item{code: it.Code, dim: d, max: it.Max(), min: lo})
		}
	}
	return out
}()

// gradeRange is the total score range of each preliminary grade (chapter 6).
var gradeRange = [...][2]int{
	assess.Intact:             {90, 90},
	assess.MildlyImpaired:     {66, 89},
	assess.ModeratelyImpaired: {46, 65},
	assess.SeverelyImpaired:   {30, 45},
	assess.CompletelyLost:     {0, 29},
}

// Where the points are lost, by dimension (self-care, motor, mental,
// perception and social participation): physical frailty first hits
// self-care and mobility, dementia the mental state.
var (
	lossPhysical = [4]float64{3, 3, 0.4, 1}
	lossDementia = [4]float64{1.2, 0.7, 3, 2}
)

// newAssessment builds answers whose final grade is final. dementia sets the
// diagnosis adjustment (one grade worse); risk adds two falls in the 30 days
// before the assessment (one grade worse, not cumulative with dementia); coma
// rates 能力完全丧失 whatever the score.
func newAssessment(r *rand.Rand, on yanglao.Date, final assess.Grade, dementia, risk, coma bool) *Assessment {
	a := &Assessment{Date: on, Grade: final}
	a.Adjustments.Dementia = dementia
	a.Adjustments.AssessedOn = on.Time()
	prelim := final
	if coma {
		a.Adjustments.Coma = true
		prelim = assess.Grade(3 + r.IntN(2)) // a comatose person scores low anyway
	} else if dementia || risk {
		if final > assess.Intact {
			prelim = final - 1
		}
		if final == assess.CompletelyLost && r.IntN(3) == 0 {
			prelim = final // already the lowest: the adjustment changes nothing
		}
	}
	if risk {
		for range 2 + r.IntN(2) {
			kind := assess.Fall
			if dementia && r.IntN(3) == 0 {
				kind = assess.Wandering
			}
			d := on.AddDays(-r.IntN(assess.RiskWindowDays + 1))
			a.Adjustments.RiskEvents = append(a.Adjustments.RiskEvents, assess.RiskEvent{Kind: kind, Date: d.Time()})
		}
	}
	lo, hi := gradeRange[prelim][0], gradeRange[prelim][1]
	total := lo + r.IntN(hi-lo+1)
	loss := lossPhysical
	if dementia {
		loss = lossDementia
	}
	a.Answers = answersWithTotal(r, total, loss, coma)
	return a
}

// answersWithTotal starts from full marks and takes points off one at a time,
// from items drawn by their dimension's weight, until the total is reached.
func answersWithTotal(r *rand.Rand, total int, loss [4]float64, coma bool) map[string]int {
	var score [32]int
	var lost int
	for i, it := range items {
		score[i] = it.max
	}
	floor := func(i int) int {
		if coma && items[i].code == "B.3.9" {
			return 0
		}
		return items[i].min
	}
	if coma {
		for i, it := range items {
			if it.code == "B.3.9" {
				lost += score[i]
				score[i] = 0
			}
		}
	}
	want := assess.MaxTotal - total
	var w [32]float64
	for lost < want {
		var sum float64
		for i, it := range items {
			w[i] = 0
			if score[i] > floor(i) {
				w[i] = loss[it.dim]
			}
			sum += w[i]
		}
		if sum == 0 {
			break // every item at its floor: the lowest total reachable
		}
		x := r.Float64() * sum
		i := 0
		for ; i < len(items)-1; i++ {
			if x < w[i] {
				break
			}
			x -= w[i]
		}
		// Lose 1 or, when there is room, 2 points at once: answers move by whole options.
		step := 1
		if want-lost >= 2 && score[i]-floor(i) >= 2 && r.IntN(2) == 0 {
			step = 2
		}
		score[i] -= step
		lost += step
	}
	out := make(map[string]int, len(items))
	for i, it := range items {
		out[it.code] = score[i]
	}
	return out
}

// assessmentDate is within the last 12 months, or, for a share, 12–18 months
// ago (expired, due for reassessment).
func assessmentDate(r *rand.Rand, asOf yanglao.Date) yanglao.Date {
	if r.Float64() < assessExpired {
		return asOf.AddDays(-(366 + r.IntN(180)))
	}
	return asOf.AddDays(-r.IntN(360))
}

// Record returns the assessment as the register stores it, for
// yanglao.AssessmentService.CreateAssessment, which scores it again.
func (a *Assessment) Record(personID int64) *yanglao.Assessment {
	rec := &yanglao.Assessment{
		PersonID:     personID,
		AssessedOn:   a.Date,
		Reason:       "first",
		AssessorName: a.Assessor,
		Place:        a.Place,
		Answers:      a.Answers,
		Adjustments: yanglao.AssessmentAdjustments{
			Coma:           a.Adjustments.Coma,
			Dementia:       a.Adjustments.Dementia,
			MentalDisorder: a.Adjustments.MentalDisorder,
		},
	}
	for _, e := range a.Adjustments.RiskEvents {
		rec.Adjustments.RiskEvents = append(rec.Adjustments.RiskEvents, yanglao.RiskEvent{Kind: e.Kind, Date: yanglao.DateOf(e.Date)})
	}
	return rec
}
