package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

func TestMigrateRefusesNewerSchema(t *testing.T) {
	db := tk.NewDB(t)
	ctx := context.Background()
	applied, known, err := db.SchemaVersion(ctx)
	if err != nil || applied != known {
		t.Fatalf("after migrate: applied=%d known=%d err=%v", applied, known, err)
	}
	if n, err := db.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v; want 0, nil", n, err)
	}
	if _, err := db.ExecForTest(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', ?)`, known+1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("migrate on a newer schema: err = %v, want refusal", err)
	}
}

func TestRegions(t *testing.T) {
	db := tk.NewDB(t)
	rs := sqldb.NewRegionService(db)
	ctx := context.Background()

	kids, err := rs.Children(ctx, tk.Beihu)
	if err != nil || len(kids) != 2 || kids[0].Code != tk.TownA || kids[1].Code != tk.TownB {
		t.Fatalf("children of Beihu = %v, %v", kids, err)
	}
	r, err := rs.Region(ctx, tk.Beihu)
	if err != nil || r.ChildCount != 2 || r.Lng == nil || r.Level != 3 {
		t.Fatalf("Beihu = %+v, %v", r, err)
	}
	// Ancestors go through the placeholder 市辖区 node.
	anc, err := rs.Ancestors(ctx, tk.Dongcheng)
	if err != nil || len(anc) != 2 || anc[0].Code != tk.Beijing || anc[1].Code != tk.BeijingSXQ || !anc[1].Placeholder {
		t.Fatalf("ancestors of Dongcheng = %v, %v", anc, err)
	}
	found, _, err := rs.SearchRegions(ctx, yanglao.RegionFilter{Name: "燕泉"})
	if err != nil || len(found) != 2 {
		t.Fatalf("search 燕泉 = %d rows, %v; want 2", len(found), err)
	}
	// SQL-ish and LIKE metacharacters are data, not syntax.
	for _, q := range []string{"%", "_", "' OR 1=1 --", `\`} {
		found, _, err := rs.SearchRegions(ctx, yanglao.RegionFilter{Name: q})
		if err != nil || len(found) != 0 {
			t.Errorf("search %q = %d rows, %v; want none", q, len(found), err)
		}
	}
	// Keyset pages cover everything exactly once.
	seen, after := map[string]bool{}, ""
	for {
		page, next, err := rs.SearchRegions(ctx, yanglao.RegionFilter{Page: yanglao.Page{After: after, Limit: 3}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if seen[r.Code] {
				t.Fatalf("region %s on two pages", r.Code)
			}
			seen[r.Code] = true
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != len(tk.Regions()) {
		t.Fatalf("paged through %d regions, want %d", len(seen), len(tk.Regions()))
	}
	for _, code := range []string{"12345", "43100200100x", "999999999999"} {
		_, err := rs.Region(ctx, code)
		if c := yanglao.ErrorCode(err); c != yanglao.EINVALID && c != yanglao.ENOTFOUND {
			t.Errorf("Region(%q) code %s, want invalid or not found", code, c)
		}
	}
	// Importing the same tree again changes nothing.
	before, _ := rs.CountRegions(ctx)
	if _, err := rs.ImportRegions(tk.System(), tk.Regions()); err != nil {
		t.Fatal(err)
	}
	if after, _ := rs.CountRegions(ctx); after != before {
		t.Fatalf("re-import changed the count from %d to %d", before, after)
	}
}

// TestScopeSiblings is the heart of DESIGN §5: officials of sibling townships
// never see each other's accounts, and the county official sees both.
func TestScopeSiblings(t *testing.T) {
	db := tk.NewDB(t)
	us := sqldb.NewUserService(db)
	county := tk.CreateUser(t, db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	a := tk.CreateUser(t, db, "towna", yanglao.RoleOfficial, tk.TownA, nil)
	b := tk.CreateUser(t, db, "townb", yanglao.RoleOfficial, tk.TownB, nil)
	va := tk.CreateUser(t, db, "villagea", yanglao.RoleWorker, tk.VillageA1, nil)
	bj := tk.CreateUser(t, db, "beijing", yanglao.RoleOfficial, tk.Dongcheng, nil)

	sees := func(actor *yanglao.User) map[string]bool {
		t.Helper()
		list, _, err := us.Users(tk.As(actor), yanglao.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n, err := us.CountUsers(tk.As(actor), yanglao.UserFilter{})
		if err != nil || n != len(list) {
			t.Fatalf("count %d != list %d (%v)", n, len(list), err)
		}
		m := map[string]bool{}
		for _, u := range list {
			m[u.Username] = true
		}
		return m
	}
	for _, tc := range []struct {
		actor *yanglao.User
		want  []string
	}{
		{county, []string{"county", "towna", "townb", "villagea"}},
		{a, []string{"towna", "villagea"}},
		{b, []string{"townb"}},
		{va, []string{"villagea"}}, // a worker manages no accounts: only their own
		{bj, []string{"beijing"}},
	} {
		got := sees(tc.actor)
		if len(got) != len(tc.want) {
			t.Errorf("%s sees %v, want %v", tc.actor.Username, got, tc.want)
		}
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("%s does not see %s", tc.actor.Username, w)
			}
		}
		// Reading one record out of scope is "not found", never the record.
		for _, other := range []*yanglao.User{county, a, b, va, bj} {
			_, err := us.User(tk.As(tc.actor), other.ID)
			visible := got[other.Username]
			if visible && err != nil || !visible && yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
				t.Errorf("%s reading %s: err %v, visible %v", tc.actor.Username, other.Username, err, visible)
			}
		}
	}
	// Filtering by a region outside one's scope still returns nothing outside it.
	list, _, err := us.Users(tk.As(a), yanglao.UserFilter{RegionCode: tk.TownB})
	if err != nil || len(list) != 0 {
		t.Fatalf("towna filtering by TownB: %d users, %v", len(list), err)
	}
	// Writes obey the same scope.
	if _, err := us.UpdateUser(tk.As(a), b.ID, yanglao.UserUpdate{Disabled: ptr(true)}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("towna disabling townb: %v", err)
	}
	nu := &yanglao.User{Username: "intruder", DisplayName: "X", Role: yanglao.RoleWorker, RegionCode: tk.TownB}
	if err := us.CreateUser(tk.As(a), nu, tk.Password); yanglao.ErrorField(err) != "region_code" {
		t.Fatalf("towna creating a user in TownB: %v", err)
	}
	nu = &yanglao.User{Username: "boss", DisplayName: "X", Role: yanglao.RoleAdmin, RegionCode: tk.TownA}
	if err := us.CreateUser(tk.As(a), nu, tk.Password); yanglao.ErrorField(err) != "role" {
		t.Fatalf("official creating an admin: %v", err)
	}
	if err := us.SetPassword(tk.As(a), b.ID, "another-long-password"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("towna resetting townb's password: %v", err)
	}
}

// TestPlaceholderSubtree checks that subtrees under placeholder nodes are judged
// by path: 北京市 contains 东城区 through 市辖区, 湖北省 contains 仙桃市.
func TestPlaceholderSubtree(t *testing.T) {
	db := tk.NewDB(t)
	us := sqldb.NewUserService(db)
	bj := tk.CreateUser(t, db, "bj", yanglao.RoleOfficial, tk.Beijing, nil)
	tk.CreateUser(t, db, "dc", yanglao.RoleWorker, tk.Dongcheng, nil)
	hb := tk.CreateUser(t, db, "hb", yanglao.RoleOfficial, tk.Hubei, nil)
	tk.CreateUser(t, db, "xt", yanglao.RoleWorker, tk.Xiantao, nil)
	for _, tc := range []struct {
		actor *yanglao.User
		want  int
	}{{bj, 2}, {hb, 2}} {
		n, err := us.CountUsers(tk.As(tc.actor), yanglao.UserFilter{})
		if err != nil || n != tc.want {
			t.Errorf("%s counts %d users (%v), want %d", tc.actor.Username, n, err, tc.want)
		}
	}
}

func TestOrgStaffScope(t *testing.T) {
	db := tk.NewDB(t)
	os := sqldb.NewOrgService(db)
	home := tk.CreateOrg(t, db, "北湖区社会福利院", yanglao.OrgCareHome, tk.TownA)
	other := tk.CreateOrg(t, db, "燕泉居家服务中心", yanglao.OrgProvider, tk.TownA)
	op := tk.CreateUser(t, db, "operator", yanglao.RoleOperator, tk.TownA, &home)
	list, _, err := os.Orgs(tk.As(op), yanglao.OrgFilter{})
	if err != nil || len(list) != 1 || list[0].ID != home {
		t.Fatalf("operator sees orgs %v, %v; want only its own", list, err)
	}
	if _, err := os.Org(tk.As(op), other); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("operator reading another org: %v", err)
	}
	// An account cannot be bound to an organisation of a sibling township, even by
	// an official who sees both.
	county := tk.CreateUser(t, db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	homeB := tk.CreateOrg(t, db, "燕泉敬老院", yanglao.OrgCareHome, tk.TownB)
	cross := &yanglao.User{Username: "cross", DisplayName: "X", Role: yanglao.RoleOperator, RegionCode: tk.TownA, OrgID: &homeB}
	if err := sqldb.NewUserService(db).CreateUser(tk.As(county), cross, tk.Password); yanglao.ErrorField(err) != "org_id" {
		t.Fatalf("binding a TownA account to a TownB org: %v", err)
	}
	// Staff of an organisation are bound to one.
	u := &yanglao.User{Username: "cg", DisplayName: "X", Role: yanglao.RoleCaregiver, RegionCode: tk.TownA}
	if err := sqldb.NewUserService(db).CreateUser(tk.System(), u, tk.Password); yanglao.ErrorField(err) != "org_id" {
		t.Fatalf("caregiver without org: %v", err)
	}
}

func TestLoginLockoutAndSessions(t *testing.T) {
	db := tk.NewDB(t)
	us := sqldb.NewUserService(db)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	u := tk.CreateUser(t, db, "official", yanglao.RoleOfficial, tk.Beihu, nil)
	ctx := context.Background()

	_, _, token, err := us.Login(ctx, "official", tk.Password, "1.2.3.4")
	if err != nil || token == "" {
		t.Fatalf("login: %v", err)
	}
	got, sess, err := us.SessionUser(ctx, token)
	if err != nil || got.ID != u.ID || sess.CSRFToken == "" {
		t.Fatalf("session user: %v %v", got, err)
	}
	// Idle for longer than SessionIdle ends the session.
	now = now.Add(yanglao.SessionIdle + time.Second)
	if _, _, err := us.SessionUser(ctx, token); yanglao.ErrorCode(err) != yanglao.EUNAUTHORIZED {
		t.Fatalf("idle session: %v", err)
	}
	// Unknown user and wrong password look the same.
	_, _, _, e1 := us.Login(ctx, "nobody", "whatever-password", "")
	_, _, _, e2 := us.Login(ctx, "official", "wrong-password", "")
	if yanglao.ErrorMessage(e1) != yanglao.ErrorMessage(e2) || yanglao.ErrorCode(e1) != yanglao.EUNAUTHORIZED {
		t.Fatalf("unknown user %v vs wrong password %v", e1, e2)
	}
	for i := 0; i < yanglao.MaxFailedLogins-1; i++ {
		us.Login(ctx, "official", "wrong-password", "")
	}
	// Locked now: even the right password is refused.
	if _, _, _, err := us.Login(ctx, "official", tk.Password, ""); yanglao.ErrorCode(err) != yanglao.ELOCKED {
		t.Fatalf("after %d failures: %v, want locked", yanglao.MaxFailedLogins, err)
	}
	now = now.Add(yanglao.LockoutDuration + time.Second)
	if _, _, _, err := us.Login(ctx, "official", tk.Password, ""); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	// Logout ends the session.
	_, _, token, _ = us.Login(ctx, "official", tk.Password, "")
	if err := us.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := us.SessionUser(ctx, token); err == nil {
		t.Fatal("session alive after logout")
	}
	// API tokens.
	tok, err := us.CreateAPIToken(tk.As(u), u.ID, "integration")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := us.TokenUser(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("token user: %v %v", got, err)
	}
	if _, err := us.TokenUser(ctx, tok+"x"); yanglao.ErrorCode(err) != yanglao.EUNAUTHORIZED {
		t.Fatalf("bad token: %v", err)
	}
}

func TestAuditChain(t *testing.T) {
	db := tk.NewDB(t)
	as := sqldb.NewAuditService(db)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		tk.CreateUser(t, db, "user"+string(rune('a'+i)), yanglao.RoleWorker, tk.TownA, nil)
	}
	n, problems, err := as.VerifyAudit(ctx)
	if err != nil || len(problems) != 0 || n < 6 {
		t.Fatalf("clean chain: n=%d problems=%v err=%v", n, problems, err)
	}
	// Edit one row by hand: exactly that entry is reported.
	if _, err := db.ExecForTest(ctx, `UPDATE audit_log SET detail = 'tampered' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	_, problems, _ = as.VerifyAudit(ctx)
	if len(problems) != 1 || problems[0].EntryID != 3 {
		t.Fatalf("after editing entry 3: %v", problems)
	}
	db.ExecForTest(ctx, `UPDATE audit_log SET detail = (SELECT detail FROM audit_log WHERE id = 2) WHERE id = 3`)
	// Delete one row: the gap is reported, and the next entry's link breaks.
	if _, err := db.ExecForTest(ctx, `DELETE FROM audit_log WHERE id = 5`); err != nil {
		t.Fatal(err)
	}
	_, problems, _ = as.VerifyAudit(ctx)
	ids := map[int64]bool{}
	for _, p := range problems {
		ids[p.EntryID] = true
	}
	if !ids[5] || !ids[3] {
		t.Fatalf("after deleting entry 5: %v", problems)
	}
	// Deleting the newest entry is caught by the head.
	db2 := tk.NewDB(t)
	tk.CreateUser(t, db2, "x", yanglao.RoleWorker, tk.TownA, nil)
	var last int64
	db2.QueryRowForTest(ctx, `SELECT MAX(id) FROM audit_log`).Scan(&last)
	db2.ExecForTest(ctx, `DELETE FROM audit_log WHERE id = ?`, last)
	_, problems, _ = sqldb.NewAuditService(db2).VerifyAudit(ctx)
	if len(problems) != 1 || problems[0].EntryID != last {
		t.Fatalf("after deleting the newest entry %d: %v", last, problems)
	}
}

func ptr[T any](v T) *T { return &v }

func TestChangePasswordCountOrgsWithin(t *testing.T) {
	db := tk.NewDB(t)
	us := sqldb.NewUserService(db)
	u := tk.CreateUser(t, db, "me", yanglao.RoleWorker, tk.TownA, nil)
	ctx := context.Background()
	if err := us.ChangePassword(tk.As(u), "wrong-password", "a-new-long-password"); yanglao.ErrorField(err) != "current" {
		t.Fatalf("wrong current password: %v", err)
	}
	// A wrong current password is a failed sign-in: enough of them lock the account.
	for i := 1; i < yanglao.MaxFailedLogins; i++ {
		us.ChangePassword(tk.As(u), "wrong-password", "a-new-long-password")
	}
	if _, _, _, err := us.Login(ctx, "me", tk.Password, ""); yanglao.ErrorCode(err) != yanglao.ELOCKED {
		t.Fatalf("after guessing through ChangePassword: %v, want locked", err)
	}
	if err := us.SetPassword(tk.System(), u.ID, tk.Password); err != nil { // an administrator unlocks
		t.Fatal(err)
	}
	_, _, token, _ := us.Login(ctx, "me", tk.Password, "")
	if err := us.ChangePassword(tk.As(u), tk.Password, "a-new-long-password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := us.SessionUser(ctx, token); err == nil {
		t.Fatal("sessions survive a password change")
	}
	if _, _, _, err := us.Login(ctx, "me", "a-new-long-password", ""); err != nil {
		t.Fatalf("new password: %v", err)
	}

	tk.CreateOrg(t, db, "甲", yanglao.OrgCanteen, tk.TownA)
	tk.CreateOrg(t, db, "乙", yanglao.OrgCanteen, tk.TownB)
	official := tk.CreateUser(t, db, "off", yanglao.RoleOfficial, tk.TownA, nil)
	if n, err := sqldb.NewOrgService(db).CountOrgs(tk.As(official), yanglao.OrgFilter{}); err != nil || n != 1 {
		t.Fatalf("CountOrgs = %d, %v; want 1", n, err)
	}

	rs := sqldb.NewRegionService(db)
	for _, tc := range []struct {
		within, name string
		want         int
	}{{tk.TownA, "社区", 1}, {tk.Beihu, "社区", 2}, {tk.Beijing, "东城", 1}, {tk.Hubei, "东城", 0}, {tk.Beihu, "", 5}} {
		got, _, err := rs.SearchRegions(ctx, yanglao.RegionFilter{Within: tc.within, Name: tc.name})
		if err != nil || len(got) != tc.want {
			t.Errorf("within %s name %q: %d (%v), want %d", tc.within, tc.name, len(got), err, tc.want)
		}
	}
}
