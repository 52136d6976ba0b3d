package main

import (
	"context"
	"fmt"

	"github.com/yanglao/yanglao/sqldb"
)

// migrate applies pending migrations and prints the schema versions.
func (a *app) migrate(ctx context.Context, args []string) error {
	fs := a.newFlagSet("migrate", "[flags]", "升级数据库结构并显示版本", "apply database migrations and print versions")
	cfg, err := a.loadConfig(fs, args, storeFlags...)
	if err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	log := a.logger(cfg)
	db, err := sqldb.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("打开数据库 %s 失败 (cannot open database %s): %w", cfg.RedactedDB(), cfg.RedactedDB(), err)
	}
	defer db.Close()
	from, err := a.migrateDB(ctx, db, log)
	if err != nil {
		return err
	}
	applied, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "数据库 (database): %s %s\n", db.Dialect, cfg.RedactedDB())
	if from == applied {
		fmt.Fprintf(a.stdout, "结构版本 %d，已是最新 (schema version %d, up to date; this binary knows %d)\n", applied, applied, known)
	} else {
		fmt.Fprintf(a.stdout, "结构版本 %d → %d (schema version %d → %d)\n", from, applied, from, applied)
	}
	return nil
}
