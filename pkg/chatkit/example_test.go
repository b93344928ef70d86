package chatkit_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

// echo is a Responder: it answers every message with its text.
type echo struct{}

func (echo) Respond(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
	_, err := chatkit.SendAssistantMessage(ctx, sink, "You said: "+turn.Input.Text())
	return err
}

// A small echo server: an in-memory Store, a Responder and the net/http
// Handler, whose Authenticate hook names the user (here a header; a real
// server verifies a session or a token).
func Example() {
	srv, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: echo{}})
	if err != nil {
		panic(err)
	}
	h := srv.Handler(chatkit.HandlerOptions{
		Authenticate: func(r *http.Request) (string, error) {
			if u := r.Header.Get("X-User"); u != "" {
				return u, nil
			}
			return "", chatkit.Errorf(chatkit.KindUnauthorized, "sign in first")
		},
	})
	ts := httptest.NewServer(h) // listens on 127.0.0.1:0
	defer ts.Close()

	body := `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hello"}],` +
		`"attachments":[],"inference_options":{}}}}`
	req, err := http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("X-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	// Each SSE event is a "data: <json>" line; print the event types.
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: ")); ok {
			typ, _, _ := bytes.Cut(bytes.TrimPrefix(data, []byte(`{"type":"`)), []byte(`"`))
			fmt.Println(string(typ))
		}
	}

	// Without a user: the Authenticate error, as JSON.
	anon, err := http.Post(ts.URL, "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer anon.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(anon.Body)
	fmt.Println(anon.StatusCode, buf.String())
	// Output:
	// 200 OK text/event-stream
	// thread.created
	// thread.item.done
	// stream_options
	// thread.item.done
	// thread.updated
	// 401 {"error":{"code":"unauthorized","message":"sign in first"}}
}
