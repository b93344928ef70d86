// Package config is the one typed configuration of every TaskPilotAI
// process, loaded from environment variables through a lookup function (so
// tests pass a map) and validated at start-up with errors that name the
// variable. Only mains and composition roots read it; everything else gets
// explicit constructor parameters.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Seed defaults.
const (
	DefaultWorkflowID  = "wf_6946b383d368819081b556e6e5fa66330d48d0c9ea4fccd8"
	DefaultModel       = "gpt-4.1"
	DefaultTemperature = 0.7
	DefaultFrontendURL = "http://localhost:3000"
	DefaultDatabaseURL = "sqlite://./data/taskpilot.db"
	// DefaultDatabaseLockConns is DATABASE_LOCK_CONNS's default.
	DefaultDatabaseLockConns = 32
	DefaultSessionTTL        = 10 * time.Minute
	DefaultRateLimit         = 30
	DefaultStaticDir         = "frontend/out"
)

// Target is the process being configured; it picks defaults and what is
// required.
type Target int

// Targets.
const (
	// AllInOne is cmd/taskpilot: local defaults, generated signing key.
	AllInOne Target = iota
	// SessionService is services/session-service.
	SessionService
	// ChatService is services/chat-service.
	ChatService
)

// ServiceName is the service label and OpenTelemetry service.name.
func (t Target) ServiceName() string {
	switch t {
	case SessionService:
		return "session-service"
	case ChatService:
		return "chat-service"
	default:
		return "taskpilot"
	}
}

// DefaultListenAddr is LISTEN_ADDR's default for the target.
func (t Target) DefaultListenAddr() string {
	if t == AllInOne {
		return ":8000"
	}
	return ":8080"
}

// ChatKitMode selects who runs the chat.
type ChatKitMode string

// ChatKit modes.
const (
	// ModeSelfHosted (default): chat-service runs the ChatKit server.
	ModeSelfHosted ChatKitMode = "self-hosted"
	// ModeHosted: OpenAI runs an Agent Builder workflow (until its
	// announced shutdown on 2026-11-30).
	ModeHosted ChatKitMode = "hosted"
)

// AuthMode selects how callers are identified.
type AuthMode string

// Auth modes.
const (
	AuthAnonymous AuthMode = "anonymous"
	AuthJWT       AuthMode = "jwt"
)

// OpenAI API styles.
const (
	APIStyleResponses       = "responses"
	APIStyleChatCompletions = "chat_completions"
)

// Config is every setting of a TaskPilotAI process.
type Config struct {
	Target Target

	ChatKitMode   ChatKitMode // CHATKIT_MODE
	OpenAIAPIKey  Secret      // OPENAI_API_KEY
	OpenAIBaseURL string      // OPENAI_BASE_URL (empty: OpenAI)
	// OpenAIAPIStyle is OPENAI_API_STYLE: responses or chat_completions.
	OpenAIAPIStyle string
	// OpenAITimeout bounds one non-streaming upstream call, such as creating
	// a hosted session (OPENAI_TIMEOUT, default 15s).
	OpenAITimeout time.Duration
	WorkflowID    string  // CHATKIT_WORKFLOW_ID
	Model         string  // CHATKIT_MODEL
	Temperature   float64 // CHATKIT_TEMPERATURE

	FrontendURLs []string // FRONTEND_URL, comma-separated CORS allow-list
	// DatabaseURL is DATABASE_URL (sqlite://path or postgres://...); a
	// Secret because PostgreSQL URLs may carry a password.
	DatabaseURL Secret
	// DatabaseMaxConns (DATABASE_MAX_CONNS) sizes the PostgreSQL query pool
	// (0: max(8, 4×GOMAXPROCS)) or the SQLite reader pool (0: max(4,
	// 2×GOMAXPROCS)). DatabaseLockConns (DATABASE_LOCK_CONNS, default 32)
	// caps the PostgreSQL connections that hold a thread's turn lock, that
	// is the turns one replica runs at once. Keep replicas × (both) under
	// the server's max_connections.
	DatabaseMaxConns  int
	DatabaseLockConns int
	// DataDir holds local state (the SQLite file, the generated signing
	// key): DATA_DIR, default the SQLite file's directory or ./data.
	DataDir string

	SessionSigningKey Secret        // SESSION_SIGNING_KEY
	SessionTTL        time.Duration // SESSION_TTL

	AuthMode        AuthMode // AUTH_MODE
	AuthJWTSecret   Secret   // AUTH_JWT_SECRET
	AuthJWKSURL     string   // AUTH_JWKS_URL
	AuthJWTIssuer   string   // AUTH_JWT_ISSUER (optional)
	AuthJWTAudience string   // AUTH_JWT_AUDIENCE (optional)

	ListenAddr string // LISTEN_ADDR
	// RedisURL (REDIS_URL) shares rate-limit state across replicas; it may
	// carry a password, so it is a Secret.
	RedisURL           Secret
	RateLimitPerMinute int // RATE_LIMIT_PER_MINUTE; 0 disables

	// SSEKeepAlive is SSE_KEEPALIVE_INTERVAL: comment lines sent on idle
	// streams to keep proxies from closing them; 0 (default) is off.
	SSEKeepAlive time.Duration

	OTLPEndpoint    string  // OTEL_EXPORTER_OTLP_ENDPOINT; empty: no export
	OTLPHeaders     Secret  // OTEL_EXPORTER_OTLP_HEADERS (k=v,k=v; may carry tokens)
	OTelServiceName string  // OTEL_SERVICE_NAME, default the target's name
	TraceSampleRate float64 // OTEL_TRACES_SAMPLER_ARG, default 1

	LogLevel slog.Level // LOG_LEVEL

	// StaticDir is STATIC_DIR: the built front end the all-in-one serves.
	StaticDir string
	// DrainDelay (SHUTDOWN_DRAIN_DELAY) is how long /readyz says 503 before
	// the server stops; ShutdownTimeout (SHUTDOWN_TIMEOUT) bounds draining
	// in-flight requests.
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration

	// ---- connections, headers and identity (issue 11, h11a) ----

	// HTTPReadTimeout (HTTP_READ_TIMEOUT, default 30s) bounds reading one
	// request, counted from accept for a connection's first request (so a
	// socket that never sends a byte is closed); 0 is off.
	HTTPReadTimeout time.Duration
	// HTTPIdleTimeout (HTTP_IDLE_TIMEOUT, default 120s) bounds a keep-alive
	// connection's wait for its next request; 0 falls back to the read
	// timeout (fasthttp), and both 0 is off.
	HTTPIdleTimeout time.Duration
	// HTTPWriteStallTimeout (HTTP_WRITE_STALL_TIMEOUT, default 30s) closes a
	// connection whose client has stopped reading once one write has been
	// blocked this long; a stream then ends as on a disconnect. 0 is off.
	HTTPWriteStallTimeout time.Duration
	// MaxConnsPerIP (MAX_CONNS_PER_IP) caps open connections per TCP peer
	// address: default 128 for the all-in-one, 0 (off) for the services,
	// whose peer is the ingress.
	MaxConnsPerIP int
	// MetricsAddr (METRICS_ADDR) is the listener of /metrics, apart from
	// the public one: default 127.0.0.1:9090 for the all-in-one (not
	// reachable from other hosts), :9090 for the services (the chart
	// scrapes it); "off" serves no metrics.
	MetricsAddr string
	// PprofAddr (PPROF_ADDR, default "" = off) serves net/http/pprof on a
	// loopback address (127.0.0.1:6060) for profiling.
	PprofAddr string
	// AnonAdoptLegacy (AUTH_ANON_ADOPT_LEGACY, default false) re-issues
	// identity cookies of the unsigned scheme (before issue 11) signed,
	// keeping their user id, instead of replacing them with a new identity.
	AnonAdoptLegacy bool

	// Limits are the abuse limits (issue 11; limits.go).
	Limits Limits
}

// MetricsOff is the METRICS_ADDR value that serves no metrics.
const MetricsOff = "off"

// DefaultMetricsAddr is METRICS_ADDR's default for the target.
func (t Target) DefaultMetricsAddr() string {
	if t == AllInOne {
		return "127.0.0.1:9090"
	}
	return ":9090"
}

// DefaultMaxConnsPerIP is MAX_CONNS_PER_IP's default for the target: the
// all-in-one faces browsers directly; services sit behind an ingress.
func (t Target) DefaultMaxConnsPerIP() int {
	if t == AllInOne {
		return 128
	}
	return 0
}

// FieldError is one configuration problem.
type FieldError struct {
	Var    string
	Reason string
}

func (e *FieldError) Error() string { return e.Var + ": " + e.Reason }

// Lookup returns an environment variable's value and whether it is set;
// os.LookupEnv in mains, a map in tests.
type Lookup func(string) (string, bool)

// MapLookup adapts a map to Lookup.
func MapLookup(m map[string]string) Lookup {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// Load reads the configuration of target and validates it. The error joins
// every problem (each a *FieldError naming its variable).
func Load(lookup Lookup, target Target) (*Config, error) {
	l := loader{lookup: lookup}
	c := &Config{
		Target:             target,
		ChatKitMode:        ChatKitMode(l.str("CHATKIT_MODE", string(ModeSelfHosted))),
		OpenAIAPIKey:       NewSecret(l.str("OPENAI_API_KEY", "")),
		OpenAIBaseURL:      l.str("OPENAI_BASE_URL", ""),
		OpenAIAPIStyle:     l.str("OPENAI_API_STYLE", APIStyleResponses),
		OpenAITimeout:      l.duration("OPENAI_TIMEOUT", 15*time.Second),
		WorkflowID:         l.str("CHATKIT_WORKFLOW_ID", DefaultWorkflowID),
		Model:              l.str("CHATKIT_MODEL", DefaultModel),
		Temperature:        l.float("CHATKIT_TEMPERATURE", DefaultTemperature),
		FrontendURLs:       splitList(l.str("FRONTEND_URL", DefaultFrontendURL)),
		DatabaseURL:        NewSecret(l.str("DATABASE_URL", DefaultDatabaseURL)),
		DatabaseMaxConns:   l.integer("DATABASE_MAX_CONNS", 0),
		DatabaseLockConns:  l.integer("DATABASE_LOCK_CONNS", DefaultDatabaseLockConns),
		SessionSigningKey:  NewSecret(l.str("SESSION_SIGNING_KEY", "")),
		SessionTTL:         l.duration("SESSION_TTL", DefaultSessionTTL),
		AuthMode:           AuthMode(l.str("AUTH_MODE", string(AuthAnonymous))),
		AuthJWTSecret:      NewSecret(l.str("AUTH_JWT_SECRET", "")),
		AuthJWKSURL:        l.str("AUTH_JWKS_URL", ""),
		AuthJWTIssuer:      l.str("AUTH_JWT_ISSUER", ""),
		AuthJWTAudience:    l.str("AUTH_JWT_AUDIENCE", ""),
		ListenAddr:         l.str("LISTEN_ADDR", target.DefaultListenAddr()),
		RedisURL:           NewSecret(l.str("REDIS_URL", "")),
		RateLimitPerMinute: l.integer("RATE_LIMIT_PER_MINUTE", DefaultRateLimit),
		SSEKeepAlive:       l.duration("SSE_KEEPALIVE_INTERVAL", 0),
		OTLPEndpoint:       l.str("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		OTLPHeaders:        NewSecret(l.str("OTEL_EXPORTER_OTLP_HEADERS", "")),
		OTelServiceName:    l.str("OTEL_SERVICE_NAME", target.ServiceName()),
		TraceSampleRate:    l.float("OTEL_TRACES_SAMPLER_ARG", 1),
		StaticDir:          l.str("STATIC_DIR", DefaultStaticDir),
		DrainDelay:         l.duration("SHUTDOWN_DRAIN_DELAY", defaultDrain(target)),
		ShutdownTimeout:    l.duration("SHUTDOWN_TIMEOUT", 20*time.Second),

		HTTPReadTimeout:       l.duration("HTTP_READ_TIMEOUT", 30*time.Second),
		HTTPIdleTimeout:       l.duration("HTTP_IDLE_TIMEOUT", 120*time.Second),
		HTTPWriteStallTimeout: l.duration("HTTP_WRITE_STALL_TIMEOUT", 30*time.Second),
		MaxConnsPerIP:         l.integer("MAX_CONNS_PER_IP", target.DefaultMaxConnsPerIP()),
		MetricsAddr:           l.str("METRICS_ADDR", target.DefaultMetricsAddr()),
		PprofAddr:             l.str("PPROF_ADDR", ""),
		AnonAdoptLegacy:       l.boolean("AUTH_ANON_ADOPT_LEGACY", false),
	}
	if lvl, set := l.get("LOG_LEVEL"); set {
		level, err := telemetry.ParseLevel(lvl)
		if err != nil {
			l.fail("LOG_LEVEL", err.Error())
		}
		c.LogLevel = level
	}
	c.DataDir = l.str("DATA_DIR", defaultDataDir(c.DatabaseURL.Reveal()))
	c.Limits = loadLimits(&l)
	return c, errors.Join(append(l.errs, c.Validate())...)
}

func defaultDrain(t Target) time.Duration {
	if t == AllInOne {
		return 0
	}
	return 5 * time.Second
}

// defaultDataDir is the directory of a sqlite:// database, else ./data.
func defaultDataDir(dbURL string) string {
	if path, ok := SQLitePath(dbURL); ok && path != ":memory:" {
		return filepath.Dir(path)
	}
	return "data"
}

// SQLitePath returns the file path of a sqlite:// URL
// (sqlite://./data/x.db → ./data/x.db, sqlite:///abs/x.db → /abs/x.db).
func SQLitePath(dbURL string) (string, bool) {
	rest, ok := strings.CutPrefix(dbURL, "sqlite://")
	if !ok {
		return "", false
	}
	path, _, _ := strings.Cut(rest, "?")
	return path, path != ""
}

// Validate reports every problem of c at once, each a *FieldError naming
// its variable. Missing OPENAI_API_KEY is not an error: hosted sessions
// answer 503 naming it, and self-hosted chat uses the offline agent.
func (c *Config) Validate() error {
	var errs []error
	bad := func(v, format string, args ...any) {
		errs = append(errs, &FieldError{Var: v, Reason: fmt.Sprintf(format, args...)})
	}
	switch c.ChatKitMode {
	case ModeSelfHosted, ModeHosted:
	default:
		bad("CHATKIT_MODE", "must be %q or %q, got %q", ModeSelfHosted, ModeHosted, c.ChatKitMode)
	}
	if c.OpenAIBaseURL != "" {
		if err := checkHTTPURL(c.OpenAIBaseURL); err != nil {
			bad("OPENAI_BASE_URL", "%v", err)
		}
	}
	switch c.OpenAIAPIStyle {
	case APIStyleResponses, APIStyleChatCompletions:
	default:
		bad("OPENAI_API_STYLE", "must be %q or %q, got %q", APIStyleResponses, APIStyleChatCompletions, c.OpenAIAPIStyle)
	}
	if c.OpenAITimeout <= 0 {
		bad("OPENAI_TIMEOUT", "must be positive, got %s", c.OpenAITimeout)
	}
	if c.ChatKitMode == ModeHosted && !strings.HasPrefix(c.WorkflowID, "wf_") {
		bad("CHATKIT_WORKFLOW_ID", "must be an Agent Builder workflow id (wf_...), got %q", c.WorkflowID)
	}
	if c.Model == "" {
		bad("CHATKIT_MODEL", "must not be empty")
	}
	if c.Temperature < 0 || c.Temperature > 2 {
		bad("CHATKIT_TEMPERATURE", "must be between 0 and 2, got %g", c.Temperature)
	}
	if len(c.FrontendURLs) == 0 {
		bad("FRONTEND_URL", "must list at least one origin")
	}
	for _, o := range c.FrontendURLs {
		if err := checkOrigin(o); err != nil {
			bad("FRONTEND_URL", "%v", err)
		}
	}
	if err := checkDatabaseURL(c.DatabaseURL.Reveal()); err != nil {
		bad("DATABASE_URL", "%v", err)
	}
	if c.DatabaseMaxConns < 0 {
		bad("DATABASE_MAX_CONNS", "must be 0 (the default size) or positive, got %d", c.DatabaseMaxConns)
	}
	if c.DatabaseLockConns < 1 {
		bad("DATABASE_LOCK_CONNS", "must be at least 1, got %d", c.DatabaseLockConns)
	}
	if c.DataDir == "" {
		bad("DATA_DIR", "must not be empty")
	}
	switch {
	case c.SessionSigningKey.IsSet() && len(c.SessionSigningKey.Reveal()) < 32:
		bad("SESSION_SIGNING_KEY", "must be at least 32 bytes, got %d", len(c.SessionSigningKey.Reveal()))
	case !c.SessionSigningKey.IsSet() && c.Target != AllInOne:
		bad("SESSION_SIGNING_KEY", "is required for %s (shared by session-service and chat-service); generate one with `openssl rand -hex 32`", c.Target.ServiceName())
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 24*time.Hour {
		bad("SESSION_TTL", "must be between 1m and 24h, got %s", c.SessionTTL)
	}
	switch c.AuthMode {
	case AuthAnonymous:
	case AuthJWT:
		switch {
		case c.AuthJWTSecret.IsSet() && c.AuthJWKSURL != "":
			bad("AUTH_JWT_SECRET", "set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both")
		case !c.AuthJWTSecret.IsSet() && c.AuthJWKSURL == "":
			bad("AUTH_JWT_SECRET", "AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL")
		case c.AuthJWKSURL != "":
			if err := checkHTTPURL(c.AuthJWKSURL); err != nil {
				bad("AUTH_JWKS_URL", "%v", err)
			}
		}
	default:
		bad("AUTH_MODE", "must be %q or %q, got %q", AuthAnonymous, AuthJWT, c.AuthMode)
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		bad("LISTEN_ADDR", "must be host:port or :port, got %q", c.ListenAddr)
	}
	if c.RedisURL.IsSet() {
		u, err := url.Parse(c.RedisURL.Reveal())
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			// Never echo the value: it may hold a password.
			bad("REDIS_URL", "must be redis://[user:password@]host:port[/db] or rediss://...")
		}
	}
	if c.RateLimitPerMinute < 0 {
		bad("RATE_LIMIT_PER_MINUTE", "must be 0 (off) or positive, got %d", c.RateLimitPerMinute)
	}
	if c.SSEKeepAlive < 0 {
		bad("SSE_KEEPALIVE_INTERVAL", "must be 0 (off) or positive, got %s", c.SSEKeepAlive)
	}
	if c.OTLPEndpoint != "" {
		if err := checkHTTPURL(c.OTLPEndpoint); err != nil {
			bad("OTEL_EXPORTER_OTLP_ENDPOINT", "%v", err)
		}
	}
	if _, err := c.OTLPHeaderMap(); err != nil {
		bad("OTEL_EXPORTER_OTLP_HEADERS", "%v", err)
	}
	if c.TraceSampleRate < 0 || c.TraceSampleRate > 1 {
		bad("OTEL_TRACES_SAMPLER_ARG", "must be between 0 and 1, got %g", c.TraceSampleRate)
	}
	if c.DrainDelay < 0 {
		bad("SHUTDOWN_DRAIN_DELAY", "must not be negative, got %s", c.DrainDelay)
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT", "must be positive, got %s", c.ShutdownTimeout)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"HTTP_READ_TIMEOUT", c.HTTPReadTimeout}, {"HTTP_IDLE_TIMEOUT", c.HTTPIdleTimeout}, {"HTTP_WRITE_STALL_TIMEOUT", c.HTTPWriteStallTimeout}} {
		if d.v < 0 {
			bad(d.name, "must be 0 (off) or positive, got %s", d.v)
		}
	}
	if c.MaxConnsPerIP < 0 {
		bad("MAX_CONNS_PER_IP", "must be 0 (off) or positive, got %d", c.MaxConnsPerIP)
	}
	if c.MetricsAddr != MetricsOff {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "must be host:port, :port or %q, got %q", MetricsOff, c.MetricsAddr)
		} else if c.MetricsAddr == c.ListenAddr && port != "0" {
			bad("METRICS_ADDR", "must differ from LISTEN_ADDR (%s): /metrics is not served on the public listener", c.ListenAddr)
		}
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			bad("PPROF_ADDR", "must be a loopback host:port (127.0.0.1:6060) or empty, got %q", c.PprofAddr)
		}
	}
	errs = append(errs, c.Limits.validate()...)
	return errors.Join(errs...)
}

// Warnings lists settings that work but are probably not what was meant;
// mains log them at start-up.
func (c *Config) Warnings() []string {
	var w []string
	if c.ChatKitMode == ModeHosted && !c.OpenAIAPIKey.IsSet() {
		w = append(w, "CHATKIT_MODE=hosted without OPENAI_API_KEY: session requests answer 503 until it is set")
	}
	if c.ChatKitMode == ModeHosted {
		w = append(w, "CHATKIT_MODE=hosted relies on OpenAI Agent Builder, announced to shut down on 2026-11-30; self-hosted mode is the migration path")
	}
	if _, sqlite := SQLitePath(c.DatabaseURL.Reveal()); sqlite && c.Target == ChatService {
		w = append(w, "DATABASE_URL is SQLite in a service deployment: state is per pod, so run one replica or use PostgreSQL")
	}
	if c.Target != AllInOne && !c.RedisURL.IsSet() && c.RateLimitPerMinute > 0 {
		w = append(w, "REDIS_URL unset: rate limits are per replica")
	}
	w = append(w, c.permissionWarnings()...)
	return w
}

// permissionWarnings flags local state other users of the machine can read:
// the data directory wider than 0700, the SQLite files and the signing key
// wider than 0600 (new ones are created so; these predate that, or were
// changed).
func (c *Config) permissionWarnings() []string {
	var w []string
	wide := func(path string, limit os.FileMode) {
		st, err := os.Stat(path)
		if err != nil {
			return
		}
		if mode := st.Mode().Perm(); mode&^limit != 0 {
			w = append(w, fmt.Sprintf("%s is accessible to other users (mode %#o): chmod %#o %s", path, mode, limit, path))
		}
	}
	dirs := map[string]bool{c.DataDir: true}
	var files []string
	if c.Target == AllInOne && !c.SessionSigningKey.IsSet() {
		files = append(files, filepath.Join(c.DataDir, SigningKeyFile))
	}
	if path, ok := SQLitePath(c.DatabaseURL.Reveal()); ok && path != ":memory:" {
		dirs[filepath.Dir(path)] = true
		files = append(files, path, path+"-wal", path+"-shm")
	}
	for _, d := range sortedKeys(dirs) {
		wide(d, 0o700)
	}
	for _, f := range files {
		wide(f, 0o600)
	}
	return w
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// OTLPHeaderMap parses OTEL_EXPORTER_OTLP_HEADERS ("k=v,k2=v2").
func (c *Config) OTLPHeaderMap() (map[string]string, error) {
	raw := c.OTLPHeaders.Reveal()
	if raw == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(raw, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, errors.New("must be key=value pairs separated by commas")
		}
		if dv, err := url.PathUnescape(strings.TrimSpace(v)); err == nil {
			v = dv
		}
		out[k] = v
	}
	return out, nil
}

// LogValue implements slog.LogValuer: the effective configuration with
// secrets shown only as set or unset.
func (c *Config) LogValue() slog.Value {
	set := func(s Secret) string {
		if s.IsSet() {
			return "set"
		}
		return "unset"
	}
	return slog.GroupValue(
		slog.String("service", c.Target.ServiceName()),
		slog.String("chatkit_mode", string(c.ChatKitMode)),
		slog.String("openai_api_key", set(c.OpenAIAPIKey)),
		slog.String("openai_base_url", c.OpenAIBaseURL),
		slog.String("openai_api_style", c.OpenAIAPIStyle),
		slog.String("workflow_id", c.WorkflowID),
		slog.String("model", c.Model),
		slog.Float64("temperature", c.Temperature),
		slog.Any("frontend_urls", c.FrontendURLs),
		slog.String("database", redactURL(c.DatabaseURL.Reveal())),
		slog.String("data_dir", c.DataDir),
		slog.String("session_signing_key", signingKeySource(c)),
		slog.String("session_ttl", c.SessionTTL.String()),
		slog.String("auth_mode", string(c.AuthMode)),
		slog.String("auth_jwks_url", c.AuthJWKSURL),
		slog.String("listen_addr", c.ListenAddr),
		slog.String("redis", set(c.RedisURL)),
		slog.Int("rate_limit_per_minute", c.RateLimitPerMinute),
		slog.Any("limits", c.Limits),
		slog.String("otlp_endpoint", c.OTLPEndpoint),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("http_read_timeout", c.HTTPReadTimeout.String()),
		slog.String("http_idle_timeout", c.HTTPIdleTimeout.String()),
		slog.String("http_write_stall_timeout", c.HTTPWriteStallTimeout.String()),
		slog.Int("max_conns_per_ip", c.MaxConnsPerIP),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.String("pprof_addr", c.PprofAddr),
	)
}

func signingKeySource(c *Config) string {
	switch {
	case c.SessionSigningKey.IsSet():
		return "set"
	case c.Target == AllInOne:
		return "generated in " + filepath.Join(c.DataDir, SigningKeyFile)
	default:
		return "unset"
	}
}

// redactURL drops the password of a URL (postgres://user:pw@host/db).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http(s) URL, got %q", raw)
	}
	return nil
}

// checkOrigin accepts scheme://host[:port] (a trailing slash is tolerated).
func checkOrigin(o string) error {
	if o == "*" {
		return errors.New(`"*" is not allowed: list the front end's origins (credentials are sent)`)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("must be an origin like https://app.example.com, got %q", o)
	}
	return nil
}

func checkDatabaseURL(raw string) error {
	if path, ok := SQLitePath(raw); ok {
		if path == "" {
			return errors.New("sqlite:// needs a file path, e.g. sqlite://./data/taskpilot.db")
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return errors.New("must be sqlite://<path> or postgres://user@host:port/db")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loader reads typed values and collects parse errors.
type loader struct {
	lookup Lookup
	errs   []error
}

func (l *loader) get(name string) (string, bool) {
	v, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (l *loader) fail(name, reason string) {
	l.errs = append(l.errs, &FieldError{Var: name, Reason: reason})
}

func (l *loader) str(name, def string) string {
	if v, ok := l.get(name); ok {
		return v
	}
	return def
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		if secs, ierr := strconv.Atoi(v); ierr == nil {
			return time.Duration(secs) * time.Second
		}
		l.fail(name, fmt.Sprintf("must be a duration such as 10m or 30s, got %q", v))
		return def
	}
	return d
}

func (l *loader) integer(name string, def int) int {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(name, fmt.Sprintf("must be a whole number, got %q", v))
		return def
	}
	return n
}

func (l *loader) boolean(name string, def bool) bool {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, fmt.Sprintf("must be true or false, got %q", v))
		return def
	}
	return b
}

func (l *loader) float(name string, def float64) float64 {
	v, ok := l.get(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		l.fail(name, fmt.Sprintf("must be a number, got %q", v))
		return def
	}
	return f
}
