package sqldb_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// Migrations are applied by set: one written in a parallel branch lands with a
// lower number than one already applied, and must still run — once.
func TestMigrateAppliesBySet(t *testing.T) {
	db := tk.NewDB(t) // the embedded migrations, applied
	ctx := context.Background()
	files := fstest.MapFS{}
	embedded, err := fs.Glob(sqldb.MigrationFilesForTest, "migrations/*.sql")
	if err != nil || len(embedded) == 0 {
		t.Fatalf("embedded migrations: %v %v", embedded, err)
	}
	for _, name := range embedded {
		b, err := fs.ReadFile(sqldb.MigrationFilesForTest, name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: b}
	}
	// Each test migration creates a table (its types from the template), so
	// running one twice fails.
	add := func(name string) {
		files["migrations/"+name+".sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t" + name + " (id {{.ID}}, at {{.Time}});")}
	}
	exists := func(table string) bool {
		_, err := db.ExecForTest(ctx, "INSERT INTO "+table+" (at) VALUES (CURRENT_TIMESTAMP)")
		return err == nil
	}
	migrate := func(want int) {
		t.Helper()
		if n, err := db.MigrateFilesForTest(ctx, files); err != nil || n != want {
			t.Fatalf("migrate: applied %d, err %v; want %d", n, err, want)
		}
	}

	add("9001_first")
	add("9003_third")
	migrate(2)
	if !exists("t9001_first") || !exists("t9003_third") || exists("t9002_second") {
		t.Fatal("after 9001 and 9003")
	}
	// 9002 lands after 9003 was applied: it runs, and only it.
	add("9002_second")
	migrate(1)
	if !exists("t9002_second") {
		t.Fatal("the gap was not filled")
	}
	migrate(0)
	applied, known, err := db.SchemaVersion(ctx)
	if err != nil || applied != 9003 || known >= 9001 {
		t.Fatalf("schema version: applied %d, known %d, %v", applied, known, err)
	}

	// This binary's own migrations on that database: its schema is newer.
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("migrate on a newer schema: %v", err)
	}
	// A set without 9002, though it knows 9003: the database has a migration
	// this binary does not, and nothing is applied.
	delete(files, "migrations/9002_second.sql")
	add("9004_fourth")
	if n, err := db.MigrateFilesForTest(ctx, files); err == nil || n != 0 || !strings.Contains(err.Error(), "9002") {
		t.Fatalf("migrate without an applied migration: %d %v", n, err)
	}
	if exists("t9004_fourth") {
		t.Fatal("a migration ran on a refused database")
	}
}

// A migration that fails leaves nothing behind and is not recorded: fixed, it runs.
func TestMigrateFailedMigrationIsNotRecorded(t *testing.T) {
	db := tk.NewDB(t)
	ctx := context.Background()
	files := fstest.MapFS{}
	embedded, _ := fs.Glob(sqldb.MigrationFilesForTest, "migrations/*.sql")
	for _, name := range embedded {
		b, _ := fs.ReadFile(sqldb.MigrationFilesForTest, name)
		files[name] = &fstest.MapFile{Data: b}
	}
	files["migrations/9001_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t9001 (id {{.ID}});\nCREATE TABLE t9001 (id {{.ID}});")}
	if _, err := db.MigrateFilesForTest(ctx, files); err == nil || !strings.Contains(err.Error(), "9001_bad") {
		t.Fatalf("bad migration: %v", err)
	}
	if applied, _, _ := db.SchemaVersion(ctx); applied >= 9001 {
		t.Fatalf("the failed migration is recorded: %d", applied)
	}
	files["migrations/9001_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t9001 (id {{.ID}});")}
	if n, err := db.MigrateFilesForTest(ctx, files); err != nil || n != 1 {
		t.Fatalf("fixed migration: %d %v", n, err)
	}
}
