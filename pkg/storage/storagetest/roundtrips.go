package storagetest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// RoundTrips is a pgx tracer (storage.WithPostgresTracer) that counts the
// round trips and transactions a PostgreSQL store makes:
//
//   - a round trip is one query (Exec, Query, QueryRow: BEGIN and COMMIT
//     too) or one batch (pgx's SendBatch: its statements go out together and
//     their answers come back together);
//   - a transaction is what PostgreSQL counts (pg_stat_database): a round
//     trip sent while its connection is outside a transaction starts one,
//     whether it is a BEGIN, a statement on its own or a batch (one implicit
//     transaction);
//   - a prepare is a statement pgx prepares the first time a connection runs
//     it (one round trip, then cached for the connection's life): counted
//     apart, since a warm pool makes none.
//
// Take returns the counts so far and starts again.
type RoundTrips struct {
	mu  sync.Mutex
	cur Counts
}

// Counts are what RoundTrips counted.
type Counts struct {
	RoundTrips   int
	Transactions int
	Prepares     int
	// Statements lists the round trips in order (their first words), for a
	// failure message.
	Statements []string
}

// String is the counts with the statements, for a failure message.
func (c Counts) String() string {
	return fmt.Sprintf("%d round trips, %d transactions, %d prepares: %s",
		c.RoundTrips, c.Transactions, c.Prepares, strings.Join(c.Statements, " | "))
}

var (
	_ pgx.QueryTracer   = (*RoundTrips)(nil)
	_ pgx.BatchTracer   = (*RoundTrips)(nil)
	_ pgx.PrepareTracer = (*RoundTrips)(nil)
)

// Take returns the counts since the last Take and resets them.
func (r *RoundTrips) Take() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cur
	r.cur = Counts{}
	return c
}

func (r *RoundTrips) roundTrip(conn *pgx.Conn, what string) {
	idle := conn.PgConn().TxStatus() == 'I'
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cur.RoundTrips++
	if idle {
		r.cur.Transactions++
	}
	r.cur.Statements = append(r.cur.Statements, what)
}

// TraceQueryStart implements pgx.QueryTracer.
func (r *RoundTrips) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.roundTrip(conn, brief(data.SQL))
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (r *RoundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (r *RoundTrips) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	parts := make([]string, 0, data.Batch.Len())
	for _, q := range data.Batch.QueuedQueries {
		parts = append(parts, brief(q.SQL))
	}
	r.roundTrip(conn, "batch["+strings.Join(parts, "; ")+"]")
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (r *RoundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (r *RoundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TracePrepareStart implements pgx.PrepareTracer.
func (r *RoundTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	r.mu.Lock()
	r.cur.Prepares++
	r.mu.Unlock()
	return ctx
}

// TracePrepareEnd implements pgx.PrepareTracer.
func (r *RoundTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// brief is a statement's first words, whitespace collapsed.
func brief(sql string) string {
	f := strings.Fields(sql)
	if len(f) > 5 {
		f = f[:5]
	}
	return strings.Join(f, " ")
}
