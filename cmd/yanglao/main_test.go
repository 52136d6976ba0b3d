package main

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/password"
	"github.com/yanglao/yanglao/sqldb"
	"github.com/yanglao/yanglao/testkit"
)

// TestMain makes password hashing cheap: the commands under test hash dozens of
// passwords, and a hash records its own parameters, so checking still works.
func TestMain(m *testing.M) {
	password.Default = password.Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}
	os.Exit(m.Run())
}

// env is one test's data folder and environment.
type env struct {
	t       *testing.T
	dir     string
	vars    map[string]string
	regions []*yanglao.Region // stands in for the shipped tree
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	return &env{t: t, dir: dir, vars: map[string]string{"YANGLAO_DATA": dir}, regions: testkit.Regions()}
}

func (e *env) dbPath() string { return filepath.Join(e.dir, "yanglao.db") }

type result struct {
	code           int
	stdout, stderr string
}

// run runs the command line with the fixture region tree (fast) instead of the shipped one.
func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	return e.runApp(context.Background(), e.app(stdin), args...)
}

func (e *env) app(stdin string) *app {
	return &app{
		stdin: strings.NewReader(stdin), stdout: new(strings.Builder), stderr: new(strings.Builder),
		lookupEnv:      func(k string) (string, bool) { v, ok := e.vars[k]; return v, ok },
		shippedRegions: func() ([]*yanglao.Region, error) { return e.regions, nil },
	}
}

func (e *env) runApp(ctx context.Context, a *app, args ...string) result {
	e.t.Helper()
	code := a.run(ctx, args)
	r := result{code, a.stdout.(*strings.Builder).String(), a.stderr.(*strings.Builder).String()}
	e.t.Logf("yanglao %s → %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// must runs and fails the test unless the exit status is want.
func (e *env) must(want int, stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != want {
		e.t.Fatalf("yanglao %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// open opens the test database directly.
func (e *env) open() *sqldb.DB {
	e.t.Helper()
	db, err := sqldb.Open(context.Background(), e.dbPath())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// exec runs SQL on the database file behind the platform's back.
func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	raw, err := sql.Open("sqlite", e.dbPath())
	if err != nil {
		e.t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

func (e *env) login(username, pw string) error {
	e.t.Helper()
	db := e.open()
	defer db.Close()
	_, _, _, err := sqldb.NewUserService(db).Login(context.Background(), username, pw, "127.0.0.1")
	return err
}

var printedPassword = regexp.MustCompile(`shown only once\):\n  (\S+)\n`)

func passwordIn(t *testing.T, out string) string {
	t.Helper()
	m := printedPassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed in:\n%s", out)
	}
	return m[1]
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		output string // in stdout or stderr
	}{
		{nil, 2, "用法 (usage)"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"help"}, 0, "admin audit-verify"},
		{[]string{"--help"}, 0, "regions import FILE"},
		{[]string{"help", "serve"}, 0, "-addr"},
		{[]string{"help", "admin"}, 0, "reset-password"},
		{[]string{"help", "demo"}, 0, "-county"},
		{[]string{"help", "nope"}, 2, "unknown command"},
		{[]string{"serve", "-h"}, 0, "-log-format"},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--addr", "localhost"}, 2, "setting addr is invalid"},
		{[]string{"serve", "--log-level", "loud"}, 2, "配置项 log_level"},
		{[]string{"migrate", "extra"}, 2, "unexpected argument"},
		{[]string{"admin"}, 2, "create-user"},
		{[]string{"admin", "frob"}, 2, "unknown admin command"},
		{[]string{"admin", "audit"}, 2, "unknown admin command"},
		{[]string{"admin", "create-user", "--role", "admin", "--region", "43"}, 2, "--username is required"},
		{[]string{"admin", "create-user", "--username", "x", "--role", "king", "--region", "43"}, 2, `unknown role "king"`},
		{[]string{"admin", "reset-password"}, 2, "--username is required"},
		{[]string{"admin", "backup"}, 2, "--out is required"},
		{[]string{"regions"}, 2, "regions import FILE"},
		{[]string{"regions", "import"}, 2, "expected one file"},
		{[]string{"version"}, 0, "schema"},
		{[]string{"version", "x"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			r := newEnv(t).run("", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			if !strings.Contains(r.stdout+r.stderr, tt.output) {
				t.Errorf("output lacks %q", tt.output)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	e := newEnv(t)
	r := e.must(0, "", "migrate")
	if !regexp.MustCompile(`schema version 0 → [1-9]`).MatchString(r.stdout) {
		t.Errorf("first migrate: %s", r.stdout)
	}
	if r := e.must(0, "", "migrate"); !strings.Contains(r.stdout, "up to date") {
		t.Errorf("second migrate: %s", r.stdout)
	}
	// A schema from a newer binary is refused, by migrate and by serve.
	e.exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', CURRENT_TIMESTAMP)`)
	for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}} {
		if r := e.must(1, "", args...); !strings.Contains(r.stderr, "newer than this binary") {
			t.Errorf("%v on a newer schema: %s", args, r.stderr)
		}
	}
}

func TestMigrateFlagBeatsEnv(t *testing.T) {
	e := newEnv(t)
	other := filepath.Join(t.TempDir(), "other.db")
	e.vars["YANGLAO_DB"] = filepath.Join(t.TempDir(), "env.db")
	e.must(0, "", "migrate", "--db", other)
	if _, err := os.Stat(other); err != nil {
		t.Errorf("--db not used: %v", err)
	}
	if _, err := os.Stat(e.vars["YANGLAO_DB"]); err == nil {
		t.Error("YANGLAO_DB used although --db was given")
	}
}

func TestCreateUserAndResetPassword(t *testing.T) {
	e := newEnv(t)
	// The first administrator, with a generated password printed once.
	r := e.must(0, "", "admin", "create-user", "--username", "root", "--name", "管理员", "--role", "admin", "--region", "43")
	pw := passwordIn(t, r.stdout)
	if !strings.Contains(r.stdout, "region=430000000000 湖南省") {
		t.Errorf("create-user output: %s", r.stdout)
	}
	if err := e.login("root", pw); err != nil {
		t.Fatalf("login with the printed password: %v", err)
	}

	// A password from standard input is used and never printed.
	r = e.must(0, "correct-horse-battery\n", "admin", "create-user", "--username", "li.official", "--role", "official",
		"--region", testkit.Beihu, "--password-file", "-")
	if strings.Contains(r.stdout+r.stderr, "correct-horse-battery") || strings.Contains(r.stdout, "shown only once") {
		t.Errorf("password echoed: %s", r.stdout)
	}
	if err := e.login("li.official", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("another-long-password\n"), 0o600)
	e.must(0, "", "admin", "create-user", "--username", "wang", "--role", "worker", "--region", testkit.TownA, "--password-file", pwFile)
	if err := e.login("wang", "another-long-password"); err != nil {
		t.Fatal(err)
	}

	// Bad input names the flag and changes nothing.
	for _, tt := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"--username", "root", "--role", "admin", "--region", "43"}, 1, "username is taken"},
		{"short\n", []string{"--username", "x1", "--role", "admin", "--region", "43", "--password-file", "-"}, 2, "--password-file: "},
		{"", []string{"--username", "x2", "--role", "operator", "--region", "43"}, 2, "--org: "},
		{"", []string{"--username", "x3", "--role", "official", "--region", "999999"}, 2, "--region: "},
		{"", []string{"--username", "bad name", "--role", "official", "--region", "43"}, 2, "--username: "},
		{"", []string{"--username", "x4", "--role", "official", "--region", "43", "--password-file", "/nonexistent"}, 2, "cannot read --password-file"},
	} {
		r := e.run(tt.stdin, append([]string{"admin", "create-user"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
	db := e.open()
	if n, _ := sqldb.NewUserService(db).CountUsers(testkit.System(), yanglao.UserFilter{}); n != 3 {
		t.Errorf("%d users, want 3", n)
	}
	db.Close()

	// Reset: a new generated password replaces the old and clears a lockout.
	e.exec(`UPDATE users SET locked_until = '2999-01-01 00:00:00', failed_logins = 4 WHERE username = 'root'`)
	r = e.must(0, "", "admin", "reset-password", "--username", "root")
	pw2 := passwordIn(t, r.stdout)
	if pw2 == pw {
		t.Fatal("reset printed the old password")
	}
	if err := e.login("root", pw); err == nil {
		t.Error("old password still works")
	}
	if err := e.login("root", pw2); err != nil {
		t.Errorf("new password: %v", err)
	}
	if r := e.run("", "admin", "reset-password", "--username", "nobody"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("reset of unknown user: %d %s", r.code, r.stderr)
	}
	// Usernames are matched exactly, not as the substring the list filter uses.
	if r := e.run("", "admin", "reset-password", "--username", "roo"); r.code != 1 {
		t.Errorf("reset of a username prefix: exit %d", r.code)
	}
}

func TestAuditVerify(t *testing.T) {
	e := newEnv(t)
	if r := e.run("", "admin", "audit-verify"); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("verify without a database: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(e.dbPath()); err == nil {
		t.Error("audit-verify created a database")
	}
	e.must(0, "", "admin", "create-user", "--username", "root", "--role", "admin", "--region", "43")
	e.must(0, "", "admin", "create-user", "--username", "zhao", "--role", "official", "--region", testkit.Beihu)
	e.must(0, "", "admin", "reset-password", "--username", "zhao")
	r := e.must(0, "", "admin", "audit-verify")
	if !strings.Contains(r.stdout, "checked 4 audit entries") || !strings.Contains(r.stdout, "intact") {
		t.Errorf("clean verify: %s", r.stdout)
	}

	// One edited row is reported by its id, under both spellings of the command.
	e.exec(`UPDATE audit_log SET detail = 'username=zhao role=admin region=431002000000' WHERE id = 3`)
	for _, args := range [][]string{{"admin", "audit-verify"}, {"admin", "audit", "verify"}} {
		r = e.must(1, "", args...)
		if !strings.Contains(r.stdout, "(entry) 3: ") || !strings.Contains(r.stdout, "1 problems") {
			t.Errorf("%v after an edit: %s", args, r.stdout)
		}
		if strings.Contains(r.stdout, "(entry) 2: ") || strings.Contains(r.stdout, "(entry) 4: ") {
			t.Errorf("untouched entries reported: %s", r.stdout)
		}
	}

	// A deleted row is reported too.
	e.exec(`DELETE FROM audit_log WHERE id = 2`)
	r = e.must(1, "", "admin", "audit-verify")
	if !strings.Contains(r.stdout, "(entry) 2: ") || !strings.Contains(r.stdout, "(entry) 3: ") {
		t.Errorf("after a delete: %s", r.stdout)
	}
}

// demoAccounts reads <data>/demo-accounts.txt: username → password, role.
func demoAccounts(t *testing.T, path string) map[string][2]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, _ := f.Stat(); fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	out := map[string][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 5 {
			t.Fatalf("bad line %q", sc.Text())
		}
		out[cols[0]] = [2]string{cols[1], cols[2]}
	}
	return out
}

func TestDemo(t *testing.T) {
	e := newEnv(t)
	e.regions = append(e.regions, &yanglao.Region{Code: "431003001000", ParentCode: testkit.Suxian, Name: "苏仙岭街道", Level: 4})
	file := filepath.Join(e.dir, demoAccountsFile)
	r := e.must(0, "", "demo")
	first := demoAccounts(t, file)
	// One per role, and the canteen's staff (demo-canteen: an operator bound to the demo canteen).
	if len(first) != len(yanglao.Roles)+1 || first["demo-canteen"][1] != string(yanglao.RoleOperator) {
		t.Fatalf("%d demo accounts, want %d", len(first), len(yanglao.Roles)+1)
	}
	for _, role := range yanglao.Roles {
		acc, ok := first["demo-"+string(role)]
		if !ok || acc[1] != string(role) {
			t.Errorf("no account demo-%s", role)
		}
		if !strings.Contains(r.stdout, "demo-"+string(role)) || !strings.Contains(r.stdout, acc[0]) {
			t.Errorf("demo-%s and its password not printed", role)
		}
	}

	// Running again succeeds, creates nothing new and resets every password.
	e.must(0, "", "demo")
	second := demoAccounts(t, file)
	for name, acc := range second {
		if acc[0] == first[name][0] {
			t.Errorf("%s: password not reset", name)
		}
	}
	if err := e.login("demo-official", first["demo-official"][0]); err == nil {
		t.Error("the first run's password still works")
	}
	for _, name := range []string{"demo-official", "demo-worker", "demo-caregiver", "demo-family"} {
		if err := e.login(name, second[name][0]); err != nil {
			t.Errorf("login %s: %v", name, err)
		}
	}

	db := e.open()
	ctx := testkit.System()
	users, _, err := sqldb.NewUserService(db).Users(ctx, yanglao.UserFilter{})
	if err != nil || len(users) != len(yanglao.Roles)+1 {
		t.Fatalf("%d users after two runs (err %v)", len(users), err)
	}
	orgs, _, _ := sqldb.NewOrgService(db).Orgs(ctx, yanglao.OrgFilter{})
	if len(orgs) != 7 { // care home, provider, canteen, the two demo canteens with menus, and two more home-care providers
		t.Errorf("%d organisations after two runs, want 7", len(orgs))
	}
	kinds := map[string]bool{}
	for _, o := range orgs {
		kinds[o.Kind] = true
	}
	if !kinds[yanglao.OrgCareHome] || !kinds[yanglao.OrgProvider] || !kinds[yanglao.OrgCanteen] {
		t.Errorf("organisation kinds %v", kinds)
	}
	for _, u := range users {
		switch {
		case u.Role == yanglao.RoleOfficial && u.RegionCode != testkit.Beihu:
			t.Errorf("official at %s, want the county", u.RegionCode)
		case u.Role == yanglao.RoleWorker && u.RegionCode != testkit.TownA:
			t.Errorf("worker at %s, want a township", u.RegionCode)
		case u.Role.NeedsOrg() && u.OrgID == nil:
			t.Errorf("%s has no organisation", u.Username)
		}
	}
	// The elder and the family member each see exactly the one demo elder, after two runs.
	key, err := os.ReadFile(filepath.Join(e.dir, devKeyFile))
	if err != nil {
		t.Fatalf("development key: %v", err)
	}
	rawKey, _ := crypt.ParseKey(strings.TrimSpace(string(key)))
	box, _ := crypt.New(rawKey)
	people := sqldb.NewPersonService(db, box)
	// Home-care services: about twenty caregivers over three providers, after two runs;
	// one flagged by the ban list, one with an expired nursing certificate.
	hc := sqldb.NewHomeCareService(db, box)
	cgs, _, err := hc.Caregivers(ctx, yanglao.CaregiverFilter{Page: yanglao.Page{Limit: 100}})
	banned, uncertified := 0, 0
	for _, c := range cgs {
		if c.Banned {
			banned++
		}
		if !c.Certified {
			uncertified++
		}
	}
	if err != nil || len(cgs) != 21 || banned != 1 || uncertified != 4 {
		t.Errorf("demo caregivers: %d, %d banned, %d without a valid certificate (%v); want 21, 1, 4", len(cgs), banned, uncertified, err)
	}
	if rates, err := hc.CertifiedRates(ctx, ""); err != nil || len(rates) != 3 {
		t.Errorf("demo providers' rates: %v %v", rates, err)
	}
	for _, u := range users {
		if u.Role != yanglao.RoleElder && u.Role != yanglao.RoleFamily {
			continue
		}
		seen, _, err := people.People(testkit.As(u), yanglao.PersonFilter{})
		if err != nil || len(seen) != 1 || seen[0].Name != "李秀兰" {
			t.Errorf("%s sees %v (%v), want the one demo elder", u.Username, seen, err)
		}
	}
	db.Close()

	// A fixed password for every account, as browser tests may want.
	e.must(0, "demo-password-123\n", "demo", "--password-file", "-")
	for name, acc := range demoAccounts(t, file) {
		if acc[0] != "demo-password-123" {
			t.Errorf("%s: password %q", name, acc[0])
		}
	}
	if err := e.login("demo-admin", "demo-password-123"); err != nil {
		t.Error(err)
	}

	// Another county after the first is refused clearly; so are bad counties.
	if r := e.run("", "demo", "--county", "431003"); r.code != 1 || !strings.Contains(r.stderr, "exists but not in demo county") {
		t.Errorf("demo in another county: %d %s", r.code, r.stderr)
	}
	if r := e.run("", "demo", "--county", "110100"); r.code != 2 || !strings.Contains(r.stderr, "not a county-level region") {
		t.Errorf("demo in a placeholder: %d %s", r.code, r.stderr)
	}
	if r := e.run("", "demo", "--county", "999999"); r.code != 2 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("demo in a missing county: %d %s", r.code, r.stderr)
	}
}

func TestDemoRefusedInProduction(t *testing.T) {
	e := newEnv(t)
	key := filepath.Join(t.TempDir(), "key")
	os.WriteFile(key, []byte(strings.Repeat("ab", 32)), 0o600)
	e.vars["YANGLAO_PRODUCTION"] = "true"
	e.vars["YANGLAO_DB"] = e.dbPath()
	e.vars["YANGLAO_ENCRYPTION_KEY_FILE"] = key
	for _, args := range [][]string{{"demo"}, {"serve", "--demo"}} {
		r := e.run("", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "setting demo is invalid: demo data is refused in production mode") {
			t.Errorf("%v in production: exit %d, %s", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(e.dbPath()); err == nil {
		t.Error("a refused demo touched the database")
	}
}

func TestBackupAndRestore(t *testing.T) {
	e := newEnv(t)
	out := filepath.Join(t.TempDir(), "backup.db")
	if r := e.run("", "admin", "backup", "--out", out); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("backup without a database: %d %s", r.code, r.stderr)
	}
	r := e.must(0, "", "admin", "create-user", "--username", "root", "--role", "admin", "--region", "43")
	pw := passwordIn(t, r.stdout)
	e.must(0, "", "admin", "backup", "--out", out)
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if r := e.run("", "admin", "backup", "--out", out); r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("backup over an existing file: %d %s", r.code, r.stderr)
	}

	// Restore: the copy is a working database with the same accounts and an intact audit chain.
	restored := newEnv(t)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(restored.dbPath(), data, 0o600)
	if r := restored.must(0, "", "admin", "audit-verify"); !strings.Contains(r.stdout, "intact") {
		t.Errorf("verify restored copy: %s", r.stdout)
	}
	if err := restored.login("root", pw); err != nil {
		t.Errorf("login on the restored copy: %v", err)
	}
}

func TestRegionsImport(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "villages.csv")
	// A file may carry just a subtree whose parent is already loaded.
	os.WriteFile(file, []byte("code,parent_code,name,level,ur_code,lng,lat,placeholder\n"+
		"431002001002,431002001000,测试村,5,220,113.01,25.77,\n"), 0o600)
	r := e.must(0, "", "regions", "import", file)
	if !strings.Contains(r.stdout, "imported 1 regions") {
		t.Errorf("import: %s", r.stdout)
	}
	total := len(testkit.Regions()) + 1
	if r := e.must(0, "", "regions", "import", file); !strings.Contains(r.stdout, "imported 1 regions, "+strconv.Itoa(total)+" in all") {
		t.Errorf("import again: %s", r.stdout)
	}
	// From standard input too.
	e.must(0, "code,parent_code,name,level,ur_code,lng,lat,placeholder\n431002001003,431002001000,二村,5,220,,,\n", "regions", "import", "-")

	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("code,parent_code,name,level,ur_code,lng,lat,placeholder\n12345,431002001000,坏,5,220,,,\n"), 0o600)
	if r := e.run("", "regions", "import", bad); r.code != 2 || !strings.Contains(r.stderr, "code") {
		t.Errorf("bad file: %d %s", r.code, r.stderr)
	}
	if r := e.run("", "regions", "import", filepath.Join(t.TempDir(), "missing.csv")); r.code != 1 {
		t.Errorf("missing file: exit %d", r.code)
	}
}
