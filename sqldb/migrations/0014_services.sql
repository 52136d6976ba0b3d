-- Home and community services (issue 5): the catalogue of GB/T 43153-2023,
-- what the government buys for whom, providers (coverage, prices, contracts),
-- caregivers with certificates, the employment-ban list and the caregiver
-- calendar that dispatch books against. Large tables carry county_code.

CREATE TABLE service_categories (
	code    TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	name_en TEXT NOT NULL,
	sort    INTEGER NOT NULL
);
INSERT INTO service_categories (code, name, name_en, sort) VALUES
	('life_care', '生活照料', 'Daily-life care', 1),
	('basic_care', '基础照护', 'Basic nursing care', 2),
	('health', '健康管理', 'Health management', 3),
	('visit', '探访关爱', 'Visits and care', 4),
	('comfort', '精神慰藉', 'Emotional comfort', 5),
	('errand', '委托代办', 'Errands on request', 6),
	('retrofit', '适老化改造', 'Age-friendly home adaptation', 7);

-- skills and certs are comma lists of vocabulary keys (service.go, caregiver.go).
CREATE TABLE service_items (
	id         {{.ID}},
	code       TEXT NOT NULL UNIQUE,
	category   TEXT NOT NULL REFERENCES service_categories (code),
	name       TEXT NOT NULL,
	name_en    TEXT NOT NULL DEFAULT '',
	minutes    INTEGER NOT NULL CHECK (minutes > 0),
	skills     TEXT NOT NULL DEFAULT '',
	certs      TEXT NOT NULL DEFAULT '',
	source     TEXT NOT NULL DEFAULT '',
	active     BOOLEAN NOT NULL DEFAULT TRUE,
	sort       INTEGER NOT NULL DEFAULT 0,
	created_at {{.Time}} NOT NULL,
	updated_at {{.Time}} NOT NULL
);

-- The default catalogue: the "六助一护" of the Shaoyang 2025 plan §4 and the other
-- categories of GB/T 43153-2023; durations are the platform's defaults (one visit),
-- to be adjusted by each county.
INSERT INTO service_items (code, category, name, name_en, minutes, skills, certs, source, sort, created_at, updated_at) VALUES
	('meal_delivery', 'life_care', '助餐（送餐上门）', 'Meal delivery', 30, 'meal', 'health', 'GB/T 43153-2023 生活照料；邵阳 §4 六助', 10, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('bath', 'life_care', '助浴', 'Bathing help', 90, 'bath', 'health,nursing', 'GB/T 43153-2023 生活照料；邵阳 §4 六助', 20, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('clean', 'life_care', '助洁', 'Cleaning', 120, 'clean', '', 'GB/T 43153-2023 生活照料；邵阳 §4 六助', 30, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('walk', 'life_care', '助行', 'Walking and outings', 60, 'walk', '', 'GB/T 43153-2023 生活照料；邵阳 §4 六助', 40, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('medical_escort', 'health', '助医（陪同就医）', 'Accompanying to the doctor', 180, 'medical', '', 'GB/T 43153-2023 健康管理；邵阳 §4 六助', 50, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('emergency_help', 'basic_care', '助急', 'Emergency help', 60, 'emergency', 'training', 'GB/T 43153-2023；邵阳 §4 六助', 60, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('daily_nursing', 'basic_care', '日常护理', 'Daily nursing care', 60, 'nursing', 'nursing', 'GB/T 43153-2023 基础照护；邵阳 §4 一护', 70, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('health_check', 'health', '健康监测（血压血糖）', 'Health monitoring', 30, 'health', 'training', 'GB/T 43153-2023 健康管理', 80, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('care_visit', 'visit', '探访关爱', 'Care visit', 30, 'visit', '', 'GB/T 43153-2023 探访关爱；郴州附件第21项', 90, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('comfort_talk', 'comfort', '精神慰藉（陪伴聊天）', 'Companionship', 60, 'comfort', '', 'GB/T 43153-2023 精神慰藉', 100, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('errand', 'errand', '委托代办（代购代缴）', 'Errands: shopping, paying bills', 60, 'errand', '', 'GB/T 43153-2023 委托代办', 110, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
	('home_retrofit', 'retrofit', '居家适老化改造（上门评估与安装）', 'Home adaptation visit', 120, 'retrofit', '', 'GB/T 43153-2023；郴州附件第15项', 120, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- What the government buys per person and month, by category (see ServiceAllowance).
CREATE TABLE service_allowances (
	id          {{.ID}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	category    TEXT NOT NULL REFERENCES service_categories (code),
	statuses    TEXT NOT NULL DEFAULT '',
	min_age     INTEGER NOT NULL DEFAULT 0,
	min_grade   INTEGER,
	unit        TEXT NOT NULL CHECK (unit IN ('fen', 'minutes')),
	amount      BIGINT NOT NULL CHECK (amount > 0),
	valid_from  {{.Date}} NOT NULL,
	valid_to    {{.Date}},
	source      TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX service_allowances_path ON service_allowances (region_path, category);

CREATE TABLE provider_coverage (
	org_id      BIGINT NOT NULL REFERENCES orgs (id),
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL,
	PRIMARY KEY (org_id, region_path)
);
CREATE INDEX provider_coverage_path ON provider_coverage (region_path);

CREATE TABLE provider_items (
	id          {{.ID}},
	org_id      BIGINT NOT NULL REFERENCES orgs (id),
	item_id     BIGINT NOT NULL REFERENCES service_items (id),
	county_code TEXT NOT NULL,
	price_fen   BIGINT NOT NULL CHECK (price_fen >= 0),
	minutes     INTEGER NOT NULL DEFAULT 0,
	active      BOOLEAN NOT NULL DEFAULT TRUE,
	updated_at  {{.Time}} NOT NULL,
	UNIQUE (org_id, item_id)
);

CREATE TABLE provider_contracts (
	id          {{.ID}},
	org_id      BIGINT NOT NULL REFERENCES orgs (id),
	number      TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	start_date  {{.Date}} NOT NULL,
	end_date    {{.Date}} NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	created_at  {{.Time}} NOT NULL,
	UNIQUE (org_id, number)
);
CREATE INDEX provider_contracts_org ON provider_contracts (org_id, end_date);

CREATE TABLE provider_contract_items (
	contract_id BIGINT NOT NULL REFERENCES provider_contracts (id) ON DELETE CASCADE,
	item_id     BIGINT NOT NULL REFERENCES service_items (id),
	PRIMARY KEY (contract_id, item_id)
);

-- region_path is the provider's: caregivers are scoped with their organisation.
CREATE TABLE caregivers (
	id           {{.ID}},
	org_id       BIGINT NOT NULL REFERENCES orgs (id),
	user_id      BIGINT UNIQUE REFERENCES users (id),
	county_code  TEXT NOT NULL,
	region_path  {{.Path}} NOT NULL,
	name         {{.Path}} NOT NULL,
	sex          TEXT NOT NULL CHECK (sex IN ('M', 'F')),
	id_hash      TEXT NOT NULL,
	id_sealed    {{.Blob}} NOT NULL,
	id_masked    TEXT NOT NULL,
	phone_hash   TEXT NOT NULL DEFAULT '',
	phone_sealed {{.Blob}},
	phone_masked TEXT NOT NULL DEFAULT '',
	skills       TEXT NOT NULL DEFAULT '',
	lng          DOUBLE PRECISION,
	lat          DOUBLE PRECISION,
	active       BOOLEAN NOT NULL DEFAULT TRUE,
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   {{.Time}} NOT NULL,
	updated_at   {{.Time}} NOT NULL,
	UNIQUE (org_id, id_hash)
);
CREATE INDEX caregivers_org ON caregivers (org_id, id);
CREATE INDEX caregivers_scope ON caregivers (region_path, id);
CREATE INDEX caregivers_name ON caregivers (name, id);
CREATE INDEX caregivers_id_hash ON caregivers (id_hash);
-- Dispatch suggestions search a box around the home (SuggestCaregivers).
CREATE INDEX caregivers_geo ON caregivers (org_id, lat);
CREATE INDEX caregivers_geo_lng ON caregivers (org_id, lng);

CREATE TABLE caregiver_certs (
	id           {{.ID}},
	caregiver_id BIGINT NOT NULL REFERENCES caregivers (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL,
	level        TEXT NOT NULL DEFAULT '',
	number       TEXT NOT NULL DEFAULT '',
	issued       {{.Date}} NOT NULL,
	expires      {{.Date}},
	created_at   {{.Time}} NOT NULL
);
-- Covering: eligibility and suggestions test validity without reading the rows.
CREATE INDEX caregiver_certs_caregiver ON caregiver_certs (caregiver_id, kind, issued, expires);

-- 从业禁止: checked by the ID's keyed hash wherever the caregiver is recorded.
CREATE TABLE employment_bans (
	id          {{.ID}},
	id_hash     TEXT NOT NULL,
	id_sealed   {{.Blob}} NOT NULL,
	id_masked   TEXT NOT NULL,
	name        {{.Path}} NOT NULL,
	source      TEXT NOT NULL,
	reason      TEXT NOT NULL,
	start_date  {{.Date}} NOT NULL,
	end_date    {{.Date}},
	region_code TEXT NOT NULL REFERENCES regions (code),
	region_path {{.Path}} NOT NULL,
	county_code TEXT NOT NULL,
	created_at  {{.Time}} NOT NULL
);
CREATE INDEX employment_bans_hash ON employment_bans (id_hash);
CREATE INDEX employment_bans_scope ON employment_bans (region_path, id);

-- The caregiver calendar. One booking per order; overlaps for one caregiver are
-- refused by bookCaregiver under the caregiver's row lock.
CREATE TABLE caregiver_bookings (
	id           {{.ID}},
	caregiver_id BIGINT NOT NULL REFERENCES caregivers (id),
	order_id     BIGINT NOT NULL UNIQUE,
	county_code  TEXT NOT NULL,
	starts_at    {{.Time}} NOT NULL,
	ends_at      {{.Time}} NOT NULL,
	created_at   {{.Time}} NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX caregiver_bookings_caregiver ON caregiver_bookings (caregiver_id, starts_at, ends_at);
