package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/gofiber/fiber/v2"
)

// Run listens on addr and serves app until ctx is cancelled (main passes a
// signal.NotifyContext for SIGTERM/SIGINT), then shuts down gracefully; see
// RunListener.
func Run(ctx context.Context, app *fiber.App, addr string, drainDelay, shutdownTimeout time.Duration) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return RunListener(ctx, app, ln, drainDelay, shutdownTimeout)
}

// RunListener serves app on ln, with the app's ConnLimits applied to every
// connection, until ctx is cancelled, then: marks the app
// not ready (/readyz answers 503 so load balancers stop sending traffic),
// waits drainDelay, and shuts the server down, letting in-flight requests
// finish for up to shutdownTimeout. It returns nil after a clean shutdown.
func RunListener(ctx context.Context, app *fiber.App, ln net.Listener, drainDelay, shutdownTimeout time.Duration) error {
	if st := states.get(app); st != nil {
		ln = wrapListener(ln, st.limits, st.rejected, st.logger)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()

	select {
	case err := <-served:
		if err == nil {
			err = errors.New("server stopped unexpectedly")
		}
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	if st := states.get(app); st != nil {
		st.draining.Store(true)
	}
	if drainDelay > 0 {
		t := time.NewTimer(drainDelay)
		<-t.C
	}
	// The parent context is already cancelled: shutdown gets its own clock.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	// Responses still running near the end of the timeout (SSE streams)
	// are told to wrap up, leaving them time to end with a final event.
	if st := states.get(app); st != nil {
		wrapUp := time.AfterFunc(shutdownTimeout-wrapUpMargin(shutdownTimeout), st.stopCancel)
		defer wrapUp.Stop()
	}
	if err := app.ShutdownWithContext(sctx); err != nil {
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

// StopContext returns a context that is cancelled when responses of app
// that may last indefinitely (SSE streams) must end: shortly before Run's
// shutdown timeout expires, so that they can still write a final event and
// save their state before the server closes. It is never cancelled for an
// app that is not shutting down, nor for apps not built by New.
func StopContext(app *fiber.App) context.Context {
	if st := states.get(app); st != nil {
		return st.stop
	}
	return context.Background()
}

// MarkNotReady makes /readyz of app answer 503 from now on, as Run does
// when shutdown starts.
func MarkNotReady(app *fiber.App) {
	if st := states.get(app); st != nil {
		st.draining.Store(true)
	}
}

// stateTable maps apps built by New to their lifecycle state without keeping
// the apps alive.
type stateTable struct {
	mu sync.Mutex
	m  map[weak.Pointer[fiber.App]]*state
}

var states = &stateTable{m: map[weak.Pointer[fiber.App]]*state{}}

func (t *stateTable) put(app *fiber.App, st *state) {
	key := weak.Make(app)
	t.mu.Lock()
	t.m[key] = st
	t.mu.Unlock()
	runtime.AddCleanup(app, t.remove, key)
}

func (t *stateTable) get(app *fiber.App) *state {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[weak.Make(app)]
}

func (t *stateTable) remove(key weak.Pointer[fiber.App]) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}
