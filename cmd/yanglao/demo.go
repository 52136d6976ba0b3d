package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/demogen"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/register"
	"github.com/yanglao/yanglao/sqldb"
)

// DefaultDemoCounty is 郴州市北湖区, whose townships and villages ship with the binary.
const DefaultDemoCounty = "431002"

// demoAccountsFile is written into the data folder, for people and browser tests.
const demoAccountsFile = "demo-accounts.txt"

// demoAccount is one account the demo set up, with the password it has now.
type demoAccount struct {
	user     *yanglao.User
	password string
	region   *yanglao.Region
	org      *yanglao.Org
}

// demoSetup is what the demo created or found.
type demoSetup struct {
	county   *yanglao.Region
	place    string // 湖南省 郴州市 北湖区
	orgs     []*yanglao.Org
	accounts []demoAccount
}

func (a *app) demo(ctx context.Context, args []string) error {
	flags := a.newFlagSet("demo", "[--county 431002] [--people N [--seed S]] [flags]",
		"建立演示县区：示范机构和每个角色一个账号，--people 另生成演示老年人；可重复运行，每次重置演示密码；生产模式禁止",
		"set up a demo county: sample organisations and one account per role, and with --people a population of older people; safe to re-run, which resets the demo passwords; refused in production")
	county := flags.String("county", DefaultDemoCounty, "演示县区的区划代码，6 位或 12 位 (county code, 6 or 12 digits)")
	pwFile := flags.String("password-file", "", "所有演示账号使用此文件中的密码，- 表示标准输入；默认每个账号随机生成 (give every demo account the password in FILE, - for stdin; default: a new random one each)")
	people := flags.Int("people", 0, "另外生成 N 位演示老年人，含身份和能力评估；0 表示不生成 (also generate N older people with statuses and assessments; 0: none)")
	seed := flags.Uint64("seed", demogen.DefaultSeed, "演示人口的随机种子：同一种子同一年生成同样的人 (seed of the demo population: the same seed in the same year gives the same people)")
	// demo = true makes the configuration refuse production mode, naming this command.
	cfg, err := a.loadConfigWith(flags, args, map[string]string{"demo": "true"}, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
	}
	if *people < 0 || *people > demogen.MaxPeople {
		return usageErrorf("--people 应在 0 到 %d 之间", "--people must be 0 to %d", demogen.MaxPeople)
	}
	pw, err := a.readPassword(*pwFile)
	if err != nil {
		return err
	}
	log := a.logger(cfg)
	s, err := a.open(ctx, cfg, log, withRegion)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := setupDemo(ctx, s, *county, pw)
	if err != nil {
		return err
	}
	if err := a.linkDemoElder(ctx, cfg, s, d); err != nil {
		return err
	}
	canteens, err := a.demoCanteens(ctx, cfg, s, d, pw) // before publishing: it adds the canteen staff account
	if err != nil {
		return err
	}
	if err := a.publishDemo(cfg, d); err != nil {
		return err
	}
	if *people > 0 {
		if err := a.demoPeople(ctx, cfg, s, d.county, *people, *seed); err != nil {
			return err
		}
	}
	if err := a.demoCareVisits(ctx, cfg, s, d); err != nil {
		return err
	}
	if err := a.demoOrders(ctx, cfg, s, d); err != nil {
		return err
	}
	if err := a.demoServices(ctx, cfg, s, d); err != nil {
		return err
	}
	if err := a.demoMeals(ctx, cfg, s, d, canteens); err != nil {
		return err
	}
	return a.demoAlarms(ctx, cfg, s, d)
}

// demoPeople generates n older people in the county (package demogen) and
// stores them, printing progress: the people with their first status and
// contact through the register's bulk import (a CSV in the data folder,
// removed afterwards), then what a file cannot carry through the services —
// further statuses, guardians, deaths and moves, assessments. Ages are
// reckoned on 1 January of this year, so the same seed gives the same people
// all year; running again changes nothing (the import upserts by citizen ID,
// assessments carry an idempotency key) and finishes an interrupted run.
func (a *app) demoPeople(ctx context.Context, cfg *config.Config, s *store, county *yanglao.Region, n int, seed uint64) error {
	sys := system(ctx)
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	// The county's subtree and its ancestors (fallback centres for coordinates).
	regions, err := s.regions.Ancestors(ctx, county.Code)
	if err != nil {
		return err
	}
	regions = append(regions, county)
	towns, err := s.regions.Children(ctx, county.Code)
	if err != nil {
		return err
	}
	regions = append(regions, towns...)
	for _, t := range towns {
		villages, err := s.regions.Children(ctx, t.Code)
		if err != nil {
			return err
		}
		regions = append(regions, villages...)
	}
	asOf := yanglao.Date{Year: yanglao.DateOf(s.db.Now()).Year, Month: time.January, Day: 1}
	g, err := demogen.New(regions, county.Code, demogen.Options{Seed: seed, AsOf: asOf})
	if err != nil {
		return err
	}
	people := sqldb.NewPersonService(s.db, box)
	assessments := sqldb.NewAssessmentService(s.db)
	w := a.stdout
	fmt.Fprintf(w, "\n演示人口 (demo population): %d 人 (people), seed %d, 年龄按 %s 计 (ages as of %s)\n", n, seed, asOf, asOf)
	start := time.Now()

	// 1. The file.
	f, err := os.CreateTemp(cfg.DataDir, "demo-people-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := writeDemoPeople(f, g, n); err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  生成 (generated) %d 人: %s\n", n, time.Since(start).Round(time.Millisecond))

	// 2. The bulk import, with its progress.
	step := time.Now()
	u := &register.Upload{Kind: register.People, Mode: register.ValidRows, Format: register.CSV,
		FileName: fmt.Sprintf("demo-%s-seed%d-%d.csv", county.Code[:6], seed, n), File: f, Size: info.Size()}
	job, err := people.BeginImport(sys, u)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if j, err := people.ImportJob(sys, job.ID); err == nil {
					fmt.Fprintf(w, "  导入 (import) %d/%d  %s\n", j.Done, n, time.Since(step).Round(time.Second))
				}
			}
		}
	}()
	job, err = people.RunImport(sys, job, u)
	close(done)
	if err != nil {
		return fmt.Errorf("导入中断，再次运行即可继续 (the import was interrupted; run again to continue): %w", err)
	}
	if job.Status != register.Done || job.Rejected > 0 {
		return fmt.Errorf("演示人口导入未完成 (demo import did not finish): job %d %s, %d rows rejected: %s", job.ID, job.Status, job.Rejected, job.Error)
	}
	fmt.Fprintf(w, "  导入 (imported): 新增 %d、更新 %d、不变 %d (created, updated, unchanged): %s\n",
		job.Created, job.Updated, job.Same, time.Since(step).Round(time.Millisecond))

	// 3. The rest, person by person.
	step = time.Now()
	last := step
	var statuses, updated, assessed int
	i := -1
	for p := range g.People(n) {
		i++
		if len(p.Statuses) <= 1 && p.Guardian == nil && p.Life == yanglao.Alive && p.Assessment == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("已中断，再次运行即可补齐 (interrupted; run again to finish): %w", err)
		}
		found, _, err := people.People(sys, yanglao.PersonFilter{Query: p.IDNumber, Page: yanglao.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return fmt.Errorf("第 %d 人导入后找不到 (person %d not found after the import)", i+1, i+1)
		}
		stored := found[0]
		for _, st := range p.Statuses[min(1, len(p.Statuses)):] {
			st.PersonID = stored.ID
			err := people.AddStatus(sys, st)
			if yanglao.ErrorCode(err) == yanglao.EINVALID && yanglao.ErrorField(err) == "start" {
				continue // an earlier run added it (the register refuses overlapping statuses of a kind)
			}
			if err != nil {
				return fmt.Errorf("第 %d 人的身份 %s (person %d, status %s): %w", i+1, st.Kind, i+1, st.Kind, err)
			}
			statuses++
		}
		// A guardian, a death or a move: once, on the record as imported.
		if (p.Guardian != nil || p.Life != yanglao.Alive) && stored.Version == 1 {
			p.ID, p.Version = stored.ID, stored.Version
			if err := people.UpdatePerson(sys, p.Person); err != nil {
				return fmt.Errorf("第 %d 人 (person %d): %w", i+1, i+1, err)
			}
			updated++
		}
		if p.Assessment != nil {
			rec := p.Assessment.Record(stored.ID)
			rec.RequestKey = fmt.Sprintf("demo-%d-%d", seed, i)
			if err := assessments.CreateAssessment(sys, rec); err != nil {
				return fmt.Errorf("第 %d 人的能力评估 (person %d, assessment): %w", i+1, i+1, err)
			}
			if !rec.CreatedAt.Before(step) { // not one an earlier run stored under the same key
				assessed++
			}
		}
		if now := time.Now(); now.Sub(last) >= 5*time.Second {
			last = now
			fmt.Fprintf(w, "  身份和评估 (statuses and assessments) %d/%d  %s\n", i+1, n, now.Sub(step).Round(time.Second))
		}
	}
	fmt.Fprintf(w, "  另加 %d 条身份、%d 人的监护人或生存状态、%d 份能力评估 (added %d statuses, %d guardians or life statuses, %d assessments): %s\n",
		statuses, updated, assessed, statuses, updated, assessed, time.Since(step).Round(time.Millisecond))
	fmt.Fprintf(w, "演示人口完成，用时 %s (demo population done in %s)\n",
		time.Since(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return nil
}

// writeDemoPeople writes the people as a register import file: every column
// of the template, the first contact and the first status.
func writeDemoPeople(f *os.File, g *demogen.Generator, n int) error {
	bw := bufio.NewWriterSize(f, 1<<20)
	cw, err := register.NewCSVWriter(bw)
	if err != nil {
		return err
	}
	row := make([]string, len(register.PeopleColumns))
	col := map[string]int{}
	for i, c := range register.PeopleColumns {
		row[i] = c.Key
		col[c.Key] = i
	}
	if err := cw.Row(row); err != nil {
		return err
	}
	set := func(key, v string) { row[col[key]] = v }
	for p := range g.People(n) {
		clear(row)
		set(register.ColName, p.Name)
		set(register.ColIDNumber, p.IDNumber)
		set(register.ColPhones, strings.Join(p.Phones, ";"))
		set(register.ColResidence, p.ResidenceCode)
		set(register.ColHousehold, p.HouseholdCode)
		set(register.ColAddress, p.Address)
		if p.Lng != nil {
			set(register.ColLng, strconv.FormatFloat(*p.Lng, 'f', 6, 64))
			set(register.ColLat, strconv.FormatFloat(*p.Lat, 'f', 6, 64))
		}
		set(register.ColEthnicity, p.Ethnicity)
		set(register.ColLiving, p.Living)
		set(register.ColDisabilityCert, p.DisabilityCert)
		if p.DisabilityGrade > 0 {
			set(register.ColDisabilityGrade, strconv.Itoa(p.DisabilityGrade))
		}
		set(register.ColChronic, strings.Join(p.Chronic, "、"))
		if len(p.Contacts) > 0 {
			c := p.Contacts[0]
			set(register.ColContactName, c.Name)
			set(register.ColContactRelation, c.Relation)
			set(register.ColContactPhone, c.Phone)
		}
		if len(p.Statuses) > 0 {
			st := p.Statuses[0]
			set(register.ColStatusKind, st.Kind)
			set(register.ColStatusSource, st.Source)
			set(register.ColStatusStart, st.Start.String())
			set(register.ColStatusEnd, st.End.String())
		}
		if err := cw.Row(row); err != nil {
			return err
		}
	}
	if err := cw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// setupDemo creates, or finds from an earlier run, the demo organisations and
// one account per role in the county, and sets every demo password afresh.
func setupDemo(ctx context.Context, s *store, countyCode, fixedPassword string) (*demoSetup, error) {
	sys := system(ctx)
	code := normalizeRegion(countyCode)
	county, err := s.regions.Region(ctx, code)
	if err != nil {
		if yanglao.ErrorCode(err) == yanglao.ENOTFOUND || yanglao.ErrorCode(err) == yanglao.EINVALID {
			return nil, usageErrorf("--county：区划 %s 不存在", "--county: region %s does not exist", countyCode)
		}
		return nil, err
	}
	if county.Level != yanglao.LevelCounty || county.Placeholder {
		return nil, usageErrorf("--county：%s %s 不是县级区划", "--county: %s %s is not a county-level region", county.Code, county.Name)
	}
	town, err := firstChild(ctx, s, county.Code, yanglao.LevelTownship)
	if err != nil {
		return nil, err
	}
	if town == nil {
		return nil, usageErrorf("--county：%s %s 下没有乡镇街道", "--county: %s %s has no townships", county.Code, county.Name)
	}
	village, err := firstChild(ctx, s, town.Code, yanglao.LevelVillage)
	if err != nil {
		return nil, err
	}
	if village == nil {
		village = town // the national tree stops at townships outside Hunan and Tancheng
	}
	d := &demoSetup{county: county}
	ancestors, err := s.regions.Ancestors(ctx, county.Code)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range ancestors {
		if !r.Placeholder {
			names = append(names, r.Name)
		}
	}
	d.place = strings.Join(append(names, county.Name), " ")

	// One of each kind of organisation whose staff work in the platform, in the demo township.
	orgSpecs := []struct{ kind, suffix string }{
		{yanglao.OrgCareHome, "幸福里养老院"},
		{yanglao.OrgProvider, "颐康居家养老服务中心"},
		{yanglao.OrgCanteen, "长者食堂"},
	}
	orgs := map[string]*yanglao.Org{}
	for _, o := range orgSpecs {
		org, err := ensureOrg(sys, s, &yanglao.Org{Name: county.Name + o.suffix + "（演示）", Kind: o.kind, RegionCode: town.Code})
		if err != nil {
			return nil, err
		}
		orgs[o.kind] = org
		d.orgs = append(d.orgs, org)
	}

	// Where each role sits: officials and county-wide roles at the county, the
	// worker at a township, organisation staff in their organisation, the older
	// person and the family in a village.
	place := map[yanglao.Role]struct {
		region *yanglao.Region
		org    *yanglao.Org
	}{
		yanglao.RoleAdmin:      {county, nil},
		yanglao.RoleOfficial:   {county, nil},
		yanglao.RoleWorker:     {town, nil},
		yanglao.RoleAssessor:   {county, nil},
		yanglao.RoleOperator:   {town, orgs[yanglao.OrgCareHome]},
		yanglao.RoleDispatcher: {town, orgs[yanglao.OrgProvider]},
		yanglao.RoleCaregiver:  {town, orgs[yanglao.OrgProvider]},
		yanglao.RoleEmergency:  {county, nil},
		yanglao.RoleElder:      {village, nil},
		yanglao.RoleFamily:     {village, nil},
	}
	for _, role := range yanglao.Roles {
		p, ok := place[role]
		if !ok { // a role added to the vocabulary later: put it at the county
			p.region = county
		}
		if role.NeedsOrg() && p.org == nil {
			p.org = orgs[yanglao.OrgCareHome]
		}
		want := &yanglao.User{Username: "demo-" + string(role), DisplayName: role.Name("zh") + "（演示）",
			Role: role, RegionCode: p.region.Code}
		if p.org != nil {
			id := p.org.ID
			want.OrgID = &id
		}
		pw := fixedPassword
		if pw == "" {
			pw = generatePassword()
		}
		u, err := ensureDemoUser(sys, s, want, pw, county)
		if err != nil {
			return nil, err
		}
		d.accounts = append(d.accounts, demoAccount{user: u, password: pw, region: p.region, org: p.org})
	}
	return d, nil
}

// firstChild returns the first child of code at level that is not a placeholder, or nil.
func firstChild(ctx context.Context, s *store, code string, level int) (*yanglao.Region, error) {
	children, err := s.regions.Children(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, c := range children {
		if c.Level == level && !c.Placeholder {
			return c, nil
		}
	}
	return nil, nil
}

// ensureOrg returns the organisation of this name, kind and region, creating it if needed.
func ensureOrg(ctx context.Context, s *store, want *yanglao.Org) (*yanglao.Org, error) {
	f := yanglao.OrgFilter{Kind: want.Kind, Query: want.Name, Page: yanglao.Page{Limit: yanglao.MaxPageSize}}
	for {
		orgs, next, err := s.orgs.Orgs(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			if o.Name == want.Name && o.RegionCode == want.RegionCode {
				return o, nil
			}
		}
		if next == "" {
			break
		}
		f.Page.After = next
	}
	if err := s.orgs.CreateOrg(ctx, want); err != nil {
		return nil, err
	}
	return want, nil
}

// ensureDemoUser creates the account, or, when an earlier run made it, enables
// it and sets the new password (which also clears a lockout).
func ensureDemoUser(ctx context.Context, s *store, want *yanglao.User, pw string, county *yanglao.Region) (*yanglao.User, error) {
	u, err := s.findUser(ctx, want.Username)
	if yanglao.ErrorCode(err) == yanglao.ENOTFOUND {
		if err := s.users.CreateUser(ctx, want, pw); err != nil {
			return nil, fmt.Errorf("%s: %w", want.Username, err)
		}
		return want, nil
	} else if err != nil {
		return nil, err
	}
	sameOrg := (u.OrgID == nil) == (want.OrgID == nil) && (u.OrgID == nil || *u.OrgID == *want.OrgID)
	if u.Role != want.Role || u.RegionCode != want.RegionCode || !sameOrg {
		return nil, fmt.Errorf("账号 %s 已存在，但不属于演示县区 %s %s；请使用之前的 --county，或换一个数据目录 "+
			"(account %s exists but not in demo county %s %s: use the --county of the earlier run, or a fresh data folder)",
			u.Username, county.Code, county.Name, u.Username, county.Code, county.Name)
	}
	if u.Disabled {
		enabled := false
		if u, err = s.users.UpdateUser(ctx, u.ID, yanglao.UserUpdate{Disabled: &enabled}); err != nil {
			return nil, err
		}
	}
	if err := s.users.SetPassword(ctx, u.ID, pw); err != nil {
		return nil, fmt.Errorf("%s: %w", u.Username, err)
	}
	return u, nil
}

// publishDemo prints the accounts and writes them to <data>/demo-accounts.txt.
func (a *app) publishDemo(cfg *config.Config, d *demoSetup) error {
	path := filepath.Join(cfg.DataDir, demoAccountsFile)
	if err := writeDemoFile(path, d); err != nil {
		return err
	}
	w := a.stdout
	fmt.Fprintf(w, "演示县区 (demo county): %s (%s)\n演示机构 (demo organisations):", d.place, d.county.Code)
	for _, o := range d.orgs {
		fmt.Fprintf(w, " %s #%d;", o.Name, o.ID)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "username\tpassword\trole\t角色 / 区划 / 机构 (role / region / organisation)")
	for _, acc := range d.accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", acc.user.Username, acc.password, acc.user.Role, describe(acc))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n账号和密码已写入 %s；再次运行会重置这些密码 (accounts written to %s; running demo again resets these passwords)\n", path, path)
	return nil
}

func describe(acc demoAccount) string {
	s := acc.user.Role.Name("zh") + " / " + acc.user.Role.Name("en") + " — " + acc.region.Name
	if acc.org != nil {
		s += " — " + acc.org.Name
	}
	return s
}

// writeDemoFile writes the accounts as tab-separated lines under a commented
// header, readable by people and by scripts (browser tests log in from it).
// The file holds passwords, so only the owner may read it.
func writeDemoFile(path string, d *demoSetup) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# yanglao 演示账号 (demo accounts) — %s %s — %s\n", d.place, d.county.Code, time.Now().Format(time.RFC3339))
	fmt.Fprintf(&b, "# 再次运行 yanglao demo 会重置这些密码 (running yanglao demo again resets these passwords)\n")
	writeDemoTSV(&b, d)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeDemoTSV(w io.Writer, d *demoSetup) {
	fmt.Fprintln(w, "# username\tpassword\trole\tregion_code\torg_id")
	for _, acc := range d.accounts {
		org := ""
		if acc.org != nil {
			org = fmt.Sprint(acc.org.ID)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", acc.user.Username, acc.password, acc.user.Role, acc.user.RegionCode, org)
	}
}

// linkDemoElder gives the demo older person and family member a record to see:
// one registered person in the elder's village, linked to the elder's account
// as self and the family account as child. Re-running finds the same person.
func (a *app) linkDemoElder(ctx context.Context, cfg *config.Config, s *store, d *demoSetup) error {
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	people := sqldb.NewPersonService(s.db, box)
	sys := system(ctx)
	var elder, family *demoAccount
	for i := range d.accounts {
		switch d.accounts[i].user.Role {
		case yanglao.RoleElder:
			elder = &d.accounts[i]
		case yanglao.RoleFamily:
			family = &d.accounts[i]
		}
	}
	if elder == nil || family == nil {
		return nil
	}
	// A fixed birthday and sequence make the same citizen ID every run; 0 after
	// 900 keeps it clear of the generated population's sequence codes; even: a woman (GB 11643 §5.4).
	id := idcard.Generate(d.county.Code[:6], time.Date(1943, time.October, 9, 0, 0, 0, 0, time.UTC), 902)
	found, _, err := people.People(sys, yanglao.PersonFilter{Query: id})
	if err != nil {
		return err
	}
	var p *yanglao.Person
	if len(found) > 0 {
		p = found[0]
	} else {
		p = &yanglao.Person{Name: "李秀兰", IDNumber: id, ResidenceCode: elder.region.Code, Living: "empty_nest",
			Phones: []string{"13800000901"}, Address: elder.region.Name + "幸福路 9 号（演示）",
			Contacts: []yanglao.Contact{{Name: "王建国", Relation: "儿子", Phone: "13900000902"}}}
		if err := people.CreatePerson(sys, p); err != nil {
			return fmt.Errorf("demo elder record: %w", err)
		}
	}
	if err := people.LinkUser(sys, elder.user.ID, p.ID, "self"); err != nil {
		return err
	}
	return people.LinkUser(sys, family.user.ID, p.ID, "child")
}
