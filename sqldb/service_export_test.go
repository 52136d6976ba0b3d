package sqldb

import (
	"context"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
)

// These run the lowercase helpers the orders module calls, each in its own
// write transaction, for the store tests.

func (db *DB) inTxForTest(ctx context.Context, f func(tx *Tx) error) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (db *DB) BookCaregiverForTest(ctx context.Context, caregiverID, orderID int64, start, end time.Time) error {
	return db.inTxForTest(ctx, func(tx *Tx) error { return bookCaregiver(ctx, tx, caregiverID, orderID, start, end) })
}

// BookSlowlyForTest books and then waits before committing, so a competing
// transaction overlaps it.
func (db *DB) BookSlowlyForTest(ctx context.Context, caregiverID, orderID int64, start, end time.Time, hold time.Duration) error {
	return db.inTxForTest(ctx, func(tx *Tx) error {
		if err := bookCaregiver(ctx, tx, caregiverID, orderID, start, end); err != nil {
			return err
		}
		time.Sleep(hold)
		return nil
	})
}

func (db *DB) ReleaseCaregiverForTest(ctx context.Context, orderID int64) error {
	return db.inTxForTest(ctx, func(tx *Tx) error { return releaseCaregiver(ctx, tx, orderID) })
}

func (db *DB) CaregiverEligibleForTest(ctx context.Context, caregiverID, itemID int64, day yanglao.Date) error {
	return db.inTxForTest(ctx, func(tx *Tx) error { return caregiverEligible(ctx, tx, caregiverID, itemID, day) })
}

func (db *DB) OfferOnForTest(ctx context.Context, providerID, itemID int64, regionCode string, day yanglao.Date) (o yanglao.ServiceOffer, err error) {
	err = db.inTxForTest(ctx, func(tx *Tx) error {
		path, err := tx.regionPath(ctx, "region_code", regionCode)
		if err != nil {
			return err
		}
		o, err = offerOn(ctx, tx, providerID, itemID, path, day)
		return err
	})
	return o, err
}

func (db *DB) MonthlyAllowanceForTest(ctx context.Context, personID int64, category, month string) (a yanglao.MonthlyAllowance, err error) {
	m, err := benefits.ParseMonth(month)
	if err != nil {
		return a, err
	}
	err = db.inTxForTest(ctx, func(tx *Tx) error {
		a, err = monthlyAllowance(ctx, tx, personID, category, m)
		return err
	})
	return a, err
}

func (db *DB) CaregiverBookingsForTest(ctx context.Context, caregiverID int64, from, to time.Time) (bs []*yanglao.CaregiverBooking, err error) {
	err = db.inTxForTest(ctx, func(tx *Tx) error {
		bs, err = caregiverBookings(ctx, tx, caregiverID, from, to)
		return err
	})
	return bs, err
}
