// Command yanglao is the whole platform in one binary: the web server and API
// (serve), database upgrades (migrate), operator tools (admin), region data
// (regions import), a demo county (demo) and version information.
//
// Each command group lives in its own file; this file is the dispatcher, the
// usage text and the mapping of errors to exit status (0 ok, 1 failure, 2 usage).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/regiondata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so a second Ctrl-C
		// ends a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	code := newApp().run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// app is one invocation: its streams, its environment and the hooks tests replace.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	// shippedRegions returns the region tree shipped in the binary.
	shippedRegions func() ([]*yanglao.Region, error)
	// onListen, when set, is told serve's real address once it listens.
	onListen func(addr string)
}

func newApp() *app {
	return &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookupEnv: os.LookupEnv, shippedRegions: regiondata.All}
}

// Exit status.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one sub-command (or group, which dispatches again on its first argument).
type command struct {
	name     string
	synopsis string // after "yanglao <name>"
	zh, en   string
	run      func(a *app, ctx context.Context, args []string) error
}

// commands is set in init because help refers to it.
var commands []*command

func init() {
	commands = []*command{
		{"serve", "[flags]", "启动网页和接口服务", "start the web UI and API server", (*app).serve},
		{"migrate", "[flags]", "升级数据库结构并显示版本", "apply database migrations and print versions", (*app).migrate},
		{"demo", "[--county 431002] [flags]", "建立演示县区，每个角色一个账号（生产模式禁止）", "set up a demo county with one account per role (not in production)", (*app).demo},
		{"admin", "create-user|reset-password|backup|audit-verify [flags]", "管理员工具", "administrator tools", (*app).admin},
		{"benefits", "grant [--date YYYY-MM-DD] [flags]", "待遇静默认证（手动运行每日任务）", "silent granting of benefits (run the daily job by hand)", (*app).benefits},
		{"batch", "run|status|export [flags]", "月度发放批次：运行、查看、导出银行文件", "monthly payment batches: run, status, bank file export", (*app).batch},
		{"regions", "import FILE [flags]", "导入区划数据文件", "import a region data file", (*app).regions},
		{"version", "", "显示版本信息", "print version information", (*app).version},
		{"help", "[command]", "显示帮助", "show help", (*app).help},
	}
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run executes args and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-v", "-version", "--version":
		name = "version"
	}
	c := lookupCommand(name)
	if c == nil {
		fmt.Fprintf(a.stderr, "yanglao: 未知命令 %q (unknown command %q)\n运行 yanglao help 查看命令 (run yanglao help for the list)\n", name, name)
		return exitUsage
	}
	return a.report(c.run(a, ctx, args[1:]))
}

// Errors that decide the exit status.
type (
	// usageError is a wrong command line: exit 2.
	usageError struct{ zh, en string }
	// exitError carries a status whose reason has already been printed.
	exitError struct{ code int }
)

func (e *usageError) Error() string { return e.zh + " (" + e.en + ")" }
func (e *exitError) Error() string  { return fmt.Sprintf("exit status %d", e.code) }

func usageErrorf(zh, en string, args ...any) error {
	return &usageError{fmt.Sprintf(zh, args...), fmt.Sprintf(en, args...)}
}

// flagNames maps a domain error's field to the flag that supplied it.
var flagNames = map[string]string{
	"username": "--username", "display_name": "--name", "role": "--role",
	"region_code": "--region", "org_id": "--org", "password": "--password-file",
}

// report prints err and returns its exit status.
func (a *app) report(err error) int {
	var (
		ue *usageError
		ee *exitError
		de *yanglao.Error
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "yanglao: %s\n", ue)
		return exitUsage
	case len(config.Errors(err)) > 0:
		for _, e := range config.Errors(err) {
			fmt.Fprintf(a.stderr, "yanglao: %s\n", e)
		}
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(a.stderr, "yanglao: 已中断 (interrupted)")
		return exitFailure
	case errors.As(err, &de):
		msg := de.Message
		if f := de.Field; f != "" {
			if fl, ok := flagNames[f]; ok {
				f = fl
			}
			msg = f + ": " + msg
		}
		fmt.Fprintf(a.stderr, "yanglao: %s\n", msg)
		if de.Code == yanglao.EINVALID {
			return exitUsage
		}
		return exitFailure
	}
	fmt.Fprintf(a.stderr, "yanglao: 错误 (error): %v\n", err)
	return exitFailure
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `yanglao — 养老服务综合平台 (elderly-care service platform)

用法 (usage):  yanglao <命令 command> [参数 flags]

命令 (commands):
`)
	lines := [][2]string{}
	for _, c := range commands {
		switch c.name {
		case "admin":
			for _, s := range adminCommands {
				lines = append(lines, [2]string{"admin " + s.name, s.zh + " (" + s.en + ")"})
			}
		default:
			name := c.name
			if c.name == "regions" {
				name = "regions import FILE"
			}
			lines = append(lines, [2]string{name, c.zh + " (" + c.en + ")"})
		}
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-23s %s\n", l[0], l[1])
	}
	fmt.Fprint(w, `
配置 (configuration): 命令行参数 > YANGLAO_* 环境变量 > --config 配置文件 > 默认值
  (flags > YANGLAO_* environment > --config file > defaults); YANGLAO_<KEY>_FILE reads a
  value from a file. Keys: data, db, addr, production, log_level, log_format, mqtt,
  encryption_key. 不带参数的 serve 使用 ./data/yanglao.db 并监听 127.0.0.1:8080
  (serve with no flags uses ./data/yanglao.db and listens on 127.0.0.1:8080).

退出状态 (exit status): 0 成功 (ok), 1 运行失败 (failure), 2 用法错误 (usage error).
运行 yanglao help <命令> 查看参数 (run yanglao help <command> for its flags).
`)
}

// help prints the general usage, or a command's flags.
func (a *app) help(ctx context.Context, args []string) error {
	if len(args) == 0 {
		a.usage(a.stdout)
		return nil
	}
	c := lookupCommand(args[0])
	if c == nil || c.name == "help" {
		return usageErrorf("未知命令 %q", "unknown command %q", args[0])
	}
	if c.name == "version" {
		fmt.Fprintln(a.stdout, "yanglao version — "+c.zh+" ("+c.en+")")
		return nil
	}
	return c.run(a, ctx, append(append([]string{}, args[1:]...), "-h"))
}

// newFlagSet returns a flag set whose usage is bilingual and whose -h is not an error.
func (a *app) newFlagSet(name, synopsis, zh, en string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "用法 (usage): yanglao %s %s\n  %s (%s)\n\n参数 (flags):\n", name, synopsis, zh, en)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning -h into a clean exit and bad flags into exit 2
// (the flag package has printed the reason and the usage).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{exitOK}
		}
		return &exitError{exitUsage}
	}
	return nil
}

// noArgs refuses positional arguments a command does not take.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageErrorf("多余的参数 %q", "unexpected argument %q", strings.Join(fs.Args(), " "))
	}
	return nil
}
