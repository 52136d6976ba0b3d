package config

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Setting describes one configuration key and how each source spells it.
type Setting struct {
	Key   string // in the file; the environment variable is YANGLAO_ + upper(Key)
	Flag  string // command-line flag name without dashes; "" when there is none
	Bool  bool   // a switch: --production, or true/false/1/0/yes/no/on/off elsewhere
	Usage string // bilingual help text
	set   func(c *Config, v string) error
}

// Env is the environment variable of the setting.
func (s *Setting) Env() string { return EnvPrefix + strings.ToUpper(s.Key) }

// Settings lists every key. A secret has no value flag (command lines are visible
// to every user of the machine), only a *-file flag.
var Settings = []*Setting{
	{Key: "data", Flag: "data", Usage: "数据目录 (data folder)", set: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{Key: "db", Flag: "db", Usage: "数据库：SQLite 文件路径或 postgres:// URL，默认 <data>/yanglao.db (database: SQLite file or postgres:// URL; default <data>/yanglao.db)",
		set: func(c *Config, v string) error { c.DB = v; c.DBExplicit = true; return nil }},
	{Key: "addr", Flag: "addr", Usage: "监听地址 host:port，端口 0 表示任选空闲端口 (listen address host:port; port 0 picks a free port)",
		set: func(c *Config, v string) error { c.Addr = v; return nil }},
	{Key: "production", Flag: "production", Bool: true, Usage: "生产模式：安全 Cookie，禁止演示数据和默认数据库 (production mode: secure cookies, no demo, no default database)",
		set: func(c *Config, v string) (err error) { c.Production, err = parseBool(v); return }},
	{Key: "demo", Flag: "demo", Bool: true, Usage: "启动前建立演示县区和演示账号，生产模式下禁止 (set up the demo county and accounts before serving; refused in production)",
		set: func(c *Config, v string) (err error) { c.Demo, err = parseBool(v); return }},
	{Key: "log_level", Flag: "log-level", Usage: "日志级别 debug|info|warn|error (log level)",
		set: func(c *Config, v string) (err error) { c.LogLevel, err = parseLevel(v); return }},
	{Key: "log_format", Flag: "log-format", Usage: "日志格式 text|json (log format)",
		set: func(c *Config, v string) error { c.LogFormat = strings.ToLower(strings.TrimSpace(v)); return nil }},
	{Key: "mqtt", Flag: "mqtt", Usage: "设备消息 MQTT 服务器 URL，空表示使用内置服务器 (MQTT broker URL for device messages; empty = embedded)",
		set: func(c *Config, v string) error { c.MQTT = v; return nil }},
	{Key: "visit_max_distance_m", Flag: "visit-max-distance-m", Usage: "上门签到、签退距老人住址超过此米数即标记待审核，默认 500 (flag a check-in or check-out farther than this many metres from the home; default 500)",
		set: func(c *Config, v string) (err error) {
			c.VisitMaxDistanceM, err = strconv.Atoi(strings.TrimSpace(v))
			return
		}},
	{Key: "visit_min_share_percent", Flag: "visit-min-share-percent", Usage: "实际服务时长不足预约时长的此百分比即标记待审核，默认 50 (flag a visit shorter than this percentage of the booked minutes; default 50)",
		set: func(c *Config, v string) (err error) {
			c.VisitMinSharePercent, err = strconv.Atoi(strings.TrimSpace(v))
			return
		}},
	{Key: "mqtt_listen", Flag: "mqtt-listen", Usage: "内置 MQTT 服务器的监听地址 host:port，默认 127.0.0.1:1883 (listen address of the embedded MQTT broker; default 127.0.0.1:1883)",
		set: func(c *Config, v string) error { c.MQTTListen = v; return nil }},
	{Key: "encryption_key", Usage: "32 字节加密密钥，64 位十六进制或 base64 (32-byte encryption key, 64 hex digits or base64)",
		set: func(c *Config, v string) (err error) { c.EncryptionKey, err = parseKey(v); return }},
}

// Flags are the command-line flags of one sub-command, registered on its FlagSet.
type Flags struct {
	fs      *flag.FlagSet
	config  *string
	values  map[*Setting]*string
	bools   map[*Setting]*bool
	files   map[*Setting]*string // --<key>-file for secrets
	enabled map[string]bool
	implied map[string]string // set by the command itself, above every source
	command string
}

// AddFlags registers --config and the flags of the named settings (all when
// keys is empty) on fs. The environment and the file may still set the others.
func AddFlags(fs *flag.FlagSet, keys ...string) *Flags {
	f := &Flags{fs: fs, values: map[*Setting]*string{}, bools: map[*Setting]*bool{}, files: map[*Setting]*string{}, enabled: map[string]bool{}}
	for _, k := range keys {
		f.enabled[k] = true
	}
	f.config = fs.String("config", "", "配置文件，每行 key = value (configuration file of key = value lines; also "+EnvPrefix+"CONFIG)")
	for _, s := range Settings {
		if len(keys) > 0 && !f.enabled[s.Key] {
			continue
		}
		switch {
		case s.Key == "encryption_key":
			f.files[s] = fs.String("encryption-key-file", "", "从文件读取加密密钥 (read the encryption key from this file)")
		case s.Bool:
			f.bools[s] = fs.Bool(s.Flag, false, s.Usage)
		default:
			f.values[s] = fs.String(s.Flag, "", s.Usage)
		}
	}
	return f
}

// Imply sets key to value for this command whatever the sources say, so that
// validation judges it: the demo command implies demo = true, which production
// refuses. The source is named "command <name>".
func (f *Flags) Imply(command, key, value string) {
	if f.implied == nil {
		f.implied = map[string]string{}
	}
	f.implied[key], f.command = value, command
}

// raw is a value and where it came from, before parsing. A value to be read
// from a file is read only if its source wins, so a file named by a source
// that is overridden need not exist.
type raw struct {
	value    string
	src      Source
	file     string
	fromFile bool
}

// Load builds the configuration after fs.Parse: defaults, then the file, then
// the environment (looked up with lookupEnv, normally os.LookupEnv), then the
// flags that were given. It validates the result and returns every problem.
func (f *Flags) Load(lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	given := map[string]bool{}
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	}
	var errs []error
	vals := map[*Setting]raw{}

	// 3. The configuration file.
	path, pathSrc := "", Source{}
	if f.config != nil && given["config"] {
		path, pathSrc = *f.config, Source{Kind: "flag", Name: "--config"}
	} else if v, ok := lookupEnv(EnvPrefix + "CONFIG"); ok && v != "" {
		path, pathSrc = v, Source{Kind: "env", Name: EnvPrefix + "CONFIG"}
	}
	if path != "" {
		fileVals, err := readFile(path, pathSrc)
		if err != nil {
			return nil, err
		}
		for s, r := range fileVals {
			vals[s] = r
		}
	}

	// 2. The environment; YANGLAO_X_FILE reads X from a file.
	for _, s := range Settings {
		v, ok := lookupEnv(s.Env())
		fv, fok := lookupEnv(s.Env() + "_FILE")
		switch {
		case ok && fok:
			errs = append(errs, &SettingError{Key: s.Key, Source: Source{Kind: "env", Name: s.Env() + "_FILE"},
				Zh: fmt.Sprintf("%s 和 %s_FILE 只能设置一个", s.Env(), s.Env()),
				En: fmt.Sprintf("set %s or %s_FILE, not both", s.Env(), s.Env())})
		case ok:
			vals[s] = raw{value: v, src: Source{Kind: "env", Name: s.Env()}}
		case fok:
			vals[s] = raw{src: Source{Kind: "env", Name: s.Env() + "_FILE"}, file: fv, fromFile: true}
		}
	}

	// 1. The flags that were given.
	for s, p := range f.values {
		if given[s.Flag] {
			vals[s] = raw{value: *p, src: Source{Kind: "flag", Name: "--" + s.Flag}}
		}
	}
	for s, p := range f.bools {
		if given[s.Flag] {
			vals[s] = raw{value: strconv.FormatBool(*p), src: Source{Kind: "flag", Name: "--" + s.Flag}}
		}
	}
	for s, p := range f.files {
		name := strings.ReplaceAll(s.Key, "_", "-") + "-file"
		if given[name] {
			vals[s] = raw{src: Source{Kind: "flag", Name: "--" + name}, file: *p, fromFile: true}
		}
	}

	for key, v := range f.implied {
		if s := lookup(key); s != nil {
			vals[s] = raw{value: v, src: Source{Kind: "command", Name: f.command}}
		}
	}

	c := Default()
	c.ConfigFile = path
	c.sources = map[string]Source{}
	for _, s := range Settings { // in table order, so errors come out in a stable order
		r, ok := vals[s]
		if !ok {
			continue
		}
		c.sources[s.Key] = r.src
		if r.fromFile {
			v, err := readSecret(s.Key, r.file, r.src)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			r.value = v
		}
		if err := s.set(c, r.value); err != nil {
			errs = append(errs, settingErr(s.Key, r.src, err))
		}
	}
	if !c.DBExplicit {
		c.DB = filepath.Join(c.DataDir, DBFileName)
	}
	if len(errs) == 0 {
		errs = append(errs, c.Validate())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// readFile parses a configuration file into raw values per setting.
func readFile(path string, from Source) (map[*Setting]raw, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &SettingError{Key: "config", Source: from, Zh: "无法读取配置文件：" + err.Error(), En: "cannot read the configuration file: " + err.Error()}
	}
	out := map[*Setting]raw{}
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		src := Source{Kind: "file", Name: fmt.Sprintf("%s:%d", path, n)}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			errs = append(errs, &SettingError{Key: "config", Source: src, Zh: "应为 key = value 的形式", En: "expected key = value"})
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
		v, err := fileValue(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, &SettingError{Key: key, Source: src, Zh: "值的引号不匹配", En: "badly quoted value"})
			continue
		}
		fromFile := false
		if base, found := strings.CutSuffix(key, "_file"); found && lookup(base) != nil {
			key, fromFile = base, true
		}
		s := lookup(key)
		if s == nil {
			errs = append(errs, &SettingError{Key: key, Source: src, Zh: "未知配置项", En: "unknown setting"})
			continue
		}
		if prev, dup := out[s]; dup {
			errs = append(errs, &SettingError{Key: key, Source: src, Zh: "重复设置，已在 " + prev.src.Name + " 设置", En: "set twice, first at " + prev.src.Name})
			continue
		}
		if fromFile {
			out[s] = raw{src: src, file: v, fromFile: true}
		} else {
			out[s] = raw{value: v, src: src}
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, &SettingError{Key: "config", Source: from, Zh: "无法读取配置文件：" + err.Error(), En: "cannot read the configuration file: " + err.Error()})
	}
	return out, errors.Join(errs...)
}

// fileValue strips a trailing comment and unquotes a quoted value.
func fileValue(v string) (string, error) {
	if strings.HasPrefix(v, `"`) {
		end := closingQuote(v)
		if end < 0 {
			return "", errors.New("unterminated quote")
		}
		return strconv.Unquote(v[:end+1])
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v, nil
}

func closingQuote(v string) int {
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func lookup(key string) *Setting {
	for _, s := range Settings {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// readSecret reads a value from a file, dropping one trailing newline the way
// `echo` and editors leave it.
func readSecret(key, path string, src Source) (string, error) {
	if path == "" {
		return "", &SettingError{Key: key, Source: src, Zh: "文件路径为空", En: "the file path is empty"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", &SettingError{Key: key, Source: src, Zh: "无法读取文件：" + err.Error(), En: "cannot read the file: " + err.Error()}
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

func settingErr(key string, src Source, err error) error {
	var v *valueError
	if errors.As(err, &v) {
		return &SettingError{Key: key, Source: src, Zh: v.zh, En: v.en}
	}
	return &SettingError{Key: key, Source: src, Zh: err.Error(), En: err.Error()}
}
