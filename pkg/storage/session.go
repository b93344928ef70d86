package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Session is one connection of the PostgreSQL lock pool, kept by its caller
// for a while (a turn: it takes the thread's advisory lock on it and runs the
// turn's statements there, pipelined in pgx batches). Release gives it back.
type Session struct {
	conn *sql.Conn
}

// ErrNotPostgres is returned by LockSession and Batch on SQLite.
var ErrNotPostgres = errors.New("storage: a lock session needs PostgreSQL")

// LockSession takes a connection of the lock pool (PostgreSQL only),
// waiting for one while the pool is full until ctx ends.
func (db *DB) LockSession(ctx context.Context) (*Session, error) {
	if db.locks == nil {
		return nil, ErrNotPostgres
	}
	conn, err := db.locks.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take a lock connection: %w", err)
	}
	return &Session{conn: conn}, nil
}

// Run calls fn with the session's pgx connection. fn must not keep it.
func (s *Session) Run(fn func(*pgx.Conn) error) error {
	return s.conn.Raw(func(dc any) error {
		c, err := pgxConn(dc)
		if err != nil {
			return err
		}
		return fn(c)
	})
}

// pgxConn is the pgx connection under a database/sql driver connection.
func pgxConn(dc any) (*pgx.Conn, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("storage: connection is a %T, not pgx", dc)
	}
	return c.Conn(), nil
}

// Release gives the connection back to the pool; with discard it is closed
// instead, which ends its session and so releases any lock it holds and
// rolls back any transaction it has open (use it when a statement failed
// half-way).
func (s *Session) Release(discard bool) {
	if discard {
		_ = s.conn.Raw(func(any) error { return driverBadConn })
	}
	_ = s.conn.Close()
}

// Batch sends b on a connection of the query pool (PostgreSQL only) and
// hands each queued statement's results to read, in order: one round trip,
// one implicit transaction unless b holds BEGIN and COMMIT.
func (db *DB) Batch(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return db.OnConn(ctx, func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, b)
		err := read(br)
		return errors.Join(err, br.Close())
	})
}

// OnConn runs fn on a connection of the query pool (PostgreSQL only), for a
// transaction whose statements go in pipelined batches (BEGIN with the
// first reads, the writes with COMMIT). A connection fn leaves inside a
// transaction is closed instead of pooled.
func (db *DB) OnConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	if db.Dialect != Postgres {
		return ErrNotPostgres
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take a connection: %w", err)
	}
	inTx := true
	err = conn.Raw(func(dc any) error {
		c, err := pgxConn(dc)
		if err != nil {
			return err
		}
		err = fn(c)
		inTx = c.PgConn().TxStatus() != 'I'
		return err
	})
	if inTx {
		discard(conn)
	} else {
		_ = conn.Close()
	}
	return err
}
