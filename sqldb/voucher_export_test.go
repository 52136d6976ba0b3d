package sqldb

import "context"

// RedeemVoucherForTest runs redeemVoucher in its own transaction; beforeCommit
// (if set) runs between the spend and the commit, so a test can hold the
// transaction open while another one races it.
func (db *DB) RedeemVoucherForTest(ctx context.Context, voucherID, personID, amountFen int64, ref string, beforeCommit func()) (int64, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	used, err := redeemVoucher(ctx, tx, voucherID, personID, amountFen, ref)
	if err != nil {
		return 0, err
	}
	if beforeCommit != nil {
		beforeCommit()
	}
	return used, tx.Commit()
}

// RefundVoucherForTest runs refundVoucher in its own transaction.
func (db *DB) RefundVoucherForTest(ctx context.Context, ref string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := refundVoucher(ctx, tx, ref); err != nil {
		return err
	}
	return tx.Commit()
}
