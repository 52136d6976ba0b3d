package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/sqldb"
)

// storeFlags are the configuration flags of every command that opens the database.
var storeFlags = []string{"data", "db", "production", "log_level", "log_format", "encryption_key"}

// loadConfig parses args on fs (whose command flags are already defined) with
// the configuration flags of keys, and loads the configuration.
func (a *app) loadConfig(fs *flag.FlagSet, args []string, keys ...string) (*config.Config, error) {
	return a.loadConfigWith(fs, args, nil, keys...)
}

// loadConfigWith is loadConfig with settings the command implies (see config.Flags.Imply).
func (a *app) loadConfigWith(fs *flag.FlagSet, args []string, implied map[string]string, keys ...string) (*config.Config, error) {
	cf := config.AddFlags(fs, keys...)
	for k, v := range implied {
		cf.Imply("yanglao "+fs.Name(), k, v)
	}
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	return cf.Load(a.lookupEnv)
}

// logger writes structured logs to stderr, as text or JSON.
func (a *app) logger(cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// system is the context the command-line tools act in: the platform itself.
func system(ctx context.Context) context.Context {
	return yanglao.NewContextWithActor(ctx, yanglao.SystemActor("cli"))
}

// store is an open database and its services.
type store struct {
	db      *sqldb.DB
	regions *sqldb.RegionService
	users   *sqldb.UserService
	orgs    *sqldb.OrgService
	audit   *sqldb.AuditService
}

func newStore(db *sqldb.DB) *store {
	return &store{db: db, regions: sqldb.NewRegionService(db), users: sqldb.NewUserService(db),
		orgs: sqldb.NewOrgService(db), audit: sqldb.NewAuditService(db)}
}

func (s *store) Close() error { return s.db.Close() }

// openMode says how much of the database a command needs.
type openMode int

const (
	existing   openMode = iota // an existing, initialised database; nothing is changed
	migrated                   // apply pending migrations
	withRegion                 // migrations, and the shipped region tree when the table is empty
)

// open connects to the configured database and prepares it for mode.
func (a *app) open(ctx context.Context, cfg *config.Config, log *slog.Logger, mode openMode) (*store, error) {
	if mode == existing && !cfg.IsPostgres() {
		if _, err := os.Stat(strings.TrimPrefix(cfg.DB, "sqlite://")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("数据库文件 %s 不存在，请先运行 yanglao migrate 或 serve (database file %s does not exist: run yanglao migrate or serve first)", cfg.DB, cfg.DB)
		}
	}
	db, err := sqldb.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("打开数据库 %s 失败 (cannot open database %s): %w", cfg.RedactedDB(), cfg.RedactedDB(), err)
	}
	s := newStore(db)
	if mode == existing {
		applied, known, err := db.SchemaVersion(ctx)
		if err != nil {
			s.Close()
			return nil, err
		}
		if applied == 0 {
			s.Close()
			return nil, errors.New("数据库尚未初始化，请先运行 yanglao migrate 或 serve (the database is not initialised: run yanglao migrate or serve first)")
		}
		if applied > known {
			log.Warn("database schema is newer than this binary", "applied", applied, "known", known)
		}
		return s, nil
	}
	if _, err := a.migrateDB(ctx, db, log); err != nil {
		s.Close()
		return nil, err
	}
	if mode == withRegion {
		if err := a.ensureRegions(ctx, s, log); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// migrateDB applies pending migrations (sqldb refuses a schema newer than the binary).
func (a *app) migrateDB(ctx context.Context, db *sqldb.DB, log *slog.Logger) (from int, err error) {
	from, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	n, err := db.Migrate(ctx)
	if err != nil {
		return from, err
	}
	if n > 0 {
		log.Info("database migrated", "from", from, "to", known, "migrations", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return from, nil
}

// ensureRegions loads the shipped region tree into an empty regions table.
func (a *app) ensureRegions(ctx context.Context, s *store, log *slog.Logger) error {
	n, err := s.regions.CountRegions(ctx)
	if err != nil || n > 0 {
		return err
	}
	start := time.Now()
	log.Info("loading the shipped region tree (first start)")
	regions, err := a.shippedRegions()
	if err != nil {
		return fmt.Errorf("读取内置区划数据失败 (cannot read the shipped region data): %w", err)
	}
	parsed := time.Since(start)
	n, err = s.regions.ImportRegions(system(ctx), regions)
	if err != nil {
		return fmt.Errorf("导入区划失败 (region import failed): %w", err)
	}
	log.Info("region tree loaded", "regions", n, "parse", parsed.Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// passwordAlphabet leaves out look-alikes (0 o 1 l i) so a printed password can be typed.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// generatePassword returns 20 random characters in four groups, about 99 bits.
func generatePassword() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 20; {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		// Rejection sampling keeps the choice uniform: 248 = 8 × 31.
		if buf[0] >= 248 {
			continue
		}
		if n > 0 && n%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[int(buf[0])%len(passwordAlphabet)])
		n++
	}
	return b.String()
}

// readPassword reads a password from path ("-" is standard input): its first
// line, without the line ending. An empty path returns "".
func (a *app) readPassword(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", usageErrorf("无法读取 --password-file：%v", "cannot read --password-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageErrorf("--password-file 为空", "--password-file is empty")
	}
	return pw, nil
}

// normalizeRegion pads a short code of whole levels (43, 4310, 431002, 431002001)
// to the 12-digit form; anything else is returned as given for the service to judge.
func normalizeRegion(s string) string {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 2, 4, 6, 9:
		for _, c := range s {
			if c < '0' || c > '9' {
				return s
			}
		}
		return s + strings.Repeat("0", 12-len(s))
	}
	return s
}

// findUser returns the account with exactly this username.
func (s *store) findUser(ctx context.Context, username string) (*yanglao.User, error) {
	f := yanglao.UserFilter{Query: username, Page: yanglao.Page{Limit: yanglao.MaxPageSize}}
	for {
		users, next, err := s.users.Users(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Username == username {
				return u, nil
			}
		}
		if next == "" {
			return nil, &yanglao.Error{Code: yanglao.ENOTFOUND, Field: "username",
				Message: fmt.Sprintf("用户 %s 不存在 (user %s not found)", username, username)}
		}
		f.Page.After = next
	}
}

// devKeyFile holds the key that seals citizen IDs and phones when none is
// configured. Production refuses to start without a configured key (config
// validation), so this file only ever serves development and demo data folders.
const devKeyFile = "encryption.key"

// box is the one source of the sealing key for serve, demo and the importers:
// the configured key, or outside production the data folder's development key,
// made on first use. Both commands must agree, or data sealed by one cannot be
// read by the other.
func (a *app) box(cfg *config.Config) (*crypt.Box, error) {
	if len(cfg.EncryptionKey) > 0 {
		return crypt.New(cfg.EncryptionKey)
	}
	if cfg.Production {
		return nil, errors.New("生产模式必须配置 encryption_key (production needs encryption_key)")
	}
	path := filepath.Join(cfg.DataDir, devKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, err
		}
		b = []byte(crypt.NewKey() + "\n")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = f.Write(b)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(a.stderr, "未配置加密密钥，已生成开发用密钥 %s，请妥善保管；生产环境请用 --encryption-key-file "+
			"(no encryption key configured: made the development key %s; keep it with the data; production needs --encryption-key-file)\n", path, path)
	} else if err != nil {
		return nil, err
	}
	key, err := crypt.ParseKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return crypt.New(key)
}
