package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/yanglao/yanglao/regiondata"
)

// regions dispatches "yanglao regions import FILE".
func (a *app) regions(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return a.regionsImport(ctx, []string{"-h"})
		}
		return usageErrorf("用法：yanglao regions import FILE", "usage: yanglao regions import FILE")
	}
	return a.regionsImport(ctx, args[1:])
}

// regionsImport loads a region file (the regiondata format or the shared 2016
// five-level format, plain or gzipped; "-" is standard input). A file may carry
// just a subtree whose top parents are already in the database. Importing the
// same file twice changes nothing.
func (a *app) regionsImport(ctx context.Context, args []string) error {
	flags := a.newFlagSet("regions import", "FILE [flags]",
		"导入区划数据文件（CSV，可 gzip 压缩；- 表示标准输入；重复导入不会重复）",
		"import a region file (CSV, optionally gzipped; - for stdin; importing twice changes nothing)")
	cfg, err := a.loadConfig(flags, args, storeFlags...)
	if err != nil {
		return err
	}
	if flags.NArg() != 1 {
		return usageErrorf("需要一个文件参数：yanglao regions import FILE", "expected one file: yanglao regions import FILE")
	}
	path := flags.Arg(0)
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("无法打开区划文件 (cannot open region file): %w", err)
		}
		defer f.Close()
		r = f
	}
	log := a.logger(cfg)
	// The shipped tree goes in first, so a file may extend it (a county's villages, say).
	s, err := a.open(ctx, cfg, log, withRegion)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	regions, err := regiondata.ReadWith(r, regiondata.ReadOptions{KnownParent: func(code string) bool {
		_, err := s.regions.Region(ctx, code)
		return err == nil
	}})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	n, err := s.regions.ImportRegions(system(ctx), regions)
	if err != nil {
		return err
	}
	total, err := s.regions.CountRegions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "已导入 %d 个区划，共 %d 个，用时 %s (imported %d regions, %d in all, in %s)\n",
		n, total, time.Since(start).Round(time.Millisecond), n, total, time.Since(start).Round(time.Millisecond))
	return nil
}
