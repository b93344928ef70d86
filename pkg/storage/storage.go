// Package storage opens the relational store shared by the chat and task
// stores: embedded SQLite (modernc.org/sqlite, WAL, one file) or PostgreSQL
// (pgx v5), with the schema migrations embedded per dialect and applied at
// start-up (goose), the SQLite group commit (WriteTx, ExecWrite), the
// statement cache, transactions and named locks (Lock). It knows nothing of
// the domains: the chat store (pkg/chatstore) and the task store
// (pkg/tasks) are built on it.
//
// One SQL text serves both dialects: write `?` placeholders and pass the query
// through (*DB).Rebind, which turns them into `$1..$n` on PostgreSQL.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// Dialect names the SQL flavour behind a DB.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open store: the database handle, its dialect and the
// instrumentation every store built on it shares.
//
// On SQLite, SQL is the single-connection writer pool (SQLite has one writer
// at a time; funnelling writes through one connection means concurrent
// writers queue in Go instead of failing with SQLITE_BUSY) and Read is a pool
// of read-only connections that run concurrently with the writer (WAL).
// Writes go through WriteTx (batch.go), which on SQLite queues them in
// arrival order and group-commits them. Never use SQL from inside a WithTx
// callback or a WriteTx job on SQLite (use the tx): the writer connection is
// busy with the transaction. On PostgreSQL, SQL and Read are the same pool.
type DB struct {
	SQL     *sql.DB
	Read    *sql.DB
	Dialect Dialect

	// locks is a separate PostgreSQL pool whose connections hold session
	// advisory locks, so that turns waiting on or holding a thread lock never
	// starve the query pool. Nil on SQLite.
	locks *sql.DB
	// path is the SQLite file path (empty on PostgreSQL).
	path string
	// batch group-commits single-statement writes (SQLite only; batch.go).
	batch *batcher
	// ckpt checkpoints the WAL beside the writer (SQLite only;
	// checkpoint.go).
	ckpt *checkpointer
	// named holds the in-process locks of Lock (SQLite).
	named namedLocks

	inst *instrumentation
}

// Option configures Open.
type Option func(*options)

type options struct {
	registerer     prometheus.Registerer
	tracerProvider trace.TracerProvider
	maxOpenConns   int
	lockConns      int
	migrate        bool
	searchPath     string
	pgTracer       pgx.QueryTracer
	// SQLite checkpoints (checkpoint.go).
	checkpointEvery time.Duration
	walLimit        int64
}

// WithRegisterer registers taskpilot_store_operation_duration_seconds on reg.
// Without it the histogram is still kept but not exported.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) { o.registerer = reg }
}

// WithTracerProvider sets where query spans go (default: otel's global
// provider, which is a no-op until telemetry.Setup installs one).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider = tp }
}

// WithMaxOpenConns sizes the PostgreSQL query pool (default max(8,
// 4×GOMAXPROCS)) or the SQLite reader pool (default max(4, 2×GOMAXPROCS)).
func WithMaxOpenConns(n int) Option {
	return func(o *options) { o.maxOpenConns = n }
}

// WithLockConns caps the PostgreSQL connections that hold per-thread advisory
// locks (default 32): at most that many turns run at once per process, the
// others wait.
func WithLockConns(n int) Option {
	return func(o *options) { o.lockConns = n }
}

// WithPostgresTracer sets the pgx tracer of every PostgreSQL connection
// (both pools). It may also implement pgx.BatchTracer, pgx.PrepareTracer and
// the others; the round-trip counting test uses it. Ignored on SQLite.
func WithPostgresTracer(t pgx.QueryTracer) Option {
	return func(o *options) { o.pgTracer = t }
}

// WithoutMigrations skips applying the embedded migrations at Open.
func WithoutMigrations() Option {
	return func(o *options) { o.migrate = false }
}

// WithSearchPath sets the PostgreSQL search_path of every connection (used by
// storagetest to give each test its own schema). Ignored on SQLite.
func WithSearchPath(schema string) Option {
	return func(o *options) { o.searchPath = schema }
}

// Open connects to the store named by rawURL and applies the migrations:
//
//	sqlite://./data/taskpilot.db   (relative path)
//	sqlite:///var/lib/taskpilot.db (absolute path)
//	postgres://user:pass@host:5432/db?sslmode=disable (or postgresql://)
//
// Errors name the URL scheme, never the password.
func Open(ctx context.Context, rawURL string, opts ...Option) (*DB, error) {
	o := options{migrate: true, lockConns: 32}
	for _, opt := range opts {
		opt(&o)
	}
	inst, err := newInstrumentation(o.registerer, o.tracerProvider)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, errors.New("storage: database URL must start with sqlite:// or postgres://")
	}
	var db *DB
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		db, err = openSQLite(ctx, rest, o, inst)
	case "postgres", "postgresql":
		db, err = openPostgres(ctx, rawURL, o)
	default:
		return nil, fmt.Errorf("storage: unsupported database URL scheme %q (want sqlite or postgres)", scheme)
	}
	if err != nil {
		return nil, err
	}
	db.inst = inst
	inst.pools.add(db)
	if o.migrate {
		if err := db.Migrate(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return db, nil
}

func openSQLite(ctx context.Context, rest string, o options, inst *instrumentation) (*DB, error) {
	path, query, _ := strings.Cut(rest, "?")
	if query != "" {
		return nil, errors.New("storage: open sqlite: URL parameters are not supported")
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, errors.New("storage: open sqlite: the URL needs a file path, e.g. sqlite://./data/taskpilot.db")
	}
	path, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: bad path: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, fmt.Errorf("storage: open sqlite: resolve path: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		// The database holds every user's data: its directory and file are
		// the owner's only (config.Warnings flags existing wider modes).
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("storage: open sqlite: create directory: %w", err)
		}
	}
	// Create the file 0600 before SQLite does (it would use 0644); SQLite
	// gives the -wal and -shm files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open sqlite: create file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("storage: open sqlite: create file: %w", err)
	}
	// busy_timeout covers the rare cross-process writer (a second binary on
	// the same file) and readers during a checkpoint; _txlock=immediate takes
	// the write lock at BEGIN so a transaction never fails half-way upgrading.
	// No connection checkpoints inside a commit (wal_autocheckpoint(0)): the
	// checkpointer does it beside the writer (checkpoint.go).
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)"
	fileURL := (&url.URL{Scheme: "file", Path: path}).String()
	// Both pools keep prepared statements per connection (stmtcache.go).
	writer := sql.OpenDB(newCachingConnector(fileURL + "?" + pragmas +
		"&_pragma=journal_size_limit(" + strconv.FormatInt(walLimit(o), 10) + ")&_txlock=immediate"))
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	// The writer goes first so the WAL journal mode is set before readers
	// (which are query_only) connect.
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	reader := sql.OpenDB(newCachingConnector(fileURL + "?" + pragmas + "&_pragma=query_only(1)"))
	readers := o.maxOpenConns
	if readers <= 0 {
		readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	if err := reader.PingContext(ctx); err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	ckpt, err := newCheckpointer(ctx, fileURL+"?"+pragmas, path, writer, o, inst)
	if err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("storage: open sqlite: %w", err)
	}
	return &DB{SQL: writer, Read: reader, Dialect: SQLite, path: path, ckpt: ckpt, batch: newBatcher(writer, ckpt.bound)}, nil
}

func openPostgres(ctx context.Context, rawURL string, o options) (*DB, error) {
	dsn := rawURL
	if o.searchPath != "" {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, errors.New("storage: open postgres: the URL does not parse")
		}
		q := u.Query()
		q.Set("search_path", o.searchPath)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	connConfig, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors quote the URL, password included.
		return nil, errors.New("storage: open postgres: the URL does not parse")
	}
	connConfig.Tracer = o.pgTracer
	pool := stdlib.OpenDB(*connConfig)
	conns := o.maxOpenConns
	if conns <= 0 {
		conns = DefaultPostgresConns()
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pool.SetConnMaxLifetime(time.Hour)
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("storage: open postgres: %w", err)
	}
	locks := stdlib.OpenDB(*connConfig)
	lockConns := o.lockConns
	if lockConns <= 0 {
		lockConns = 32
	}
	// Idle lock connections stay open: a turn that had to dial one pays a
	// connection set-up (TCP, authentication) on its way.
	locks.SetMaxOpenConns(lockConns)
	locks.SetMaxIdleConns(lockConns)
	locks.SetConnMaxIdleTime(time.Minute)
	return &DB{SQL: pool, Read: pool, Dialect: Postgres, locks: locks}, nil
}

// DefaultPostgresConns is the PostgreSQL query pool's size when
// WithMaxOpenConns does not set it: max(8, 4×GOMAXPROCS).
func DefaultPostgresConns() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// Ping checks that the store answers (for /readyz). On SQLite it uses the
// read pool, so a long write transaction does not make the process unready.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Read.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: ping %s: %w", db.Dialect, err)
	}
	return nil
}

// Close releases every connection. On SQLite it checkpoints the WAL first so
// the database file is complete on its own.
func (db *DB) Close() error {
	if db.inst != nil {
		db.inst.pools.remove(db)
	}
	var errs []error
	if db.batch != nil {
		db.batch.close()
	}
	if db.ckpt != nil {
		if err := db.ckpt.close(); err != nil {
			errs = append(errs, fmt.Errorf("checkpointer: %w", err))
		}
	}
	if db.Dialect == SQLite {
		if _, err := db.SQL.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: %w", err))
		}
	}
	if db.Read != nil && db.Read != db.SQL {
		errs = append(errs, db.Read.Close())
	}
	if db.locks != nil {
		errs = append(errs, db.locks.Close())
	}
	errs = append(errs, db.SQL.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage: close %s: %w", db.Dialect, err)
	}
	return nil
}

// tracer returns the tracer for query spans.
func (db *DB) tracer() trace.Tracer {
	if db.inst != nil && db.inst.tracer != nil {
		return db.inst.tracer
	}
	return otel.Tracer(instrumentationName)
}
