package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"sync/atomic"

	"modernc.org/sqlite"
)

// The SQLite pools open their connections through cachingConnector, which
// keeps each connection's prepared statements by SQL text. modernc.org/sqlite
// parses and compiles the SQL on every ExecContext/QueryContext call made
// without a prepared statement; under load that was a fifth of a chat turn's
// CPU (bench/RESULTS.md). Every store gets the cache without changing its
// queries: database/sql calls ExecContext/QueryContext on the connection, and
// the connection answers from its cached statement.
//
// A cached statement is used by one caller at a time: while rows read from it
// are open (a query inside another's iteration, in a transaction), a second
// use of the same text runs uncached.

// maxCachedStmts bounds the statements kept per connection; queries beyond
// it run uncached. The stores use a few dozen distinct texts.
const maxCachedStmts = 256

// maxCachedSQL skips caching long texts (migration scripts run once).
const maxCachedSQL = 4096

type cachingConnector struct {
	dsn string
	drv *sqlite.Driver
}

func newCachingConnector(dsn string) *cachingConnector {
	return &cachingConnector{dsn: dsn, drv: &sqlite.Driver{}}
}

func (c *cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c *cachingConnector) Driver() driver.Driver { return c.drv }

// baseConn is what the wrapped modernc.org/sqlite connection provides.
type baseConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type stmtCtx interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type cachedStmt struct {
	stmt stmtCtx
	busy atomic.Bool // rows from it are open
}

type cachingConn struct {
	base  baseConn
	stmts map[string]*cachedStmt
}

func newCachingConn(c driver.Conn) (*cachingConn, error) {
	bc, ok := c.(baseConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("storage: sqlite connection lacks context methods")
	}
	return &cachingConn{base: bc, stmts: map[string]*cachedStmt{}}, nil
}

// stmt returns the cached statement for query, preparing it on first use;
// nil means "run it uncached" (too long, cache full, or in use).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy.Load() {
			return nil, nil
		}
		return cs, nil
	}
	if len(query) > maxCachedSQL || len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	ds, err := c.base.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sc, ok := ds.(stmtCtx)
	if !ok {
		_ = ds.Close()
		return nil, nil
	}
	cs := &cachedStmt{stmt: sc}
	c.stmts[query] = cs
	return cs, nil
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.base.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.base.QueryContext(ctx, query, args)
	}
	cs.busy.Store(true)
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		cs.busy.Store(false)
		return nil, err
	}
	return &cachedRows{rows: rows, owner: cs}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.base.Close())
	return errors.Join(errs...)
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.base.Prepare(query) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.base.PrepareContext(ctx, query)
}

// Begin implements driver.Conn (database/sql calls BeginTx).
func (c *cachingConn) Begin() (driver.Tx, error) { return c.base.Begin() }

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.base.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.base.Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error { return c.base.ResetSession(ctx) }

func (c *cachingConn) IsValid() bool { return c.base.IsValid() }

// cachedRows releases its statement for reuse when closed (modernc resets a
// prepared statement's rows on Close instead of finalizing them).
type cachedRows struct {
	rows  driver.Rows
	owner *cachedStmt
	done  bool
}

func (r *cachedRows) Columns() []string { return r.rows.Columns() }

func (r *cachedRows) Next(dest []driver.Value) error { return r.rows.Next(dest) }

func (r *cachedRows) Close() error {
	err := r.rows.Close()
	if !r.done {
		r.done = true
		r.owner.busy.Store(false)
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
