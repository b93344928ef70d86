package chatsvc

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Build composes chat-service from configuration: the store
// (storage.Open(DATABASE_URL), migrations applied), authentication
// (session secrets, or host JWTs with AUTH_MODE=jwt), the task service and
// tools, and the assistant (see newAssistant). It is the startup.Builder of
// chat-service and of the all-in-one; Close closes the store and the rate
// limiter's Redis client.
func Build(ctx context.Context, env startup.Env) (startup.Service, error) {
	return build(ctx, env)
}

// BuildWith is Build with further store options, after the configuration's
// (tests: a query tracer).
func BuildWith(extra ...storage.Option) startup.Builder {
	return func(ctx context.Context, env startup.Env) (startup.Service, error) {
		return build(ctx, env, extra...)
	}
}

func build(ctx context.Context, env startup.Env, extra ...storage.Option) (startup.Service, error) {
	cfg, logger, reg, tp := env.Config, env.Logger, env.Registry, env.TracerProvider
	cleanup := func() {}
	opts := append([]storage.Option{storage.WithRegisterer(reg), storage.WithTracerProvider(tp),
		storage.WithMaxOpenConns(cfg.DatabaseMaxConns), storage.WithLockConns(cfg.DatabaseLockConns)}, extra...)
	db, err := storage.Open(ctx, cfg.DatabaseURL.Reveal(), opts...)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	cleanup = func() {
		if err := db.Close(); err != nil {
			logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelError, "close store", slog.String("error", err.Error()))
		}
	}
	fail := func(err error) (startup.Service, error) {
		cleanup()
		return nil, err
	}
	httpClient := telemetry.NewHTTPClient(telemetry.ClientOptions{TracerProvider: tp})
	kit, err := auth.FromConfig(ctx, cfg, httpClient, logger)
	if err != nil {
		return fail(err)
	}
	backend, err := ratelimit.NewBackend(ctx, cfg.RedisURL.Reveal(), cfg.Limits.RedisKeyPrefix, logger)
	if err != nil {
		return fail(fmt.Errorf("rate limiter: %w", err))
	}
	closeStore := cleanup
	cleanup = func() { _ = backend.Close(); closeStore() }
	lim := cfg.Limits
	gate := &ratelimit.TurnGate{
		Turns: ratelimit.NewEnforcer(backend.Bucket("turns:", ratelimit.Rate{
			Rate: lim.ChatTurnsPerMinute, Per: time.Minute, Burst: lim.ChatTurnBurst}),
			reg, cfg.Target.ServiceName(), logger),
		Streams: ratelimit.NewConcurrency(lim.ChatStreamsPerUser),
		IPTurns: ratelimit.NewEnforcer(backend.Bucket("turns-ip:", ratelimit.Rate{
			Rate: lim.ChatTurnsPerIPPerMinute, Per: time.Minute, Burst: lim.ChatTurnsPerIPPerMinute}),
			reg, cfg.Target.ServiceName(), logger),
	}
	budget := func(name string, limit int) *ratelimit.Budget {
		return backend.DailyBudget(int64(limit), ratelimit.BudgetOptions{Name: name, Registry: reg,
			Service: cfg.Target.ServiceName(), Logger: logger})
	}
	if cfg.OpenAIAPIKey.IsSet() {
		// Only the OpenAI agent spends model tokens: without it the budgets
		// would cost a check per turn (a Redis read each) for nothing.
		gate.UserTokens = budget("tokens-user:", lim.TokensPerUserPerDay)
		gate.IPTokens = budget("tokens-ip:", lim.TokensPerIPPerDay)
		gate.AllTokens = budget("tokens-all:", lim.TokensPerDay)
	}
	proxies, err := ratelimit.ParseTrustedProxies(lim.TrustedProxies)
	if err != nil {
		return fail(fmt.Errorf("TRUSTED_PROXIES: %w", err))
	}
	taskSvc := tasks.NewService(tasks.NewSQLStore(db), time.Now, tasks.WithMaxTasks(lim.MaxTasksPerUser))
	tools, err := tasks.NewTools(taskSvc, reg)
	if err != nil {
		return fail(fmt.Errorf("task tools: %w", err))
	}
	responder, actions, err := newAssistant(cfg, tools, taskSvc, logger, reg, httpClient, gate)
	if err != nil {
		return fail(fmt.Errorf("assistant: %w", err))
	}
	svc, err := New(Deps{
		Store:         chatstore.New(db),
		Responder:     responder,
		ActionHandler: actions,
		Auth:          auth.RequireUser(kit.Authenticator),
		RequestLimit: ratelimit.NewEnforcer(backend.Bucket("api:", ratelimit.Rate{
			Rate: lim.APIRequestsPerMinute, Per: time.Minute, Burst: lim.APIRequestsPerMinute}),
			reg, cfg.Target.ServiceName(), logger).Middleware(func(c *fiber.Ctx) string {
			user, _ := auth.UserFrom(c.UserContext())
			return user
		}),
		Tasks:          taskSvc,
		Toolbox:        tools,
		Ready:          db.Ping,
		Logger:         logger,
		Registerer:     reg,
		TracerProvider: tp,
		KeepAlive:      cfg.SSEKeepAlive,
		Limits: chatkit.Limits{
			MaxMessageChars: lim.MaxMessageChars, MaxTitleChars: lim.MaxThreadTitleChars,
			MaxFeedbackItems: lim.MaxFeedbackItems, MaxThreadsPerUser: lim.MaxThreadsPerUser,
			MaxItemsPerThread: lim.MaxItemsPerThread,
		},
		Admission:   gate,
		TurnHistory: turnHistory(cfg),
		ClientIP:    func(c *fiber.Ctx) string { return proxies.FromFiber(c).String() },
	})
	if err != nil {
		return fail(err)
	}
	svc.close = cleanup
	return svc, nil
}
