package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/visitrules"
)

// demoCareVisits gives the demo county a care-visit programme to click
// through (issue 6): the seeds' default rules for the county, a few people in
// the worker's township who are on the list, this month's list, the demo
// worker as the visitor of everyone there without one, and visits to every
// other person of the worker's first twenty, so the month's rate is neither
// 0 nor 100 %. Re-running changes nothing: rules are added once, people are
// found by citizen ID, and visits carry request keys.
func (a *app) demoCareVisits(ctx context.Context, cfg *config.Config, s *store, d *demoSetup) error {
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	sys := system(ctx)
	people := sqldb.NewPersonService(s.db, box)
	cvs := sqldb.NewCareVisitService(s.db)
	var worker *demoAccount
	for i := range d.accounts {
		if d.accounts[i].user.Role == yanglao.RoleWorker {
			worker = &d.accounts[i]
		}
	}
	if worker == nil {
		return nil
	}
	rules, err := cvs.CareRules(sys, d.county.Code)
	if err != nil {
		return err
	}
	own := false
	for _, r := range rules {
		own = own || !r.Inherited
	}
	if !own {
		for _, r := range visitrules.Defaults(d.county.Code, yanglao.Date{Year: 2025, Month: time.January, Day: 1}) {
			cr := &yanglao.CareRule{Region: r.Region, Group: r.Group, PerMonth: r.PerMonth, MinAge: r.MinAge, From: r.From, Source: r.Source}
			if err := cvs.SaveCareRule(sys, cr); err != nil {
				return fmt.Errorf("demo visit rules: %w", err)
			}
		}
	}
	village, err := firstChild(ctx, s, worker.region.Code, yanglao.LevelVillage)
	if err != nil {
		return err
	}
	if village == nil {
		village = worker.region
	}
	// People in special difficulty in the worker's village; fixed birthdays and
	// sequence codes above 900 (clear of the generated population) give the same IDs every run.
	for i, sp := range []struct {
		name, living, status string
		birth                time.Time
	}{
		{"张桂英", "alone", "", time.Date(1941, time.May, 3, 0, 0, 0, 0, time.UTC)},
		{"刘德明", "with_children", "", time.Date(1938, time.August, 21, 0, 0, 0, 0, time.UTC)},
		{"陈玉梅", "with_children", "disabled", time.Date(1947, time.February, 11, 0, 0, 0, 0, time.UTC)},
		{"赵春生", "alone", "tekun_dispersed", time.Date(1950, time.December, 1, 0, 0, 0, 0, time.UTC)},
	} {
		id := idcard.Generate(d.county.Code[:6], sp.birth, 911+2*i)
		found, _, err := people.People(sys, yanglao.PersonFilter{Query: id})
		if err != nil {
			return err
		}
		if len(found) > 0 {
			continue
		}
		p := &yanglao.Person{Name: sp.name, IDNumber: id, ResidenceCode: village.Code, Living: sp.living, Address: village.Name + "（演示）"}
		if err := people.CreatePerson(sys, p); err != nil {
			return fmt.Errorf("demo visit person: %w", err)
		}
		if sp.status != "" {
			if err := people.AddStatus(sys, &yanglao.Status{PersonID: p.ID, Kind: sp.status, Source: "民政（演示）", Start: yanglao.Date{Year: 2024, Month: time.January, Day: 1}}); err != nil {
				return err
			}
		}
	}
	if _, err := cvs.RefreshTargets(sys, d.county.Code, ""); err != nil {
		return err
	}
	if _, err := cvs.Assign(sys, yanglao.AssignRequest{RegionCode: worker.region.Code, UserID: worker.user.ID}); err != nil {
		return err
	}
	as := yanglao.NewContextWithActor(ctx, yanglao.ActorOf(worker.user, "127.0.0.1"))
	mine, _, err := cvs.CareTargets(as, yanglao.CareTargetFilter{Mine: true, Page: yanglao.Page{Limit: 20}})
	if err != nil {
		return err
	}
	today := yanglao.DateOf(time.Now())
	for i, t := range mine {
		if i%2 == 1 || len(mine) < 2 {
			continue
		}
		v := &yanglao.CareVisit{PersonID: t.PersonID, Date: today, Mode: "in_person", Health: "good", Needs: []string{"companionship"},
			Note: "演示探访", RequestKey: fmt.Sprintf("demo-%s-%d", t.Month, t.PersonID)}
		if err := cvs.RecordVisit(as, v, nil); err != nil {
			return fmt.Errorf("demo visit: %w", err)
		}
	}
	return nil
}
