package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migration files, one directory per dialect. Numbers 00001-00009 are the
// chat store's, 00010-00019 the task store's (docs/CONTRACTS.md).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// MigrationTable is goose's version table.
const MigrationTable = "taskpilot_schema_migrations"

// Migrate applies every embedded migration not applied yet. It is idempotent
// and safe to run from several replicas at once on PostgreSQL (a session
// advisory lock serialises them). Open calls it unless WithoutMigrations.
func (db *DB) Migrate(ctx context.Context) (err error) {
	ctx, done := db.Observe(ctx, "migrations", "up")
	defer func() { done(err) }()
	p, err := db.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("storage: migrate %s: %w", db.Dialect, err)
	}
	return nil
}

// MigrationVersion returns the highest applied migration version.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	p, err := db.migrationProvider()
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("storage: migration version %s: %w", db.Dialect, err)
	}
	return v, nil
}

func (db *DB) migrationProvider() (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		dir     string
		opts    = []goose.ProviderOption{
			goose.WithTableName(MigrationTable),
			goose.WithDisableGlobalRegistry(true),
			// Chat (00001-00009) and task (00010+) migrations are written by
			// different people: a late 00002 must still apply after 00010.
			goose.WithAllowOutofOrder(true),
		}
	)
	switch db.Dialect {
	case SQLite:
		dialect, dir = goose.DialectSQLite3, "migrations/sqlite"
	case Postgres:
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("storage: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("storage: no migrations for dialect %q", db.Dialect)
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("storage: migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, db.SQL, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("storage: migrations %s: %w", db.Dialect, err)
	}
	return p, nil
}
