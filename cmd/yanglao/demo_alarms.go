package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/sqldb"
)

// demoAlarms gives the demo county home devices to click through (issue 6):
// an SOS button, a fall detector and a smoke sensor at the demo elder's home
// (家庭养老床位), an SOS button for each of the care-visit demo people found
// in the register, and the county's escalation chain. Re-running changes
// nothing: devices are found by serial, the chain is replaced with itself.
// New devices' MQTT passwords go to <data>/demo-devices.txt (shown once).
func (a *app) demoAlarms(ctx context.Context, cfg *config.Config, s *store, d *demoSetup) error {
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	sys := system(ctx)
	svc := sqldb.NewAlarmService(s.db)
	if err := svc.SetChain(sys, d.county.Code, []yanglao.EscalationStep{
		{Name: "应急值班长 (duty supervisor)", Contact: "0735-2000110", AfterSeconds: 60},
		{Name: "街道应急办 (street emergency office)", Contact: "0735-2000120", AfterSeconds: 120},
		{Name: "区民政局值班室 (county civil-affairs duty room)", Contact: "0735-2000130", AfterSeconds: 300},
	}); err != nil {
		return fmt.Errorf("demo escalation chain: %w", err)
	}
	people := sqldb.NewPersonService(s.db, box)
	type want struct {
		serial, kind string
		person       *yanglao.Person
	}
	var wants []want
	for _, acc := range d.accounts {
		if acc.user.Role != yanglao.RoleElder {
			continue
		}
		mine, _, err := people.People(yanglao.NewContextWithActor(ctx, yanglao.ActorOf(acc.user, "")), yanglao.PersonFilter{})
		if err != nil {
			return err
		}
		for _, p := range mine {
			wants = append(wants, want{"DEMO-SOS-0001", yanglao.DeviceSOS, p}, want{"DEMO-FALL-0001", yanglao.DeviceFall, p}, want{"DEMO-SMOKE-0001", yanglao.DeviceSmoke, p})
		}
	}
	for i, name := range []string{"张桂英", "刘德明", "陈玉梅", "赵春生"} {
		found, _, err := people.People(sys, yanglao.PersonFilter{Query: name, RegionCode: d.county.Code})
		if err != nil {
			return err
		}
		if len(found) > 0 {
			wants = append(wants, want{fmt.Sprintf("DEMO-SOS-%04d", i+2), yanglao.DeviceSOS, found[0]})
		}
	}
	var creds []string
	for _, w := range wants {
		have, _, err := svc.Devices(sys, yanglao.DeviceFilter{Query: w.serial})
		if err != nil {
			return err
		}
		if len(have) > 0 {
			continue
		}
		dev := &yanglao.Device{Serial: w.serial, Kind: w.kind, Vendor: "演示厂商 (demo vendor)", PersonID: &w.person.ID}
		secret, err := svc.CreateDevice(sys, dev)
		if err != nil {
			return fmt.Errorf("demo device %s: %w", w.serial, err)
		}
		creds = append(creds, fmt.Sprintf("%s\t%s\t%s\t%s", dev.Serial, secret, dev.Topic(), w.person.Name))
	}
	if len(creds) == 0 {
		return nil
	}
	path := filepath.Join(cfg.DataDir, "demo-devices.txt")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, c := range creds {
		if _, err := fmt.Fprintln(f, c); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "演示设备 / demo devices: %d (MQTT 凭据 / credentials: %s)\n", len(creds), path)
	return nil
}
