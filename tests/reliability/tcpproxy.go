package reliability

import (
	"context"
	"io"
	"net"
	"sync"
)

// TCPProxy relays TCP connections to a target address. Cut resets every
// open connection and refuses new ones until Restore, which simulates a
// database server going away and coming back without touching the real
// server.
type TCPProxy struct {
	// Addr is the proxy's listening address (host:port).
	Addr string

	target string
	ctx    context.Context
	stop   context.CancelFunc
	ln     net.Listener
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewTCPProxy listens on 127.0.0.1:0 and relays to target until Close
// (or until ctx ends, for new connections).
func NewTCPProxy(ctx context.Context, target string) (*TCPProxy, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &TCPProxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.ctx, p.stop = context.WithCancel(ctx)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *TCPProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			reset(c)
			continue
		}
		p.wg.Add(1)
		go p.relay(c)
	}
}

func (p *TCPProxy) relay(c net.Conn) {
	defer p.wg.Done()
	var d net.Dialer
	up, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		reset(c)
		reset(up)
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// Cut resets every relayed connection and refuses new ones.
func (p *TCPProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		reset(c)
	}
}

// Restore accepts and relays connections again.
func (p *TCPProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// Close stops the proxy and its connections.
func (p *TCPProxy) Close() {
	p.stop()
	_ = p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
