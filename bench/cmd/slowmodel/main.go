// Command slowmodel is an OpenAI-compatible Chat Completions endpoint that
// answers every request with a slow stream (one text chunk per interval),
// so that the streams scenario can hold many turns open at once.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	chunks := flag.Int("chunks", 20, "text chunks per reply")
	interval := flag.Duration("interval", time.Second, "pause between chunks")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		send := func(v any) bool {
			b, _ := json.Marshal(v)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return false
			}
			if fl != nil {
				fl.Flush()
			}
			return true
		}
		chunk := func(delta map[string]any, finish any) map[string]any {
			return map[string]any{"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": time.Now().Unix(),
				"model": "gpt-4.1", "choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		}
		if !send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
			return
		}
		for i := 0; i < *chunks; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(*interval):
			}
			if !send(chunk(map[string]any{"content": fmt.Sprintf("word%d ", i)}, nil)) {
				return
			}
		}
		send(chunk(map[string]any{}, "stop"))
		send(map[string]any{"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": "gpt-4.1", "choices": []any{}, "usage": map[string]any{"prompt_tokens": 10, "completion_tokens": *chunks, "total_tokens": 10 + *chunks}})
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "slowmodel:", err)
		os.Exit(1)
	}
}
