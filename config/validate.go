package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// valueError is a parse failure in both languages; Load wraps it in a SettingError.
type valueError struct{ zh, en string }

func (e *valueError) Error() string { return e.zh + " (" + e.en + ")" }

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, &valueError{"应为 true 或 false，实为 " + strconv.Quote(v), "must be true or false, got " + strconv.Quote(v)}
}

func parseLevel(v string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, &valueError{"未知日志级别 " + strconv.Quote(v) + "，应为 debug、info、warn 或 error",
		"unknown log level " + strconv.Quote(v) + ", use debug, info, warn or error"}
}

// parseKey accepts 32 bytes as 64 hex digits or as base64 (standard or URL, padded or not).
// Generate one with: openssl rand -hex 32
func parseKey(v string) (Secret, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if b, err := hex.DecodeString(v); err == nil && len(b) == EncryptionKeyLen {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == EncryptionKeyLen {
			return b, nil
		}
	}
	// Never echo the value: it is a secret.
	return nil, &valueError{"密钥应为 32 字节：64 位十六进制或 base64（可用 openssl rand -hex 32 生成）",
		"the key must be 32 bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)"}
}

// Validate checks the configuration as a whole and returns every problem, each
// naming its setting and source. Load calls it; call it again after changing c.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, zh, en string) {
		errs = append(errs, &SettingError{Key: key, Source: c.Source(key), Zh: zh, En: en})
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data", "数据目录不能为空", "the data folder must not be empty")
	}
	if zh, en := checkDB(c.DB); zh != "" {
		bad("db", zh, en)
	}
	if zh, en := checkAddr(c.Addr); zh != "" {
		bad("addr", zh, en)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format", "未知日志格式 "+strconv.Quote(c.LogFormat)+"，应为 text 或 json",
			"unknown log format "+strconv.Quote(c.LogFormat)+", use text or json")
	}
	if zh, en := checkMQTT(c.MQTT); zh != "" {
		bad("mqtt", zh, en)
	}
	if c.VisitMaxDistanceM < 50 || c.VisitMaxDistanceM > 100_000 {
		bad("visit_max_distance_m", "上门签到距离应为 50 到 100000 米", "the visit distance must be 50 to 100000 metres")
	}
	if c.VisitMinSharePercent < 0 || c.VisitMinSharePercent > 100 {
		bad("visit_min_share_percent", "服务时长比例应为 0 到 100", "the visit share must be 0 to 100 percent")
	}
	if zh, en := checkAddr(c.MQTTListen); zh != "" {
		bad("mqtt_listen", zh, en)
	}
	if len(c.EncryptionKey) != 0 && len(c.EncryptionKey) != EncryptionKeyLen {
		bad("encryption_key", "密钥应为 32 字节", "the key must be 32 bytes")
	}
	if c.Production {
		if !c.DBExplicit {
			bad("db", "生产模式必须明确指定数据库（--db 或 YANGLAO_DB），不能使用默认的本地文件",
				"production mode needs an explicit database (--db or YANGLAO_DB), not the default local file")
		}
		if c.Demo {
			bad("demo", "生产模式下不能建立演示数据", "demo data is refused in production mode")
		}
		if len(c.EncryptionKey) == 0 {
			bad("encryption_key", "生产模式必须提供加密密钥（YANGLAO_ENCRYPTION_KEY_FILE 或 --encryption-key-file）",
				"production mode needs an encryption key (YANGLAO_ENCRYPTION_KEY_FILE or --encryption-key-file)")
		}
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether DB names a PostgreSQL server.
func (c *Config) IsPostgres() bool { return isPostgres(c.DB) }

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactedDB is DB safe to log: a PostgreSQL password is replaced by xxxxx.
func (c *Config) RedactedDB() string {
	if !c.IsPostgres() {
		return c.DB
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Redacted()
}

// RedactedMQTT is the MQTT URL with any password masked, for logs and messages.
func (c *Config) RedactedMQTT() string {
	if c.MQTT == "" {
		return c.MQTTListen
	}
	u, err := url.Parse(c.MQTT)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

func checkDB(dsn string) (zh, en string) {
	switch {
	case strings.TrimSpace(dsn) == "":
		return "数据库不能为空", "the database must not be empty"
	case isPostgres(dsn):
		u, err := url.Parse(dsn)
		if err != nil {
			// url's error repeats the URL, password included: do not show it.
			return "PostgreSQL URL 格式错误", "malformed PostgreSQL URL"
		}
		if u.Host == "" {
			return "PostgreSQL URL 缺少主机，例如 postgres://user:pass@127.0.0.1:5432/yanglao",
				"PostgreSQL URL has no host, e.g. postgres://user:pass@127.0.0.1:5432/yanglao"
		}
	case strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return "不支持的数据库 " + strconv.Quote(scheme) + "：请用 SQLite 文件路径或 postgres:// URL",
			"unsupported database " + strconv.Quote(scheme) + ": use a SQLite file path or a postgres:// URL"
	}
	return "", ""
}

func checkAddr(addr string) (zh, en string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "地址应为 host:port，例如 127.0.0.1:8080，实为 " + strconv.Quote(addr),
			"the address must be host:port such as 127.0.0.1:8080, got " + strconv.Quote(addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "端口应为 0 到 65535 的数字，实为 " + strconv.Quote(port),
			"the port must be a number from 0 to 65535, got " + strconv.Quote(port)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return "主机名无效 " + strconv.Quote(host), "invalid host name " + strconv.Quote(host)
	}
	return "", ""
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func checkMQTT(s string) (zh, en string) {
	if s == "" {
		return "", ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "MQTT URL 格式错误", "malformed MQTT URL"
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
	default:
		return "MQTT URL 应以 tcp://、ssl://、mqtt://、mqtts://、ws:// 或 wss:// 开头，例如 tcp://127.0.0.1:1883",
			"the MQTT URL must start with tcp://, ssl://, mqtt://, mqtts://, ws:// or wss://, e.g. tcp://127.0.0.1:1883"
	}
	if u.Host == "" {
		return "MQTT URL 缺少主机", "the MQTT URL has no host"
	}
	return "", ""
}
