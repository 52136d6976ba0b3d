// Package meals holds the pure rules of meal assistance (助餐): how the price
// of one meal is shared among those who pay for it. No I/O.
package meals

import "fmt"

// Terms are what is known about one meal before it is shared out, in fen.
type Terms struct {
	Price       int64 // the menu price of the meal
	Enterprise  int64 // 企业让一点: the canteen's discount per meal
	Collective  int64 // 集体添一点: the village or community collective, per meal
	Social      int64 // 社会捐一点: donations (e.g. the county charity federation, Tancheng §8), per meal
	Government  int64 // 政府补一点: the subsidy of the person's category (0 when none)
	MinPersonal int64 // 个人出一点: the least the older person pays, if the canteen sets one
}

// Shares is who pays what for one meal, in fen. They add up to the price.
type Shares struct {
	Person     int64 `json:"person_fen"`  // paid by the older person (or family), in cash or online
	Voucher    int64 `json:"voucher_fen"` // the part of the person's share a voucher paid
	Enterprise int64 `json:"enterprise_fen"`
	Government int64 `json:"government_fen"`
	Collective int64 `json:"collective_fen"`
	Social     int64 `json:"social_fen"`
}

// Total is the sum of the shares.
func (s Shares) Total() int64 {
	return s.Person + s.Voucher + s.Enterprise + s.Government + s.Collective + s.Social
}

// Split shares a meal out following Tancheng §8's 多元筹资机制 ("个人出一点、企业让一点、
// 政府补一点、集体添一点、社会捐一点"). The seeds fix no order between the payers;
// ours: the canteen's discount first, then the collective and donations, and the
// government's subsidy last, so public money tops up what the others leave and
// is never spent on a part someone else already covers. Each share is capped
// at what is left, after keeping MinPersonal for the person. The person pays the
// rest, which is never negative and never below MinPersonal unless the price is.
// The shares always add up to exactly the price.
func Split(t Terms) (Shares, error) {
	switch {
	case t.Price <= 0:
		return Shares{}, fmt.Errorf("meals: price must be positive, got %d", t.Price)
	case t.Enterprise < 0 || t.Collective < 0 || t.Social < 0 || t.Government < 0 || t.MinPersonal < 0:
		return Shares{}, fmt.Errorf("meals: shares cannot be negative: %+v", t)
	}
	left := t.Price - min(t.MinPersonal, t.Price)
	take := func(want int64) int64 {
		got := min(want, left)
		left -= got
		return got
	}
	s := Shares{}
	s.Enterprise = take(t.Enterprise)
	s.Collective = take(t.Collective)
	s.Social = take(t.Social)
	s.Government = take(t.Government)
	s.Person = t.Price - s.Enterprise - s.Collective - s.Social - s.Government
	return s, nil
}

// PayByVoucher moves used fen of the person's share to the voucher.
func (s Shares) PayByVoucher(used int64) (Shares, error) {
	if used < 0 || used > s.Person {
		return s, fmt.Errorf("meals: voucher pays %d of a personal share of %d", used, s.Person)
	}
	s.Person -= used
	s.Voucher += used
	return s, nil
}

// GovernmentOwes is what the government pays the canteen for a meal: its
// subsidy and the vouchers it issued.
func (s Shares) GovernmentOwes() int64 { return s.Government + s.Voucher }
