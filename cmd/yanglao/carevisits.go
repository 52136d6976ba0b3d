package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/jobs"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/visitrules"
)

// careVisitJobName is the daily care-visit job (issue 6).
const careVisitJobName = "carevisits.daily"

// careVisitJob recomputes the month's visit lists from the register (and, in
// the first days of a month, the previous month's on its last day's facts),
// then leaves the month-end reminders due that day.
func careVisitJob(svc *sqldb.CareVisitService) jobs.Job {
	return jobs.Job{Name: careVisitJobName, Hour: 1, Run: func(ctx context.Context, day yanglao.Date) (string, error) {
		months := []string{visitrules.MonthOf(day)}
		if day.Day <= 3 {
			months = append([]string{visitrules.MonthOf(day.AddDays(-day.Day))}, months...)
		}
		var reps []*yanglao.RefreshReport
		for _, m := range months {
			rep, err := svc.RefreshTargets(ctx, "", m)
			if err != nil {
				return "", fmt.Errorf("refresh %s: %w", m, err)
			}
			reps = append(reps, rep)
		}
		n, err := svc.Remind(ctx, day)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(map[string]any{"refresh": reps, "reminders": n})
		return string(b), nil
	}}
}
