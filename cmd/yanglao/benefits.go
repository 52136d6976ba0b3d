package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/jobs"
	"github.com/yanglao/yanglao/sqldb"
)

// grantJobName is the daily silent-granting job (issue 4, item 4).
const grantJobName = "benefits.grant"

// grantJob is the daily job serve runs: silent granting for the day.
func grantJob(svc *sqldb.BenefitService) jobs.Job {
	return jobs.Job{Name: grantJobName, Hour: 2, Run: func(ctx context.Context, day yanglao.Date) (string, error) {
		rep, err := svc.GrantSilently(ctx, day)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(rep)
		return string(b), nil
	}}
}

// benefits runs the benefits tools: `yanglao benefits grant --date 2026-03-14`
// runs silent granting by hand (idempotent: the same day twice changes nothing).
func (a *app) benefits(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "grant" {
		return usageErrorf("用法：yanglao benefits grant [--date YYYY-MM-DD]", "usage: yanglao benefits grant [--date YYYY-MM-DD]")
	}
	fs := a.newFlagSet("benefits grant", "[flags]", "静默认证：为新符合条件的老年人开通免申请待遇，终止不再符合的待遇",
		"silent granting: grant no-application items to people newly eligible, end those no longer eligible")
	date := fs.String("date", "", "日期 YYYY-MM-DD，默认今天 (date; default today)")
	cfg, err := a.loadConfig(fs, args[1:], storeFlags...)
	if err != nil {
		return err
	}
	log := a.logger(cfg)
	s, err := a.open(ctx, cfg, log, migrated)
	if err != nil {
		return err
	}
	defer s.Close()
	day := yanglao.DateOf(s.db.Now())
	if *date != "" {
		if day, err = yanglao.ParseDate(*date); err != nil {
			return usageErrorf("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
		}
	}
	rep, err := sqldb.NewBenefitService(s.db).GrantSilently(system(ctx), day)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s：%d 个县区 %d 人，新增 %d 项，终止 %d 项，处理生存事件 %d 条 (counties %d, people %d, granted %d, ended %d, life events %d)\n",
		rep.Date, rep.Counties, rep.People, rep.Granted, rep.Ended, rep.Events, rep.Counties, rep.People, rep.Granted, rep.Ended, rep.Events)
	return nil
}
