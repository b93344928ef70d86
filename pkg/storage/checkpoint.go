package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Checkpoints (SQLite only). In WAL mode a commit appends pages to the -wal
// file; a checkpoint copies them back into the database file (with an fsync
// of each) so the WAL can start over. SQLite's automatic checkpoint runs
// inside the commit that takes the WAL past 1000 pages, on the writer: every
// write queued behind that commit waited for the copy and both fsyncs. Under
// load that was one batch in 60–100, 3–9 ms each at the median and up to
// 180 ms, and up to half of the writer's busy time (bench/RESULTS.md, issue
// 13).
//
// So the writer runs with wal_autocheckpoint(0) and a checkpointer does the
// copying beside it:
//
//   - every interval it runs a PASSIVE checkpoint on a connection of its own:
//     it copies what is committed without waiting for, or blocking, readers
//     and the writer; when it catches up, the writer's next transaction
//     starts the WAL over from its beginning;
//   - the WAL is bounded: when its file has grown past the limit (under
//     sustained writes the WAL never runs dry, so a PASSIVE checkpoint never
//     finds it fully copied at the moment a transaction starts, and it is
//     never started over), the batcher, between two batches, runs a RESTART
//     checkpoint on the writer: it copies what is left, waits for the readers
//     on older snapshots, and the next commit writes from the start of the
//     file again. The writes queued meanwhile wait, as they did behind every
//     automatic checkpoint. The writer's journal_size_limit is the same
//     limit, so the first commit after a restart cuts a longer file back to
//     it (the file is reused, not emptied and grown again).
//
// Durability is unchanged: commits are what they were (same connection, same
// synchronous=NORMAL, a write acknowledged only once committed), and a
// checkpoint only moves committed pages from one file to the other.

// Defaults of WithCheckpointInterval and WithWALLimit.
const (
	defaultCheckpointInterval = 100 * time.Millisecond
	defaultWALLimit           = 64 << 20
)

// WithCheckpointInterval sets how often the SQLite background checkpointer
// copies the WAL into the database file (default 100 ms). Ignored on
// PostgreSQL.
func WithCheckpointInterval(d time.Duration) Option {
	return func(o *options) { o.checkpointEvery = d }
}

// WithWALLimit bounds the SQLite WAL file (default 64 MiB): past it, the
// writer stops for a RESTART checkpoint between two group commits. Ignored
// on PostgreSQL.
func WithWALLimit(bytes int64) Option {
	return func(o *options) { o.walLimit = bytes }
}

// walLimit is the WAL bound in bytes.
func walLimit(o options) int64 {
	if o.walLimit > 0 {
		return o.walLimit
	}
	return defaultWALLimit
}

// checkpointer runs the background PASSIVE checkpoints and the bounded-WAL
// fallback of one SQLite database.
type checkpointer struct {
	conn    *sql.DB // its own single connection (PASSIVE)
	writer  *sql.DB // the writer pool (RESTART when over the limit)
	walPath string
	limit   int64
	every   time.Duration

	// mu makes the two kinds take turns: SQLite runs one checkpoint at a
	// time and answers a second one SQLITE_BUSY at once, without waiting.
	mu sync.Mutex
	// warned is when bound last logged a failure (at most one a minute).
	warned time.Time
	// wal is the -wal file, opened by the first bound (the batcher's
	// goroutine only) and closed by close.
	wal *os.File
	// The checkpoints' durations (taskpilot_store_operation_duration_seconds
	// with store "sqlite"); the restarting ones are the writer's stalls.
	passiveTime, restartTime prometheus.Observer

	quit chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// newCheckpointer opens the checkpointer's connection on dsn and starts its
// loop.
func newCheckpointer(ctx context.Context, dsn, path string, writer *sql.DB, o options, inst *instrumentation) (*checkpointer, error) {
	conn := sql.OpenDB(newCachingConnector(dsn))
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	conn.SetConnMaxLifetime(0)
	if err := conn.PingContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("checkpointer connection: %w", err)
	}
	c := &checkpointer{
		conn:    conn,
		writer:  writer,
		walPath: path + "-wal",
		limit:   walLimit(o),
		every:   o.checkpointEvery,
		quit:    make(chan struct{}),
	}
	if inst != nil {
		c.passiveTime = inst.duration.WithLabelValues("sqlite", "checkpoint_passive")
		c.restartTime = inst.duration.WithLabelValues("sqlite", "checkpoint_restart")
	}
	if c.every <= 0 {
		c.every = defaultCheckpointInterval
	}
	c.wg.Go(c.loop)
	return c, nil
}

func (c *checkpointer) loop() {
	ctx := context.Background()
	t := time.NewTicker(c.every)
	defer t.Stop()
	var warned time.Time
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		// A failure (a full disk, say) is tried again on the next tick and
		// logged at most once a minute.
		if _, err := c.passive(ctx); err != nil && time.Since(warned) >= time.Minute {
			warned = time.Now()
			slog.WarnContext(ctx, "sqlite background checkpoint failed", slog.Any("err", err))
		}
	}
}

// checkpointResult is what PRAGMA wal_checkpoint answers: whether it could
// not finish (busy), the WAL's frames and how many of them are copied.
type checkpointResult struct {
	busy, log, copied int64
}

// passive runs one PASSIVE checkpoint on the checkpointer's connection.
func (c *checkpointer) passive(ctx context.Context) (checkpointResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.passiveTime != nil {
		defer observeSince(c.passiveTime, time.Now())
	}
	var r checkpointResult
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&r.busy, &r.log, &r.copied); err != nil {
		return r, fmt.Errorf("passive checkpoint: %w", err)
	}
	return r, nil
}

// bound starts the WAL over when its file has grown past the limit: a
// RESTART checkpoint on the writer, which waits for the readers still on
// older snapshots (busy_timeout). The batcher calls it between two batches,
// so the writes queued meanwhile wait for it. (The file is longer than the
// limit only when the WAL grew past it since it last started over: the first
// commit after a restart cuts the file back to journal_size_limit.)
func (c *checkpointer) bound() {
	size, err := c.walSize()
	if err != nil || size <= c.limit {
		return
	}
	ctx := context.Background()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.restartTime != nil {
		defer observeSince(c.restartTime, time.Now())
	}
	var r checkpointResult
	err = c.writer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&r.busy, &r.log, &r.copied)
	if err == nil && r.busy == 0 {
		return
	}
	// Another process's checkpoint, or readers on old snapshots for longer
	// than busy_timeout: the next batch tries again; say so once a minute.
	if now := time.Now(); now.Sub(c.warned) >= time.Minute {
		c.warned = now
		if err != nil {
			slog.WarnContext(ctx, "sqlite WAL over its limit: restarting checkpoint failed",
				slog.Int64("wal_bytes", size), slog.Any("err", err))
			return
		}
		slog.WarnContext(ctx, "sqlite WAL over its limit: the restarting checkpoint could not finish (busy)",
			slog.Int64("wal_bytes", size), slog.Int64("frames", r.log), slog.Int64("copied", r.copied))
	}
}

// walSize is the WAL file's length: fstat on a descriptor the checkpointer
// keeps (the batcher asks after every batch; a stat by path cost twice as
// much). SQLite neither removes nor replaces the file while the database is
// open, so the descriptor stays the file's.
func (c *checkpointer) walSize() (int64, error) {
	if c.wal == nil {
		f, err := os.Open(c.walPath)
		if err != nil {
			return 0, fmt.Errorf("open WAL: %w", err)
		}
		c.wal = f
	}
	fi, err := c.wal.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat WAL: %w", err)
	}
	return fi.Size(), nil
}

func observeSince(o prometheus.Observer, start time.Time) { o.Observe(time.Since(start).Seconds()) }

// close stops the loop (waiting for a checkpoint under way) and closes the
// checkpointer's connection.
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.quit) })
	c.wg.Wait()
	var werr error
	if c.wal != nil {
		werr = c.wal.Close()
	}
	return errors.Join(c.conn.Close(), werr)
}
