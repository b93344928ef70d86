// Command limit is the benchmark's ceiling: a bare Fiber server that answers
// the session endpoint with a fixed JSON body and the ChatKit endpoint with
// fixed SSE events, flushed one by one as the real server does. The bodies
// are captured from a real TaskPilotAI response, so sizes match.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "listen address")
	sessionFile := flag.String("session-body", "", "file with the session JSON body")
	turnFile := flag.String("turn-body", "", "file with the SSE body of one turn")
	flag.Parse()
	session, err := os.ReadFile(*sessionFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "limit:", err)
		os.Exit(1)
	}
	turn, err := os.ReadFile(*turnFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "limit:", err)
		os.Exit(1)
	}
	events := bytes.SplitAfter(turn, []byte("\n\n"))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/api/chatkit/sessions", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(session)
	})
	app.Post("/api/v1/chatkit", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			for _, ev := range events {
				if len(ev) == 0 {
					continue
				}
				if _, err := w.Write(ev); err != nil {
					return
				}
				if err := w.Flush(); err != nil {
					return
				}
			}
		})
		return nil
	})
	if err := app.Listen(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "limit:", err)
		os.Exit(1)
	}
}
