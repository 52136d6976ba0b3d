-- Issue 4, item 5: what the monthly payment batch needs beyond 0007. The run
-- resumes from last_person_id (advanced in the same transaction as the page's
-- lines), the pre-release check and the bank's answer leave their marks.
ALTER TABLE payment_batches ADD COLUMN last_person_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payment_batches ADD COLUMN people_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_batches ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_batches ADD COLUMN errors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_batches ADD COLUMN corrections INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_batches ADD COLUMN checked_at {{.Time}};
ALTER TABLE payment_batches ADD COLUMN exported_at {{.Time}};
ALTER TABLE payment_batches ADD COLUMN reconciled_at {{.Time}};
ALTER TABLE payment_lines ADD COLUMN bank_note TEXT NOT NULL DEFAULT '';
CREATE INDEX payment_batches_scope ON payment_batches (region_path, month);
