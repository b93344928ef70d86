// Package mcpapi serves the task tools over the Model Context Protocol
// (streamable HTTP, github.com/modelcontextprotocol/go-sdk) at /mcp, so that
// an Agent Builder workflow (hosted mode) or any MCP client can manage the
// authenticated user's tasks with the same tools the agents use.
//
// Choices:
//   - Stateless, JSON responses. Every POST is answered with one
//     application/json body and no Mcp-Session-Id is kept, so any replica can
//     serve any request (the service keeps no state outside the store) and
//     nothing depends on streaming through Fiber's fasthttp: the go-sdk
//     net/http handler runs behind a small buffering bridge. GET (the
//     standalone server-to-client stream) answers 405, as the go-sdk does in
//     stateless mode; the task tools never send server-initiated messages.
//   - Authentication is the caller's: the mounting code applies the same
//     middleware as the chat endpoint (Authorization: Bearer <secret>), the
//     bridge hands the Fiber request's user context to the go-sdk handler,
//     and go-sdk's RequireBearerToken turns that user into the request's
//     TokenInfo, which every tool call reads (req.Extra.TokenInfo.UserID).
//     A call without a user is refused with 401 before reaching a tool.
package mcpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	mcpauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Path is where Routes mounts the endpoint, relative to the router.
const Path = "/mcp"

// ServerName and ServerVersion identify the MCP server in initialize.
const (
	ServerName    = "taskpilot-tasks"
	ServerVersion = "1.0.0"
)

// Handler is the MCP endpoint.
type Handler struct {
	server *mcp.Server
	http   http.Handler
}

// New builds the MCP server over tools (their Definitions give the tool
// list and input schemas) and its HTTP handler. logger may be nil.
func New(tools tasks.Toolbox, logger *slog.Logger) (*Handler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	server := mcp.NewServer(&mcp.Implementation{Name: ServerName, Title: "TaskPilotAI tasks", Version: ServerVersion},
		&mcp.ServerOptions{
			Instructions: "Tools to manage the signed-in user's task list. Task ids are small numbers " +
				"per user; dates are RFC 3339 date-times with an offset.",
			Logger: logger,
		})
	for _, def := range tools.Definitions() {
		if !json.Valid(def.InputSchema) {
			return nil, fmt.Errorf("mcp: tool %s: input schema is not JSON", def.Name)
		}
		server.AddTool(&mcp.Tool{
			Name:        def.Name,
			Description: def.Description,
			InputSchema: def.InputSchema,
			Annotations: annotations(def.Name),
		}, toolHandler(tools, def.Name))
	}
	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: logger})
	requireUser := mcpauth.RequireBearerToken(verifyUser, &mcpauth.RequireBearerTokenOptions{
		AllowMissingExpiration: true, // the token was verified (with its expiry) by the auth middleware
	})
	return &Handler{server: server, http: requireUser(streamable)}, nil
}

// verifyUser accepts the request when the auth middleware put a user in its
// context; the bearer token itself was already verified there.
func verifyUser(ctx context.Context, _ string, _ *http.Request) (*mcpauth.TokenInfo, error) {
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return nil, fmt.Errorf("no authenticated user: %w", mcpauth.ErrInvalidToken)
	}
	return &mcpauth.TokenInfo{UserID: u}, nil
}

func annotations(name string) *mcp.ToolAnnotations {
	f, t := false, true
	switch name {
	case tasks.ToolListTasks:
		return &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: &f}
	case tasks.ToolDeleteTask, tasks.ToolDeleteTasks:
		return &mcp.ToolAnnotations{DestructiveHint: &t, OpenWorldHint: &f}
	case tasks.ToolCompleteTask:
		return &mcp.ToolAnnotations{DestructiveHint: &f, IdempotentHint: true, OpenWorldHint: &f}
	}
	return &mcp.ToolAnnotations{DestructiveHint: &f, OpenWorldHint: &f}
}

// toolHandler runs one task tool for the request's user. Explainable
// failures become a tool result with isError set (the model reads the
// message); a store failure becomes a JSON-RPC error.
func toolHandler(tools tasks.Toolbox, name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.Extra == nil || req.Extra.TokenInfo == nil || req.Extra.TokenInfo.UserID == "" {
			return nil, errors.New("unauthenticated tool call")
		}
		user := req.Extra.TokenInfo.UserID
		res, err := tools.Call(ctx, user, name, req.Params.Arguments)
		if err != nil {
			return nil, errors.New("the task store is unavailable; try again later")
		}
		var structured map[string]any
		if err := json.Unmarshal(res.JSON, &structured); err != nil {
			return nil, fmt.Errorf("tool %s: result is not a JSON object: %w", name, err)
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(res.JSON)}},
			StructuredContent: structured,
			IsError:           !res.OK,
		}, nil
	}
}

// ServeHTTP serves MCP over net/http (the user must already be in the
// request context: auth.WithUser).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.http.ServeHTTP(w, r) }

// Routes mounts the endpoint on r at Path. r must already authenticate the
// caller, e.g. app.Group("/api/v1", requireUser).
func (h *Handler) Routes(r fiber.Router) {
	r.All(Path, h.Fiber)
}

// Fiber serves MCP from a Fiber handler: it converts the fasthttp request
// to net/http with the Fiber user context (so the authenticated user
// reaches the tools), runs the go-sdk handler into a buffer, and copies the
// response back. Buffering is exact here because the server answers with
// single JSON bodies (stateless, JSONResponse).
func (h *Handler) Fiber(c *fiber.Ctx) error {
	req, err := adaptor.ConvertRequest(c, true)
	if err != nil {
		return apperr.Invalid("malformed request")
	}
	ctx := context.WithValue(c.UserContext(), http.LocalAddrContextKey, c.Context().LocalAddr())
	req = req.WithContext(ctx)
	w := &bufferedResponse{header: http.Header{}}
	h.http.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	for k, vs := range w.header {
		for i, v := range vs {
			if i == 0 {
				c.Set(k, v)
			} else {
				c.Append(k, v)
			}
		}
	}
	c.Status(w.status)
	return c.Send(w.body.Bytes())
}

// bufferedResponse is an http.ResponseWriter into memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.body.Write(p)
	if err != nil {
		return n, fmt.Errorf("buffer response: %w", err)
	}
	return n, nil
}
