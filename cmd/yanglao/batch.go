package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
)

// batch runs and inspects monthly payment batches from the command line, as
// the platform (a scheduled run). Approval needs a signed-in official other
// than the runner, so it is done in the web UI or the API.
//
//	yanglao batch run --region 431002000000 --month 2026-02
//	yanglao batch status ID
//	yanglao batch export ID --out FILE.csv|.xlsx [--region CODE]
func (a *app) batch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErrorf("用法：yanglao batch run|status|export …", "usage: yanglao batch run|status|export …")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "run", "status", "export":
	default: // "-h" from `yanglao help batch` included: answer with usage before touching the database
		return usageErrorf("用法：yanglao batch run|status|export …（未知：%s）", "usage: yanglao batch run|status|export … (unknown: %s)", sub)
	}
	fs := a.newFlagSet("batch "+sub, "[flags]", "月度发放批次", "monthly payment batches")
	region := fs.String("region", "", "地区代码（12位）(region code, 12 digits)")
	month := fs.String("month", "", "月份 YYYY-MM (month)")
	out := fs.String("out", "", "导出文件（.csv 或 .xlsx）(output file, .csv or .xlsx)")
	cfg, err := a.loadConfig(fs, args, storeFlags...)
	if err != nil {
		return err
	}
	log := a.logger(cfg)
	s, err := a.open(ctx, cfg, log, migrated)
	if err != nil {
		return err
	}
	defer s.Close()
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	bs := sqldb.NewBatchService(s.db, box)
	bs.Lists = sqldb.NewBenefitService(s.db)
	sys := system(ctx)
	switch sub {
	case "run":
		if *region == "" || *month == "" {
			return usageErrorf("请给出 --region 和 --month", "--region and --month are required")
		}
		b, created, err := bs.CreateBatch(sys, *region, *month)
		if err != nil {
			return err
		}
		if !created {
			fmt.Fprintf(a.stdout, "批次 %d 已存在，状态 %s，继续 (batch %d exists, status %s: resuming)\n", b.ID, b.Status, b.ID, b.Status)
		}
		start := time.Now()
		bs.SetAfterPage(func(pages int) {
			if pages%20 == 0 {
				if cur, err := bs.Batch(sys, b.ID); err == nil {
					fmt.Fprintf(a.stdout, "  %d / %d\n", cur.Progress, cur.PeopleTotal)
				}
			}
		})
		if b, err = bs.RunBatch(sys, b.ID); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "批次 (batch) %d %s %s: %s, %d 人 (people), %d 条 (lines), ¥%s, 补发追回 (corrections) %d, 暂停 (held) %d, %s\n",
			b.ID, b.RegionCode, b.Month, b.Status, b.Progress, b.Lines, sqldb.FenText(b.TotalFen), b.Corrections, b.Errors, time.Since(start).Round(time.Millisecond))
		return nil
	case "status", "export":
		if fs.NArg() != 1 {
			return usageErrorf("请给出批次编号", "give the batch id")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageErrorf("批次编号应为数字", "the batch id must be a number")
		}
		if sub == "status" {
			b, err := bs.Batch(sys, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "批次 (batch) %d %s %s: %s, %d/%d 人 (people), %d 条 (lines), ¥%s\n",
				b.ID, b.RegionCode, b.Month, b.Status, b.Progress, b.PeopleTotal, b.Lines, sqldb.FenText(b.TotalFen))
			return nil
		}
		if *out == "" {
			return usageErrorf("请给出 --out 文件", "--out is required")
		}
		format := register.CSV
		if len(*out) > 5 && (*out)[len(*out)-5:] == ".xlsx" {
			format = register.XLSX
		}
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w, err := register.NewWriter(f, format, register.XLSXOptions{Sheet: "代发明细"})
		if err != nil {
			return err
		}
		if err := w.Row([]string{"明细号 (line)", "姓名 (name)", "身份证号 (citizen ID)", "地区 (region)", "项目代码 (item)", "项目 (item name)",
			"所属月份 (for month)", "类别 (kind)", "金额（元） (amount, yuan)"}); err != nil {
			return err
		}
		n := 0
		if err := bs.ExportBatch(sys, id, *region, func(x *yanglao.ExportLine) error {
			n++
			return w.Row([]string{strconv.FormatInt(x.LineID, 10), x.Name, x.IDNumber, x.Region, x.ItemCode, x.ItemName, x.ForMonth, x.Kind, sqldb.FenText(x.AmountFen)})
		}); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "已导出 %d 条到 %s (exported %d lines to %s)\n", n, *out, n, *out)
		return f.Close()
	}
	return usageErrorf("未知的子命令 %s", "unknown sub-command %s", sub)
}
