// Package dispatch ranks caregivers for a home visit. It is pure: the store
// gathers the qualified, free caregivers; this package measures and orders them.
package dispatch

import (
	"math"
	"slices"
)

// earthRadiusM is the mean Earth radius (IUGG), in metres.
const earthRadiusM = 6_371_008.8

// DistanceM is the great-circle (haversine) distance between two points given
// in degrees, in metres. At a county's scale it is within 0.5 % of the
// ellipsoidal distance, far closer than the road distance it stands in for.
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	s1, s2 := math.Sin(dLat/2), math.Sin(dLng/2)
	a := s1*s1 + math.Cos(lat1*rad)*math.Cos(lat2*rad)*s2*s2
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Candidate is a caregiver the store found qualified and free.
type Candidate struct {
	ID       int64
	Sex      string
	Lat, Lng float64
}

// Prefs are the family's preferences and the dispatcher's limits.
type Prefs struct {
	Sex     string  // "M" or "F" keeps only that sex; "" any
	MaxM    float64 // 0: no distance limit
	Limit   int     // at most this many; 0: all
	HomeLat float64 // the home
	HomeLng float64
}

// Ranked is a candidate with its distance from the home.
type Ranked struct {
	Candidate
	DistanceM float64
}

// Rank keeps the candidates that meet prefs and orders them nearest first;
// equal distances go to the lower id, so the order is deterministic. It keeps
// only the Limit best in a bounded buffer instead of sorting every candidate.
func Rank(cands []Candidate, p Prefs) []Ranked {
	out := make([]Ranked, 0, min(len(cands), max(p.Limit, 0)+1))
	less := func(a, b Ranked) int {
		if a.DistanceM != b.DistanceM {
			if a.DistanceM < b.DistanceM {
				return -1
			}
			return 1
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	}
	for _, c := range cands {
		if p.Sex != "" && c.Sex != p.Sex {
			continue
		}
		d := DistanceM(p.HomeLat, p.HomeLng, c.Lat, c.Lng)
		if p.MaxM > 0 && d > p.MaxM {
			continue
		}
		r := Ranked{Candidate: c, DistanceM: d}
		if p.Limit > 0 && len(out) == p.Limit {
			if less(r, out[len(out)-1]) >= 0 {
				continue
			}
			out = out[:len(out)-1]
		}
		i, _ := slices.BinarySearchFunc(out, r, less)
		out = slices.Insert(out, i, r)
	}
	return out
}

// Box returns a latitude/longitude box that holds every point within radiusM
// of (lat, lng), for an index to narrow a search before DistanceM decides. It
// is conservative: the longitude span is taken at the box's widest parallel.
func Box(lat, lng, radiusM float64) (latLo, latHi, lngLo, lngHi float64) {
	dLat := radiusM / earthRadiusM * 180 / math.Pi * 1.001
	latLo, latHi = lat-dLat, lat+dLat
	widest := math.Max(math.Abs(latLo), math.Abs(latHi))
	if widest >= 89 {
		return latLo, latHi, -180, 180
	}
	dLng := dLat / math.Cos(widest*math.Pi/180)
	return latLo, latHi, lng - dLng, lng + dLng
}
