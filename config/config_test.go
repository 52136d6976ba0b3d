package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const hexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// load parses args on a fresh FlagSet with every flag and loads with env only.
func load(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	f := AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{DataDir: "data", DB: filepath.Join("data", "yanglao.db"), Addr: "127.0.0.1:8080", LogLevel: slog.LevelInfo, LogFormat: "text"}
	if c.DataDir != want.DataDir || c.DB != want.DB || c.Addr != want.Addr || c.LogLevel != want.LogLevel ||
		c.LogFormat != want.LogFormat || c.Production || c.Demo || c.DBExplicit || c.MQTT != "" || len(c.EncryptionKey) != 0 {
		t.Errorf("defaults = %+v", c)
	}
	if s := c.Source("addr"); s.Kind != "default" {
		t.Errorf("source of addr = %v", s)
	}
}

// TestPrecedence: flags > environment > file > defaults, per setting.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "yanglao.conf", `
# comment
data = /file/data
addr = 127.0.0.1:1001   # trailing comment
log-level = warn
log_format = "json"
mqtt = tcp://file:1883
`)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		addr     string
		data     string
		db       string
		level    slog.Level
		format   string
		addrKind string
	}{
		{"file only", []string{"--config", conf}, nil,
			"127.0.0.1:1001", "/file/data", "/file/data/yanglao.db", slog.LevelWarn, "json", "file"},
		{"file from YANGLAO_CONFIG", nil, map[string]string{"YANGLAO_CONFIG": conf},
			"127.0.0.1:1001", "/file/data", "/file/data/yanglao.db", slog.LevelWarn, "json", "file"},
		{"env beats file", []string{"--config", conf}, map[string]string{"YANGLAO_ADDR": "127.0.0.1:2002", "YANGLAO_DATA": "/env/data"},
			"127.0.0.1:2002", "/env/data", "/env/data/yanglao.db", slog.LevelWarn, "json", "env"},
		{"flag beats env and file", []string{"--config", conf, "--addr", "127.0.0.1:3003", "--log-level", "debug"},
			map[string]string{"YANGLAO_ADDR": "127.0.0.1:2002", "YANGLAO_LOG_LEVEL": "error"},
			"127.0.0.1:3003", "/file/data", "/file/data/yanglao.db", slog.LevelDebug, "json", "flag"},
		{"explicit db is not derived from data", []string{"--data", "/x", "--db", "/y/z.db"}, nil,
			"127.0.0.1:8080", "/x", "/y/z.db", slog.LevelInfo, "text", "default"},
		{"flag set to the default value still wins", []string{"--addr", "127.0.0.1:8080"}, map[string]string{"YANGLAO_ADDR": "127.0.0.1:2002"},
			"127.0.0.1:8080", "data", filepath.Join("data", "yanglao.db"), slog.LevelInfo, "text", "flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tt.addr || c.DataDir != tt.data || c.DB != tt.db || c.LogLevel != tt.level || c.LogFormat != tt.format {
				t.Errorf("got addr=%s data=%s db=%s level=%s format=%s", c.Addr, c.DataDir, c.DB, c.LogLevel, c.LogFormat)
			}
			if k := c.Source("addr").Kind; k != tt.addrKind {
				t.Errorf("source of addr = %s, want %s", k, tt.addrKind)
			}
		})
	}
}

func TestBoolSources(t *testing.T) {
	key := writeFile(t, t.TempDir(), "key", hexKey+"\n")
	prodEnv := map[string]string{"YANGLAO_DB": "postgres://u:p@127.0.0.1:5432/y", "YANGLAO_ENCRYPTION_KEY_FILE": key}
	tests := []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"--production"}, "", true},
		{[]string{"--production=false"}, "true", false},
		{nil, "yes", true},
		{nil, "1", true},
		{nil, "off", false},
	}
	for _, tt := range tests {
		env := map[string]string{}
		for k, v := range prodEnv {
			env[k] = v
		}
		if tt.env != "" {
			env["YANGLAO_PRODUCTION"] = tt.env
		}
		c, err := load(t, tt.args, env)
		if err != nil {
			t.Fatalf("%v %q: %v", tt.args, tt.env, err)
		}
		if c.Production != tt.want {
			t.Errorf("%v YANGLAO_PRODUCTION=%q: production = %v", tt.args, tt.env, c.Production)
		}
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "key", hexKey+"\n")
	dbFile := writeFile(t, dir, "db", "postgres://yanglao:s3cret@127.0.0.1:5432/yanglao\n")
	conf := writeFile(t, dir, "c.conf", "encryption_key_file = "+keyFile+"\n")

	t.Run("env file", func(t *testing.T) {
		c, err := load(t, nil, map[string]string{"YANGLAO_ENCRYPTION_KEY_FILE": keyFile, "YANGLAO_DB_FILE": dbFile})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.EncryptionKey) != 32 || c.EncryptionKey[31] != 0x1f {
			t.Errorf("key = %x", []byte(c.EncryptionKey))
		}
		if c.DB != "postgres://yanglao:s3cret@127.0.0.1:5432/yanglao" || !c.DBExplicit || !c.IsPostgres() {
			t.Errorf("db = %q", c.DB)
		}
		if strings.Contains(c.RedactedDB(), "s3cret") {
			t.Errorf("RedactedDB leaks the password: %s", c.RedactedDB())
		}
	})
	t.Run("flag file", func(t *testing.T) {
		c, err := load(t, []string{"--encryption-key-file", keyFile}, nil)
		if err != nil || len(c.EncryptionKey) != 32 {
			t.Fatalf("err=%v key len=%d", err, len(c.EncryptionKey))
		}
	})
	t.Run("config file key_file", func(t *testing.T) {
		c, err := load(t, []string{"--config", conf}, nil)
		if err != nil || len(c.EncryptionKey) != 32 {
			t.Fatalf("err=%v key len=%d", err, len(c.EncryptionKey))
		}
	})
	t.Run("overridden file is not read", func(t *testing.T) {
		c, err := load(t, []string{"--db", "x.db"}, map[string]string{"YANGLAO_DB_FILE": filepath.Join(dir, "missing")})
		if err != nil || c.DB != "x.db" {
			t.Fatalf("db=%q err=%v", c.DB, err)
		}
	})
	t.Run("base64", func(t *testing.T) {
		c, err := load(t, nil, map[string]string{"YANGLAO_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="})
		if err != nil || len(c.EncryptionKey) != 32 || c.EncryptionKey[31] != 0x1f {
			t.Fatalf("err=%v key=%x", err, []byte(c.EncryptionKey))
		}
	})
	t.Run("never printed", func(t *testing.T) {
		c, err := load(t, nil, map[string]string{"YANGLAO_ENCRYPTION_KEY": hexKey})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "key", c.EncryptionKey, "cfg", c)
		js, _ := json.Marshal(c)
		for _, out := range []string{fmt.Sprint(c.EncryptionKey), fmt.Sprintf("%x %q %+v %#v", c.EncryptionKey, c.EncryptionKey, c, c), b.String(), string(js)} {
			if strings.Contains(out, "0102030405") || strings.Contains(out, string(c.EncryptionKey[1:8])) || !strings.Contains(out, "[redacted]") {
				t.Errorf("secret leaked: %s", out)
			}
		}
	})
}

// TestInvalid: each bad input is reported naming the setting and its source, in both languages.
func TestInvalid(t *testing.T) {
	dir := t.TempDir()
	key := writeFile(t, dir, "key", hexKey)
	pg := "postgres://u:p@127.0.0.1:5432/y"
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		file    string
		key     string // the setting the error must name
		source  string // a fragment of the source
		message string // a fragment of the message
	}{
		{"addr without port", []string{"--addr", "127.0.0.1"}, nil, "", "addr", "--addr", "host:port"},
		{"addr port too big", nil, map[string]string{"YANGLAO_ADDR": "127.0.0.1:70000"}, "", "addr", "YANGLAO_ADDR", "65535"},
		{"addr bad host", []string{"--addr", "bad_host!:80"}, nil, "", "addr", "--addr", "invalid host name"},
		{"addr from file", nil, nil, "addr = nope\n", "addr", ".conf:1", "host:port"},
		{"log level", []string{"--log-level", "loud"}, nil, "", "log_level", "--log-level", "unknown log level"},
		{"log format", nil, map[string]string{"YANGLAO_LOG_FORMAT": "xml"}, "", "log_format", "YANGLAO_LOG_FORMAT", "unknown log format"},
		{"production bool", nil, map[string]string{"YANGLAO_PRODUCTION": "maybe"}, "", "production", "YANGLAO_PRODUCTION", "true or false"},
		{"unsupported db", []string{"--db", "mysql://x"}, nil, "", "db", "--db", "unsupported database"},
		{"postgres without host", []string{"--db", "postgres:///y"}, nil, "", "db", "--db", "no host"},
		{"mqtt scheme", []string{"--mqtt", "http://x:1883"}, nil, "", "mqtt", "--mqtt", "tcp://"},
		{"short key", nil, map[string]string{"YANGLAO_ENCRYPTION_KEY": "abcd"}, "", "encryption_key", "YANGLAO_ENCRYPTION_KEY", "32 bytes"},
		{"missing key file", []string{"--encryption-key-file", filepath.Join(dir, "nope")}, nil, "", "encryption_key", "--encryption-key-file", "cannot read"},
		{"value and file", nil, map[string]string{"YANGLAO_DB": "x.db", "YANGLAO_DB_FILE": key}, "", "db", "YANGLAO_DB_FILE", "not both"},
		{"production default db", []string{"--production", "--encryption-key-file", key}, nil, "", "db", "default", "explicit database"},
		{"production demo", []string{"--production", "--demo", "--db", pg, "--encryption-key-file", key}, nil, "", "demo", "--demo", "refused in production"},
		{"production without key", []string{"--production", "--db", pg}, nil, "", "encryption_key", "default", "needs an encryption key"},
		{"unknown file key", nil, nil, "colour = red\n", "colour", ".conf:1", "unknown setting"},
		{"file line without =", nil, nil, "\n\njust words\n", "config", ".conf:3", "key = value"},
		{"duplicate file key", nil, nil, "addr = 127.0.0.1:1\naddr = 127.0.0.1:2\n", "addr", ".conf:2", "set twice"},
		{"missing config file", []string{"--config", filepath.Join(dir, "missing.conf")}, nil, "", "config", "--config", "cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, t.TempDir(), "y.conf", tt.file)}, args...)
			}
			_, err := load(t, args, tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("not a SettingError: %v", err)
			}
			var found *SettingError
			for _, e := range errs {
				if e.Key == tt.key {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("no error names %s: %v", tt.key, err)
			}
			msg := found.Error()
			if !strings.Contains(msg, tt.source) || !strings.Contains(msg, tt.message) || !strings.Contains(msg, "配置项 "+tt.key) {
				t.Errorf("message %q\nwants source %q and text %q", msg, tt.source, tt.message)
			}
			if strings.Contains(err.Error(), "u:p@") {
				t.Errorf("error leaks the database password: %v", err)
			}
		})
	}
}

// TestAllProblemsAtOnce: one run reports every bad setting, not just the first.
func TestAllProblemsAtOnce(t *testing.T) {
	_, err := load(t, []string{"--addr", "x", "--log-format", "xml"}, map[string]string{"YANGLAO_MQTT": "ftp://h"})
	keys := map[string]bool{}
	for _, e := range Errors(err) {
		keys[e.Key] = true
	}
	for _, k := range []string{"addr", "log_format", "mqtt"} {
		if !keys[k] {
			t.Errorf("no error for %s in %v", k, err)
		}
	}
}

// TestSubsetFlags: a command registers only its flags; the rest still come from env.
func TestSubsetFlags(t *testing.T) {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	f := AddFlags(fs, "data", "db")
	if fs.Lookup("addr") != nil || fs.Lookup("db") == nil || fs.Lookup("config") == nil {
		t.Fatal("wrong flags registered")
	}
	if err := fs.Parse([]string{"--addr", "x"}); err == nil {
		t.Fatal("unregistered flag accepted")
	}
	c, err := f.Load(func(k string) (string, bool) {
		if k == "YANGLAO_ADDR" {
			return "127.0.0.1:9", true
		}
		return "", false
	})
	if err != nil || c.Addr != "127.0.0.1:9" {
		t.Fatalf("c=%+v err=%v", c, err)
	}
}

func TestFileQuoting(t *testing.T) {
	conf := writeFile(t, t.TempDir(), "q.conf", `data = "/path with # hash"`+"\n"+`db = "a \"quoted\" name.db"`+"\n")
	c, err := load(t, []string{"--config", conf}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/path with # hash" || c.DB != `a "quoted" name.db` {
		t.Errorf("data=%q db=%q", c.DataDir, c.DB)
	}
}

// TestExampleFile: the shipped example parses, and only lacks the key file it points to.
func TestExampleFile(t *testing.T) {
	_, err := load(t, []string{"--config", "yanglao.conf.example"}, nil)
	errs := Errors(err)
	if len(errs) != 1 || errs[0].Key != "encryption_key" || !strings.Contains(errs[0].Error(), "cannot read the file") {
		t.Fatalf("example: %v", err)
	}
	key := writeFile(t, t.TempDir(), "key", hexKey)
	c, err := load(t, []string{"--config", "yanglao.conf.example", "--encryption-key-file", key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Production || c.DB != "/var/lib/yanglao/yanglao.db" || c.LogFormat != "json" || c.Addr != "127.0.0.1:8080" {
		t.Errorf("example parsed as %+v", c)
	}
}
