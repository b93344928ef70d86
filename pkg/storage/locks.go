package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// Lock takes the lock called name until the returned func runs (it may run
// more than once). On PostgreSQL it is a session advisory lock keyed by
// LockKey(name) on a connection of the lock pool, so it excludes every
// replica sharing the database, and a crashed holder's lock dies with its
// connection. On SQLite (one process owns the file) it is an in-process
// lock. Waiting ends with ctx.
func (db *DB) Lock(ctx context.Context, name string) (unlock func(), err error) {
	if db.Dialect == Postgres {
		return db.advisoryLock(ctx, LockKey(name))
	}
	return db.named.lock(ctx, name)
}

// LockKey hashes a lock name to the bigint pg_advisory_lock takes (FNV-1a,
// 64 bits).
func LockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return int64(h.Sum64()) //nolint:gosec // a hash: wrap-around is intended
}

// advisoryLock holds pg_advisory_lock(key) on a dedicated connection until
// the returned func runs.
func (db *DB) advisoryLock(ctx context.Context, key int64) (func(), error) {
	conn, err := db.locks.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock thread: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		// The wait may have been cancelled half-way: never reuse a connection
		// that might hold the lock.
		discard(conn)
		return nil, fmt.Errorf("lock thread: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			var released bool
			if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&released); err != nil || !released {
				discard(conn) // closing the session releases the lock
				return
			}
			_ = conn.Close()
		})
	}, nil
}

// discard closes conn's underlying connection instead of pooling it.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driverBadConn })
	_ = conn.Close()
}

// driverBadConn, returned from sql.Conn.Raw, makes database/sql close the
// connection instead of pooling it.
var driverBadConn = driver.ErrBadConn

// namedLocks is an in-process lock per key; entries are dropped when no one
// holds or waits for them.
type namedLocks struct {
	mu   sync.Mutex
	held map[string]*namedLock
}

type namedLock struct {
	ch   chan struct{} // capacity 1: full while held
	refs int           // holders + waiters
}

func (l *namedLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*namedLock{}
	}
	e := l.held[key]
	if e == nil {
		e = &namedLock{ch: make(chan struct{}, 1)}
		l.held[key] = e
	}
	e.refs++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(l.held, key)
		}
		l.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("lock thread: %w", ctx.Err())
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.ch
			release()
		})
	}, nil
}
