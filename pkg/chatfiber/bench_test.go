package chatfiber_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// benchStores are the stores the benchmarks run on.
func benchStores(b *testing.B) map[string]func(b *testing.B) chatkit.Store {
	return map[string]func(b *testing.B) chatkit.Store{
		"memstore": func(*testing.B) chatkit.Store { return memstore.New() },
		"sqlite": func(b *testing.B) chatkit.Store {
			db, err := storage.Open(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = db.Close() })
			return chatstore.New(db)
		},
	}
}

// benchServer serves store over HTTP and returns the endpoint's URL. The
// bindings: "fiber" is the product's (chatfiber.Handler), "adaptor" the
// library's net/http Handler mounted in Fiber through fasthttpadaptor,
// "nethttp" the library's Handler on a net/http server.
func benchServer(b *testing.B, store chatkit.Store, binding string) string {
	b.Helper()
	// The product's observer, unregistered, with the global (no-op) tracer:
	// what the Server measured by itself before it took an Observer.
	obs, err := chatfiber.NewObserver(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := chatkit.NewServer(chatkit.Options{Store: store, Responder: chatkit.EchoResponder{}, Observer: obs, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/api/v1/chatkit"
	lib := srv.Handler(chatkit.HandlerOptions{Authenticate: func(*http.Request) (string, error) { return "bench-user", nil }})
	if binding == "nethttp" {
		hs := &http.Server{Handler: lib, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		b.Cleanup(func() { _ = hs.Close() })
		return url
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: httpserver.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(auth.WithUser(c.UserContext(), "bench-user"))
		return c.Next()
	})
	if binding == "adaptor" {
		app.Post("/api/v1/chatkit", adaptor.HTTPHandler(lib))
	} else {
		app.Post("/api/v1/chatkit", chatfiber.Handler(srv, chatfiber.Options{}))
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return url
}

// BenchmarkTurnHTTP is one full turn (threads.add_user_message with the
// Echo responder: user item, stream_options, a streamed reply in several
// deltas) through the HTTP handler, the SSE writer and the store. The
// product's Fiber binding runs on both stores; the library's net/http
// Handler (directly, and through Fiber's adaptor) on memstore.
func BenchmarkTurnHTTP(b *testing.B) {
	runs := map[string]string{"memstore": "fiber", "sqlite": "fiber", "memstore-adaptor": "adaptor", "memstore-nethttp": "nethttp"}
	stores := benchStores(b)
	for name, binding := range runs {
		open := stores[strings.TrimSuffix(strings.TrimSuffix(name, "-adaptor"), "-nethttp")]
		b.Run(name, func(b *testing.B) {
			url := benchServer(b, open(b), binding)
			c := &chatkittest.Client{URL: url, HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
			ctx := context.Background()
			res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")}))
			if err != nil || res.Status != http.StatusOK {
				b.Fatalf("create: %v %v", err, res)
			}
			threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID
			body := chatkittest.Request(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID,
				"input": chatkittest.Input("please add a task to call mom tomorrow at 5pm")})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := c.Do(ctx, body)
				if err != nil || res.Status != http.StatusOK || len(res.Events) < 6 {
					b.Fatalf("turn: %v %+v", err, res)
				}
			}
		})
	}
}

// BenchmarkItemsList10k pages items.list (newest 20) on a 10,000-item
// thread, from the newest page and from a cursor deep in the thread.
func BenchmarkItemsList10k(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			ctx := context.Background()
			const user, threadID = "bench-user", "thr_bench"
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := store.SaveThread(ctx, user, chatkit.ThreadMetadata{ID: threadID, CreatedAt: start}); err != nil {
				b.Fatal(err)
			}
			var middle string
			for i := range 10000 {
				id := fmt.Sprintf("msg_%020d", i)
				if i == 5000 {
					middle = id
				}
				it := &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: start.Add(time.Duration(i) * time.Millisecond)},
					Content: []chatkit.OutputText{{Text: strings.Repeat("x", 80)}}}
				if err := store.AddItem(ctx, user, threadID, it); err != nil {
					b.Fatal(err)
				}
			}
			url := benchServer(b, store, "fiber")
			c := &chatkittest.Client{URL: url}
			for _, tc := range []struct {
				name   string
				params map[string]any
			}{
				{"newest", map[string]any{"thread_id": threadID}},
				{"after-5000", map[string]any{"thread_id": threadID, "after": middle, "order": "asc"}},
			} {
				body := chatkittest.Request(chatkit.ReqItemsList, tc.params)
				b.Run(tc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						res, err := c.Do(ctx, body)
						if err != nil || res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"has_more":true`) {
							b.Fatalf("items.list: %v %+v", err, res)
						}
					}
				})
			}
		})
	}
}
