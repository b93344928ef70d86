// Package sessionsvc is session-service: POST /api/chatkit/sessions hands
// the browser a short-lived ChatKit client secret. In self-hosted mode it
// mints a signed secret bound to the caller's user id (chat-service verifies
// it); in hosted mode it creates an OpenAI ChatKit session for the Agent
// Builder workflow. The package is importable so that the all-in-one binary
// mounts the same routes.
package sessionsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// PathSessions is the one route of the service.
const PathSessions = "/api/chatkit/sessions"

// Response modes.
const (
	ModeSelfHosted = string(config.ModeSelfHosted)
	ModeHosted     = string(config.ModeHosted)
)

// Response is the 200 body.
type Response struct {
	ClientSecret string `json:"client_secret"`
	SessionID    string `json:"session_id"`
	ExpiresAt    int64  `json:"expires_at"`
	Mode         string `json:"mode"`
}

// Request is the optional JSON body.
type Request struct {
	// Existing is the secret the browser holds now, if any (refresh).
	Existing *string `json:"existing"`
}

// HostedSession is what the upstream returns for a new hosted session.
type HostedSession struct {
	ID           string
	ClientSecret string
	ExpiresAt    time.Time
}

// Upstream creates hosted ChatKit sessions (OpenAI). Errors are
// *apperr.Error values with the status the caller should see.
type Upstream interface {
	CreateSession(ctx context.Context, userID string) (HostedSession, error)
}

// Deps are the service's collaborators.
type Deps struct {
	// Mode is config.ModeSelfHosted or config.ModeHosted.
	Mode config.ChatKitMode
	// Signer mints self-hosted secrets.
	Signer *auth.Signer
	// Identifier tells who is asking (anonymous cookie or host JWT).
	Identifier auth.Identifier
	// Limits applies the per-user rate limit; nil means none.
	Limits *ratelimit.Enforcer
	// IPLimits applies the per-client-address limit
	// (SESSIONS_PER_IP_PER_MINUTE), checked before the caller is
	// identified: a client without cookies gets a new anonymous identity
	// per request, so only its address ties its requests together. nil
	// means none.
	IPLimits *ratelimit.Enforcer
	// Proxies are the trusted proxies whose X-Forwarded-For names the
	// client address (TRUSTED_PROXIES); nil trusts none.
	Proxies *ratelimit.TrustedProxies
	// Upstream creates hosted sessions; nil in hosted mode means
	// OPENAI_API_KEY is missing and requests answer 503 naming it.
	Upstream Upstream
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// AllowedOrigins (FRONTEND_URL) may call the endpoint from a browser,
	// besides the server's own origin.
	AllowedOrigins []string
}

// Service handles session requests.
type Service struct {
	d       Deps
	created *prometheus.CounterVec
	origins map[string]struct{}
	// close releases what Build opened (the Redis client).
	close func()
}

// New validates deps and registers the service's metrics.
func New(d Deps) (*Service, error) {
	switch d.Mode {
	case config.ModeSelfHosted:
		if d.Signer == nil {
			return nil, errors.New("self-hosted mode needs a signer")
		}
	case config.ModeHosted:
	default:
		return nil, fmt.Errorf("unknown ChatKit mode %q", d.Mode)
	}
	if d.Identifier == nil {
		return nil, errors.New("an identifier is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	created := telemetry.MustRegister(d.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_chatkit_sessions_created_total",
		Help: "Session requests by mode and outcome (ok or an error code).",
	}, []string{"mode", "outcome"}))
	return &Service{d: d, created: created, origins: originSet(d.AllowedOrigins)}, nil
}

// Routes mounts the service on r.
func (s *Service) Routes(r fiber.Router) {
	r.Post(PathSessions, s.createSession)
}

// Mount adds the service's routes to srv's app.
func (s *Service) Mount(srv *httpserver.Server) { s.Routes(srv.App) }

// Ready reports readiness: the service holds no connections that could
// break (a Redis outage fails open), so it is ready once built.
func (*Service) Ready(context.Context) error { return nil }

// Close releases what Build opened; a Service from New holds nothing.
func (s *Service) Close() {
	if s.close != nil {
		s.close()
	}
}

func (s *Service) createSession(c *fiber.Ctx) (err error) {
	defer func() { s.created.WithLabelValues(string(s.d.Mode), outcome(err)).Inc() }()

	if err := s.checkCrossSite(c); err != nil {
		return err
	}
	var req Request
	if body := c.Body(); len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return apperr.Invalid("body must be JSON like {\"existing\": \"<secret>\"} or empty")
		}
	}
	if s.d.IPLimits != nil {
		ip := s.d.Proxies.FromFiber(c)
		if err := s.d.IPLimits.Check(c.UserContext(), c, ip.String()); err != nil {
			return err
		}
	}
	user, err := s.d.Identifier.Identify(c)
	if err != nil {
		return err
	}
	ctx := auth.WithUser(c.UserContext(), user)
	if s.d.Limits != nil {
		if err := s.d.Limits.Check(ctx, c, "sessions:"+user); err != nil {
			return err
		}
	}

	var resp Response
	if s.d.Mode == config.ModeHosted {
		resp, err = s.hosted(ctx, user)
	} else {
		existing := ""
		if req.Existing != nil {
			existing = *req.Existing
		}
		resp, err = s.selfHosted(user, existing)
	}
	if err != nil {
		return err
	}
	s.d.Logger.LogAttrs(ctx, slog.LevelInfo, "session created",
		slog.String("mode", resp.Mode), slog.String("session_id", resp.SessionID))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(resp)
}

// selfHosted mints a secret for user. A refresh (existing set) must present
// an authentic secret of the same user; an expired one is fine, since the
// caller has just been identified again.
func (s *Service) selfHosted(user, existing string) (Response, error) {
	if existing != "" {
		claims, err := s.d.Signer.Verify(existing)
		if err != nil && !errors.Is(err, auth.ErrExpired) {
			return Response{}, apperr.Unauthorized("existing secret is invalid")
		}
		if claims.UserID != user {
			return Response{}, apperr.Unauthorized("existing secret belongs to another user")
		}
	}
	tok, err := s.d.Signer.Mint(user)
	if err != nil {
		return Response{}, fmt.Errorf("mint session secret: %w", err)
	}
	return Response{ClientSecret: tok.Secret, SessionID: tok.SessionID,
		ExpiresAt: tok.ExpiresAt.Unix(), Mode: ModeSelfHosted}, nil
}

// hosted creates an OpenAI ChatKit session. There is no upstream refresh:
// a new session for the same user is the refresh (threads are scoped by
// user), so existing is not needed.
func (s *Service) hosted(ctx context.Context, user string) (Response, error) {
	if s.d.Upstream == nil {
		return Response{}, apperr.NotConfigured(
			"hosted ChatKit mode needs OPENAI_API_KEY: set it, or run with CHATKIT_MODE=self-hosted")
	}
	sess, err := s.d.Upstream.CreateSession(ctx, user)
	if err != nil {
		return Response{}, err
	}
	return Response{ClientSecret: sess.ClientSecret, SessionID: sess.ID,
		ExpiresAt: sess.ExpiresAt.Unix(), Mode: ModeHosted}, nil
}

// outcome is the metric label for a handler result.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if ae, ok := apperr.As(err); ok {
		return ae.Code
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return apperr.CodeInternal
}
