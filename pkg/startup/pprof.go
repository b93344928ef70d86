package startup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofEnv names the opt-in profiling listener (config.Config.PprofAddr,
// validated there): unset (the default) means no profiling endpoint at
// all. It must be a loopback address, since profiles expose memory
// contents and cost CPU; startPprof checks that again.
const pprofEnv = "PPROF_ADDR"

// startPprof serves net/http/pprof on addr (a loopback host:port) on its own
// listener, apart from the app, until ctx ends. It returns the bound
// address (addr may use port 0).
func startPprof(ctx context.Context, addr string, logger *slog.Logger) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", pprofEnv, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("%s: %q is not a loopback address", pprofEnv, addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: listen: %w", pprofEnv, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.LogAttrs(ctx, slog.LevelError, "pprof listener stopped", slog.String("error", err.Error()))
		}
	}()
	context.AfterFunc(ctx, func() { _ = srv.Close() })
	logger.LogAttrs(ctx, slog.LevelInfo, "pprof listening", slog.String("addr", ln.Addr().String()))
	return ln.Addr().String(), nil
}
