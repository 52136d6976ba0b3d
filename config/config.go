// Package config is yanglao's configuration: one struct, filled once at start
// from four sources, highest precedence first:
//
//  1. command-line flags (--addr 127.0.0.1:9090);
//  2. environment variables YANGLAO_<KEY> (YANGLAO_ADDR=…); any setting may
//     instead be read from the file named by YANGLAO_<KEY>_FILE, which is how
//     Docker secrets, systemd credentials and Kubernetes pass secrets;
//  3. an optional configuration file named by --config or YANGLAO_CONFIG;
//  4. the defaults.
//
// The configuration file holds one "key = value" per line. Blank lines and lines
// starting with # are ignored, a value may be double-quoted (Go syntax), and
// "<key>_file = PATH" reads the value of <key> from PATH. Keys are those listed
// by Settings; "log-level" and "log_level" are the same key. Relative paths are
// relative to the working directory. Example:
//
//	# /etc/yanglao/yanglao.conf
//	data                = /var/lib/yanglao
//	db_file             = /etc/yanglao/db-url    # holds postgres://yanglao:…@127.0.0.1:5432/yanglao
//	addr                = 127.0.0.1:8080
//	production          = true
//	log_format          = json
//	encryption_key_file = /etc/yanglao/encryption.key
//
// Load validates the result once and reports every bad setting together, each
// naming the setting and where its value came from, in Chinese and English.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
)

// Config is the whole configuration of one yanglao process.
type Config struct {
	// DataDir holds the SQLite database, backups and the demo account list.
	DataDir string
	// DB is a SQLite file path or a postgres:// URL; by default DataDir/yanglao.db.
	DB string
	// DBExplicit reports whether DB was given by a flag, the environment or the
	// file rather than derived from DataDir (production refuses the default).
	DBExplicit bool
	// Addr is where serve listens, host:port; port 0 picks a free port.
	Addr string
	// Production turns on secure cookies, and refuses demo data and a default database.
	Production bool
	// Demo makes serve set up the demo county before serving (refused in production).
	Demo      bool
	LogLevel  slog.Level
	LogFormat string // "text" or "json"
	// MQTT is the device-message broker URL (tcp://host:1883); empty runs the
	// broker embedded in serve.
	MQTT string
	// MQTTListen is where the embedded broker listens for devices (when MQTT is empty).
	MQTTListen string
	// EncryptionKey (32 bytes) protects citizen ID and phone numbers at rest
	// (DESIGN §5); modules derive their own keys from it. Required in production.
	EncryptionKey Secret
	// VisitMaxDistanceM and VisitMinSharePercent flag a home-care visit whose
	// check-in or check-out is farther from the home, or which lasted less than
	// this share of the booked minutes (package orders, Policy).
	VisitMaxDistanceM    int
	VisitMinSharePercent int

	// ConfigFile is the configuration file that was read, if any.
	ConfigFile string

	sources map[string]Source
}

// Defaults.
const (
	DefaultDataDir    = "data"
	DefaultAddr       = "127.0.0.1:8080"
	DefaultMQTTListen = "127.0.0.1:1883"
	DefaultLogFormat  = "text"
	DBFileName        = "yanglao.db"
	EnvPrefix         = "YANGLAO_"
	EncryptionKeyLen  = 32
)

// Default returns the configuration used when no source says otherwise.
func Default() *Config {
	c := &Config{DataDir: DefaultDataDir, Addr: DefaultAddr, MQTTListen: DefaultMQTTListen, LogLevel: slog.LevelInfo, LogFormat: DefaultLogFormat,
		VisitMaxDistanceM: 500, VisitMinSharePercent: 50}
	c.DB = filepath.Join(c.DataDir, DBFileName)
	return c
}

// Source says where a setting's value came from.
type Source struct {
	Kind string // "default", "file", "env", "flag" or "command"
	Name string // the flag, the variable, or file:line
}

// String names the source in both languages.
func (s Source) String() string {
	switch s.Kind {
	case "flag":
		return "命令行参数 " + s.Name + " (flag " + s.Name + ")"
	case "env":
		return "环境变量 " + s.Name + " (environment " + s.Name + ")"
	case "file":
		return "配置文件 " + s.Name + " (config file " + s.Name + ")"
	case "command":
		return "命令 " + s.Name + " (command " + s.Name + ")"
	}
	return "默认值 (default)"
}

// Source returns where the setting key (see Settings) came from.
func (c *Config) Source(key string) Source {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return Source{Kind: "default"}
}

// Secret is a value that must never reach a log or a screen: every way of
// formatting it prints [redacted].
type Secret []byte

func (s Secret) String() string {
	if len(s) == 0 {
		return ""
	}
	return "[redacted]"
}

// GoString, Format, LogValue and MarshalText redact too, so %#v, %x, slog and JSON are safe.
func (s Secret) GoString() string              { return fmt.Sprintf("config.Secret(%q)", s.String()) }
func (s Secret) Format(f fmt.State, verb rune) { io.WriteString(f, s.String()) }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(s.String()) }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(s.String()), nil }

// SettingError is one bad setting.
type SettingError struct {
	Key    string
	Source Source
	Zh, En string // what is wrong
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("配置项 %s 无效（来自%s）：%s (setting %s is invalid: %s)", e.Key, e.Source, e.Zh, e.Key, e.En)
}

// Errors returns the individual setting errors inside err (as Load joins them).
func Errors(err error) []*SettingError {
	var out []*SettingError
	var walk func(error)
	walk = func(err error) {
		if se, ok := err.(*SettingError); ok {
			out = append(out, se)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		} else if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return out
}
