package storage_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// The pools' use is exported: a connection taken shows as in use, the
// configured sizes as the maxima, and a closed store stops reporting.
func TestPoolMetrics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		open  func(t *testing.T, opts ...storage.Option) *storage.DB
		pools []string
	}{
		{"sqlite", func(t *testing.T, opts ...storage.Option) *storage.DB { return storagetest.SQLite(t, opts...) }, []string{"writer", "read"}},
		{"postgres", func(t *testing.T, opts ...storage.Option) *storage.DB { return storagetest.Postgres(t, opts...) }, []string{"query", "lock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			db := tc.open(t, storage.WithRegisterer(reg), storage.WithMaxOpenConns(5), storage.WithLockConns(3))
			ctx := context.Background()
			conn, err := db.Read.Conn(ctx)
			require.NoError(t, err)
			readPool := tc.pools[1]
			if tc.name == "postgres" {
				readPool = "query" // SQL and Read are one pool
			}
			expected := `
# HELP taskpilot_db_pool_max_connections The most connections a store connection pool opens (DATABASE_MAX_CONNS, DATABASE_LOCK_CONNS).
# TYPE taskpilot_db_pool_max_connections gauge
`
			want := map[string]int{"writer": 1, "read": 5, "query": 5, "lock": 3}
			for _, p := range []string{"lock", "query", "read", "writer"} {
				if p == tc.pools[0] || p == tc.pools[1] {
					expected += "taskpilot_db_pool_max_connections{pool=\"" + p + "\"} " + strconv.Itoa(want[p]) + "\n"
				}
			}
			require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(expected), storage.PoolMaxConnectionsName))
			inUse := func() float64 {
				mfs, err := reg.Gather()
				require.NoError(t, err)
				for _, mf := range mfs {
					if mf.GetName() != storage.PoolConnectionsName {
						continue
					}
					for _, m := range mf.GetMetric() {
						labels := map[string]string{}
						for _, l := range m.GetLabel() {
							labels[l.GetName()] = l.GetValue()
						}
						if labels["pool"] == readPool && labels["state"] == "in_use" {
							return m.GetGauge().GetValue()
						}
					}
				}
				return -1
			}
			assert.Equal(t, 1.0, inUse(), "the connection taken")
			require.NoError(t, conn.Close())
			assert.Equal(t, 0.0, inUse(), "given back")

			require.NoError(t, db.Close())
			n, err := testutil.GatherAndCount(reg, storage.PoolConnectionsName)
			require.NoError(t, err)
			assert.Zero(t, n, "a closed store is not reported")
		})
	}
}
