package sessionsvc

import (
	"context"
	"fmt"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Build composes the service from configuration: the auth kit, the rate
// limiter (Redis when REDIS_URL is set) and, in hosted mode with a key, the
// OpenAI upstream. It is the startup.Builder of session-service and of the
// all-in-one; Close releases what it opened (the Redis client).
func Build(ctx context.Context, env startup.Env) (startup.Service, error) {
	cfg, logger, reg := env.Config, env.Logger, env.Registry
	httpClient := telemetry.NewHTTPClient(telemetry.ClientOptions{})
	kit, err := auth.FromConfig(ctx, cfg, httpClient, logger)
	if err != nil {
		return nil, err
	}
	// Counts in Redis when REDIS_URL is set (shared by replicas), in
	// memory otherwise; an unreachable Redis fails open.
	backend, err := ratelimit.NewBackend(ctx, cfg.RedisURL.Reveal(), cfg.Limits.RedisKeyPrefix, logger)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: %w", err)
	}
	fail := func(err error) (startup.Service, error) {
		_ = backend.Close()
		return nil, err
	}
	limiter := backend.Window("", cfg.RateLimitPerMinute, time.Minute)
	proxies, err := ratelimit.ParseTrustedProxies(cfg.Limits.TrustedProxies)
	if err != nil {
		return fail(fmt.Errorf("TRUSTED_PROXIES: %w", err))
	}
	var upstream Upstream
	if cfg.ChatKitMode == config.ModeHosted && cfg.OpenAIAPIKey.IsSet() {
		upstream, err = NewOpenAI(OpenAIOptions{
			APIKey:     cfg.OpenAIAPIKey.Reveal(),
			BaseURL:    cfg.OpenAIBaseURL,
			WorkflowID: cfg.WorkflowID,
			Timeout:    cfg.OpenAITimeout,
			HTTPClient: httpClient,
			Logger:     logger,
			Registry:   reg,
		})
		if err != nil {
			return fail(fmt.Errorf("openai upstream: %w", err))
		}
	}
	svc, err := New(Deps{
		Mode:       cfg.ChatKitMode,
		Signer:     kit.Signer,
		Identifier: kit.Identifier,
		Limits:     ratelimit.NewEnforcer(limiter, reg, cfg.Target.ServiceName(), logger),
		IPLimits: ratelimit.NewEnforcer(backend.Window("sessions-ip:", cfg.Limits.SessionsPerIPPerMinute, time.Minute),
			reg, cfg.Target.ServiceName(), logger),
		Proxies:  proxies,
		Upstream: upstream,
		Logger:   logger,
		Registry: reg,

		AllowedOrigins: cfg.FrontendURLs,
	})
	if err != nil {
		return fail(err)
	}
	svc.close = func() { _ = backend.Close() }
	return svc, nil
}
