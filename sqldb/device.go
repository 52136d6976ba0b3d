package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

var _ yanglao.DeviceService = (*AlarmService)(nil)

// Devices and alarms share one service: ingesting an event reads the registry,
// and the registry shows the technical alarms.

// deviceScope is who sees a device or a case: those who keep the register and
// the emergency operators, by region; an older person or family, their own
// people's devices; nobody else. prefix is the table alias with its dot.
func deviceScope(ctx context.Context, prefix string) (string, []any, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return "", nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Role == yanglao.RoleElder || a.Role == yanglao.RoleFamily {
		return prefix + "person_id IN (SELECT person_id FROM person_links WHERE user_id = ?)", []any{a.UserID}, nil
	}
	if !canReadRegister(a) {
		return "1=0", nil, nil
	}
	return scope(ctx, prefix+"region_path", "")
}

// canManageDevices: officials, workers and administrators register and bind devices.
func canManageDevices(ctx context.Context) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() || a.Role == yanglao.RoleOfficial || a.Role == yanglao.RoleWorker {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "无权登记设备 (not allowed to register devices)")
}

const deviceCols = `d.id, d.serial, d.kind, d.vendor, d.person_id, COALESCE(p.name, ''), d.address, d.region_code, d.region_path,
	d.county_code, d.heartbeat_seconds, d.battery, d.last_seen, d.silent_case_id IS NOT NULL, d.battery_case_id IS NOT NULL,
	d.active, d.created_at, d.updated_at, d.silent_after`

const deviceFrom = ` FROM devices d LEFT JOIN people p ON p.id = d.person_id`

type deviceRow struct {
	*yanglao.Device
	silentAfter time.Time
}

func scanDeviceRow(row scanner) (deviceRow, error) {
	d := &yanglao.Device{}
	var battery *int64
	var last *time.Time
	r := deviceRow{Device: d}
	err := row.Scan(&d.ID, &d.Serial, &d.Kind, &d.Vendor, &d.PersonID, &d.PersonName, &d.Address, &d.RegionCode, &d.RegionPath,
		&d.CountyCode, &d.HeartbeatSeconds, &battery, &last, &d.Silent, &d.LowBattery, &d.Active, &d.CreatedAt, &d.UpdatedAt, &r.silentAfter)
	if battery != nil {
		b := int(*battery)
		d.Battery = &b
	}
	d.LastSeen = last
	return r, err
}

func scanDevice(row scanner) (*yanglao.Device, error) {
	r, err := scanDeviceRow(row)
	return r.Device, err
}

// secretHash hashes a device password. The password is 128 random bits, so a
// plain SHA-256 is enough (no dictionary to slow down).
func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func newSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateDevice registers a device and returns its MQTT password (shown once).
func (s *AlarmService) CreateDevice(ctx context.Context, d *yanglao.Device) (string, error) {
	if err := canManageDevices(ctx); err != nil {
		return "", err
	}
	if err := d.Validate(); err != nil {
		return "", err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if err := s.placeDevice(ctx, tx, d, yanglao.DeviceBinding{PersonID: d.PersonID, Address: d.Address, RegionCode: d.RegionCode}); err != nil {
		return "", err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM devices WHERE serial = ?`, d.Serial).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", &yanglao.Error{Code: yanglao.ECONFLICT, Field: "serial", Message: "该序列号已登记 (this serial is already registered)"}
	}
	secret := newSecret()
	d.Active, d.CreatedAt, d.UpdatedAt = true, tx.now, tx.now
	silentAfter := tx.now.Add(time.Duration(yanglao.SilentFactor*d.HeartbeatSeconds) * time.Second)
	d.ID, err = tx.insertID(ctx, `INSERT INTO devices (serial, kind, vendor, secret_hash, person_id, address, region_code, region_path,
		county_code, heartbeat_seconds, silent_after, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?)`,
		d.Serial, d.Kind, d.Vendor, secretHash(secret), d.PersonID, d.Address, d.RegionCode, d.RegionPath, d.CountyCode,
		d.HeartbeatSeconds, silentAfter, tx.now, tx.now)
	if err != nil {
		return "", err
	}
	if err := tx.audit(ctx, yanglao.AuditCreate, "device", strconv.FormatInt(d.ID, 10), d.Kind+" "+d.Serial+" "+d.Vendor); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	s.forget(d.Serial)
	return secret, nil
}

// placeDevice resolves the binding: the person (read through the register's
// scope), the address, and the region — the one given, else the person's
// residence. The actor must be allowed to write there.
func (s *AlarmService) placeDevice(ctx context.Context, tx *Tx, d *yanglao.Device, b yanglao.DeviceBinding) error {
	d.PersonID, d.Address = b.PersonID, strings.TrimSpace(b.Address)
	d.RegionCode = b.RegionCode
	d.PersonName = ""
	if b.PersonID != nil {
		p, err := tx.person(ctx, *b.PersonID)
		if err != nil {
			if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
				return yanglao.Invalid("person_id", "老年人不存在 (person not found)")
			}
			return err
		}
		d.PersonName = p.Name
		if d.RegionCode == "" {
			d.RegionCode = p.ResidenceCode
		}
		if d.Address == "" {
			d.Address = p.Address
		}
	}
	if d.RegionCode == "" {
		return yanglao.Invalid("region_code", "请填写安装地区划 (region_code is required)")
	}
	var err error
	if d.RegionPath, err = tx.regionPath(ctx, "region_code", d.RegionCode); err != nil {
		return err
	}
	if !yanglao.ActorFromContext(ctx).SeesPath(d.RegionPath) {
		return yanglao.Invalid("region_code", "只能在本辖区内登记设备 (devices can only be registered inside your region)")
	}
	d.CountyCode = countyOfPath(d.RegionPath, d.RegionCode)
	return nil
}

// Device reads one device in the actor's scope.
func (s *AlarmService) Device(ctx context.Context, id int64) (*yanglao.Device, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.device(ctx, id)
}

func (tx *Tx) device(ctx context.Context, id int64) (*yanglao.Device, error) {
	clause, args, err := deviceScope(ctx, "d.")
	if err != nil {
		return nil, err
	}
	d, err := scanDevice(tx.QueryRow(ctx, `SELECT `+deviceCols+deviceFrom+` WHERE d.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "设备", "device")
	}
	return d, nil
}

// Devices lists devices by id, by silence (longest overdue first) or by battery
// (lowest first), each with a keyset cursor.
func (s *AlarmService) Devices(ctx context.Context, f yanglao.DeviceFilter) ([]*yanglao.Device, string, error) {
	clause, args, err := deviceScope(ctx, "d.")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	if f.Kind != "" {
		if yanglao.DeviceKindName(f.Kind, "en") == f.Kind {
			return nil, "", yanglao.Invalid("kind", "未知设备类型 (unknown device kind)")
		}
		where, args = append(where, "d.kind = ?"), append(args, f.Kind)
	}
	if f.PersonID > 0 {
		where, args = append(where, "d.person_id = ?"), append(args, f.PersonID)
	}
	if f.RegionCode != "" {
		lo, hi, err := s.regionRange(ctx, f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "d.region_path >= ? AND d.region_path < ?"), append(args, lo, hi)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if len([]rune(q)) > 50 {
			return nil, "", yanglao.Invalid("q", "搜索词最多50个字符 (q: at most 50 characters)")
		}
		where = append(where, `(d.serial LIKE ? ESCAPE '\' OR d.vendor LIKE ? ESCAPE '\' OR p.name LIKE ? ESCAPE '\')`)
		args = append(args, like(q), like(q), like(q))
	}
	page := f.Page.Normalize()
	var order string
	var key func(deviceRow) string
	switch f.Sort {
	case "", "id":
		order = "d.id"
		key = func(r deviceRow) string { return strconv.FormatInt(r.ID, 10) }
		if page.After != "" {
			after, err := afterID(page.After)
			if err != nil {
				return nil, "", err
			}
			where, args = append(where, "d.id > ?"), append(args, after)
		}
	case "last_seen":
		order = "d.silent_after, d.id"
		key = func(r deviceRow) string {
			return strconv.FormatInt(r.silentAfter.UnixMicro(), 10) + "_" + strconv.FormatInt(r.ID, 10)
		}
		if page.After != "" {
			us, id, err := pairCursor(page.After)
			if err != nil {
				return nil, "", err
			}
			t := time.UnixMicro(us).UTC()
			where, args = append(where, "(d.silent_after > ? OR (d.silent_after = ? AND d.id > ?))"), append(args, t, t, id)
		}
	case "battery":
		order = "COALESCE(d.battery, 101), d.id"
		key = func(r deviceRow) string {
			b := 101
			if r.Battery != nil {
				b = *r.Battery
			}
			return strconv.Itoa(b) + "_" + strconv.FormatInt(r.ID, 10)
		}
		if page.After != "" {
			b, id, err := pairCursor(page.After)
			if err != nil {
				return nil, "", err
			}
			where, args = append(where, "(COALESCE(d.battery, 101) > ? OR (COALESCE(d.battery, 101) = ? AND d.id > ?))"), append(args, b, b, id)
		}
	default:
		return nil, "", yanglao.Invalid("sort", "排序应为 id、last_seen 或 battery (sort must be id, last_seen or battery)")
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	rows, err := queryAll(ctx, tx, scanDeviceRow, `SELECT `+deviceCols+deviceFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	rows, next := cutPage(rows, page.Limit, key)
	out := make([]*yanglao.Device, len(rows))
	for i, r := range rows {
		out[i] = r.Device
	}
	return out, next, nil
}

// pairCursor parses a "value_id" keyset cursor.
func pairCursor(s string) (int64, int64, error) {
	a, b, ok := strings.Cut(s, "_")
	v, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || id < 0 {
		return 0, 0, yanglao.Invalid("after", "分页游标无效 (invalid page cursor)")
	}
	return v, id, nil
}

// regionRange is the path range of a region's subtree, for a filter.
func (s *AlarmService) regionRange(ctx context.Context, code string) (string, string, error) {
	if err := yanglao.CheckRegionCode("region", code); err != nil {
		return "", "", err
	}
	var root string
	if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT path FROM regions WHERE code = ?`), code).Scan(&root); err != nil {
		if isNoRows(err) {
			return "", "", yanglao.Invalid("region", "区划不存在 (region not found)")
		}
		return "", "", err
	}
	lo, hi := pathRange(root)
	return lo, hi, nil
}

// BindDevice binds a device to a person and an address (or unbinds the person).
func (s *AlarmService) BindDevice(ctx context.Context, id int64, b yanglao.DeviceBinding) (*yanglao.Device, error) {
	if err := canManageDevices(ctx); err != nil {
		return nil, err
	}
	if len([]rune(b.Address)) > 200 {
		return nil, yanglao.Invalid("address", "地址最多200个字符 (address: at most 200 characters)")
	}
	if b.RegionCode != "" {
		if err := yanglao.CheckRegionCode("region_code", b.RegionCode); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := tx.device(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.placeDevice(ctx, tx, d, b); err != nil {
		return nil, err
	}
	d.UpdatedAt = tx.now
	if _, err := tx.Exec(ctx, `UPDATE devices SET person_id = ?, address = ?, region_code = ?, region_path = ?, county_code = ?, updated_at = ? WHERE id = ?`,
		d.PersonID, d.Address, d.RegionCode, d.RegionPath, d.CountyCode, tx.now, d.ID); err != nil {
		return nil, err
	}
	who := "none"
	if d.PersonID != nil {
		who = strconv.FormatInt(*d.PersonID, 10)
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "device", strconv.FormatInt(d.ID, 10), fmt.Sprintf("bind person=%s region=%s", who, d.RegionCode)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.forget(d.Serial)
	return d, nil
}

// devInfo is what ingestion needs of a device, cached by serial.
type devInfo struct {
	id         int64
	serial     string
	heartbeat  int
	secretHash string
	active     bool
	loaded     time.Time
}

// deviceInfoTTL bounds how long another process's change to a device may go unseen
// (longer than the 5-minute heartbeat, so a steady device is read once).
const deviceInfoTTL = 10 * time.Minute

// lookup returns the device with serial, or nil when none is registered.
func (s *AlarmService) lookup(ctx context.Context, serial string) (*devInfo, error) {
	s.mu.Lock()
	d, ok := s.devices[serial]
	s.mu.Unlock()
	if ok && time.Since(d.loaded) < deviceInfoTTL {
		return d, nil
	}
	d = &devInfo{serial: serial, loaded: time.Now()}
	err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT id, heartbeat_seconds, secret_hash, active FROM devices WHERE serial = ?`), serial).
		Scan(&d.id, &d.heartbeat, &d.secretHash, &d.active)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.devices[serial] = d
	s.mu.Unlock()
	return d, nil
}

func (s *AlarmService) forget(serial string) {
	s.mu.Lock()
	delete(s.devices, serial)
	s.mu.Unlock()
}

// Authenticate checks a device's MQTT credentials (user name = serial).
func (s *AlarmService) Authenticate(ctx context.Context, serial, password string) bool {
	if yanglao.CheckSerial("serial", serial) != nil {
		return false
	}
	d, err := s.lookup(ctx, serial)
	if err != nil || d == nil || !d.active {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(secretHash(password)), []byte(d.secretHash)) == 1
}
