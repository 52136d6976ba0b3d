package orders

// Split is who pays what for one order, in fen. The parts always add up to
// the price and none is negative.
type Split struct {
	PriceFen     int64 `json:"price_fen"`
	LTCFen       int64 `json:"ltc_fen"`       // long-term-care insurance (长期护理保险), Tancheng §12
	AllowanceFen int64 `json:"allowance_fen"` // the government's monthly home-service allowance (Chenzhou annex item 5: 政府购买服务)
	VoucherFen   int64 `json:"voucher_fen"`   // a service voucher (居家上门服务消费券, Shaoyang §10)
	OwnFen       int64 `json:"own_fen"`       // the person or family pays
}

// GovernmentFen is what the provider bills the government for: the allowance
// and the voucher (vouchers are issued by the civil-affairs bureau).
func (s Split) GovernmentFen() int64 { return s.AllowanceFen + s.VoucherFen }

// SplitInput is what the split is computed from. Negative inputs count as zero.
type SplitInput struct {
	PriceFen int64
	// LTCFen is the share long-term-care insurance authorised for this visit,
	// entered by the worker from the insurer's authorisation.
	LTCFen int64
	// AllowanceLeftFen is the person's configured allowance for the item's
	// category this month minus what their other orders already used.
	AllowanceLeftFen int64
	// VoucherFen is at most what the voucher may pay (its balance); -1 means
	// "as much as is left", used to ask the voucher how much it will take.
	VoucherFen int64
}

// ComputeSplit applies the payers in a fixed order: insurance first (it pays
// its authorised share whatever else applies), then the monthly allowance
// (use-it-or-lose-it: it does not carry over to next month), then a voucher,
// and the person pays the rest.
func ComputeSplit(in SplitInput) Split {
	s := Split{PriceFen: max(in.PriceFen, 0)}
	left := s.PriceFen
	take := func(avail int64) int64 {
		n := min(max(avail, 0), left)
		left -= n
		return n
	}
	s.LTCFen = take(in.LTCFen)
	s.AllowanceFen = take(in.AllowanceLeftFen)
	if in.VoucherFen < 0 {
		s.VoucherFen = take(left)
	} else {
		s.VoucherFen = take(in.VoucherFen)
	}
	s.OwnFen = left
	return s
}
