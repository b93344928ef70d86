// Package chatsvc is chat-service: the ChatKit endpoint (POST
// /api/v1/chatkit) and, when task dependencies are given, the task REST API
// (/api/v1/tasks) and the MCP endpoint (/api/v1/mcp), all behind the same
// authentication. services/chat-service/main.go and the all-in-one
// cmd/taskpilot both mount it (Build composes it from configuration).
package chatsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/services/chat-service/internal/mcpapi"
	"github.com/taskpilotai/taskpilot/services/chat-service/internal/taskapi"
)

// ChatKitPath is the ChatKit endpoint.
const ChatKitPath = "/api/v1/chatkit"

// APIPrefix is where the authenticated routes live.
const APIPrefix = "/api/v1"

// Deps are chat-service's collaborators.
type Deps struct {
	// Store persists threads, items and attachments (required).
	Store chatkit.Store
	// Responder is the assistant (required); ActionHandler serves widget
	// actions (optional).
	Responder     chatkit.Responder
	ActionHandler chatkit.ActionHandler
	// Attachments and Transcriber are optional ChatKit features.
	Attachments chatkit.AttachmentStore
	Transcriber chatkit.Transcriber
	// Auth authenticates every route and puts the user into the context
	// (auth.RequireUser) (required).
	Auth fiber.Handler
	// RequestLimit, when set, runs after Auth on every route (the per-user
	// request rate: API_REQUESTS_PER_MINUTE).
	RequestLimit fiber.Handler
	// Tasks and Toolbox, when set, mount /api/v1/tasks and /api/v1/mcp.
	Tasks   *tasks.Service
	Toolbox tasks.Toolbox
	// Ready checks the store for /readyz (optional).
	Ready func(ctx context.Context) error

	Logger         *slog.Logger
	Registerer     prometheus.Registerer
	TracerProvider trace.TracerProvider
	// KeepAlive is SSE_KEEPALIVE_INTERVAL (0: off).
	KeepAlive time.Duration
	// Limits bound request sizes and quotas; Admission gates turns (rate,
	// concurrent streams). Zero values: none.
	Limits    chatkit.Limits
	Admission chatkit.Admission
	// TurnHistory is how many of a thread's newest items a turn reads with
	// its lock (chatkit.Options.TurnHistory): what the assistant reads first.
	TurnHistory int
	// ClientIP is the caller's address for Admission (TRUSTED_PROXIES);
	// nil uses the connection's peer.
	ClientIP func(c *fiber.Ctx) string
}

// Service is chat-service's HTTP surface.
type Service struct {
	chat  *chatkit.Server
	ip    func(c *fiber.Ctx) string
	auth  []fiber.Handler
	tasks *taskapi.Handlers
	mcp   *mcpapi.Handler
	ready func(ctx context.Context) error
	// close releases what Build opened (the store, the Redis client).
	close func()
}

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.Auth == nil {
		return nil, errors.New("chatsvc: Deps.Auth is required")
	}
	obs, err := chatfiber.NewObserver(d.Registerer, d.TracerProvider)
	if err != nil {
		return nil, fmt.Errorf("chatsvc: %w", err)
	}
	chat, err := chatkit.NewServer(chatkit.Options{
		Store: d.Store, Responder: d.Responder, ActionHandler: d.ActionHandler,
		Attachments: d.Attachments, Transcriber: d.Transcriber, Logger: d.Logger,
		Observer: obs, KeepAlive: d.KeepAlive,
		Limits: d.Limits, Admission: d.Admission, ClassifyError: chatfiber.ClassifyError,
		TurnHistory: d.TurnHistory,
	})
	if err != nil {
		return nil, fmt.Errorf("chatsvc: %w", err)
	}
	s := &Service{chat: chat, ip: d.ClientIP, auth: []fiber.Handler{d.Auth}, ready: d.Ready}
	if d.RequestLimit != nil {
		s.auth = append(s.auth, d.RequestLimit)
	}
	if d.Tasks != nil {
		s.tasks = taskapi.New(d.Tasks)
	}
	if d.Toolbox != nil {
		if s.mcp, err = mcpapi.New(d.Toolbox, d.Logger); err != nil {
			return nil, fmt.Errorf("chatsvc: %w", err)
		}
	}
	return s, nil
}

// Mount adds the service to srv's app: POST /api/v1/chatkit and, when
// configured, /api/v1/tasks and /api/v1/mcp, all authenticated. Open
// streams end with srv's stop context.
func (s *Service) Mount(srv *httpserver.Server) {
	api := srv.App.Group(APIPrefix, s.auth...)
	api.Post("/chatkit", chatfiber.Handler(s.chat, chatfiber.Options{ClientIP: s.ip, Stop: srv.StopContext()}))
	if s.tasks != nil {
		s.tasks.Routes(api)
	}
	if s.mcp != nil {
		s.mcp.Routes(api)
	}
}

// Ready reports whether the store answers (for /readyz).
func (s *Service) Ready(ctx context.Context) error {
	if s.ready == nil {
		return nil
	}
	return s.ready(ctx)
}

// Close releases what Build opened; a Service from New holds nothing.
func (s *Service) Close() {
	if s.close != nil {
		s.close()
	}
}

// ChatKit returns the ChatKit server (for tests and benchmarks).
func (s *Service) ChatKit() *chatkit.Server { return s.chat }
