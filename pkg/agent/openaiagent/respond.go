package openaiagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Respond answers one turn. The events it emits, in order, per model step:
//
//   - when the model writes text: thread.item.added (assistant_message) →
//     content_part.added → one text_delta per upstream delta →
//     content_part.done → thread.item.done (persisted);
//   - per tool call: progress_update ("Adding task…"), then for
//     list_tasks the task-list widget (thread.item.done, widgets package),
//     for a change a hidden change record (for undo) and a tasks_changed
//     client_effect;
//   - after the step's tools ran: a hidden_context_item with the calls and
//     their outputs (stored, never sent).
//
// The loop ends when a step produces no tool calls, or after MaxSteps
// steps with a final assistant message saying it stopped.
//
// On an upstream failure Respond returns a *chatkit.StreamError with code
// "custom", a friendly message (never the key or the upstream's text) and
// allow_retry true (false only when the upstream rejects the API key). An
// assistant message that was streaming when the upstream failed is
// withdrawn with thread.item.removed, so no half answer is shown or stored;
// tool calls that already ran stay recorded, and the user's message stays
// saved (the Server stored it before calling Respond). When the client goes
// away Respond returns the cancellation and the Server keeps the partial
// text (chatkit §5.7).
func (a *Agent) Respond(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
	start := time.Now()
	outcome, err := a.respond(ctx, turn, sink)
	a.metrics.turns.Turns.WithLabelValues(agent.NameOpenAI, outcome).Inc()
	a.metrics.turns.TurnDuration.WithLabelValues(agent.NameOpenAI).Observe(time.Since(start).Seconds())
	var ue *upstreamError
	if errors.As(err, &ue) {
		return streamError(ue)
	}
	return err
}

// sinkError marks an error from the Sink (client gone, store failure) so
// it is passed through rather than treated as an upstream failure.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

func (a *Agent) respond(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) (string, error) {
	items, err := turn.History(ctx, a.historyLimit)
	if err != nil {
		return a.failOutcome(ctx, err), err
	}
	conv := historyFromItems(items)
	if len(conv) == 0 {
		// Nothing to answer (e.g. an empty retry): greet instead of sending
		// the model an empty conversation.
		_, err := chatkit.SendAssistantMessage(ctx, sink, "How can I help with your tasks?")
		if err != nil {
			return a.failOutcome(ctx, err), err
		}
		return outcomeOK, nil
	}
	loc := turn.Info.Location
	if loc == nil {
		loc = time.UTC
	}
	now := a.now().In(loc)

	for step := 1; ; step++ {
		out, err := a.modelStep(ctx, turn, sink, stepRequest{now: now, zone: turn.Info.TimeZone, history: conv}, step)
		if err != nil {
			return a.failOutcome(ctx, err), err
		}
		if out.text != "" {
			conv = append(conv, entry{kind: entryAssistant, text: out.text})
		}
		if len(out.calls) == 0 {
			if out.text == "" {
				// An empty answer (filtered, or a model with nothing to say)
				// would leave the user without a reply.
				if _, err := chatkit.SendAssistantMessage(ctx, sink, emptyAnswerText); err != nil {
					return a.failOutcome(ctx, err), err
				}
			}
			return outcomeOK, nil
		}
		exchanges, err := a.runTools(ctx, turn, sink, loc, now, out.calls)
		if len(exchanges) > 0 {
			conv = append(conv, entry{kind: entryTools, calls: exchanges})
			if recErr := chatkit.SendHiddenContext(ctx, sink, toolRecord{Kind: toolRecordKind, Calls: exchanges}); recErr != nil && err == nil {
				err = recErr
			}
		}
		if err != nil {
			return a.failOutcome(ctx, err), err
		}
		if step >= a.maxSteps {
			a.log.LogAttrs(ctx, slog.LevelWarn, "openai agent stopped at the step limit",
				slog.String("thread_id", turn.Thread.ID), slog.Int("steps", step))
			msg := fmt.Sprintf("I stopped here because this request needed more than %d steps. "+
				"The changes above are saved; tell me if you want me to continue.", a.maxSteps)
			if _, err := chatkit.SendAssistantMessage(ctx, sink, msg); err != nil {
				return a.failOutcome(ctx, err), err
			}
			return outcomeStepLimit, nil
		}
	}
}

// modelStep runs one streamed model call, streaming its text into a new
// assistant message.
func (a *Agent) modelStep(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink, req stepRequest, step int) (stepOutput, error) {
	var msg *chatkit.AssistantMessage
	onText := func(delta string) error {
		if msg == nil {
			m, err := chatkit.StartAssistantMessage(ctx, sink)
			if err != nil {
				return &sinkError{err}
			}
			msg = m
		}
		if err := msg.AppendText(ctx, delta); err != nil {
			return &sinkError{err}
		}
		return nil
	}

	callCtx, cancel := context.WithTimeout(ctx, a.timeout)
	start := time.Now()
	out, err := a.stepper.step(callCtx, req, onText)
	cancel()

	var se *sinkError
	if errors.As(err, &se) {
		a.metrics.upstream.WithLabelValues("openai", a.stepper.operation(), outcomeCancelled).Observe(time.Since(start).Seconds())
		return out, se.err
	}
	if err != nil {
		err = classify(ctx, err)
		if ctx.Err() != nil {
			// The client went away while the model was answering.
			err = fmt.Errorf("%w: %w", chatkit.ErrCancelled, ctx.Err())
		}
		upOutcome := outcomeCancelled
		var ue *upstreamError
		if errors.As(err, &ue) {
			upOutcome = ue.outcome
			a.log.LogAttrs(ctx, slog.LevelWarn, "openai upstream call failed",
				slog.String("operation", a.stepper.operation()), slog.String("outcome", ue.outcome),
				slog.Int("status", ue.status), slog.String("code", ue.code), slog.String("detail", ue.detail),
				slog.String("thread_id", turn.Thread.ID), slog.Int("step", step))
		}
		a.metrics.upstream.WithLabelValues("openai", a.stepper.operation(), upOutcome).Observe(time.Since(start).Seconds())
		if msg != nil && ue != nil {
			// Withdraw the half-streamed answer: the error event replaces it
			// and retrying asks the model again from the user's message.
			if rmErr := sink.Emit(ctx, chatkit.ThreadItemRemovedEvent{ItemID: msg.ID()}); rmErr != nil {
				return out, rmErr
			}
		}
		return out, err
	}
	a.metrics.upstream.WithLabelValues("openai", a.stepper.operation(), outcomeOK).Observe(time.Since(start).Seconds())
	a.metrics.tokens.WithLabelValues("input").Add(float64(out.usage.input))
	a.metrics.tokens.WithLabelValues("output").Add(float64(out.usage.output))
	if msg != nil {
		if _, err := msg.Finish(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// emptyAnswerText replaces an answer without text or tool calls.
const emptyAnswerText = "Sorry, I don't have an answer to that. Could you rephrase what you'd like to do with your tasks?"

// progressText is the status line shown while a tool runs.
var progressText = map[string]struct{ icon, text string }{
	tasks.ToolAddTask:      {"write", "Adding task…"},
	tasks.ToolListTasks:    {"search", "Looking up your tasks…"},
	tasks.ToolCompleteTask: {"sparkle", "Completing task…"},
	tasks.ToolUpdateTask:   {"write-alt", "Updating task…"},
	tasks.ToolDeleteTask:   {"write-alt2", "Deleting task…"},
}

// runTools runs a step's calls in order for the turn's user. It returns
// the exchanges that completed; a Go error from the toolbox (the store is
// unreachable) ends the turn.
func (a *Agent) runTools(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink, loc *time.Location, now time.Time, calls []toolCall) ([]toolExchange, error) {
	var done []toolExchange
	for i, c := range calls {
		if c.callID == "" {
			c.callID = "call_" + strconv.Itoa(i) + "_" + chatkit.NewID("tc")
		}
		p, ok := progressText[c.name]
		if !ok {
			p.text = "Working…"
		}
		if err := chatkit.SendProgress(ctx, sink, p.icon, p.text); err != nil {
			return done, err
		}
		res, err := a.tools.Call(ctx, turn.UserID, c.name, json.RawMessage(c.arguments))
		if err != nil {
			return done, fmt.Errorf("task tool %s: %w", c.name, err)
		}
		done = append(done, toolExchange{CallID: c.callID, Name: c.name, Arguments: c.arguments, Output: string(res.JSON)})
		if err := present(ctx, sink, loc, now, c, res); err != nil {
			return done, err
		}
	}
	return done, nil
}

// failOutcome maps a turn's failure to its metric outcome.
func (a *Agent) failOutcome(ctx context.Context, err error) string {
	var ue *upstreamError
	switch {
	case errors.As(err, &ue):
		return ue.outcome
	case errors.Is(err, chatkit.ErrCancelled) || errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return outcomeCancelled
	default:
		return outcomeInternal
	}
}

// streamError is the error event for an upstream failure.
func streamError(ue *upstreamError) *chatkit.StreamError {
	se := &chatkit.StreamError{Code: chatkit.ErrorCodeCustom, AllowRetry: true, Err: ue}
	switch ue.outcome {
	case outcomeRateLimited:
		se.Message = "The assistant is receiving too many requests right now. Please try again in a moment."
		if ue.retryAfter > 0 {
			secs := int(math.Ceil(ue.retryAfter.Seconds()))
			unit := "seconds"
			if secs == 1 {
				unit = "second"
			}
			se.Message = fmt.Sprintf("The assistant is receiving too many requests right now. Please try again in %d %s.", secs, unit)
		}
	case outcomeUpstreamTimeout:
		se.Message = "The assistant took too long to answer. Please try again."
	case outcomeNotConfigured:
		se.Message = "The assistant is unavailable: the server's OpenAI API key was rejected. Please contact the administrator."
		se.AllowRetry = false
	default:
		se.Message = "The assistant could not finish its answer because of a problem with the language model service. Please try again."
	}
	return se
}

// systemPrompt is the model's instructions for a turn at now (in the
// user's zone, named zone).
func systemPrompt(now time.Time, zone string) string {
	if zone == "" {
		zone = now.Location().String()
	}
	return fmt.Sprintf(`You are TaskPilot, a friendly assistant that manages the user's to-do list with the task tools.

The user's current date and time is %s (time zone %s, UTC%s). Resolve relative dates ("tomorrow at 5pm", "next Monday", "by Friday") in that time zone and pass due dates to the tools as RFC 3339 timestamps with the offset, e.g. %s. A date without a time means 23:59 that day.

Rules:
- Make every change through a tool; never claim a change the tools did not report. Confirm each change briefly with the task id and title.
- Tasks have small numeric ids per user ("task 3"). When the user names a task by title or by its position in a list shown earlier ("the first one"), use the ids from the latest list_tasks output in the conversation, or call list_tasks to find it. If several tasks match, ask which one and list them.
- After list_tasks the app shows the tasks as a list widget, so summarise in a sentence instead of repeating every task, unless the user asks for details.
- When a tool reports an error, explain it in plain words and suggest what to do.
- If the request is unclear, ask a short question. Keep answers short and friendly, in the user's language.`,
		now.Format("Monday, 2 January 2006, 15:04"), zone, now.Format("-07:00"),
		time.Date(now.Year(), now.Month(), now.Day(), 17, 0, 0, 0, now.Location()).AddDate(0, 0, 1).Format(time.RFC3339))
}
