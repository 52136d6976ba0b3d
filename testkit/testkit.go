// Package testkit gives each test a fresh, migrated database with a small region
// tree. SQLite by default; PostgreSQL when YANGLAO_TEST_POSTGRES holds a server
// URL, in which case every test gets its own new database, dropped afterwards.
package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/crypt"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/sqldb"
)

// PostgresEnv names the variable holding the PostgreSQL server URL for store tests.
const PostgresEnv = "YANGLAO_TEST_POSTGRES"

var dbSeq atomic.Int64

// NewDB returns a migrated database holding Regions, closed when t ends.
func NewDB(t testing.TB) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "test.db")
	if server := os.Getenv(PostgresEnv); server != "" {
		dsn = createPostgresDB(t, server)
	}
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.NewRegionService(db).ImportRegions(System(), Regions()); err != nil {
		t.Fatal(err)
	}
	return db
}

func createPostgresDB(t testing.TB, server string) string {
	t.Helper()
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("yanglao_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbSeq.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database on %s: %v", server, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// System returns a context acting as the platform itself.
func System() context.Context {
	return yanglao.NewContextWithActor(context.Background(), yanglao.SystemActor("test"))
}

// As returns a context acting as u.
func As(u *yanglao.User) context.Context {
	return yanglao.NewContextWithActor(context.Background(), yanglao.ActorOf(u, "127.0.0.1"))
}

// Region codes of the fixture tree. Two sibling townships under one county, and
// the two kinds of placeholder node that break naive prefix tests.
const (
	Hunan      = "430000000000"
	Chenzhou   = "431000000000"
	Beihu      = "431002000000" // 北湖区, the demo county
	TownA      = "431002001000"
	TownB      = "431002002000"
	VillageA1  = "431002001001"
	VillageB1  = "431002002001"
	Suxian     = "431003000000" // 苏仙区, a sibling county
	Beijing    = "110000000000"
	BeijingSXQ = "110100000000" // 市辖区 placeholder
	Dongcheng  = "110101000000"
	Hubei      = "420000000000"
	HubeiZXX   = "429000000000" // 省直辖县级行政区划 placeholder
	Xiantao    = "429004000000"
)

// Regions is the fixture tree, parents first.
func Regions() []*yanglao.Region {
	f := func(lng, lat float64) (*float64, *float64) { return &lng, &lat }
	lng, lat := f(113.0146, 25.7706)
	rows := []*yanglao.Region{
		{Code: Hunan, Name: "湖南省", Level: 1},
		{Code: Chenzhou, ParentCode: Hunan, Name: "郴州市", Level: 2},
		{Code: Beihu, ParentCode: Chenzhou, Name: "北湖区", Level: 3, Lng: lng, Lat: lat},
		{Code: TownA, ParentCode: Beihu, Name: "人民路街道", Level: 4, URCode: "111"},
		{Code: TownB, ParentCode: Beihu, Name: "燕泉街道", Level: 4, URCode: "111"},
		{Code: VillageA1, ParentCode: TownA, Name: "人民路社区", Level: 5, URCode: "111"},
		{Code: VillageB1, ParentCode: TownB, Name: "燕泉社区", Level: 5, URCode: "111"},
		{Code: Suxian, ParentCode: Chenzhou, Name: "苏仙区", Level: 3},
		{Code: Beijing, Name: "北京市", Level: 1},
		{Code: BeijingSXQ, ParentCode: Beijing, Name: "市辖区", Level: 2, Placeholder: true},
		{Code: Dongcheng, ParentCode: BeijingSXQ, Name: "东城区", Level: 3},
		{Code: Hubei, Name: "湖北省", Level: 1},
		{Code: HubeiZXX, ParentCode: Hubei, Name: "省直辖县级行政区划", Level: 2, Placeholder: true},
		{Code: Xiantao, ParentCode: HubeiZXX, Name: "仙桃市", Level: 3},
	}
	return rows
}

// Password is the password of every fixture user.
const Password = "correct-horse-battery"

// CreateUser makes an account as the system and returns it.
func CreateUser(t testing.TB, db *sqldb.DB, username string, role yanglao.Role, region string, orgID *int64) *yanglao.User {
	t.Helper()
	u := &yanglao.User{Username: username, DisplayName: strings.ToUpper(username[:1]) + username[1:], Role: role, RegionCode: region, OrgID: orgID}
	if err := sqldb.NewUserService(db).CreateUser(System(), u, Password); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// CreateOrg registers an organisation as the system and returns its id.
func CreateOrg(t testing.TB, db *sqldb.DB, name, kind, region string) int64 {
	t.Helper()
	o := &yanglao.Org{Name: name, Kind: kind, RegionCode: region}
	if err := sqldb.NewOrgService(db).CreateOrg(System(), o); err != nil {
		t.Fatalf("create org %s: %v", name, err)
	}
	return o.ID
}

// Box is a fixed-key sealing box for tests.
func Box() *crypt.Box {
	b, err := crypt.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return b
}

// CitizenID makes a valid citizen ID for region6 born on birth ("YYYY-MM-DD").
func CitizenID(region6, birth string, seq int) string {
	t, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		panic(err)
	}
	return idcard.Generate(region6, t, seq)
}
