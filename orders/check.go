package orders

import (
	"fmt"
	"math"
	"time"
)

// Policy holds the thresholds of proof of visit. A visit outside them is
// flagged with the reason and held for an official's review; it is never
// silently accepted, nor silently dropped.
type Policy struct {
	// MaxDistanceM is how far from the home a check-in or check-out may be.
	// Phone positions indoors are often off by 100–300 m, so 500 m flags a
	// visit made from somewhere else without flagging every flat.
	MaxDistanceM int
	// MinSharePercent: a visit shorter than this share of the booked minutes is
	// flagged (GB/T 43153-2023 asks that the service delivered match the order).
	MinSharePercent int
	// TimeTolerance: a check-in this long before the booked start or after
	// the booked end is flagged (a visit recorded on another day or hour).
	TimeTolerance time.Duration
}

// DefaultPolicy is used when the configuration sets nothing.
var DefaultPolicy = Policy{MaxDistanceM: 500, MinSharePercent: 50, TimeTolerance: 2 * time.Hour}

// Flag is one reason a visit needs review.
type Flag struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Flag codes.
const (
	FlagFarCheckIn      = "far_check_in"
	FlagFarCheckOut     = "far_check_out"
	FlagNoPosition      = "no_position"
	FlagHomeUnlocated   = "home_unlocated"
	FlagShortVisit      = "short_visit"
	FlagMissingCheckOut = "missing_check_out"
	FlagOffTime         = "off_time"
)

// Point is a WGS-84 position in degrees.
type Point struct{ Lat, Lng float64 }

// DistanceM is the great-circle distance in metres (haversine, mean Earth
// radius 6 371 008.8 m): within a few metres at the scale of a township.
func DistanceM(a, b Point) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLng := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// CheckPosition judges a check-in (out=false) or check-out position against
// the home. It returns the distance in whole metres (-1 when it cannot be
// measured) and the flag, if any.
func (p Policy) CheckPosition(home, pos *Point, out bool) (int, *Flag) {
	what, whatEN := "签到", "check-in"
	code := FlagFarCheckIn
	if out {
		what, whatEN, code = "签退", "check-out", FlagFarCheckOut
	}
	switch {
	case pos == nil:
		return -1, &Flag{FlagNoPosition, what + "时没有位置信息", whatEN + " carried no position"}
	case home == nil:
		return -1, &Flag{FlagHomeUnlocated, "服务地址没有坐标，无法核对" + what + "位置", "the home has no coordinates: the " + whatEN + " position cannot be checked"}
	}
	d := int(math.Round(DistanceM(*home, *pos)))
	if d > p.MaxDistanceM {
		return d, &Flag{code, fmt.Sprintf("%s位置距服务地址 %s（超过 %d 米）", what, metres(d), p.MaxDistanceM),
			fmt.Sprintf("%s %s from the home (more than %d m)", whatEN, metresEN(d), p.MaxDistanceM)}
	}
	return d, nil
}

// CheckDuration flags a visit much shorter than booked.
func (p Policy) CheckDuration(bookedMin int, in, out time.Time) *Flag {
	actual := out.Sub(in)
	if bookedMin <= 0 || actual*100 >= time.Duration(bookedMin)*time.Minute*time.Duration(p.MinSharePercent) {
		return nil
	}
	m := int(actual.Round(time.Minute) / time.Minute)
	return &Flag{FlagShortVisit, fmt.Sprintf("服务 %d 分钟，不足预约 %d 分钟的 %d%%", m, bookedMin, p.MinSharePercent),
		fmt.Sprintf("the visit lasted %d min, under %d%% of the %d booked", m, p.MinSharePercent, bookedMin)}
}

// CheckTime flags a check-in at `at` far outside the booked window [start, end).
func (p Policy) CheckTime(start, end, at time.Time) *Flag {
	switch {
	case at.Before(start.Add(-p.TimeTolerance)):
		h := start.Sub(at).Hours()
		return &Flag{FlagOffTime, fmt.Sprintf("签到比预约开始时间早 %.1f 小时", h), fmt.Sprintf("checked in %.1f h before the booked start", h)}
	case at.After(end.Add(p.TimeTolerance)):
		h := at.Sub(end).Hours()
		return &Flag{FlagOffTime, fmt.Sprintf("签到比预约结束时间晚 %.1f 小时", h), fmt.Sprintf("checked in %.1f h after the booked end", h)}
	}
	return nil
}

// MissingCheckOut is the flag of a visit closed by the provider without a check-out.
func MissingCheckOut(reason string) *Flag {
	return &Flag{FlagMissingCheckOut, "护理员未签退，由调度员补结束：" + reason, "no check-out; closed by the dispatcher: " + reason}
}

func metres(d int) string {
	if d >= 1000 {
		return fmt.Sprintf("%.1f 公里", float64(d)/1000)
	}
	return fmt.Sprintf("%d 米", d)
}

func metresEN(d int) string {
	if d >= 1000 {
		return fmt.Sprintf("%.1f km", float64(d)/1000)
	}
	return fmt.Sprintf("%d m", d)
}
