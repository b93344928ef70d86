package openaiagent_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// forEachStyle runs fn once per API style.
func forEachStyle(t *testing.T, fn func(t *testing.T, style string)) {
	for _, style := range styles {
		t.Run(style, func(t *testing.T) { fn(t, style) })
	}
}

// metric returns a counter's value, or a histogram's sample count, from
// the harness registry (0 when the series does not exist).
func metric(t *testing.T, h *harness, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := h.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			if m.GetHistogram() != nil {
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func turnsMetric(t *testing.T, h *harness, outcome string) float64 {
	return metric(t, h, "taskpilot_agent_turns_total", map[string]string{"agent": "openai", "outcome": outcome})
}

func tokensMetric(t *testing.T, h *harness, direction string) float64 {
	return metric(t, h, "taskpilot_upstream_tokens_total", map[string]string{"direction": direction})
}

func upstreamMetric(t *testing.T, h *harness, style, outcome string) float64 {
	return metric(t, h, "taskpilot_upstream_request_duration_seconds",
		map[string]string{"upstream": "openai", "operation": style, "outcome": outcome})
}

func TestToolCallThenText(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		h.fake.Enqueue(
			fakeopenai.Step{Calls: []fakeopenai.Call{{Name: "add_task",
				Arguments: `{"title":"Call mom","description":null,"due_at":"2026-11-29T17:00:00-05:00","priority":null,"tags":null}`}},
				Usage: fakeopenai.Usage{Input: 100, Output: 20}},
			fakeopenai.Step{Text: []string{"Added task 1 ", "\"Call mom\"", " for tomorrow at 5pm."},
				Usage: fakeopenai.Usage{Input: 150, Output: 12}},
		)

		events, err := h.say("Remind me to call mom tomorrow at 5pm")
		require.NoError(t, err)

		assert.Equal(t, []string{
			"progress:Adding task…", "done:hidden_context_item", "effect:tasks_changed", "done:hidden_context_item",
			"added:assistant_message", "assistant_message.content_part.added",
			"delta:Added task 1 ", "delta:\"Call mom\"", "delta: for tomorrow at 5pm.",
			"assistant_message.content_part.done", "done:assistant_message",
		}, signature(events))
		final := events[len(events)-1].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.AssistantMessageItem)
		assert.Equal(t, "Added task 1 \"Call mom\" for tomorrow at 5pm.", final.Text())

		all := h.listTasks()
		require.Len(t, all, 1)
		assert.Equal(t, "Call mom", all[0].Title)
		require.NotNil(t, all[0].DueAt)
		assert.Equal(t, time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC), all[0].DueAt.UTC())

		reqs := h.fake.Requests()
		require.Len(t, reqs, 2)
		second := reqs[1].Conversation
		require.GreaterOrEqual(t, len(second), 4)
		call, result := second[len(second)-2], second[len(second)-1]
		assert.Equal(t, "tool_call", call.Role)
		assert.Equal(t, "add_task", call.Name)
		assert.Equal(t, "tool_result", result.Role)
		assert.Equal(t, call.CallID, result.CallID)
		assert.Contains(t, result.Text, `"ok":true`)
		assert.Contains(t, result.Text, `"title":"Call mom"`)

		assert.Equal(t, 1.0, turnsMetric(t, h, "ok"))
		assert.Equal(t, 250.0, tokensMetric(t, h, "input"))
		assert.Equal(t, 32.0, tokensMetric(t, h, "output"))
		assert.Equal(t, 2.0, upstreamMetric(t, h, style, "ok"))
		assert.Equal(t, 1.0, metric(t, h, "taskpilot_agent_turn_duration_seconds", map[string]string{"agent": "openai"}))
		assert.Equal(t, 1.0, metric(t, h, "taskpilot_agent_tool_calls_total", map[string]string{"tool": "add_task", "outcome": "ok"}))
	})
}

func TestTwoToolCallsInOneStep(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		h.fake.Enqueue(
			fakeopenai.CallTools(
				fakeopenai.Call{Name: "add_task", Arguments: `{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null}`},
				fakeopenai.Call{Name: "add_task", Arguments: `{"title":"Pay bills","description":null,"due_at":null,"priority":"high","tags":["home"]}`},
			),
			fakeopenai.Reply("Added both."),
		)
		events, err := h.say("add buy milk and pay bills (high, #home)")
		require.NoError(t, err)
		assert.Equal(t, []string{
			"progress:Adding task…", "done:hidden_context_item", "effect:tasks_changed",
			"progress:Adding task…", "done:hidden_context_item", "effect:tasks_changed",
			"done:hidden_context_item",
			"added:assistant_message", "assistant_message.content_part.added", "delta:Added both.",
			"assistant_message.content_part.done", "done:assistant_message",
		}, signature(events))

		all := h.listTasks()
		require.Len(t, all, 2)
		titles := []string{all[0].Title, all[1].Title}
		assert.ElementsMatch(t, []string{"Buy milk", "Pay bills"}, titles)

		// One hidden tool record holds both exchanges (besides the two
		// change records kept for undo); the next request sends both
		// calls, then both results.
		type record struct {
			Kind  string `json:"kind"`
			Type  string `json:"type"`
			Calls []struct {
				CallID, Name, Arguments, Output string
			} `json:"calls"`
		}
		var records []record
		for _, it := range h.items() {
			if hc, ok := it.(*chatkit.HiddenContextItem); ok {
				var rec record
				require.NoError(t, json.Unmarshal(hc.Content, &rec))
				records = append(records, rec)
			}
		}
		require.Len(t, records, 3)
		assert.Equal(t, "taskpilot.change", records[0].Type)
		assert.Equal(t, "taskpilot.change", records[1].Type)
		assert.Equal(t, "taskpilot.tool_calls", records[2].Kind)
		require.Len(t, records[2].Calls, 2)

		conv := h.fake.Requests()[1].Conversation
		n := len(conv)
		roles := []string{conv[n-4].Role, conv[n-3].Role, conv[n-2].Role, conv[n-1].Role}
		assert.Equal(t, []string{"tool_call", "tool_call", "tool_result", "tool_result"}, roles)
		assert.Equal(t, conv[n-4].CallID, conv[n-2].CallID)
		assert.Equal(t, conv[n-3].CallID, conv[n-1].CallID)
		assert.Equal(t, 2.0, metric(t, h, "taskpilot_agent_tool_calls_total", map[string]string{"tool": "add_task", "outcome": "ok"}))
	})
}

func TestBadToolArgumentsGoBackToTheModel(t *testing.T) {
	cases := []struct {
		name, tool, args, wantInResult string
	}{
		{"invalid JSON", "add_task", `{"title": "Buy milk",`, "not a valid JSON object"},
		{"wrong type", "complete_task", `{"task_id":"abc"}`, "task_id"},
		{"unknown task", "complete_task", `{"task_id":99}`, "does not exist"},
	}
	forEachStyle(t, func(t *testing.T, style string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := newHarness(t, style)
				h.fake.Enqueue(
					fakeopenai.CallTools(fakeopenai.Call{Name: tc.tool, Arguments: tc.args}),
					fakeopenai.Reply("Sorry, I could not do that."),
				)
				events, err := h.say("do it")
				require.NoError(t, err, "a bad argument is not a failed turn")
				assert.Equal(t, "done:assistant_message", signature(events)[len(events)-1])
				assert.NotContains(t, signature(events), "effect:tasks_changed")
				assert.Empty(t, h.listTasks())

				conv := h.fake.Requests()[1].Conversation
				result := conv[len(conv)-1]
				require.Equal(t, "tool_result", result.Role)
				assert.Contains(t, result.Text, `"ok":false`)
				assert.Contains(t, result.Text, tc.wantInResult)
				assert.Equal(t, tc.args, conv[len(conv)-2].Arguments, "the call is sent back exactly as the model wrote it")
				assert.Equal(t, 1.0, turnsMetric(t, h, "ok"))
			})
		}
	})
}

func TestUpstreamFailures(t *testing.T) {
	cases := []struct {
		name        string
		step        fakeopenai.Step
		wantOutcome string
		wantMessage string
		wantRetry   bool
		partial     bool // text was streamed before the failure
	}{
		{"500 before the stream", fakeopenai.HTTPError(http.StatusInternalServerError, 0),
			"upstream_error", "problem with the language model service", true, false},
		{"503 before the stream", fakeopenai.HTTPError(http.StatusServiceUnavailable, 0),
			"upstream_error", "problem with the language model service", true, false},
		{"429 with Retry-After", fakeopenai.HTTPError(http.StatusTooManyRequests, 3*time.Second),
			"rate_limited", "try again in 3 seconds", true, false},
		{"connection reset mid-reply", fakeopenai.Step{Text: []string{"You have ", "three"}, Break: true},
			"upstream_error", "problem with the language model service", true, true},
		{"stream ends without its terminal event", fakeopenai.Step{Text: []string{"You have "}, Truncate: true},
			"upstream_error", "problem with the language model service", true, true},
		{"malformed event mid-reply", fakeopenai.Step{Text: []string{"You have "}, Malformed: true},
			"upstream_error", "problem with the language model service", true, true},
		{"malformed event first", fakeopenai.Step{Malformed: true},
			"upstream_error", "problem with the language model service", true, false},
		{"failure reported in the stream", fakeopenai.Step{Text: []string{"You "}, Fail: true, Message: "boom sk-secret"},
			"upstream_error", "problem with the language model service", true, true},
	}
	forEachStyle(t, func(t *testing.T, style string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := newHarness(t, style)
				h.fake.Enqueue(tc.step)
				events, err := h.say("what do I have?")

				var se *chatkit.StreamError
				require.True(t, errors.As(err, &se), "err = %v", err)
				assert.Equal(t, chatkit.ErrorCodeCustom, se.Code)
				assert.Contains(t, se.Message, tc.wantMessage)
				assert.Equal(t, tc.wantRetry, se.AllowRetry)
				assert.NotContains(t, se.Error(), apiKey)
				assert.NotContains(t, se.Error(), "sk-secret", "the upstream's message is never passed on")

				sig := signature(events)
				if tc.partial {
					assert.Equal(t, "added:assistant_message", sig[0])
					assert.Equal(t, "removed", sig[len(sig)-1], "the half answer is withdrawn")
					removed := events[len(events)-1].(chatkit.ThreadItemRemovedEvent)
					assert.Equal(t, events[0].(chatkit.ThreadItemAddedEvent).Item.Header().ID, removed.ItemID)
				} else {
					assert.Empty(t, sig)
				}
				// Only the user's message is stored: no half answer.
				stored := h.items()
				require.Len(t, stored, 1)
				assert.Equal(t, chatkit.ItemUserMessage, stored[0].ItemType())

				assert.Equal(t, 1.0, turnsMetric(t, h, tc.wantOutcome))
				assert.Equal(t, 1.0, upstreamMetric(t, h, style, tc.wantOutcome))
				assert.Equal(t, 0.0, tokensMetric(t, h, "input"))
			})
		}
	})
}

func TestRetriesBeforeTheStream(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		retries := 2
		h := newHarness(t, style, func(o *openaiagent.Options) { o.MaxRetries = &retries })
		h.fake.Enqueue(
			fakeopenai.Step{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After-Ms": {"10"}}},
			fakeopenai.Step{Status: http.StatusBadGateway, Header: http.Header{"Retry-After-Ms": {"10"}}},
			fakeopenai.Reply("Hi!"),
		)
		events, err := h.say("hello")
		require.NoError(t, err)
		assert.Equal(t, "done:assistant_message", signature(events)[len(events)-1])
		assert.Len(t, h.fake.Requests(), 3)
		assert.Equal(t, 1.0, turnsMetric(t, h, "ok"))
	})
}

func TestRejectedKeyIsNotRetryable(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style, func(o *openaiagent.Options) { o.APIKey = "sk-wrong-key" })
		_, err := h.say("hello")
		var se *chatkit.StreamError
		require.True(t, errors.As(err, &se), "err = %v", err)
		assert.False(t, se.AllowRetry)
		assert.Contains(t, se.Message, "API key was rejected")
		assert.NotContains(t, se.Error(), "sk-wrong-key")
		assert.Equal(t, 1.0, turnsMetric(t, h, "not_configured"))
		assert.NotContains(t, h.logs.String(), "sk-wrong-key")
	})
}

func TestRequestTimeout(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style, func(o *openaiagent.Options) { o.RequestTimeout = 100 * time.Millisecond })
		h.fake.Enqueue(fakeopenai.Step{Hold: make(chan struct{}), Text: []string{"late"}})
		_, err := h.say("hello")
		var se *chatkit.StreamError
		require.True(t, errors.As(err, &se), "err = %v", err)
		assert.True(t, se.AllowRetry)
		assert.Contains(t, se.Message, "took too long")
		assert.Equal(t, 1.0, turnsMetric(t, h, "upstream_timeout"))
		assert.Equal(t, 1.0, upstreamMetric(t, h, style, "upstream_timeout"))
	})
}

func TestClientGoneMidStream(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		h.fake.Enqueue(fakeopenai.Reply("one ", "two ", "three ", "four"))
		// Cancel after added, content_part.added and the first delta.
		events, err := h.sayCtx(context.Background(), "count", 3)
		require.Error(t, err)
		assert.True(t, errors.Is(err, chatkit.ErrCancelled), "err = %v", err)
		assert.NotContains(t, signature(events), "removed", "the Server keeps the partial text on cancel")
		assert.Equal(t, 1.0, turnsMetric(t, h, "cancelled"))
	})
}

func TestStepBound(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style, func(o *openaiagent.Options) { o.MaxSteps = 3 })
		list := fakeopenai.Call{Name: "list_tasks", Arguments: `{"status":null,"query":null,"tag":null,"priority":null,"due_before":null,"due_after":null,"overdue":null}`}
		h.fake.Enqueue(fakeopenai.CallTools(list), fakeopenai.CallTools(list), fakeopenai.CallTools(list), fakeopenai.Reply("never sent"))
		events, err := h.say("loop forever")
		require.NoError(t, err)
		assert.Len(t, h.fake.Requests(), 3, "no model call beyond the bound")
		assert.Equal(t, 1, h.fake.Pending())
		last := events[len(events)-1].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.AssistantMessageItem)
		assert.Contains(t, last.Text(), "more than 3 steps")
		assert.Equal(t, 1.0, turnsMetric(t, h, "step_limit"))
		assert.Equal(t, 3.0, metric(t, h, "taskpilot_agent_tool_calls_total", map[string]string{"tool": "list_tasks", "outcome": "ok"}))
	})
}

func TestHistoryOnTheSecondTurn(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		add := `{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null}`
		h.fake.Enqueue(
			fakeopenai.CallTools(fakeopenai.Call{Name: "add_task", Arguments: add}),
			fakeopenai.Reply("Added task 1 \"Buy milk\"."),
			fakeopenai.Reply("You have one task: Buy milk."),
		)
		_, err := h.say("add buy milk")
		require.NoError(t, err)
		_, err = h.say("what do I have?")
		require.NoError(t, err)

		reqs := h.fake.Requests()
		require.Len(t, reqs, 3)
		conv := reqs[2].Conversation
		require.Len(t, conv, 6)
		assert.Equal(t, "system", conv[0].Role)
		assert.Equal(t, fakeopenai.Turn{Role: "user", Text: "add buy milk"}, conv[1])
		assert.Equal(t, "tool_call", conv[2].Role)
		assert.Equal(t, add, conv[2].Arguments)
		assert.Equal(t, "tool_result", conv[3].Role)
		assert.Contains(t, conv[3].Text, `"title":"Buy milk"`)
		assert.Equal(t, fakeopenai.Turn{Role: "assistant", Text: "Added task 1 \"Buy milk\"."}, conv[4])
		assert.Equal(t, fakeopenai.Turn{Role: "user", Text: "what do I have?"}, conv[5])
	})
}

func TestHistoryIsBounded(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style, func(o *openaiagent.Options) { o.HistoryLimit = 5 })
		for i := range 8 {
			h.fake.Enqueue(fakeopenai.Reply("ok " + string(rune('a'+i))))
			_, err := h.say("message " + string(rune('a'+i)))
			require.NoError(t, err)
		}
		reqs := h.fake.Requests()
		conv := reqs[len(reqs)-1].Conversation
		require.Len(t, conv, 1+5, "system prompt plus the newest 5 items")
		assert.Equal(t, fakeopenai.Turn{Role: "user", Text: "message h"}, conv[5])
		assert.Equal(t, fakeopenai.Turn{Role: "assistant", Text: "ok g"}, conv[4])
	})
}

func TestRequestShape(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		temp := 0.2
		h := newHarness(t, style, func(o *openaiagent.Options) {
			o.Model = "gpt-test-model"
			o.Temperature = &temp
		})
		h.fake.Enqueue(fakeopenai.Reply("Hi"))
		_, err := h.say("hello")
		require.NoError(t, err)
		req := h.fake.Requests()[0]
		assert.Equal(t, "Bearer "+apiKey, req.Authorization)
		assert.Equal(t, "gpt-test-model", req.Model)
		require.NotNil(t, req.Temperature)
		assert.InDelta(t, 0.2, *req.Temperature, 1e-9)
		assert.Equal(t, []string{"add_task", "list_tasks", "complete_task", "update_task", "delete_task",
			"add_tasks", "complete_tasks", "delete_tasks", "undo_last_change"}, req.Tools)
		if style == openaiagent.StyleResponses {
			assert.Equal(t, false, req.Body["store"], "nothing is kept upstream")
		} else {
			assert.Equal(t, map[string]any{"include_usage": true}, req.Body["stream_options"])
		}

		// The system prompt gives the user's local date and time.
		system := req.Conversation[0]
		require.Equal(t, "system", system.Role)
		assert.Contains(t, system.Text, "Saturday, 28 November 2026, 11:30")
		assert.Contains(t, system.Text, "America/New_York")
		assert.Contains(t, system.Text, "UTC-05:00")
		assert.Contains(t, system.Text, "2026-11-29T17:00:00-05:00")
	})
}

func TestNeverLogsSecretsOrMessages(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style, func(o *openaiagent.Options) { o.MaxSteps = 1 })
		h.fake.Enqueue(fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
			Arguments: `{"title":"Secret plan","description":null,"due_at":null,"priority":null,"tags":null}`}))
		_, err := h.say("add my secret plan please")
		require.NoError(t, err)
		h.fake.Enqueue(fakeopenai.Step{Text: []string{"partial secret"}, Fail: true, Message: "upstream detail " + apiKey})
		_, err = h.say("another secret request")
		require.Error(t, err)
		logs := h.logs.String()
		require.NotEmpty(t, logs, "the step limit and the failure are logged")
		for _, secret := range []string{apiKey, "secret plan", "Secret plan", "secret request", "partial secret", "upstream detail"} {
			assert.NotContains(t, logs, secret)
		}
	})
}

func TestNewValidatesOptions(t *testing.T) {
	tools := (*tasks.Tools)(nil)
	_, err := openaiagent.New(openaiagent.Options{Tools: tools})
	assert.ErrorContains(t, err, "OPENAI_API_KEY")
	_, err = openaiagent.New(openaiagent.Options{APIKey: "k"})
	assert.ErrorContains(t, err, "tools")
	svc := tasks.NewService(nil, nil)
	real, err := tasks.NewTools(svc, nil)
	require.NoError(t, err)
	_, err = openaiagent.New(openaiagent.Options{APIKey: "k", Tools: real, Style: "completions"})
	assert.ErrorContains(t, err, "OPENAI_API_STYLE")
	hot := 2.5
	_, err = openaiagent.New(openaiagent.Options{APIKey: "k", Tools: real, Temperature: &hot})
	assert.ErrorContains(t, err, "CHATKIT_TEMPERATURE")
	_, err = openaiagent.New(openaiagent.Options{APIKey: "k", Tools: real, Style: openaiagent.StyleChatCompletions})
	assert.NoError(t, err)
}

func TestEmptyAnswerGetsAFallback(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		h.fake.Enqueue(fakeopenai.Step{})
		events, err := h.say("…")
		require.NoError(t, err)
		require.Equal(t, []string{"done:assistant_message"}, signature(events))
		msg := events[0].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.AssistantMessageItem)
		assert.Contains(t, msg.Text(), "Could you rephrase")
	})
}

func TestListShowsTheTaskListWidget(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		ctx := context.Background()
		a, err := h.tasks.Add(ctx, userID, tasks.NewTask{Title: "Buy milk"})
		require.NoError(t, err)
		b, err := h.tasks.Add(ctx, userID, tasks.NewTask{Title: "Pay bills", Priority: tasks.PriorityHigh})
		require.NoError(t, err)
		h.fake.Enqueue(
			fakeopenai.CallTools(fakeopenai.Call{Name: "list_tasks",
				Arguments: `{"status":"pending","query":null,"tag":null,"priority":null,"due_before":null,"due_after":null,"overdue":null}`}),
			fakeopenai.Reply("You have 2 pending tasks."),
		)
		events, err := h.say("what's pending?")
		require.NoError(t, err)
		sig := signature(events)
		assert.Equal(t, []string{"progress:Looking up your tasks…", "done:widget", "done:hidden_context_item"}, sig[:3])
		assert.NotContains(t, sig, "effect:tasks_changed", "listing changes nothing")

		w := events[1].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.WidgetItem)
		list, ok := widgets.Parse(w.Widget)
		require.True(t, ok, "the widget is the shared task list: %s", w.Widget)
		assert.ElementsMatch(t, []int64{a.ID, b.ID}, list.IDs())
		assert.Contains(t, string(w.Widget), "Pending tasks")
		assert.Contains(t, w.CopyText, "Pay bills")
	})
}
