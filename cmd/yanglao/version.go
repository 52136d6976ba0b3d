package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/yanglao/yanglao/sqldb"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
// Otherwise the module version from the build info is used, if any.
var version = ""

// buildInfo describes this binary.
type buildInfo struct {
	Version, Commit, CommitTime string
	Modified                    bool
	Go                          string
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// String is the version shown in the web UI and the logs, such as "dev+1a2b3c4d5e6f-dirty".
func (b buildInfo) String() string {
	s := b.Version
	c := b.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	// A pseudo-version (v0.0.0-20250101000000-1a2b3c4d5e6f+dirty) names the commit already.
	if c != "" && !strings.Contains(s, c) {
		s += "+" + c
		if b.Modified {
			s += "-dirty"
		}
	}
	return s
}

// knownSchema is the newest migration compiled into the binary. It asks an
// in-memory SQLite database, so no file is touched.
func knownSchema(ctx context.Context) (int, error) {
	db, err := sqldb.Open(ctx, ":memory:")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	_, known, err := db.SchemaVersion(ctx)
	return known, err
}

func (a *app) version(ctx context.Context, args []string) error {
	flags := a.newFlagSet("version", "", "显示版本信息", "print version information")
	if err := parse(flags, args); err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	b := readBuildInfo()
	fmt.Fprintf(a.stdout, "yanglao %s\n", b.Version)
	commit := b.Commit
	if commit == "" {
		commit = "unknown"
	}
	if b.CommitTime != "" {
		commit += " (" + b.CommitTime + ")"
	}
	if b.Modified {
		commit += " 有未提交修改 (modified)"
	}
	fmt.Fprintf(a.stdout, "提交 (commit):        %s\n", commit)
	fmt.Fprintf(a.stdout, "Go:                   %s %s/%s\n", b.Go, runtime.GOOS, runtime.GOARCH)
	known, err := knownSchema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "数据库结构 (schema):  %d\n", known)
	return nil
}
