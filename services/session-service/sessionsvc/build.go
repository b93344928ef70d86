package sessionsvc

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Build composes the service from configuration: the auth kit, the rate
// limiter (Redis when REDIS_URL is set) and, in hosted mode with a key, the
// OpenAI upstream. session-service's main and the all-in-one both call it.
// cleanup releases what Build opened (the Redis client).
func Build(ctx context.Context, cfg *config.Config, logger *slog.Logger, reg prometheus.Registerer) (svc *Service, cleanup func(), err error) {
	cleanup = func() {}
	httpClient := telemetry.NewHTTPClient(telemetry.ClientOptions{})
	kit, err := auth.FromConfig(ctx, cfg, httpClient, logger)
	if err != nil {
		return nil, cleanup, err
	}
	// Counts in Redis when REDIS_URL is set (shared by replicas), in
	// memory otherwise; an unreachable Redis fails open.
	backend, err := ratelimit.NewBackend(ctx, cfg.RedisURL.Reveal(), cfg.Limits.RedisKeyPrefix, logger)
	if err != nil {
		return nil, cleanup, fmt.Errorf("rate limiter: %w", err)
	}
	cleanup = func() { _ = backend.Close() }
	limiter := backend.Window("", cfg.RateLimitPerMinute, time.Minute)
	proxies, err := ratelimit.ParseTrustedProxies(cfg.Limits.TrustedProxies)
	if err != nil {
		return nil, cleanup, fmt.Errorf("TRUSTED_PROXIES: %w", err)
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
			return nil, cleanup, fmt.Errorf("openai upstream: %w", err)
		}
	}
	svc, err = New(Deps{
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
		cleanup()
		return nil, func() {}, err
	}
	return svc, cleanup, nil
}
