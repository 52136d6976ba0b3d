package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
)

// adminCommands are the sub-commands of "yanglao admin".
var adminCommands []*command

func init() {
	adminCommands = []*command{
		{"create-user", "--username NAME --role ROLE --region CODE [--name 姓名] [--org ID] [--password-file FILE|-]",
			"创建账号；第一个管理员由此创建", "create an account; the first administrator comes from here", (*app).createUser},
		{"reset-password", "--username NAME [--password-file FILE|-]",
			"重置密码、解除锁定并结束其会话", "reset a password, clear the lockout and end the account's sessions", (*app).resetPassword},
		{"backup", "--out FILE", "备份数据库（SQLite VACUUM INTO；PostgreSQL 用 pg_dump）", "back up the database (SQLite VACUUM INTO; PostgreSQL via pg_dump)", (*app).backup},
		{"audit-verify", "", "校验审计日志哈希链，发现问题时退出状态为 1", "verify the audit log hash chain; exit status 1 on any problem", (*app).auditVerify},
	}
}

// admin dispatches "yanglao admin <sub-command>"; "audit verify" is accepted for "audit-verify".
func (a *app) admin(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := a.stderr
		if len(args) > 0 {
			w = a.stdout
		}
		fmt.Fprintln(w, "用法 (usage): yanglao admin <命令 command> [参数 flags]\n\n命令 (commands):")
		for _, c := range adminCommands {
			fmt.Fprintf(w, "  %-15s %s (%s)\n", c.name, c.zh, c.en)
		}
		if len(args) == 0 {
			return &exitError{exitUsage}
		}
		return nil
	}
	name, rest := args[0], args[1:]
	if name == "audit" && len(rest) > 0 && rest[0] == "verify" {
		name, rest = "audit-verify", rest[1:]
	}
	for _, c := range adminCommands {
		if c.name == name {
			return c.run(a, ctx, rest)
		}
	}
	return usageErrorf("未知的 admin 命令 %q，运行 yanglao admin help 查看", "unknown admin command %q: run yanglao admin help", name)
}

func (a *app) adminFlagSet(name string) *flag.FlagSet {
	for _, c := range adminCommands {
		if c.name == name {
			return a.newFlagSet("admin "+c.name, c.synopsis, c.zh, c.en)
		}
	}
	panic("unknown admin command " + name)
}

func (a *app) createUser(ctx context.Context, args []string) error {
	flags := a.adminFlagSet("create-user")
	username := flags.String("username", "", "用户名：字母、数字、. _ - (username: letters, digits, . _ -)")
	name := flags.String("name", "", "姓名，默认同用户名 (display name; default: the username)")
	role := flags.String("role", "", "角色 (role): "+roleList())
	region := flags.String("region", "", "所属区划代码，12 位或 2/4/6/9 位简写 (region code, 12 digits or a 2/4/6/9-digit prefix)")
	org := flags.Int64("org", 0, "所属机构编号，机构员工角色必填 (organisation id; required for operator, dispatcher, caregiver)")
	pwFile := flags.String("password-file", "", "从文件读取密码，- 表示标准输入；不给则生成并显示一次 (read the password from FILE, - for stdin; default: generate one and print it once)")
	cfg, err := a.loadConfig(flags, args, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	for _, req := range [][2]string{{"username", *username}, {"role", *role}, {"region", *region}} {
		if req[1] == "" {
			return usageErrorf("缺少 --%s", "--%s is required", req[0])
		}
	}
	if !yanglao.Role(*role).Valid() {
		return usageErrorf("未知角色 %q，可用：%s", "unknown role %q; use one of: %s", *role, roleList())
	}
	pw, err := a.readPassword(*pwFile)
	if err != nil {
		return err
	}
	generated := pw == ""
	if generated {
		pw = generatePassword()
	}
	u := &yanglao.User{Username: *username, DisplayName: *name, Role: yanglao.Role(*role), RegionCode: normalizeRegion(*region)}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	if *org != 0 {
		u.OrgID = org
	}
	log := a.logger(cfg)
	s, err := a.open(ctx, cfg, log, withRegion)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.users.CreateUser(system(ctx), u, pw); err != nil {
		return err
	}
	where := u.RegionCode
	if r, err := s.regions.Region(ctx, u.RegionCode); err == nil {
		where += " " + r.Name
	}
	fmt.Fprintf(a.stdout, "已创建账号 (account created): id=%d username=%s role=%s (%s) region=%s\n",
		u.ID, u.Username, u.Role, u.Role.Name("zh"), where)
	if generated {
		a.printPassword(u.Username, pw)
	}
	return nil
}

func (a *app) printPassword(username, pw string) {
	fmt.Fprintf(a.stdout, "%s 的初始密码（只显示这一次，请妥善保管）(password of %s, shown only once):\n  %s\n", username, username, pw)
}

func (a *app) resetPassword(ctx context.Context, args []string) error {
	flags := a.adminFlagSet("reset-password")
	username := flags.String("username", "", "用户名 (username)")
	pwFile := flags.String("password-file", "", "从文件读取新密码，- 表示标准输入；不给则生成并显示一次 (read the new password from FILE, - for stdin; default: generate one and print it once)")
	cfg, err := a.loadConfig(flags, args, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	if *username == "" {
		return usageErrorf("缺少 --username", "--username is required")
	}
	pw, err := a.readPassword(*pwFile)
	if err != nil {
		return err
	}
	generated := pw == ""
	if generated {
		pw = generatePassword()
	}
	s, err := a.open(ctx, cfg, a.logger(cfg), migrated)
	if err != nil {
		return err
	}
	defer s.Close()
	sys := system(ctx)
	u, err := s.findUser(sys, *username)
	if err != nil {
		return err
	}
	if err := s.users.SetPassword(sys, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已重置 %s 的密码，解除锁定，结束其全部会话 (password of %s reset, lockout cleared, sessions ended)\n", u.Username, u.Username)
	if u.Disabled {
		fmt.Fprintf(a.stdout, "注意：该账号已停用 (note: this account is disabled)\n")
	}
	if generated {
		a.printPassword(u.Username, pw)
	}
	return nil
}

func (a *app) backup(ctx context.Context, args []string) error {
	flags := a.adminFlagSet("backup")
	out := flags.String("out", "", "备份文件，不能已存在 (backup file; must not exist yet)")
	cfg, err := a.loadConfig(flags, args, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("缺少 --out", "--out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return usageErrorf("--out %s 已存在，不会覆盖", "--out %s already exists; it is never overwritten", *out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if cfg.IsPostgres() {
		return a.pgDump(ctx, cfg, *out)
	}
	s, err := a.open(ctx, cfg, a.logger(cfg), existing)
	if err != nil {
		return err
	}
	defer s.Close()
	// VACUUM INTO makes a consistent copy while serve runs.
	if err := s.db.Backup(ctx, *out); err != nil {
		return fmt.Errorf("备份失败 (backup failed): %w", err)
	}
	// The copy holds password hashes and sealed personal data: owner only.
	if err := os.Chmod(*out, 0o600); err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已备份到 %s (backup written to %s), %d bytes\n", *out, *out, fi.Size())
	fmt.Fprintf(a.stdout, "恢复：停止 serve，删除 %[1]s-wal 和 %[1]s-shm，再把备份复制为 %[1]s\n"+
		"(restore: stop serve, delete %[1]s-wal and %[1]s-shm, then copy the backup to %[1]s)\n", cfg.DB)
	return nil
}

// pgDump backs a PostgreSQL database up with pg_dump when it is installed, and
// otherwise prints the command to run. The password goes through PGPASSWORD,
// never the command line.
func (a *app) pgDump(ctx context.Context, cfg *config.Config, out string) error {
	u, err := url.Parse(cfg.DB)
	if err != nil {
		return err
	}
	pass, hasPass := u.User.Password()
	if hasPass {
		u.User = url.User(u.User.Username())
	}
	dsn := u.String()
	args := []string{"--format=custom", "--no-owner", "--file=" + out, "--dbname=" + dsn}
	restore := "pg_restore --clean --if-exists --no-owner --dbname=" + shellQuote(dsn) + " " + shellQuote(out)
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		fmt.Fprintf(a.stderr, "未找到 pg_dump；请安装 PostgreSQL 客户端后运行 (pg_dump not found; install the PostgreSQL client tools and run):\n")
		fmt.Fprintf(a.stderr, "  PGPASSWORD=… pg_dump %s\n", shellJoin(args))
		fmt.Fprintf(a.stderr, "恢复 (restore):\n  PGPASSWORD=… %s\n", restore)
		return &exitError{exitFailure}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = a.stderr, a.stderr
	cmd.Env = os.Environ()
	if hasPass {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+pass)
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump 失败 (pg_dump failed): %w", err)
	}
	fmt.Fprintf(a.stdout, "已用 pg_dump 备份到 %s (backup written to %s with pg_dump)\n恢复 (restore): PGPASSWORD=… %s\n", out, out, restore)
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, s := range args {
		q[i] = shellQuote(s)
	}
	return strings.Join(q, " ")
}

func (a *app) auditVerify(ctx context.Context, args []string) error {
	flags := a.adminFlagSet("audit-verify")
	cfg, err := a.loadConfig(flags, args, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	s, err := a.open(ctx, cfg, a.logger(cfg), existing)
	if err != nil {
		return err
	}
	defer s.Close()
	checked, problems, err := s.audit.VerifyAudit(system(ctx))
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已检查审计日志 %d 条 (checked %d audit entries)\n", checked, checked)
	for _, p := range problems {
		fmt.Fprintf(a.stdout, "  条目 (entry) %d: %s\n", p.EntryID, p.Reason)
	}
	if len(problems) > 0 {
		fmt.Fprintf(a.stdout, "审计日志校验失败：发现 %d 个问题 (audit log verification FAILED: %d problems)\n", len(problems), len(problems))
		return &exitError{exitFailure}
	}
	fmt.Fprintln(a.stdout, "审计日志哈希链完整 (audit chain intact)")
	return nil
}

func roleList() string {
	names := make([]string, len(yanglao.Roles))
	for i, r := range yanglao.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
