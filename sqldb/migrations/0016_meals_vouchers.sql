-- Issue 5: consumption vouchers (消费券, Shaoyang §10: 鼓励县市区对特殊困难老年人发放居家上门服务消费券)
-- and meal assistance (助餐: Tancheng §8 孝善食堂 and its 多元筹资; Chenzhou §7 长者餐厅).

-- A voucher batch: an official issues vouchers of one face value to a list of
-- people in their region. request_key makes a retried issue one batch.
CREATE TABLE voucher_batches (
	id          {{.ID}},
	name        TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	face_fen    BIGINT NOT NULL CHECK (face_fen > 0),
	uses        TEXT NOT NULL,
	valid_from  {{.Date}} NOT NULL,
	valid_until {{.Date}} NOT NULL,
	source      TEXT NOT NULL,
	people      INTEGER NOT NULL DEFAULT 0,
	created_by  BIGINT,
	request_key TEXT UNIQUE,
	created_at  {{.Time}} NOT NULL,
	CHECK (valid_until >= valid_from)
);
CREATE INDEX voucher_batches_scope ON voucher_batches (region_path, id);

-- One voucher per person per batch. spent_* are filled by redeemVoucher and
-- cleared by refundVoucher; the redemption rows keep the history.
CREATE TABLE vouchers (
	id          {{.ID}},
	batch_id    BIGINT NOT NULL REFERENCES voucher_batches (id),
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	region_path {{.Path}} NOT NULL,
	face_fen    BIGINT NOT NULL CHECK (face_fen > 0),
	uses        TEXT NOT NULL,
	valid_from  {{.Date}} NOT NULL,
	valid_until {{.Date}} NOT NULL,
	spent_at    {{.Time}},
	spent_fen   BIGINT NOT NULL DEFAULT 0 CHECK (spent_fen >= 0 AND spent_fen <= face_fen),
	spent_ref   TEXT,
	created_at  {{.Time}} NOT NULL,
	UNIQUE (batch_id, person_id)
);
CREATE INDEX vouchers_person ON vouchers (person_id, id);
CREATE INDEX vouchers_scope ON vouchers (region_path, id);
CREATE INDEX vouchers_batch ON vouchers (batch_id, id);

-- Exactly once: at most one live (unrefunded) redemption per voucher, whatever
-- is retried or raced. The conditional UPDATE of vouchers decides first; this
-- index is the constraint behind it.
CREATE TABLE voucher_redemptions (
	id          {{.ID}},
	voucher_id  BIGINT NOT NULL REFERENCES vouchers (id),
	person_id   BIGINT NOT NULL REFERENCES people (id),
	county_code TEXT NOT NULL,
	ref         TEXT NOT NULL,
	amount_fen  BIGINT NOT NULL CHECK (amount_fen > 0),
	used_fen    BIGINT NOT NULL CHECK (used_fen > 0),
	at          {{.Time}} NOT NULL,
	refunded_at {{.Time}}
);
CREATE UNIQUE INDEX voucher_redemptions_once ON voucher_redemptions (voucher_id) WHERE refunded_at IS NULL;
CREATE INDEX voucher_redemptions_ref ON voucher_redemptions (ref);

-- A canteen is an organisation of kind 'canteen'; this row holds what only a
-- canteen has. The three kinds are the seeds' names: 孝善食堂 (Tancheng §8),
-- 长者餐厅 (Chenzhou §7), 助餐点 (Shaoyang §4 老年助餐点).
CREATE TABLE canteens (
	org_id          BIGINT PRIMARY KEY REFERENCES orgs (id),
	subtype         TEXT NOT NULL,
	region_path     {{.Path}} NOT NULL,
	county_code     TEXT NOT NULL,
	address         TEXT NOT NULL DEFAULT '',
	lng             DOUBLE PRECISION,
	lat             DOUBLE PRECISION,
	seats           INTEGER NOT NULL DEFAULT 0 CHECK (seats >= 0),
	hours           TEXT NOT NULL DEFAULT '',
	delivery        BOOLEAN NOT NULL DEFAULT FALSE,
	cutoff_breakfast TEXT NOT NULL DEFAULT '07:00',
	cutoff_lunch     TEXT NOT NULL DEFAULT '10:00',
	cutoff_dinner    TEXT NOT NULL DEFAULT '15:00',
	-- The other shares of 个人出一点、企业让一点、政府补一点、集体添一点、社会捐一点 (Tancheng §8), per meal.
	enterprise_fen  BIGINT NOT NULL DEFAULT 0 CHECK (enterprise_fen >= 0),
	collective_fen  BIGINT NOT NULL DEFAULT 0 CHECK (collective_fen >= 0),
	social_fen      BIGINT NOT NULL DEFAULT 0 CHECK (social_fen >= 0),
	min_personal_fen BIGINT NOT NULL DEFAULT 0 CHECK (min_personal_fen >= 0),
	updated_at      {{.Time}} NOT NULL
);
CREATE INDEX canteens_scope ON canteens (region_path);

-- One menu per canteen, day and meal.
CREATE TABLE canteen_menus (
	id          {{.ID}},
	org_id      BIGINT NOT NULL REFERENCES orgs (id),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	day         {{.Date}} NOT NULL,
	meal        TEXT NOT NULL,
	dishes      TEXT NOT NULL,
	price_fen   BIGINT NOT NULL CHECK (price_fen > 0),
	updated_at  {{.Time}} NOT NULL,
	UNIQUE (org_id, day, meal)
);

-- Meal subsidy per person category, per region, over a validity period. The
-- most specific region's rule applies; categories do not add up, the largest wins.
CREATE TABLE meal_subsidies (
	id          {{.ID}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	category    TEXT NOT NULL,
	fen         BIGINT NOT NULL CHECK (fen >= 0),
	valid_from  {{.Date}} NOT NULL,
	valid_until {{.Date}},
	source      TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX meal_subsidies_region ON meal_subsidies (region_path, category);

-- A meal order. The shares are recorded per meal and add up to price_fen (a
-- CHECK, so no code path can store a split that does not).
CREATE TABLE meal_orders (
	id             {{.ID}},
	org_id         BIGINT NOT NULL REFERENCES orgs (id),
	region_path    {{.Path}} NOT NULL,
	county_code    TEXT NOT NULL,
	person_id      BIGINT NOT NULL REFERENCES people (id),
	menu_id        BIGINT NOT NULL REFERENCES canteen_menus (id),
	day            {{.Date}} NOT NULL,
	meal           TEXT NOT NULL,
	mode           TEXT NOT NULL,
	address        TEXT NOT NULL DEFAULT '',
	note           TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL,
	channel        TEXT NOT NULL,
	price_fen      BIGINT NOT NULL CHECK (price_fen > 0),
	person_fen     BIGINT NOT NULL CHECK (person_fen >= 0),
	voucher_fen    BIGINT NOT NULL CHECK (voucher_fen >= 0),
	enterprise_fen BIGINT NOT NULL CHECK (enterprise_fen >= 0),
	government_fen BIGINT NOT NULL CHECK (government_fen >= 0),
	collective_fen BIGINT NOT NULL CHECK (collective_fen >= 0),
	social_fen     BIGINT NOT NULL CHECK (social_fen >= 0),
	category       TEXT NOT NULL DEFAULT '',
	voucher_id     BIGINT REFERENCES vouchers (id),
	ordered_by     BIGINT,
	request_key    TEXT UNIQUE,
	created_at     {{.Time}} NOT NULL,
	cancelled_at   {{.Time}},
	CHECK (person_fen + voucher_fen + enterprise_fen + government_fen + collective_fen + social_fen = price_fen)
);
-- One live order per person, day and meal: one subsidy per meal.
CREATE UNIQUE INDEX meal_orders_once ON meal_orders (person_id, day, meal) WHERE status <> 'cancelled';
CREATE INDEX meal_orders_kitchen ON meal_orders (org_id, day, meal);
CREATE INDEX meal_orders_scope ON meal_orders (region_path, day);
CREATE INDEX meal_orders_person ON meal_orders (person_id, day);
