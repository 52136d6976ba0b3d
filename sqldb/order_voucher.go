package sqldb

import (
	"context"

	"github.com/yanglao/yanglao"
)

// orderVoucher spends a voucher on an order (up to fen; a voucher pays its
// face value at most) and returns what it paid. The voucher's batch must allow
// the item's service category (yanglao.VoucherAllows).
func orderVoucher(ctx context.Context, tx *Tx, voucherID, personID, orderID int64, category string, fen int64) (int64, error) {
	if fen <= 0 {
		return 0, nil // the allowance and insurance already cover the price
	}
	return redeemVoucher(ctx, tx, voucherID, personID, fen, yanglao.VoucherRef(category, orderID))
}

// returnVoucher gives back what a cancelled order spent of its voucher.
func returnVoucher(ctx context.Context, tx *Tx, orderID int64, category string) error {
	return refundVoucher(ctx, tx, yanglao.VoucherRef(category, orderID))
}
