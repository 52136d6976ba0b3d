// Package web is the HTTP side of yanglao: one route table (routes.go) on the
// standard ServeMux, JSON API handlers under /api/v1, server-rendered HTML pages,
// and embedded static assets. Handlers parse, validate, make one service call
// and respond; scope and rules live below them.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yanglao/yanglao"
)

// Services are what the handlers call. cmd/yanglao wires the sqldb implementations.
type Services struct {
	Regions     yanglao.RegionService
	Users       yanglao.UserService
	Orgs        yanglao.OrgService
	Audit       yanglao.AuditService
	People      yanglao.PersonService
	Assessments yanglao.AssessmentService
	Benefits    yanglao.BenefitService
	Batches     yanglao.BatchService
	Vouchers    yanglao.VoucherService
	// Care visits and mandatory abuse reports (issue 6).
	CareVisits   yanglao.CareVisitService
	AbuseReports yanglao.AbuseReportService
	Orders       yanglao.OrderService // home-care orders, dispatch, proof of visit, statements (issue 5)
	Meals        yanglao.MealService
	// Home-care catalogue, allowances, providers and caregivers (issue 5).
	HomeCare yanglao.HomeCareService
	Devices  yanglao.DeviceService
	Alarms   yanglao.AlarmService
	// Ready reports whether the database answers (for /readyz).
	Ready func(context.Context) error
}

// Config is the web server's part of the configuration.
type Config struct {
	Version    string
	Production bool // secure cookies, no demo banner
	Logger     *slog.Logger
}

// Server holds the handlers' dependencies.
type Server struct {
	Services
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	reg     *prometheus.Registry
	mux     *http.ServeMux
	started time.Time
	bg      background // imports and batches started by requests
	hub     *caseHub   // open alarm-board streams (sse.go)
}

// New builds the server and its route table.
func New(svc Services, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{Services: svc, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), started: time.Now(), hub: newCaseHub()}
	s.reg = prometheus.NewRegistry()
	s.metrics = newMetrics(s.reg)
	s.routes()
	return s
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	return s.withRequestID(s.withLogging(s.withRecover(s.withSecurityHeaders(s.withActor(s.mux)))))
}

// HTTPServer wraps Handler with timeouts fit for the open internet.
func (s *Server) HTTPServer(addr string) *http.Server {
	hs := &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	hs.RegisterOnShutdown(s.hub.close) // event streams never go idle: end them so Shutdown can finish
	return hs
}

// wired returns svc, or an error naming the module when it was not wired into
// Services (serve wires every module; tests build servers with the ones they need).
func wired[T any](svc T, zh, en string) (T, error) {
	if any(svc) == nil {
		return svc, yanglao.Errorf(yanglao.EINTERNAL, "%s未启用 (%s is not configured)", zh, en)
	}
	return svc, nil
}
