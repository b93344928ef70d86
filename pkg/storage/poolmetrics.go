package storage

import (
	"database/sql"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Pool metrics: database/sql's DBStats of every connection pool of the open
// stores, by pool:
//
//   - PostgreSQL: "query" (every statement but the turn lock's) and "lock"
//     (the connections that hold a thread's turn lock, and run the turn's
//     storage: chatstore's TurnStore);
//   - SQLite: "writer" (the one writer connection) and "read".
//
// A process that opens several stores (tests) reports their sum.
const (
	PoolConnectionsName    = "taskpilot_db_pool_connections"
	PoolMaxConnectionsName = "taskpilot_db_pool_max_connections"
	PoolWaitsName          = "taskpilot_db_pool_waits_total"
	PoolWaitSecondsName    = "taskpilot_db_pool_wait_seconds_total"
)

type poolCollector struct {
	conns, max, waits, waitSeconds *prometheus.Desc

	mu  sync.Mutex
	dbs map[*DB]struct{}
}

func newPoolCollector() *poolCollector {
	return &poolCollector{
		conns: prometheus.NewDesc(PoolConnectionsName,
			"Open connections of a store connection pool, by state: in_use (acquired) or idle.",
			[]string{"pool", "state"}, nil),
		max: prometheus.NewDesc(PoolMaxConnectionsName,
			"The most connections a store connection pool opens (DATABASE_MAX_CONNS, DATABASE_LOCK_CONNS).",
			[]string{"pool"}, nil),
		waits: prometheus.NewDesc(PoolWaitsName,
			"Acquisitions that waited for a connection of a full store pool.",
			[]string{"pool"}, nil),
		waitSeconds: prometheus.NewDesc(PoolWaitSecondsName,
			"Time spent waiting for a connection of a full store pool.",
			[]string{"pool"}, nil),
		dbs: map[*DB]struct{}{},
	}
}

func (c *poolCollector) add(db *DB) {
	c.mu.Lock()
	c.dbs[db] = struct{}{}
	c.mu.Unlock()
}

func (c *poolCollector) remove(db *DB) {
	c.mu.Lock()
	delete(c.dbs, db)
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.max
	ch <- c.waits
	ch <- c.waitSeconds
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	sums := map[string]*sql.DBStats{}
	var names []string
	addStats := func(name string, pool *sql.DB) {
		if pool == nil {
			return
		}
		st := pool.Stats()
		s := sums[name]
		if s == nil {
			s = &sql.DBStats{}
			sums[name] = s
			names = append(names, name)
		}
		s.MaxOpenConnections += st.MaxOpenConnections
		s.InUse += st.InUse
		s.Idle += st.Idle
		s.WaitCount += st.WaitCount
		s.WaitDuration += st.WaitDuration
	}
	c.mu.Lock()
	for db := range c.dbs {
		for _, p := range db.pools() {
			addStats(p.name, p.db)
		}
	}
	c.mu.Unlock()
	for _, name := range names {
		s := sums[name]
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.InUse), name, "in_use")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.Idle), name, "idle")
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}

type namedPool struct {
	name string
	db   *sql.DB
}

// pools are db's connection pools with their metric names.
func (db *DB) pools() []namedPool {
	if db.Dialect == Postgres {
		return []namedPool{{"query", db.SQL}, {"lock", db.locks}}
	}
	return []namedPool{{"writer", db.SQL}, {"read", db.Read}}
}
