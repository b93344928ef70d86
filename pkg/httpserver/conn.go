package httpserver

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// ConnLimits bound what one client connection may hold. Every field's zero
// value switches that limit off (for load tests and local development).
type ConnLimits struct {
	// ReadTimeout bounds reading one request, counted from the moment the
	// connection is accepted for its first request (fasthttp sets no
	// deadline on a connection's first byte when ReduceMemoryUsage is on,
	// so a socket that never sends anything would otherwise stay open for
	// ever) and from the first byte for later ones. HTTP_READ_TIMEOUT.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. HTTP_IDLE_TIMEOUT.
	IdleTimeout time.Duration
	// WriteStall bounds one blocked write: a client that stops reading (an
	// SSE stream nobody drains) has its connection closed once a write has
	// waited this long, which ends a stream exactly like a disconnect.
	// There is no bound on a whole response, since a stream lasts as long
	// as its turn. HTTP_WRITE_STALL_TIMEOUT.
	WriteStall time.Duration
	// MaxConnsPerIP caps the connections one TCP peer address holds open
	// at once; the next one is answered 429 and closed. Behind a proxy the
	// peer is the proxy, so services leave it off. MAX_CONNS_PER_IP.
	MaxConnsPerIP int
}

// Defaults of ConnLimits when Options.Limits is nil.
const (
	DefaultReadTimeout = 30 * time.Second
	DefaultIdleTimeout = 120 * time.Second
	DefaultWriteStall  = 30 * time.Second
)

// DefaultConnLimits are the limits of an app built without Options.Limits.
func DefaultConnLimits() ConnLimits {
	return ConnLimits{ReadTimeout: DefaultReadTimeout, IdleTimeout: DefaultIdleTimeout, WriteStall: DefaultWriteStall}
}

// tooManyConns is the whole answer to a connection over MaxConnsPerIP:
// written before any request is read, so it closes the connection.
var tooManyConns = []byte("HTTP/1.1 429 Too Many Requests\r\n" +
	"Content-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 109\r\n\r\n" +
	`{"error":{"code":"rate_limited","message":"too many open connections from your address; close some first"}}`)

// limitListener applies ConnLimits to every accepted connection. It is
// hand-written: fasthttp's MaxConnsPerIP counts IPv4 peers only, answers
// from its accept loop, and has no per-write deadline; its read deadline
// misses the first byte (see ConnLimits.ReadTimeout).
type limitListener struct {
	net.Listener
	limits   ConnLimits
	rejected prometheus.Counter
	logger   *slog.Logger

	mu      sync.Mutex
	perIP   map[netip.Addr]int
	lastLog atomic.Int64 // unix nanos of the last rejection logged
}

func newConnMetrics(reg prometheus.Registerer, service string) prometheus.Counter {
	return telemetry.MustRegister(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_http_connections_rejected_total",
		Help: "Connections closed on accept because their peer address already held MAX_CONNS_PER_IP.",
	}, []string{"service"})).WithLabelValues(service)
}

func wrapListener(ln net.Listener, limits ConnLimits, rejected prometheus.Counter, logger *slog.Logger) net.Listener {
	if limits == (ConnLimits{}) {
		return ln
	}
	return &limitListener{Listener: ln, limits: limits, rejected: rejected, logger: logger, perIP: map[netip.Addr]int{}}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var ip netip.Addr
		if l.limits.MaxConnsPerIP > 0 {
			ip = peerAddr(c)
			if ip.IsValid() && !l.acquire(ip) {
				l.reject(c, ip)
				continue
			}
		}
		if d := l.limits.ReadTimeout; d > 0 {
			if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
				l.release(ip)
				_ = c.Close()
				continue
			}
		}
		return &limitConn{Conn: c, l: l, ip: ip, stall: l.limits.WriteStall}, nil
	}
}

func (l *limitListener) acquire(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip] >= l.limits.MaxConnsPerIP {
		return false
	}
	l.perIP[ip]++
	return true
}

func (l *limitListener) release(ip netip.Addr) {
	if !ip.IsValid() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.perIP[ip] - 1; n > 0 {
		l.perIP[ip] = n
	} else {
		delete(l.perIP, ip)
	}
}

// reject answers 429 and closes c. The answer fits any socket buffer, and
// the deadline keeps a misbehaving peer from holding the accept loop.
func (l *limitListener) reject(c net.Conn, ip netip.Addr) {
	l.rejected.Inc()
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write(tooManyConns)
	_ = c.Close()
	now := time.Now().UnixNano()
	if last := l.lastLog.Load(); now-last > int64(10*time.Second) && l.lastLog.CompareAndSwap(last, now) {
		l.logger.LogAttrs(context.Background(), slog.LevelWarn, "connection refused: too many open connections from one address",
			slog.String("peer", ip.String()), slog.Int("max_conns_per_ip", l.limits.MaxConnsPerIP))
	}
}

func peerAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// limitConn renews its write deadline before every write (WriteStall) and
// gives its per-IP slot back on Close.
type limitConn struct {
	net.Conn
	l      *limitListener
	ip     netip.Addr
	stall  time.Duration
	closed atomic.Bool
}

// Write implements net.Conn: a write that cannot complete within the stall
// timeout fails with os.ErrDeadlineExceeded, and the server closes the
// connection (a stream's reader is closed as on a disconnect).
func (c *limitConn) Write(p []byte) (int, error) {
	if c.stall > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(c.stall)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

// Close implements net.Conn.
func (c *limitConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.l.release(c.ip)
	}
	return c.Conn.Close()
}
