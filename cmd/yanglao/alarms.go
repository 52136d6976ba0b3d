package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/mqtt"
	"github.com/yanglao/yanglao/sqldb"
)

// alarmRuntime is the device side of serve: the broker (embedded unless an
// external one is configured), the listener, and the once-a-second tick that
// writes heartbeats, raises silence alarms and escalates overdue cases.
type alarmRuntime struct {
	broker   mqtt.Broker
	listener *mqtt.Listener
	stopTick context.CancelFunc
	tickDone chan struct{}
	Addr     string // where devices connect
}

// startAlarms starts the device side. Escalation deadlines and silence
// deadlines are in the database, so the first tick after a restart finds what
// fell due while the process was down.
func startAlarms(ctx context.Context, cfg *config.Config, svc *sqldb.AlarmService, log *slog.Logger) (*alarmRuntime, error) {
	rt := &alarmRuntime{}
	if err := svc.Rearm(system(ctx)); err != nil {
		return nil, err
	}
	lc := mqtt.Config{URL: cfg.MQTT, Logger: log}
	if cfg.MQTT == "" {
		b, err := mqtt.NewEmbedded(cfg.MQTTListen, svc, svc, mqtt.Topics{}, log)
		if err != nil && cfg.Source("mqtt_listen").Kind == "default" {
			// The default port is taken (often by a Mosquitto on the same machine):
			// the web UI and vendor posts still work; devices need mqtt_listen or mqtt.
			log.Warn("embedded MQTT broker: default address in use, using a free port; set mqtt_listen or mqtt for devices", "addr", cfg.MQTTListen, "err", err)
			b, err = mqtt.NewEmbedded("127.0.0.1:0", svc, svc, mqtt.Topics{}, log)
		}
		if err != nil {
			return nil, err
		}
		rt.broker = b
		rt.Addr = b.Addr()
		lc.URL = "tcp://" + b.Addr()
		lc.User, lc.Password = b.ListenerCredentials()
		log.Info("embedded MQTT broker", "addr", rt.Addr)
	} else {
		rt.Addr = cfg.MQTT
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	l, err := mqtt.Start(sctx, lc, svc)
	if err != nil {
		if rt.broker != nil {
			rt.broker.Close()
		}
		return nil, fmt.Errorf("MQTT 服务器 %s 无法连接 (cannot reach the MQTT broker %s): %w", cfg.RedactedMQTT(), cfg.RedactedMQTT(), err)
	}
	rt.listener = l
	tctx, stop := context.WithCancel(context.Background())
	rt.stopTick, rt.tickDone = stop, make(chan struct{})
	go func() {
		defer close(rt.tickDone)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if err := svc.Tick(system(tctx)); err != nil && tctx.Err() == nil {
				log.Error("alarm tick", "err", err)
			}
			select {
			case <-tctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return rt, nil
}

// Stop disconnects the listener (unacknowledged events stay with the broker),
// writes the last heartbeats and stops the broker.
func (rt *alarmRuntime) Stop(svc *sqldb.AlarmService) {
	rt.listener.Stop()
	rt.stopTick()
	<-rt.tickDone
	svc.FlushHeartbeats(context.Background())
	if rt.broker != nil {
		rt.broker.Close()
	}
}
