package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Run listens on addr and serves until ctx is cancelled (main passes a
// signal.NotifyContext for SIGTERM/SIGINT), then shuts down gracefully; see
// RunListener.
func (s *Server) Run(ctx context.Context, addr string, drainDelay, shutdownTimeout time.Duration) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.RunListener(ctx, ln, drainDelay, shutdownTimeout)
}

// RunListener serves on ln, with the server's ConnLimits applied to every
// connection, until ctx is cancelled, then: marks the server not ready
// (/readyz answers 503 so load balancers stop sending traffic), waits
// drainDelay, and shuts the server down, letting in-flight requests finish
// for up to shutdownTimeout. It returns nil after a clean shutdown.
func (s *Server) RunListener(ctx context.Context, ln net.Listener, drainDelay, shutdownTimeout time.Duration) error {
	ln = wrapListener(ln, s.limits, s.rejected, s.logger)
	served := make(chan error, 1)
	go func() { served <- s.App.Listener(ln) }()

	select {
	case err := <-served:
		if err == nil {
			err = errors.New("server stopped unexpectedly")
		}
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	s.MarkNotReady()
	if drainDelay > 0 {
		t := time.NewTimer(drainDelay)
		<-t.C
	}
	// The parent context is already cancelled: shutdown gets its own clock.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	// Responses still running near the end of the timeout (SSE streams)
	// are told to wrap up, leaving them time to end with a final event.
	// Once RunListener returns, nothing is left to wrap up: the context ends.
	wrapUp := time.AfterFunc(shutdownTimeout-wrapUpMargin(shutdownTimeout), s.stopCancel)
	defer s.stopCancel()
	defer wrapUp.Stop()
	if err := s.App.ShutdownWithContext(sctx); err != nil {
		return fmt.Errorf("shut down server: %w", err)
	}
	if err := <-served; err != nil {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	return nil
}

// wrapUpMargin is how long before the shutdown timeout StopContext is
// cancelled: a quarter of the timeout, at most 5s.
func wrapUpMargin(timeout time.Duration) time.Duration {
	return min(timeout/4, 5*time.Second)
}

// StopContext returns a context that is cancelled when responses that may
// last indefinitely (SSE streams) must end: shortly before RunListener's
// shutdown timeout expires, so that they can still write a final event and
// save their state before the server closes. It is never cancelled for a
// server that is not shutting down.
func (s *Server) StopContext() context.Context { return s.stop }

// MarkNotReady makes /readyz answer 503 from now on, as RunListener does
// when shutdown starts.
func (s *Server) MarkNotReady() { s.draining.Store(true) }
