package sqldb

import (
	"context"

	"github.com/yanglao/yanglao"
)

// orderVoucher spends up to fen of a voucher on an order and returns what it
// paid. Vouchers are the meals helper's (redeemVoucher); until they are on
// main an order with a voucher is refused rather than priced wrongly.
func orderVoucher(ctx context.Context, tx *Tx, voucherID, personID, orderID, fen int64) (int64, error) {
	return 0, yanglao.Invalid("voucher_id", "服务券暂不可用于上门服务订单 (vouchers cannot pay for home-care orders yet)")
}

// returnVoucher gives back what a cancelled order spent of its voucher.
func returnVoucher(ctx context.Context, tx *Tx, orderID int64) error { return nil }
