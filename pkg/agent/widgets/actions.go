package widgets

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Handler serves the task-list buttons (chatkit.ActionHandler): it runs the
// action through the task tools (the same path as the agents), replaces the
// sender widget in place with the tasks' new state, streams a short
// confirmation, records the change for "undo" and emits the tasks_changed
// client effect.
type Handler struct {
	tools   tasks.Toolbox
	svc     *tasks.Service
	metrics *agent.Metrics
	logger  *slog.Logger
	now     func() time.Time
}

var _ chatkit.ActionHandler = (*Handler)(nil)

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// Tools runs the actions (required); Service reads tasks to refresh the
	// widget and defaults to Tools.Service() when Tools is *tasks.Tools.
	Tools   tasks.Toolbox
	Service *tasks.Service
	// Metrics, when set, counts actions as turns of agent "widgets".
	Metrics *agent.Metrics
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NewHandler builds the widget action handler.
func NewHandler(opts HandlerOptions) (*Handler, error) {
	if opts.Tools == nil {
		return nil, fmt.Errorf("widgets: NewHandler needs Tools")
	}
	if opts.Service == nil {
		if t, ok := opts.Tools.(*tasks.Tools); ok {
			opts.Service = t.Service()
		} else {
			return nil, fmt.Errorf("widgets: NewHandler needs Service")
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Handler{tools: opts.Tools, svc: opts.Service, metrics: opts.Metrics, logger: opts.Logger, now: opts.Now}, nil
}

// toolCall maps a widget action to a task tool call; tool is "" for the
// actions that change no task (ActionAskDelete, ActionKeep).
func toolCall(a *chatkit.Action) (tool string, args json.RawMessage, id int64, err error) {
	if a == nil {
		return "", nil, 0, chatkit.CustomError("This button sent no action.", false)
	}
	var p ActionPayload
	if len(a.Payload) > 0 {
		if err := json.Unmarshal(a.Payload, &p); err != nil {
			return "", nil, 0, chatkit.CustomError("This button's action is malformed.", false)
		}
	}
	if p.TaskID <= 0 {
		return "", nil, 0, chatkit.CustomError("This button does not name a task.", false)
	}
	switch a.Type {
	case ActionComplete:
		tool, args = tasks.ToolCompleteTask, fmt.Appendf(nil, `{"task_id":%d}`, p.TaskID)
	case ActionReopen:
		tool, args = tasks.ToolUpdateTask, fmt.Appendf(nil, `{"task_id":%d,"status":"pending"}`, p.TaskID)
	case ActionDelete:
		tool, args = tasks.ToolDeleteTask, fmt.Appendf(nil, `{"task_id":%d}`, p.TaskID)
	case ActionAskDelete, ActionKeep:
		// No change: the list is redrawn with (or without) the question.
	default:
		return "", nil, 0, chatkit.CustomError(fmt.Sprintf("Unknown action %q.", a.Type), false)
	}
	return tool, args, p.TaskID, nil
}

// perform runs the action and returns the tool result and the sender's
// widget refreshed (nil when there is no task-list sender).
func (h *Handler) perform(ctx context.Context, turn *chatkit.Turn) (tasks.Result, json.RawMessage, error) {
	tool, args, id, err := toolCall(turn.Action)
	if err != nil {
		return tasks.Result{}, nil, err
	}
	if tool == "" {
		return h.redraw(ctx, turn, id, turn.Action.Type == ActionAskDelete)
	}
	res, err := h.tools.Call(ctx, turn.UserID, tool, args)
	if err != nil {
		return tasks.Result{}, nil, fmt.Errorf("widget action %s: %w", turn.Action.Type, err)
	}
	if turn.Sender == nil {
		return res, nil, nil
	}
	list, ok := Parse(turn.Sender.Widget)
	if !ok {
		return res, nil, nil
	}
	known := map[int64]*tasks.Task{}
	switch {
	case res.OK && res.Tool == tasks.ToolDeleteTask, res.Code == tasks.CodeNotFound:
		known[id] = nil
	case res.OK:
		known[id] = res.Task
	}
	get := func(ctx context.Context, id int64) (tasks.Task, error) { return h.svc.Get(ctx, turn.UserID, id) }
	list, err = Refresh(ctx, get, list, known)
	if err != nil {
		return res, nil, err
	}
	return res, list.Render(turn.Info.Location, h.now()), nil
}

// redraw answers ActionAskDelete (ask true: the row of task id becomes the
// question) and ActionKeep: the sender list redrawn from the tasks' current
// state, with an empty result (nothing ran). Without a task-list sender
// there is nothing to ask in: the action is refused.
func (h *Handler) redraw(ctx context.Context, turn *chatkit.Turn, id int64, ask bool) (tasks.Result, json.RawMessage, error) {
	var list List
	ok := turn.Sender != nil
	if ok {
		list, ok = Parse(turn.Sender.Widget)
	}
	if !ok {
		return tasks.Result{}, nil, chatkit.CustomError("This button only works in a task list.", false)
	}
	get := func(ctx context.Context, id int64) (tasks.Task, error) { return h.svc.Get(ctx, turn.UserID, id) }
	list, err := Refresh(ctx, get, list, nil)
	if err != nil {
		return tasks.Result{}, nil, err
	}
	for i := range list.Rows {
		if ask && list.Rows[i].Task.ID == id && !list.Rows[i].Deleted {
			list.Rows[i].AskDelete = true
		}
	}
	return tasks.Result{}, list.Render(turn.Info.Location, h.now()), nil
}

// Action implements chatkit.ActionHandler (threads.custom_action).
func (h *Handler) Action(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) (err error) {
	start := time.Now()
	defer func() { h.metrics.Observe(agent.NameWidgets, start, err) }()
	res, widget, err := h.perform(ctx, turn)
	if err != nil {
		return err
	}
	if widget != nil {
		if err := chatkit.ReplaceWidget(ctx, sink, turn.Sender, widget); err != nil {
			return err
		}
	}
	if res.Tool == "" {
		return nil // a question asked or dismissed: the redrawn list says it all
	}
	text := res.Error
	if res.OK {
		text = Confirm(res, turn.Info.Location, h.now())
	} else if res.Code == tasks.CodeNotFound {
		text = "That task no longer exists — it may have been deleted elsewhere."
	}
	if _, err := agent.StreamMessage(ctx, sink, text); err != nil {
		return err
	}
	if err := agent.RecordChangeOf(ctx, sink, res); err != nil {
		return err
	}
	if res.OK && res.Changed && res.Task != nil {
		if err := agent.SendTasksChanged(ctx, sink, res.Tool, res.Task.ID); err != nil {
			return err
		}
	}
	h.logger.LogAttrs(ctx, slog.LevelDebug, "widget action",
		slog.String("action", turn.Action.Type), slog.String("outcome", res.Code))
	return nil
}

// SyncAction implements chatkit.ActionHandler (threads.sync_custom_action):
// it performs the action and returns the refreshed sender widget. The
// change is recorded in the thread for "undo".
func (h *Handler) SyncAction(ctx context.Context, turn *chatkit.Turn) (chatkit.Item, error) {
	res, widget, err := h.perform(ctx, turn)
	if err != nil {
		return nil, err
	}
	if c, ok := agent.ChangeOf(res); ok && turn.Store != nil {
		c.ID = chatkit.NewID(chatkit.IDMessage)
		raw, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("record change: %w", err)
		}
		hidden := &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: c.ID, ThreadID: turn.Thread.ID,
			CreatedAt: time.Now().UTC()}, Content: raw}
		if err := turn.Store.AddItem(ctx, turn.UserID, turn.Thread.ID, hidden); err != nil {
			return nil, fmt.Errorf("record change: %w", err)
		}
	}
	if widget == nil {
		return nil, nil
	}
	next := *turn.Sender
	next.Widget = widget
	if turn.Store != nil {
		if err := turn.Store.SaveItem(ctx, turn.UserID, turn.Thread.ID, &next); err != nil {
			return nil, fmt.Errorf("save widget: %w", err)
		}
	}
	return &next, nil
}
