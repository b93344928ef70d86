package openaiagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
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
	r := &turnRun{a: a, ctx: ctx, turn: turn, sink: sink}
	outcome, err := r.run()
	return a.turnDone(start, outcome, err)
}

// turnDone records a turn's metrics and turns an upstream failure into its
// error event.
func (a *Agent) turnDone(start time.Time, outcome string, err error) error {
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

// A turn's goroutine spends nearly all of its life waiting for the model's
// next event, and the stack it has then is multiplied by the number of open
// streams (a goroutine whose stack is more than a quarter used cannot
// shrink). So the turn's state lives in a turnRun on the heap, the
// functions on the waiting path (run, modelStep, the stepper's step and its
// event reader) keep small frames and leave results, errors, logs and
// metrics to functions that have returned before the wait, and the calls
// that need a deep stack run on a short-lived goroutine (chatkit.OnFreshStack).

// turnRun is one turn in progress.
type turnRun struct {
	a    *Agent
	ctx  context.Context
	turn *chatkit.Turn
	sink chatkit.Sink
	req  stepRequest
	step int
	out  stepOutput                // the current step's
	msg  *chatkit.AssistantMessage // the current step's streamed answer
}

func (r *turnRun) run() (string, error) {
	if outcome, done, err := r.prepare(); done {
		return outcome, err
	}
	for r.step = 1; ; r.step++ {
		if err := r.modelStep(); err != nil {
			return r.a.failOutcome(r.ctx, err), err
		}
		if outcome, done, err := r.afterStep(); done {
			return outcome, err
		}
	}
}

// prepare loads the conversation and the user's time; done when there is
// nothing to ask the model.
func (r *turnRun) prepare() (outcome string, done bool, err error) {
	var items []chatkit.Item
	// Through SQLite, the store read needs ~32 KiB of stack.
	chatkit.OnFreshStack(func() { items, err = r.turn.History(r.ctx, r.a.historyLimit) })
	if err != nil {
		return r.a.failOutcome(r.ctx, err), true, err
	}
	conv := historyFromItems(items)
	if len(conv) == 0 {
		// Nothing to answer (e.g. an empty retry): greet instead of sending
		// the model an empty conversation.
		outcome, err = r.say("How can I help with your tasks?", outcomeOK)
		return outcome, true, err
	}
	loc := r.turn.Info.Location
	if loc == nil {
		loc = time.UTC
	}
	r.req = stepRequest{now: r.a.now().In(loc), zone: r.turn.Info.TimeZone, history: conv}
	return "", false, nil
}

// afterStep records a model step's answer in the conversation and runs its
// tool calls; done when the turn is over.
func (r *turnRun) afterStep() (outcome string, done bool, err error) {
	out := &r.out
	if out.text != "" {
		r.req.history = append(r.req.history, entry{kind: entryAssistant, text: out.text})
	}
	if len(out.calls) == 0 {
		if out.text == "" {
			// An empty answer (filtered, or a model with nothing to say)
			// would leave the user without a reply.
			outcome, err = r.say(emptyAnswerText, outcomeOK)
			return outcome, true, err
		}
		return outcomeOK, true, nil
	}
	exchanges, err := r.runTools(out.calls)
	if len(exchanges) > 0 {
		r.req.history = append(r.req.history, entry{kind: entryTools, calls: exchanges})
		if recErr := chatkit.SendHiddenContext(r.ctx, r.sink, toolRecord{Kind: toolRecordKind, Calls: exchanges}); recErr != nil && err == nil {
			err = recErr
		}
	}
	if err != nil {
		return r.a.failOutcome(r.ctx, err), true, err
	}
	if r.step >= r.a.maxSteps {
		r.a.log.LogAttrs(r.ctx, slog.LevelWarn, "openai agent stopped at the step limit",
			slog.String("thread_id", r.turn.Thread.ID), slog.Int("steps", r.step))
		msg := fmt.Sprintf("I stopped here because this request needed more than %d steps. "+
			"The changes above are saved; tell me if you want me to continue.", r.a.maxSteps)
		outcome, err = r.say(msg, outcomeStepLimit)
		return outcome, true, err
	}
	return "", false, nil
}

// say sends a whole assistant message and ends the turn with outcome.
func (r *turnRun) say(text, outcome string) (string, error) {
	if _, err := chatkit.SendAssistantMessage(r.ctx, r.sink, text); err != nil {
		return r.a.failOutcome(r.ctx, err), err
	}
	return outcome, nil
}

// modelStep runs one streamed model call into r.out, streaming its text
// into a new assistant message.
func (r *turnRun) modelStep() error {
	r.out, r.msg = stepOutput{}, nil
	callCtx, cancel := context.WithTimeout(r.ctx, r.a.timeout)
	start := time.Now()
	err := r.a.stepper.step(callCtx, &r.req, &r.out, r.write)
	cancel()
	if err != nil {
		return r.stepFailed(start, err)
	}
	return r.stepDone(start)
}

// write streams a text delta into the step's assistant message, started
// with the first delta.
func (r *turnRun) write(delta string) error {
	if r.msg == nil {
		m, err := chatkit.StartAssistantMessage(r.ctx, r.sink)
		if err != nil {
			return &sinkError{err}
		}
		r.msg = m
	}
	if err := r.msg.AppendText(r.ctx, delta); err != nil {
		return &sinkError{err}
	}
	return nil
}

// stepDone records a successful model call and completes its message.
func (r *turnRun) stepDone(start time.Time) error {
	m, op := r.a.metrics, r.a.stepper.operation()
	m.upstream.WithLabelValues("openai", op, outcomeOK).Observe(time.Since(start).Seconds())
	m.tokens.WithLabelValues("input").Add(float64(r.out.usage.input))
	m.tokens.WithLabelValues("output").Add(float64(r.out.usage.output))
	if r.a.spender != nil {
		r.a.spender.SpendTokens(r.ctx, r.turn.UserID, r.turn.Info.ClientIP, r.out.usage.input+r.out.usage.output)
	}
	if r.msg != nil {
		if _, err := r.msg.Finish(r.ctx); err != nil {
			return err
		}
	}
	return nil
}

// stepFailed classifies a failed model call, records it, withdraws its
// half-streamed message and returns the turn's error.
func (r *turnRun) stepFailed(start time.Time, err error) error {
	ctx, op := r.ctx, r.a.stepper.operation()
	var se *sinkError
	if errors.As(err, &se) {
		r.a.metrics.upstream.WithLabelValues("openai", op, outcomeCancelled).Observe(time.Since(start).Seconds())
		return se.err
	}
	err = classify(ctx, err)
	if ctx.Err() != nil {
		// The client went away while the model was answering.
		err = fmt.Errorf("%w: %w", chatkit.ErrCancelled, ctx.Err())
	}
	upOutcome := outcomeCancelled
	var ue *upstreamError
	if errors.As(err, &ue) {
		upOutcome = ue.outcome
		r.a.log.LogAttrs(ctx, slog.LevelWarn, "openai upstream call failed",
			slog.String("operation", op), slog.String("outcome", ue.outcome),
			slog.Int("status", ue.status), slog.String("code", ue.code), slog.String("detail", ue.detail),
			slog.String("thread_id", r.turn.Thread.ID), slog.Int("step", r.step))
	}
	r.a.metrics.upstream.WithLabelValues("openai", op, upOutcome).Observe(time.Since(start).Seconds())
	if r.msg != nil && ue != nil {
		// Withdraw the half-streamed answer: the error event replaces it
		// and retrying asks the model again from the user's message.
		if rmErr := r.sink.Emit(ctx, chatkit.ThreadItemRemovedEvent{ItemID: r.msg.ID()}); rmErr != nil {
			return rmErr
		}
	}
	return err
}

// emptyAnswerText replaces an answer without text or tool calls.
const emptyAnswerText = "Sorry, I don't have an answer to that. Could you rephrase what you'd like to do with your tasks?"

// progressText is the status line shown while a tool runs.
var progressText = map[string]struct{ icon, text string }{
	tasks.ToolAddTask:       {"write", "Adding task…"},
	tasks.ToolListTasks:     {"search", "Looking up your tasks…"},
	tasks.ToolCompleteTask:  {"sparkle", "Completing task…"},
	tasks.ToolUpdateTask:    {"write-alt", "Updating task…"},
	tasks.ToolDeleteTask:    {"write-alt2", "Deleting task…"},
	tasks.ToolAddTasks:      {"write", "Adding tasks…"},
	tasks.ToolCompleteTasks: {"sparkle", "Completing tasks…"},
	tasks.ToolDeleteTasks:   {"write-alt2", "Deleting tasks…"},
	toolUndo:                {"write-alt", "Undoing…"},
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

The user's current date and time is %s (time zone %s, UTC%s). Resolve relative dates ("tomorrow at 5pm", "next Monday", "by Friday") in that time zone and pass due dates to the tools as RFC 3339 timestamps with the offset, e.g. %s. A date without a time ("tomorrow", "on Friday") means 23:59 that day with due_all_day true; with a time of day leave due_all_day out.

Rules:
- Make every change through a tool; never claim a change the tools did not report. Confirm each change briefly with the task id and title.
- Tasks have small numeric ids per user ("task 3"). When the user names a task by title or by its position in a list shown earlier ("the first one"), use the ids from the latest list_tasks output in the conversation, or call list_tasks to find it. If several tasks match, ask which one and list them.
- After list_tasks the app shows the tasks as a list widget, so summarise in a sentence instead of repeating every task, unless the user asks for details.
- When the user asks for several tasks in one message, add them with one add_tasks call. To complete or delete several tasks use complete_tasks or delete_tasks with their ids.
- Deleting more than one task needs the user's consent: delete_tasks first answers needs_confirmation. Then ask the user, naming the tasks, and call delete_tasks again with the same ids and confirm true only after they say yes. Never set confirm true on your own.
- Repeating tasks ("every Monday", "monthly on the 1st", "weekdays at 9:30", "every other week"): pass repeat as an RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO, FREQ=MONTHLY;BYMONTHDAY=1, FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR with due_at at 9:30, FREQ=WEEKLY;INTERVAL=2. Completing a repeating task records it and moves it to its next occurrence. To stop repeating, call update_task with repeat "".
- "Undo" (or "never mind", "put it back") means undo_last_change, which reverses the newest change made here.
- When a tool reports an error, explain it in plain words and suggest what to do.
- If the request is unclear, ask a short question. Keep answers short and friendly, in the user's language.`,
		now.Format("Monday, 2 January 2006, 15:04"), zone, now.Format("-07:00"),
		time.Date(now.Year(), now.Month(), now.Day(), 17, 0, 0, 0, now.Location()).AddDate(0, 0, 1).Format(time.RFC3339))
}
