package sqldb

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yanglao/yanglao"
)

var _ yanglao.AlarmService = (*AlarmService)(nil)

// AlarmService keeps the device registry and turns device events into cases
// exactly once (DESIGN §6): UNIQUE (device_id, event_id) decides, so a QoS 1
// redelivery or a device re-sending makes no second case. Heartbeats are kept
// in memory and written in batches (FlushHeartbeats); everything a restart must
// not forget — cases, escalation deadlines, silence deadlines — is in the database.
type AlarmService struct {
	db *DB
	// AckTimeout is how long a case waits for an operator before it is escalated,
	// when its region has no chain of its own.
	AckTimeout time.Duration
	// Notify, when set, is called after a case is created or changes (after commit).
	Notify func(caseID int64)

	mu      sync.Mutex
	devices map[string]*devInfo // by serial
	beats   map[int64]beat      // pending heartbeats by device id
}

type beat struct {
	at        time.Time
	battery   *int
	heartbeat int
}

func NewAlarmService(db *DB) *AlarmService {
	return &AlarmService{db: db, AckTimeout: yanglao.DefaultAckTimeout, devices: map[string]*devInfo{}, beats: map[int64]beat{}}
}

func (s *AlarmService) notify(ids ...int64) {
	if s.Notify == nil {
		return
	}
	for _, id := range ids {
		s.Notify(id)
	}
}

// errUnknownDevice is what an event from a serial nobody registered gets.
var errUnknownDevice = yanglao.Invalid("serial", "未登记的设备 (unknown device)")

// Ingest records one event. The MQTT listener calls it as the system; a vendor
// posting over HTTP calls it as its account, which must be able to manage the
// device's region.
func (s *AlarmService) Ingest(ctx context.Context, ev *yanglao.DeviceEvent, via string) (*yanglao.IngestResult, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !a.System {
		if err := canManageDevices(ctx); err != nil {
			return nil, err
		}
	}
	d, err := s.lookup(ctx, ev.Serial)
	if err != nil {
		return nil, err
	}
	if d == nil || !d.active {
		return nil, errUnknownDevice
	}
	if !a.System {
		// The account must see the device: out of scope looks like unknown.
		var path string
		if err := s.db.read.QueryRowContext(ctx, s.db.rebind(`SELECT region_path FROM devices WHERE id = ?`), d.id).Scan(&path); err != nil {
			return nil, err
		}
		if !a.SeesPath(path) {
			return nil, errUnknownDevice
		}
	}
	if ev.Battery != nil || ev.Type == yanglao.EventHeartbeat {
		s.heartbeat(d, ev)
	}
	if !yanglao.IsAlarm(ev.Type) {
		return &yanglao.IngestResult{}, nil
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id, dup, err := s.openCase(ctx, tx, d.id, ev.ID, ev.Type, false, ev.At, ev.Detail, via)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if !dup {
		s.notify(id)
	}
	return &yanglao.IngestResult{CaseID: id, Duplicate: dup}, nil
}

// IngestBatch records many events (from the MQTT listener, as the system) in
// one transaction: one commit for a burst of alarms instead of one each. errs[i]
// is the refusal of evs[i] (an unknown device); err is a failure of the whole
// batch, which stores nothing and may be retried.
func (s *AlarmService) IngestBatch(ctx context.Context, evs []*yanglao.DeviceEvent, via string) (results []*yanglao.IngestResult, errs []error, err error) {
	if a := yanglao.ActorFromContext(ctx); a == nil || !a.System {
		return nil, nil, yanglao.Errorf(yanglao.EFORBIDDEN, "批量写入仅供设备监听程序使用 (batch ingestion is for the device listener)")
	}
	results, errs = make([]*yanglao.IngestResult, len(evs)), make([]error, len(evs))
	devs := make([]*devInfo, len(evs))
	alarms := 0
	for i, ev := range evs {
		d, err := s.lookup(ctx, ev.Serial)
		if err != nil {
			return nil, nil, err
		}
		if d == nil || !d.active {
			errs[i] = errUnknownDevice
			continue
		}
		devs[i], results[i] = d, &yanglao.IngestResult{}
		if yanglao.IsAlarm(ev.Type) {
			alarms++
		}
	}
	var opened []int64
	if alarms > 0 {
		tx, err := s.db.BeginTx(ctx)
		if err != nil {
			return nil, nil, err
		}
		defer tx.Rollback()
		for i, ev := range evs {
			if devs[i] == nil || !yanglao.IsAlarm(ev.Type) {
				continue
			}
			id, dup, err := s.openCase(ctx, tx, devs[i].id, ev.ID, ev.Type, false, ev.At, ev.Detail, via)
			if err != nil {
				return nil, nil, err
			}
			results[i].CaseID, results[i].Duplicate = id, dup
			if !dup {
				opened = append(opened, id)
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, nil, err
		}
	}
	// Heartbeats only after the commit, so a retried batch does not count them twice (harmless anyway).
	for i, ev := range evs {
		if devs[i] != nil && (ev.Battery != nil || ev.Type == yanglao.EventHeartbeat) {
			s.heartbeat(devs[i], ev)
		}
	}
	s.notify(opened...)
	return results, errs, nil
}

// heartbeat notes a device's last sign of life in memory; FlushHeartbeats writes it.
func (s *AlarmService) heartbeat(d *devInfo, ev *yanglao.DeviceEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.beats[d.id]
	if ev.At.After(b.at) {
		b.at = ev.At
	}
	if ev.Battery != nil {
		v := *ev.Battery
		b.battery = &v
	}
	b.heartbeat = d.heartbeat
	s.beats[d.id] = b
}

// openCase inserts a case unless (device, event id) already has one. It
// returns the case id and whether it was a duplicate.
func (s *AlarmService) openCase(ctx context.Context, tx *Tx, deviceID int64, eventID, typ string, technical bool, at time.Time, detail, via string) (int64, bool, error) {
	var personID *int64
	var address, regionCode, regionPath, county string
	if err := tx.QueryRow(ctx, `SELECT person_id, address, region_code, region_path, county_code FROM devices WHERE id = ?`, deviceID).
		Scan(&personID, &address, &regionCode, &regionPath, &county); err != nil {
		return 0, false, err
	}
	chain, err := tx.chainFor(ctx, regionPath)
	if err != nil {
		return 0, false, err
	}
	escalateAt := tx.now.Add(s.AckTimeout)
	if len(chain) > 0 {
		escalateAt = tx.now.Add(time.Duration(chain[0].AfterSeconds) * time.Second)
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO alarm_cases (device_id, event_id, event_type, technical, person_id, address, region_code, region_path,
		county_code, status, level, occurred_at, received_at, escalate_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, ?, ?, ?, ?)
		ON CONFLICT (device_id, event_id) DO NOTHING RETURNING id`,
		deviceID, eventID, typ, technical, personID, address, regionCode, regionPath, county, at.UTC().Truncate(time.Microsecond), tx.now, escalateAt, detail).Scan(&id)
	if isNoRows(err) {
		err = tx.QueryRow(ctx, `SELECT id FROM alarm_cases WHERE device_id = ? AND event_id = ?`, deviceID, eventID).Scan(&id)
		return id, true, err
	} else if err != nil {
		return 0, false, err
	}
	if err := tx.step(ctx, id, "received", "via "+via+" event "+eventID); err != nil {
		return 0, false, err
	}
	return id, false, tx.audit(ctx, yanglao.AuditCreate, "alarm_case", strconv.FormatInt(id, 10), typ+" device="+strconv.FormatInt(deviceID, 10)+" event="+eventID)
}

// step records one timed step of a case.
func (tx *Tx) step(ctx context.Context, caseID int64, step, detail string) error {
	who := "system"
	if a := yanglao.ActorFromContext(ctx); a != nil && a.Username != "" {
		who = a.Username
	}
	_, err := tx.Exec(ctx, `INSERT INTO alarm_steps (case_id, at, step, username, detail) VALUES (?, ?, ?, ?, ?)`, caseID, tx.now, step, who, detail)
	return err
}

// chainFor returns the escalation chain of the nearest region (the case's own,
// else an ancestor's) that has one.
func (tx *Tx) chainFor(ctx context.Context, path string) ([]yanglao.EscalationStep, error) {
	paths := ancestorPaths(path)
	if len(paths) == 0 {
		return nil, nil
	}
	in, args := inArgs(paths)
	type row struct {
		path string
		step yanglao.EscalationStep
	}
	rows, err := queryAll(ctx, tx, func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.path, &x.step.Level, &x.step.Name, &x.step.Contact, &x.step.AfterSeconds)
		return x, err
	}, `SELECT region_path, level, name, contact, after_seconds FROM escalation_steps WHERE region_path IN (`+in+`) ORDER BY region_path DESC, level`, args...)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var out []yanglao.EscalationStep
	for _, r := range rows {
		if r.path != rows[0].path {
			break
		}
		out = append(out, r.step)
	}
	return out, nil
}

// FlushHeartbeats writes the heartbeats noted since the last flush in one
// transaction, clears silence, and raises or clears low-battery cases.
func (s *AlarmService) FlushHeartbeats(ctx context.Context) (int, error) {
	s.mu.Lock()
	beats := s.beats
	s.beats = make(map[int64]beat, len(beats))
	s.mu.Unlock()
	if len(beats) == 0 {
		return 0, nil
	}
	ids := make([]int64, 0, len(beats))
	for id := range beats {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) // one lock order for concurrent writers
	var opened []int64
	err := func() error {
		tx, err := s.db.BeginTx(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := s.writeBeats(ctx, tx, ids, beats); err != nil {
			return err
		}
		for _, id := range ids {
			b := beats[id]
			if b.battery == nil {
				continue
			}
			switch {
			case *b.battery < yanglao.LowBattery:
				var open *int64
				if err := tx.QueryRow(ctx, `SELECT battery_case_id FROM devices WHERE id = ?`, id).Scan(&open); err != nil {
					return err
				}
				if open != nil {
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE devices SET battery = ? WHERE id = ?`, *b.battery, id); err != nil {
					return err
				}
				// One low-battery case per episode: the event id names the day it began.
				cid, dup, err := s.openCase(ctx, tx, id, "battery:"+tx.now.In(yanglao.Shanghai).Format("2006-01-02"), yanglao.EventLowBattery, true,
					tx.now, fmt.Sprintf("电量 %d%% (battery %d%%)", *b.battery, *b.battery), "platform")
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE devices SET battery_case_id = ? WHERE id = ?`, cid, id); err != nil {
					return err
				}
				if !dup {
					opened = append(opened, cid)
				}
			case *b.battery >= yanglao.BatteryOK:
				if _, err := tx.Exec(ctx, `UPDATE devices SET battery = ?, battery_case_id = NULL WHERE id = ? AND battery_case_id IS NOT NULL`, *b.battery, id); err != nil {
					return err
				}
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		// Put them back, unless newer ones arrived meanwhile, so a failed flush loses nothing.
		s.mu.Lock()
		for id, b := range beats {
			if cur, ok := s.beats[id]; !ok || cur.at.Before(b.at) {
				s.beats[id] = b
			}
		}
		s.mu.Unlock()
		return 0, err
	}
	s.notify(opened...)
	return len(ids), nil
}

// writeBeats updates last_seen, the silence deadline and the battery of many
// devices in a few multi-row statements (one round trip per 500 devices, not
// one per device), each row only if it is newer than what is stored.
func (s *AlarmService) writeBeats(ctx context.Context, tx *Tx, ids []int64, beats map[int64]beat) error {
	row := "(?, ?, ?, ?)"
	if s.db.Dialect == Postgres {
		// VALUES parameters have no type on PostgreSQL until they are cast.
		row = "(CAST(? AS BIGINT), CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), CAST(? AS INTEGER))"
	}
	const per = 500
	for i := 0; i < len(ids); i += per {
		var rows []string
		var args []any
		for _, id := range ids[i:min(i+per, len(ids))] {
			b := beats[id]
			if b.at.IsZero() {
				continue
			}
			var battery any
			if b.battery != nil {
				battery = *b.battery
			}
			at := b.at.UTC().Truncate(time.Microsecond)
			rows = append(rows, row)
			args = append(args, id, at, at.Add(time.Duration(yanglao.SilentFactor*b.heartbeat)*time.Second), battery)
		}
		if len(rows) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `WITH v (id, t, s, b) AS (VALUES `+strings.Join(rows, ", ")+`)
			UPDATE devices SET last_seen = v.t, silent_after = v.s, silent_case_id = NULL, battery = COALESCE(v.b, devices.battery)
			FROM v WHERE devices.id = v.id AND (devices.last_seen IS NULL OR devices.last_seen < v.t)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// Rearm gives every device one full silence window from now, for a process
// that starts after an outage: its devices could not reach it, so their
// silence deadlines that passed meanwhile say nothing about the devices.
func (s *AlarmService) Rearm(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	intervals, err := queryAll(ctx, tx, func(r scanner) (int, error) { var v int; err := r.Scan(&v); return v, err },
		`SELECT DISTINCT heartbeat_seconds FROM devices WHERE silent_after < ? AND silent_case_id IS NULL`, tx.now)
	if err != nil {
		return err
	}
	for _, hb := range intervals {
		if _, err := tx.Exec(ctx, `UPDATE devices SET silent_after = ? WHERE heartbeat_seconds = ? AND silent_after < ? AND silent_case_id IS NULL`,
			tx.now.Add(time.Duration(yanglao.SilentFactor*hb)*time.Second), hb, tx.now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// CheckSilent raises a technical case for each active device whose silence
// deadline has passed, once per silence (the event id names the deadline).
func (s *AlarmService) CheckSilent(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	type due struct {
		id    int64
		after time.Time
	}
	rows, err := queryAll(ctx, tx, func(r scanner) (due, error) { var d due; err := r.Scan(&d.id, &d.after); return d, err },
		`SELECT id, silent_after FROM devices WHERE silent_after <= ? AND silent_case_id IS NULL AND active ORDER BY silent_after LIMIT 500`, tx.now)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	var opened []int64
	for _, d := range rows {
		cid, dup, err := s.openCase(ctx, tx, d.id, "silent:"+strconv.FormatInt(d.after.Unix(), 10), yanglao.EventSilent, true, d.after,
			"设备未按时发送心跳 (no heartbeat from the device)", "platform")
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE devices SET silent_case_id = ? WHERE id = ?`, cid, d.id); err != nil {
			return 0, err
		}
		if !dup {
			opened = append(opened, cid)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	s.notify(opened...)
	return len(opened), nil
}

// Escalate moves every case whose acknowledgement deadline has passed one
// level up its region's chain. The deadline is a column, so a restarted
// process finds what was due while it was down; the conditional UPDATE makes
// two processes escalate a case once.
func (s *AlarmService) Escalate(ctx context.Context) (int, error) {
	now := s.db.Now().UTC()
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return 0, err
	}
	ids, err := queryAll(ctx, tx, func(r scanner) (int64, error) { var id int64; err := r.Scan(&id); return id, err },
		`SELECT id FROM alarm_cases WHERE escalate_at IS NOT NULL AND escalate_at <= ? ORDER BY escalate_at LIMIT 200`, now)
	tx.Rollback()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done, err := s.escalate(ctx, id)
		if err != nil {
			return n, err
		}
		if done {
			n++
			s.notify(id)
		}
	}
	return n, nil
}

func (s *AlarmService) escalate(ctx context.Context, id int64) (bool, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var level int
	var path string
	if err := tx.QueryRow(ctx, `SELECT level, region_path FROM alarm_cases WHERE id = ? AND status = 'received' AND escalate_at <= ?`, id, tx.now).
		Scan(&level, &path); isNoRows(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	chain, err := tx.chainFor(ctx, path)
	if err != nil {
		return false, err
	}
	level++
	to := "全体值守员 (all emergency operators)"
	var next any
	if level <= len(chain) {
		st := chain[level-1]
		to = st.Name
		if st.Contact != "" {
			to += " " + st.Contact
		}
		if level < len(chain) {
			next = tx.now.Add(time.Duration(chain[level].AfterSeconds) * time.Second)
		}
	}
	res, err := tx.Exec(ctx, `UPDATE alarm_cases SET level = ?, escalate_at = ?, version = version + 1 WHERE id = ? AND level = ?`, level, next, id, level-1)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	detail := fmt.Sprintf("第 %d 级 → %s (level %d)", level, to, level)
	if err := tx.step(ctx, id, "escalated", detail); err != nil {
		return false, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "alarm_case", strconv.FormatInt(id, 10), "escalated "+detail); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// Tick is the alarm module's once-a-second work: write heartbeats, raise
// silence alarms, escalate overdue cases.
func (s *AlarmService) Tick(ctx context.Context) error {
	if _, err := s.FlushHeartbeats(ctx); err != nil {
		return fmt.Errorf("flush heartbeats: %w", err)
	}
	if _, err := s.CheckSilent(ctx); err != nil {
		return fmt.Errorf("silence check: %w", err)
	}
	if _, err := s.Escalate(ctx); err != nil {
		return fmt.Errorf("escalate: %w", err)
	}
	return nil
}

// Reject records a refused device message (its payload cut to 1 KiB).
func (s *AlarmService) Reject(ctx context.Context, via, topic, serial, reason string, payload []byte) error {
	if len(payload) > 1024 {
		payload = payload[:1024]
	}
	if len(topic) > 200 {
		topic = topic[:200]
	}
	if len(serial) > 64 {
		serial = serial[:64]
	}
	p := strings.ToValidUTF8(string(payload), "\uFFFD")
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(ctx, `INSERT INTO rejected_events (at, via, topic, serial, reason, payload) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.now, via, strings.ToValidUTF8(topic, "\uFFFD"), strings.ToValidUTF8(serial, "\uFFFD"), reason, p); err != nil {
		return err
	}
	return tx.Commit()
}

// RejectedEvents lists refused messages, newest first. They carry no region
// (an unknown device has none), so only administrators read them.
func (s *AlarmService) RejectedEvents(ctx context.Context, page yanglao.Page) ([]*yanglao.RejectedEvent, string, error) {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return nil, "", yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if !a.Unrestricted() {
		return nil, "", yanglao.Errorf(yanglao.EFORBIDDEN, "只有系统管理员可以查看被拒绝的设备消息 (only administrators read rejected device messages)")
	}
	page = page.Normalize()
	where, args := "1=1", []any{}
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = "id < ?", append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, func(r scanner) (*yanglao.RejectedEvent, error) {
		e := &yanglao.RejectedEvent{}
		err := r.Scan(&e.ID, &e.At, &e.Via, &e.Topic, &e.Serial, &e.Reason, &e.Payload)
		return e, err
	}, `SELECT id, at, via, topic, serial, reason, payload FROM rejected_events WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(e *yanglao.RejectedEvent) string { return strconv.FormatInt(e.ID, 10) })
	return out, next, nil
}

const caseCols = `c.id, c.device_id, d.serial, d.kind, c.event_id, c.event_type, c.technical, c.person_id, COALESCE(p.name, ''), c.address,
	c.region_code, c.region_path, c.county_code, c.status, c.level, c.occurred_at, c.received_at, c.escalate_at, c.ack_at, c.ack_by,
	c.dispatched_at, c.responder, c.arrived_at, c.closed_at, c.outcome, c.note, c.detail, c.version`

const caseFrom = ` FROM alarm_cases c JOIN devices d ON d.id = c.device_id LEFT JOIN people p ON p.id = c.person_id`

func scanCase(row scanner) (*yanglao.Case, error) {
	c := &yanglao.Case{}
	err := row.Scan(&c.ID, &c.DeviceID, &c.Serial, &c.DeviceKind, &c.EventID, &c.EventType, &c.Technical, &c.PersonID, &c.PersonName, &c.Address,
		&c.RegionCode, &c.RegionPath, &c.CountyCode, &c.Status, &c.Level, &c.OccurredAt, &c.ReceivedAt, &c.EscalateAt, &c.AckAt, &c.AckBy,
		&c.DispatchedAt, &c.Responder, &c.ArrivedAt, &c.ClosedAt, &c.Outcome, &c.Note, &c.Detail, &c.Version)
	return c, err
}

func (tx *Tx) alarmCase(ctx context.Context, id int64) (*yanglao.Case, error) {
	clause, args, err := deviceScope(ctx, "c.")
	if err != nil {
		return nil, err
	}
	c, err := scanCase(tx.QueryRow(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = ? AND `+clause, append([]any{id}, args...)...))
	if err != nil {
		return nil, notFound(err, "警情", "case")
	}
	return c, nil
}

// Case reads a case and its steps.
func (s *AlarmService) Case(ctx context.Context, id int64) (*yanglao.Case, []*yanglao.CaseStep, error) {
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	c, err := tx.alarmCase(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	steps, err := queryAll(ctx, tx, func(r scanner) (*yanglao.CaseStep, error) {
		st := &yanglao.CaseStep{}
		err := r.Scan(&st.ID, &st.CaseID, &st.At, &st.Step, &st.Username, &st.Detail)
		return st, err
	}, `SELECT id, case_id, at, step, username, detail FROM alarm_steps WHERE case_id = ? ORDER BY id`, id)
	return c, steps, err
}

// Cases lists cases newest first.
func (s *AlarmService) Cases(ctx context.Context, f yanglao.CaseFilter) ([]*yanglao.Case, string, error) {
	clause, args, err := deviceScope(ctx, "c.")
	if err != nil {
		return nil, "", err
	}
	where := []string{clause}
	switch {
	case f.Status != "":
		if yanglao.CaseStatusName(f.Status, "en") == f.Status {
			return nil, "", yanglao.Invalid("status", "状态应为 received、acknowledged、dispatched、arrived 或 closed (unknown status)")
		}
		where, args = append(where, "c.status = ?"), append(args, f.Status)
	case f.Open:
		where = append(where, "c.status IN ('received', 'acknowledged', 'dispatched', 'arrived')")
	}
	if f.DeviceID > 0 {
		where, args = append(where, "c.device_id = ?"), append(args, f.DeviceID)
	}
	if f.RegionCode != "" {
		lo, hi, err := s.regionRange(ctx, f.RegionCode)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "c.region_path >= ? AND c.region_path < ?"), append(args, lo, hi)
	}
	page := f.Page.Normalize()
	if page.After != "" {
		after, err := afterID(page.After)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "c.id < ?"), append(args, after)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	out, err := queryAll(ctx, tx, scanCase, `SELECT `+caseCols+caseFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT ?`,
		append(args, page.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := cutPage(out, page.Limit, func(c *yanglao.Case) string { return strconv.FormatInt(c.ID, 10) })
	return out, next, nil
}

// canWorkCases: emergency operators (应急值守员) and administrators handle cases.
func canWorkCases(ctx context.Context) error {
	a := yanglao.ActorFromContext(ctx)
	if a == nil {
		return yanglao.Errorf(yanglao.EUNAUTHORIZED, "请先登录 (sign in first)")
	}
	if a.Unrestricted() || a.Role == yanglao.RoleEmergency {
		return nil
	}
	return yanglao.Errorf(yanglao.EFORBIDDEN, "只有应急值守员可以处理警情 (only emergency operators handle cases)")
}

// Act moves a case one step: acknowledge (stops escalation), dispatch a
// responder, record the arrival, close with an outcome.
func (s *AlarmService) Act(ctx context.Context, id int64, act yanglao.CaseAction) (*yanglao.Case, error) {
	if err := canWorkCases(ctx); err != nil {
		return nil, err
	}
	if err := act.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	c, err := tx.alarmCase(ctx, id)
	if err != nil {
		return nil, err
	}
	a := yanglao.ActorFromContext(ctx)
	from := map[string][]string{
		"acknowledge": {yanglao.CaseReceived},
		"dispatch":    {yanglao.CaseAcknowledged, yanglao.CaseDispatched},
		"arrive":      {yanglao.CaseDispatched},
		"close":       {yanglao.CaseAcknowledged, yanglao.CaseDispatched, yanglao.CaseArrived},
	}[act.Action]
	ok := false
	for _, st := range from {
		ok = ok || c.Status == st
	}
	if !ok {
		return nil, &yanglao.Error{Code: yanglao.ECONFLICT, Field: "action", Message: fmt.Sprintf("警情当前为「%s」，不能执行此操作 (the case is %s: this step does not apply)",
			yanglao.CaseStatusName(c.Status, "zh"), c.Status)}
	}
	var q string
	var args []any
	detail := act.Note
	switch act.Action {
	case "acknowledge":
		q, args = `status = 'acknowledged', ack_at = ?, ack_by = ?, escalate_at = NULL`, []any{tx.now, a.Username}
	case "dispatch":
		q, args = `status = 'dispatched', dispatched_at = COALESCE(dispatched_at, ?), responder = ?`, []any{tx.now, act.Responder}
		detail = strings.TrimSpace(act.Responder + " " + act.Note)
	case "arrive":
		q, args = `status = 'arrived', arrived_at = ?`, []any{tx.now}
	case "close":
		q, args = `status = 'closed', closed_at = ?, outcome = ?, note = ?`, []any{tx.now, act.Outcome, act.Note}
		detail = strings.TrimSpace(act.Outcome + " " + act.Note)
	}
	res, err := tx.Exec(ctx, `UPDATE alarm_cases SET `+q+`, version = version + 1 WHERE id = ? AND version = ?`, append(args, id, c.Version)...)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, yanglao.Errorf(yanglao.ECONFLICT, "警情刚被他人更新，请刷新 (the case was just changed by someone else: reload)")
	}
	step := map[string]string{"acknowledge": "acknowledged", "dispatch": "dispatched", "arrive": "arrived", "close": "closed"}[act.Action]
	if err := tx.step(ctx, id, step, detail); err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "alarm_case", strconv.FormatInt(id, 10), step+" "+detail); err != nil {
		return nil, err
	}
	if act.Action == "close" {
		// A closed technical case lets the device raise the next one.
		if _, err := tx.Exec(ctx, `UPDATE devices SET silent_case_id = NULL WHERE silent_case_id = ?`, id); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE devices SET battery_case_id = NULL WHERE battery_case_id = ?`, id); err != nil {
			return nil, err
		}
	}
	c, err = tx.alarmCase(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.notify(id)
	return c, nil
}

// Chain returns the escalation chain that applies to a region (its own or the
// nearest ancestor's).
func (s *AlarmService) Chain(ctx context.Context, regionCode string) ([]yanglao.EscalationStep, error) {
	if err := yanglao.CheckRegionCode("region", regionCode); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	path, err := tx.regionPath(ctx, "region", regionCode)
	if err != nil {
		return nil, err
	}
	if err := mayTouch(ctx, path, nil, "区划", "region"); err != nil {
		return nil, err
	}
	chain, err := tx.chainFor(ctx, path)
	if chain == nil {
		chain = []yanglao.EscalationStep{}
	}
	return chain, err
}

// SetChain replaces a region's escalation chain. Officials set it for their
// region and below; administrators anywhere.
func (s *AlarmService) SetChain(ctx context.Context, regionCode string, steps []yanglao.EscalationStep) error {
	a := yanglao.ActorFromContext(ctx)
	if !canManageUsers(a) {
		return yanglao.Errorf(yanglao.EFORBIDDEN, "无权设置升级链 (not allowed to set escalation chains)")
	}
	if err := yanglao.CheckRegionCode("region", regionCode); err != nil {
		return err
	}
	if err := yanglao.ValidateChain(steps); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	path, err := tx.regionPath(ctx, "region", regionCode)
	if err != nil {
		return err
	}
	if err := mayTouch(ctx, path, nil, "区划", "region"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM escalation_steps WHERE region_path = ?`, path); err != nil {
		return err
	}
	var names []string
	for _, st := range steps {
		if _, err := tx.Exec(ctx, `INSERT INTO escalation_steps (region_code, region_path, level, name, contact, after_seconds) VALUES (?, ?, ?, ?, ?, ?)`,
			regionCode, path, st.Level, st.Name, st.Contact, st.AfterSeconds); err != nil {
			return err
		}
		names = append(names, fmt.Sprintf("%d:%s/%ds", st.Level, st.Name, st.AfterSeconds))
	}
	if err := tx.audit(ctx, yanglao.AuditUpdate, "escalation_chain", regionCode, strings.Join(names, " ")); err != nil {
		return err
	}
	return tx.Commit()
}

// AckReport is, per county and month, the share of alarms acknowledged within
// 60 s and the median and 99th-percentile time to acknowledge (technical
// cases left out). UK telecare practice (TSA) answers 97.5 % within 60 s.
// month is "YYYY-MM" or "" for the current month in Asia/Shanghai.
func (s *AlarmService) AckReport(ctx context.Context, regionCode, month string) ([]*yanglao.AckStat, error) {
	clause, args, err := deviceScope(ctx, "c.")
	if err != nil {
		return nil, err
	}
	now := s.db.Now().In(yanglao.Shanghai)
	if month == "" {
		month = now.Format("2006-01")
	}
	start, err := time.ParseInLocation("2006-01", month, yanglao.Shanghai)
	if err != nil {
		return nil, yanglao.Invalid("month", "月份格式应为 YYYY-MM (month must be YYYY-MM)")
	}
	where := []string{clause, "c.technical = FALSE", "c.received_at >= ?", "c.received_at < ?"}
	args = append(args, start.UTC(), start.AddDate(0, 1, 0).UTC())
	if regionCode != "" {
		lo, hi, err := s.regionRange(ctx, regionCode)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "c.region_path >= ? AND c.region_path < ?"), append(args, lo, hi)
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	type row struct {
		county, name string
		received     time.Time
		ack          *time.Time
	}
	rows, err := queryAll(ctx, tx, func(r scanner) (row, error) {
		var x row
		err := r.Scan(&x.county, &x.name, &x.received, &x.ack)
		return x, err
	}, `SELECT c.county_code, COALESCE(r.name, c.county_code), c.received_at, c.ack_at FROM alarm_cases c
		LEFT JOIN regions r ON r.code = c.county_code WHERE `+strings.Join(where, " AND ")+` ORDER BY c.county_code`, args...)
	if err != nil {
		return nil, err
	}
	waits := map[string][]time.Duration{}
	stats := map[string]*yanglao.AckStat{}
	var order []string
	total := &yanglao.AckStat{Month: month, RegionCode: "", RegionName: "合计 (all)"}
	for _, r := range rows {
		st := stats[r.county]
		if st == nil {
			st = &yanglao.AckStat{Month: month, RegionCode: r.county, RegionName: r.name}
			stats[r.county] = st
			order = append(order, r.county)
		}
		for _, x := range []*yanglao.AckStat{st, total} {
			x.Cases++
			if r.ack != nil {
				w := r.ack.Sub(r.received)
				x.Acked++
				if w <= 60*time.Second {
					x.Within60++
				}
				waits[x.RegionCode] = append(waits[x.RegionCode], w)
			}
		}
	}
	out := make([]*yanglao.AckStat, 0, len(order)+1)
	for _, c := range order {
		out = append(out, stats[c])
	}
	if len(order) > 1 {
		out = append(out, total)
	}
	for _, st := range out {
		w := waits[st.RegionCode]
		sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
		st.P50, st.P99 = percentile(w, 0.50), percentile(w, 0.99)
		st.P50Seconds, st.P99Seconds = st.P50.Seconds(), st.P99.Seconds()
		if st.Cases > 0 {
			st.Share60 = float64(st.Within60) / float64(st.Cases)
		}
		st.MeetsTSA = st.Cases > 0 && st.Share60 >= yanglao.AckTarget
	}
	return out, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p*float64(len(sorted)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
