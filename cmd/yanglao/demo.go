package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
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
	flags := a.newFlagSet("demo", "[--county 431002] [flags]",
		"建立演示县区：示范机构和每个角色一个账号；可重复运行，每次重置演示密码；生产模式禁止",
		"set up a demo county: sample organisations and one account per role; safe to re-run, which resets the demo passwords; refused in production")
	county := flags.String("county", DefaultDemoCounty, "演示县区的区划代码，6 位或 12 位 (county code, 6 or 12 digits)")
	pwFile := flags.String("password-file", "", "所有演示账号使用此文件中的密码，- 表示标准输入；默认每个账号随机生成 (give every demo account the password in FILE, - for stdin; default: a new random one each)")
	// demo = true makes the configuration refuse production mode, naming this command.
	cfg, err := a.loadConfigWith(flags, args, map[string]string{"demo": "true"}, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(flags); err != nil {
		return err
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
	return a.publishDemo(cfg, d)
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
