-- Issue 5: home-care service orders, their history, and the review of flagged
-- visits. Money is integer fen; a month is 'YYYY-MM' in Asia/Shanghai. The
-- catalogue, providers, caregivers and the caregiver calendar are 0014's.

CREATE TABLE orders (
	id                {{.ID}},
	person_id         BIGINT NOT NULL REFERENCES people (id),
	county_code       TEXT NOT NULL,
	region_code       TEXT NOT NULL,            -- the person's residence when placed
	region_path       {{.Path}} NOT NULL,       -- scope of officials and workers
	provider_id       BIGINT NOT NULL REFERENCES orgs (id),
	item_id           BIGINT NOT NULL REFERENCES service_items (id),
	category          TEXT NOT NULL,
	caregiver_id      BIGINT REFERENCES caregivers (id),
	contract_id       BIGINT,
	channel           TEXT NOT NULL CHECK (channel IN ('elder', 'family', 'worker')),
	placed_by         BIGINT NOT NULL REFERENCES users (id),
	request_key       TEXT,                     -- idempotency: a retried POST places one order
	address           TEXT NOT NULL DEFAULT '',
	lng               DOUBLE PRECISION,
	lat               DOUBLE PRECISION,
	start_at          {{.Time}} NOT NULL,
	end_at            {{.Time}} NOT NULL,
	month             TEXT NOT NULL,            -- of start_at, for the allowance and the statement
	minutes           INTEGER NOT NULL,
	needs             TEXT NOT NULL DEFAULT '',
	price_fen         BIGINT NOT NULL CHECK (price_fen >= 0),
	ltc_fen           BIGINT NOT NULL DEFAULT 0 CHECK (ltc_fen >= 0),
	allowance_fen     BIGINT NOT NULL DEFAULT 0 CHECK (allowance_fen >= 0),
	allowance_minutes INTEGER NOT NULL DEFAULT 0 CHECK (allowance_minutes >= 0),
	voucher_id        BIGINT,
	voucher_fen       BIGINT NOT NULL DEFAULT 0 CHECK (voucher_fen >= 0),
	own_fen           BIGINT NOT NULL DEFAULT 0 CHECK (own_fen >= 0),
	state             TEXT NOT NULL CHECK (state IN ('requested', 'accepted', 'assigned', 'on_the_way', 'in_service', 'done', 'confirmed', 'cancelled', 'no_show')),
	flags             TEXT NOT NULL DEFAULT '',  -- JSON list of {code, zh, en}; '' when none
	review            TEXT NOT NULL DEFAULT '' CHECK (review IN ('', 'pending', 'accepted', 'rejected')),
	review_note       TEXT NOT NULL DEFAULT '',
	reviewed_by       BIGINT REFERENCES users (id),
	check_in_at       {{.Time}},
	check_in_lat      DOUBLE PRECISION,
	check_in_lng      DOUBLE PRECISION,
	check_in_m        INTEGER,
	check_out_at      {{.Time}},
	check_out_lat     DOUBLE PRECISION,
	check_out_lng     DOUBLE PRECISION,
	check_out_m       INTEGER,
	confirm_code      TEXT NOT NULL,
	confirm_failures  INTEGER NOT NULL DEFAULT 0, -- wrong codes typed; past 5 only the client or a signature confirms
	confirmed_at      {{.Time}},
	confirmed_by      TEXT NOT NULL DEFAULT '',
	signature         TEXT,
	rating            INTEGER CHECK (rating BETWEEN 1 AND 5),
	rating_note       TEXT NOT NULL DEFAULT '',
	concern           TEXT NOT NULL DEFAULT '',
	version           INTEGER NOT NULL DEFAULT 1,
	created_at        {{.Time}} NOT NULL,
	updated_at        {{.Time}} NOT NULL,
	CHECK (price_fen = ltc_fen + allowance_fen + voucher_fen + own_fen),
	CHECK (end_at > start_at),
	UNIQUE (placed_by, request_key)
);
CREATE INDEX orders_provider_day ON orders (provider_id, start_at);
CREATE INDEX orders_caregiver_day ON orders (caregiver_id, start_at);
CREATE INDEX orders_person_month ON orders (person_id, month, category);
CREATE INDEX orders_scope ON orders (region_path, id);
CREATE INDEX orders_statement ON orders (provider_id, month, state);
CREATE INDEX orders_review ON orders (review, region_path);

-- Every move of an order: who, when, from and to, and where the caregiver was.
CREATE TABLE order_events (
	id          {{.ID}},
	order_id    BIGINT NOT NULL REFERENCES orders (id),
	county_code TEXT NOT NULL,
	at          {{.Time}} NOT NULL,
	user_id     BIGINT REFERENCES users (id),
	username    TEXT NOT NULL,
	role        TEXT NOT NULL,
	action      TEXT NOT NULL,
	from_state  TEXT NOT NULL DEFAULT '',
	to_state    TEXT NOT NULL,
	lat         DOUBLE PRECISION,
	lng         DOUBLE PRECISION,
	accuracy_m  DOUBLE PRECISION,
	distance_m  INTEGER,
	note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order ON order_events (order_id, id);
