package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/jobs"
	"github.com/yanglao/yanglao/orders"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/web"
)

// shutdownTimeout bounds how long serve waits for requests in flight after SIGINT/SIGTERM.
const shutdownTimeout = 20 * time.Second

// serve opens (and on first start fills) the database, wires the web server
// and serves until ctx ends (SIGINT or SIGTERM), then shuts down gracefully.
func (a *app) serve(ctx context.Context, args []string) error {
	start := time.Now()
	flags := a.newFlagSet("serve", "[flags]",
		"启动网页和接口服务；不带参数时使用 ./data/yanglao.db 并监听 127.0.0.1:8080",
		"start the web UI and API; with no flags it uses ./data/yanglao.db and listens on 127.0.0.1:8080")
	cfg, err := a.loadConfig(flags, args, append(storeFlags, "addr", "mqtt", "mqtt_listen", "demo", "visit_max_distance_m", "visit_min_share_percent")...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	log := a.logger(cfg)
	build := readBuildInfo()
	log.Info("starting yanglao", "version", build.String(), "db", cfg.RedactedDB(), "production", cfg.Production)

	s, err := a.open(ctx, cfg, log, withRegion)
	if err != nil {
		return err
	}
	defer s.Close()
	if cfg.Demo {
		d, err := setupDemo(ctx, s, DefaultDemoCounty, "")
		if err != nil {
			return err
		}
		if err := a.linkDemoElder(ctx, cfg, s, d); err != nil {
			return err
		}
		if err := a.demoCareVisits(ctx, cfg, s, d); err != nil {
			return err
		}
		if err := a.demoAlarms(ctx, cfg, s, d); err != nil {
			return err
		}
		if err := a.publishDemo(cfg, d); err != nil {
			return err
		}
	}

	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	// The benefits module: its list is seeded on first use, and silent
	// granting runs once a day (job_runs keeps it to once across restarts).
	benefitSvc := sqldb.NewBenefitService(s.db)
	batchSvc := sqldb.NewBatchService(s.db, box)
	batchSvc.Lists = benefitSvc // the stored lists and parameters
	if err := benefitSvc.Seed(system(ctx)); err != nil {
		return err
	}
	careVisits := sqldb.NewCareVisitService(s.db)
	// Jobs stop before serve returns (and before the database closes), however it returns.
	jobCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := (&jobs.Scheduler{Store: sqldb.NewJobStore(s.db), Log: log, Jobs: []jobs.Job{grantJob(benefitSvc), careVisitJob(careVisits)}}).Start(jobCtx)
	defer func() { stopJobs(); <-jobsDone }()

	alarmSvc := sqldb.NewAlarmService(s.db) // devices and emergency alarms (issue 6)
	srv := web.New(web.Services{
		Regions:      s.regions,
		Users:        s.users,
		Orgs:         s.orgs,
		Audit:        s.audit,
		People:       sqldb.NewPersonService(s.db, box),
		Assessments:  sqldb.NewAssessmentService(s.db),
		Benefits:     benefitSvc,
		Batches:      batchSvc,
		Vouchers:     sqldb.NewVoucherService(s.db),
		CareVisits:   careVisits,
		AbuseReports: sqldb.NewAbuseReportService(s.db, box),
		Orders:       orderService(s.db, box, cfg),
		HomeCare:     sqldb.NewHomeCareService(s.db, box),
		Ready:        s.db.Ping,
		Meals:        sqldb.NewMealService(s.db, box),
		Devices:      alarmSvc,
		Alarms:       alarmSvc,
	}, web.Config{Version: build.String(), Production: cfg.Production, Logger: log})
	alarmSvc.Notify = srv.PublishCase // the operator boards hear of every new or changed case
	alarms, err := startAlarms(ctx, cfg, alarmSvc, log)
	if err != nil {
		return err
	}
	defer alarms.Stop(alarmSvc) // before the database closes (deferred above)
	hs := srv.HTTPServer(cfg.Addr)
	if hs.ErrorLog == nil {
		// net/http's own complaints (TLS handshakes, bad requests) go to the structured log.
		hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("无法监听 %s (cannot listen on %s): %w", cfg.Addr, cfg.Addr, err)
	}
	addr := ln.Addr().String()
	fmt.Fprintf(a.stdout, "yanglao 正在运行 / running: %s\n", openURL(ln.Addr()))
	log.Info("listening", "addr", addr, "startup", time.Since(start).Round(time.Millisecond))
	if a.onListen != nil {
		a.onListen(addr)
	}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("服务意外停止 (server stopped): %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Requests first (none starts new background work after this), then the
	// imports and batches they started: cancelled, each records where it
	// stopped, and they are gone before the database closes (deferred above).
	herr := hs.Shutdown(sctx)
	if herr != nil {
		hs.Close()
	}
	berr := srv.StopBackground(sctx)
	if herr != nil || berr != nil {
		return fmt.Errorf("未能在 %s 内完成关闭 (shutdown did not finish within %s): %w", shutdownTimeout, shutdownTimeout, errors.Join(herr, berr))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openURL is the address a person can open: a wildcard listener is reached on loopback.
func openURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	note := ""
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host, note = "127.0.0.1", "（监听所有网络接口 / listening on all interfaces）"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + note
}

// orderService is the home-care order store with the configured proof-of-visit thresholds.
func orderService(db *sqldb.DB, box *crypt.Box, cfg *config.Config) *sqldb.OrderService {
	s := sqldb.NewOrderService(db, sqldb.NewHomeCareService(db, box))
	s.Policy = orders.Policy{MaxDistanceM: cfg.VisitMaxDistanceM, MinSharePercent: cfg.VisitMinSharePercent, TimeTolerance: orders.DefaultPolicy.TimeTolerance}
	return s
}
