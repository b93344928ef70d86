package openaiagent_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
)

// BenchmarkTurn measures one whole agent turn against the fake upstream
// over loopback: history load, two streamed model calls through openai-go,
// one add_task on SQLite, the widget/effect/record events and the streamed
// answer. It shows the agent's own overhead per turn (the real model's
// latency dominates in production).
func BenchmarkTurn(b *testing.B) {
	for _, style := range styles {
		b.Run(style, func(b *testing.B) {
			h := newHarness(b, style)
			add := fakeopenai.Call{Name: "add_task",
				Arguments: `{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null}`}
			b.ReportAllocs()
			for b.Loop() {
				h.fake.Enqueue(fakeopenai.CallTools(add), fakeopenai.Reply("Added ", "task ", "\"Buy milk\"."))
				_, err := h.say("add buy milk")
				require.NoError(b, err)
			}
		})
	}
}
