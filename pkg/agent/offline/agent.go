// Package offline is the rule-based task assistant, TaskPilotAI's default
// when no OpenAI API key is configured. It understands everyday phrasings
// (Parser), resolves references to tasks (ids, ordinals in the last list
// shown, fuzzy titles), asks back when a request is ambiguous, and acts
// through the same task tools as the LLM agent, replying with a streamed
// assistant message, task-list widgets and the tasks_changed client effect.
//
// The parser reads messages the way people type them (understand.go,
// several.go): greetings, small talk and sign-offs around a request;
// several tasks in one message (comma lists, "two things: …", pasted
// bullets); priority words ("asap", "!!", "p1", "(low priority)"); typos
// in command and date words, matched against a closed vocabulary only
// ("addd", "tmrw", "thurs"); terse forms ("#4 ✓", "done: 4"); natural undo
// ("oops, put it back"); "I no longer need to …"; references to several
// tasks ("the last three", "everything due today"), changed as one undoable
// step, deletions of several after a "yes"; questions outside task
// management and messages in other languages, answered without acting.
// Its work per message is bounded and linear in the message (bounded.go).
package offline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// DefaultHistoryLimit is how many recent thread items a turn reads back
// at most; recentItems is the first, cheaper read.
const (
	DefaultHistoryLimit = 40
	recentItems         = 12
)

// FirstHistory is how many items a turn reads first (Turn.History), for a
// Server that reads them when the turn opens (chatkit.Options.TurnHistory).
const FirstHistory = recentItems

// Options configure New.
type Options struct {
	// Tools runs every task operation (required): the same tools the LLM
	// agent and MCP use, so metrics and behaviour match.
	Tools tasks.Toolbox
	// Service reads tasks to resolve references and reverts changes for
	// undo; it defaults to Tools.Service() when Tools is *tasks.Tools.
	Service *tasks.Service
	// Metrics receives taskpilot_agent_turns_total{agent="offline"} and the
	// turn duration (nil: not recorded).
	Metrics *agent.Metrics
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// HistoryLimit is how many recent items a turn reads (DefaultHistoryLimit when ≤ 0).
	HistoryLimit int
}

// Agent is the offline assistant; it implements chatkit.Responder.
type Agent struct {
	tools   tasks.Toolbox
	svc     *tasks.Service
	parser  *Parser
	metrics *agent.Metrics
	logger  *slog.Logger
	now     func() time.Time
	limit   int
}

var _ chatkit.Responder = (*Agent)(nil)

// New builds the offline agent.
func New(opts Options) (*Agent, error) {
	if opts.Tools == nil {
		return nil, errors.New("offline: New needs Tools")
	}
	if opts.Service == nil {
		t, ok := opts.Tools.(*tasks.Tools)
		if !ok {
			return nil, errors.New("offline: New needs Service")
		}
		opts.Service = t.Service()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HistoryLimit <= 0 {
		opts.HistoryLimit = DefaultHistoryLimit
	}
	return &Agent{tools: opts.Tools, svc: opts.Service, parser: NewParser(), metrics: opts.Metrics,
		logger: opts.Logger, now: opts.Now, limit: opts.HistoryLimit}, nil
}

// reply is what one turn shows, in emit order: refreshed rows of the last
// list widget, the text, a new list widget, hidden records, the effect.
type reply struct {
	text     string
	list     *widgets.List
	refresh  map[int64]*tasks.Task // rows of the last list to update (nil: deleted)
	changes  []tasks.Result        // successful changes to record
	undo     *agent.Change         // the change an undo reversed
	question *question
	effect   string  // tasks_changed action ("" for none)
	effectID []int64 // tasks_changed ids
}

// turnState is one turn's context.
type turnState struct {
	user string
	now  time.Time
	loc  *time.Location
	mem  memory
	text string
	// more reads the full history window into mem (once).
	more func() error
}

// Respond implements chatkit.Responder.
func (a *Agent) Respond(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) (err error) {
	start := time.Now()
	defer func() { a.metrics.Observe(agent.NameOffline, start, err) }()

	st := turnState{user: turn.UserID, now: a.now(), loc: turn.Info.Location}
	if st.loc == nil {
		st.loc = time.UTC
	}
	inputID := ""
	if turn.Input != nil {
		st.text, inputID = turn.Input.Text(), turn.Input.ID
	}
	// Most turns need only the last few items (the previous question, the
	// latest list and change); the rest is read only when a reference or an
	// undo reaches further back.
	first := min(recentItems, a.limit)
	var history []chatkit.Item
	if turn.Request == chatkit.ReqThreadsCreate && turn.Input != nil {
		// A thread created by this request holds only its first message:
		// the Server creates it and adds the message in this turn, under
		// the thread's lock. Nothing to read back.
		history = []chatkit.Item{turn.Input}
	} else if history, err = turn.History(ctx, first); err != nil {
		return err
	}
	st.mem = readMemory(history, inputID)
	complete := len(history) < first || first == a.limit
	st.more = func() error {
		if complete {
			return nil
		}
		complete = true
		history, err := turn.History(ctx, a.limit)
		if err != nil {
			return err
		}
		st.mem = readMemory(history, inputID)
		return nil
	}

	r, err := a.answer(ctx, &st)
	if err != nil {
		return err
	}
	return a.emit(ctx, sink, &st, r)
}

var (
	reYes = regexp.MustCompile(`(?i)^(?:yes|yeah|yep|yup|yea|ya|sure|ok|okay|please|please do|do it|go ahead|y|yes please|sounds good|of course|absolutely|confirm(?:ed)?|correct|right|affirmative|delete (?:them|it|both|all(?: of them)?))` +
		`(?:[\s,!.]+(?:please|do it|go ahead|confirm(?:ed)?|sure|i'?m sure|delete (?:them|it|both|all(?: of them)?)|all of them|thanks|thank you|that'?s right))*[\s!.]*$`)
	reNo = regexp.MustCompile(`(?i)^(?:no|nope|nah|n|no thanks|cancel|never ?mind|don'?t|stop|keep (?:them|it|both)|leave (?:them|it)|abort)` +
		`(?:[\s,!.]+(?:thanks|thank you|keep (?:them|it|both)|leave (?:them|it)(?: alone)?|don'?t(?: delete (?:them|it))?|never ?mind|cancel))*[\s!.]*$`)
)

// answer decides the reply to the user's message.
func (a *Agent) answer(ctx context.Context, st *turnState) (*reply, error) {
	text := normalize(st.text)
	if len(text) > MaxParseBytes {
		return a.do(ctx, st, Intent{Kind: KindTooLong})
	}
	if q := st.mem.question; q != nil {
		switch {
		case reYes.MatchString(text):
			return a.do(ctx, st, q.Intent)
		case reNo.MatchString(text):
			return &reply{text: "OK, I'll leave it. What else can I do for you?"}, nil
		}
	}
	in := a.parser.Parse(st.text, st.now, st.loc)
	// An answer to "which one?": a bare reference completes the pending request.
	if q := st.mem.question; q != nil && in.Kind == KindUnknown && len(q.Candidates) > 0 {
		if ref := parseRef(stripPoliteness(text)); !ref.Empty() {
			pending := q.Intent
			pending.Ref = ref
			if ref.Title != "" {
				if id, ok := a.pickCandidate(ctx, st, ref.Title, q.Candidates); ok {
					pending.Ref = Ref{ID: int(id)}
				}
			}
			return a.do(ctx, st, pending)
		}
	}
	return a.do(ctx, st, in)
}

// tentative finds the one pending task a remark ("I paid the bills") is
// about, if any.
func (a *Agent) tentative(ctx context.Context, st *turnState, words string) (int64, bool, error) {
	pending, err := a.svc.List(ctx, st.user, tasks.Filter{Status: tasks.FilterPending})
	if err != nil {
		return 0, false, err
	}
	cands := make([]Candidate, len(pending))
	for i, t := range pending {
		cands[i] = Candidate{ID: int(t.ID), Title: t.Title}
	}
	best, tied, ok := Best(MatchTitles(words, cands))
	if !ok || len(tied) > 0 {
		return 0, false, nil
	}
	return int64(best.ID), true, nil
}

// pickCandidate matches title against the offered candidates only.
func (a *Agent) pickCandidate(ctx context.Context, st *turnState, title string, ids []int64) (int64, bool) {
	var cands []Candidate
	for _, id := range ids {
		t, err := a.svc.Get(ctx, st.user, id)
		if err == nil {
			cands = append(cands, Candidate{ID: int(t.ID), Title: t.Title})
		}
	}
	best, _, ok := Best(MatchTitles(title, cands))
	if !ok || best.ID == 0 {
		return 0, false
	}
	return int64(best.ID), true
}

func (a *Agent) do(ctx context.Context, st *turnState, in Intent) (*reply, error) {
	switch in.Kind {
	case KindEmpty:
		return &reply{text: "I didn't catch that. What would you like to do? For example: “add a task to call mom " +
			"tomorrow at 5pm”, “show my tasks” or “mark task 3 as done”."}, nil
	case KindGreeting:
		return a.greet(ctx, st)
	case KindThanks:
		return &reply{text: "You're welcome! Anything else I can do for your tasks?"}, nil
	case KindHelp:
		return &reply{text: helpText}, nil
	case KindTooLong:
		return &reply{text: fmt.Sprintf("That message is too long for me to read — I read messages of up to %d "+
			"characters. Could you send your request in a shorter message? A task's title can have up to %d "+
			"characters and its description up to %d.", MaxParseBytes, tasks.MaxTitleLen, tasks.MaxDescriptionLen)}, nil
	case KindAdd:
		if len(in.Items) > 0 || in.TooMany > 0 {
			return a.addMany(ctx, st, in)
		}
		return a.add(ctx, st, in)
	case KindList:
		return a.list(ctx, st, in.Filter)
	case KindOffTopic:
		return &reply{text: fmt.Sprintf("I can't help with %s — I'm TaskPilot, and I only manage your to-do list. "+
			"I can add, list, complete, reschedule and delete tasks: for example “add check the forecast tomorrow "+
			"at 8am” or “what's due today?”.", in.Topic)}, nil
	case KindForeign:
		lang := "another language"
		if in.Lang != "" {
			lang = in.Lang
		}
		return &reply{text: fmt.Sprintf("Sorry — I only understand English, and this looks like %s, so I haven't "+
			"changed anything. In English I can add, list, complete and delete tasks: for example “add buy milk "+
			"tomorrow”, “show my tasks” or “mark task 2 as done”.", lang)}, nil
	case KindComplete, KindReopen, KindUpdate, KindDelete:
		if len(in.Ref.Titles) > 1 && in.Kind != KindUpdate {
			// "the groceries and the bills": several tasks when the words
			// as a whole name none.
			ids, err := a.resolveTitles(ctx, st, in)
			if err != nil {
				return nil, err
			}
			if len(ids) > 1 {
				in.Ref, in.Tentative = Ref{IDs: toInts(ids)}, false
			}
		}
		if in.Ref.Many() {
			return a.changeMany(ctx, st, in)
		}
		if in.Tentative {
			id, ok, err := a.tentative(ctx, st, in.Ref.Title)
			if err != nil {
				return nil, err
			}
			if !ok {
				return a.do(ctx, st, Intent{Kind: KindUnknown})
			}
			in.Ref, in.Tentative = Ref{ID: int(id)}, false
		}
		return a.change(ctx, st, in)
	case KindUndo:
		return a.undo(ctx, st)
	}
	if in.Suggestion != "" {
		add := a.parser.Parse("add "+st.text, st.now, st.loc)
		if add.Kind == KindAdd && add.Fields.Title != nil {
			desc := "“" + *add.Fields.Title + "”"
			var details []string
			if add.Fields.Due != nil {
				details = append(details, "due "+widgets.FormatDue(*add.Fields.Due, st.loc, st.now))
			}
			if add.Fields.Priority != "" && add.Fields.Priority != PriorityNone {
				details = append(details, add.Fields.Priority+" priority")
			}
			if len(details) > 0 {
				desc += " (" + strings.Join(details, ", ") + ")"
			}
			return &reply{text: "I'm not sure what you meant. Do you want me to add " + desc + " as a task?",
				question: &question{Type: recordQuestion, Intent: add}}, nil
		}
	}
	quoted := strings.TrimSpace(st.text)
	if len(quoted) > 60 {
		quoted = quoted[:57] + "…"
	}
	return &reply{text: fmt.Sprintf("Sorry, I didn't understand “%s”. I can add, list, complete, rename, "+
		"reschedule and delete tasks — for example “show my pending tasks”, “add a task to pay bills on Friday” "+
		"or “mark task 2 as done”. What would you like to do?", quoted)}, nil
}

const helpText = "Here's what I can do with your tasks:\n" +
	"- **Add**: “add a task to buy groceries”, “remind me to call mom tomorrow at 5pm”, " +
	"“create a high priority task to submit the report by Friday #work”, several at once: " +
	"“add apples, pears and a melon”\n" +
	"- **Repeat**: “water the plants every Monday”, “pay rent monthly on the 1st”\n" +
	"- **List**: “show my tasks”, “what's pending?”, “what's due this week?”, “show overdue tasks”, " +
	"“what have I completed?”\n" +
	"- **Complete**: “mark task 3 as done”, “I finished buying groceries”, “mark the first one as done”, " +
	"“complete everything due today”\n" +
	"- **Change**: “rename task 1 to Call mom tonight”, “move task 2 to next Monday”, " +
	"“set task 4 to high priority”, “tag task 3 with #home”\n" +
	"- **Delete**: “delete the meeting task”, “remove task 2”, “delete all completed tasks”\n" +
	"- **Undo**: “undo” reverses the last change I made here."

func (a *Agent) greet(ctx context.Context, st *turnState) (*reply, error) {
	pending, err := a.svc.List(ctx, st.user, tasks.Filter{Status: tasks.FilterPending})
	if err != nil {
		return nil, err
	}
	text := "Hi! I'm TaskPilot. I can add, list, complete, update and delete your tasks."
	switch overdue := countOverdue(pending, st.now); {
	case len(pending) == 0:
		text += " You have no pending tasks — try “add a task to buy milk tomorrow”."
	case overdue > 0:
		text += fmt.Sprintf(" You have %s (%d overdue). Say “show my tasks” to see them.", plural(len(pending), "pending task"), overdue)
	default:
		text += fmt.Sprintf(" You have %s. Say “show my tasks” to see them.", plural(len(pending), "pending task"))
	}
	return &reply{text: text}, nil
}

func countOverdue(ts []tasks.Task, now time.Time) int {
	n := 0
	for _, t := range ts {
		if t.Overdue(now) {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// typedTools are the typed calls of the task tools (tasks.Tools has
// them): the same calls as Toolbox.Call without the JSON arguments.
type typedTools interface {
	AddTask(ctx context.Context, user string, a tasks.AddArgs) (tasks.Result, error)
	ListTasks(ctx context.Context, user string, a tasks.ListArgs) (tasks.Result, error)
	CompleteTask(ctx context.Context, user string, id int64) (tasks.Result, error)
	UpdateTask(ctx context.Context, user string, id int64, a tasks.UpdateArgs) (tasks.Result, error)
	DeleteTask(ctx context.Context, user string, id int64) (tasks.Result, error)
}

// toolCall is one task tool call: the tool, the task id (complete, update,
// delete) and the arguments (tasks.AddArgs, tasks.ListArgs, tasks.UpdateArgs).
type toolCall struct {
	tool string
	id   int64
	add  tasks.AddArgs
	list tasks.ListArgs
	upd  tasks.UpdateArgs
}

// call runs one task tool: through the typed calls when the toolbox has
// them, else through Toolbox.Call with the arguments as JSON.
func (a *Agent) call(ctx context.Context, st *turnState, c toolCall) (tasks.Result, error) {
	var (
		res tasks.Result
		err error
	)
	if typed, ok := a.tools.(typedTools); ok {
		switch c.tool {
		case tasks.ToolAddTask:
			res, err = typed.AddTask(ctx, st.user, c.add)
		case tasks.ToolListTasks:
			res, err = typed.ListTasks(ctx, st.user, c.list)
		case tasks.ToolCompleteTask:
			res, err = typed.CompleteTask(ctx, st.user, c.id)
		case tasks.ToolUpdateTask:
			res, err = typed.UpdateTask(ctx, st.user, c.id, c.upd)
		case tasks.ToolDeleteTask:
			res, err = typed.DeleteTask(ctx, st.user, c.id)
		default:
			err = errors.New("unknown tool")
		}
	} else {
		var raw []byte
		if raw, err = c.json(); err != nil {
			return tasks.Result{}, fmt.Errorf("encode %s arguments: %w", c.tool, err)
		}
		res, err = a.tools.Call(ctx, st.user, c.tool, raw)
	}
	if err != nil {
		return tasks.Result{}, fmt.Errorf("offline agent: %s: %w", c.tool, err)
	}
	return res, nil
}

// json is the call's JSON arguments.
func (c toolCall) json() ([]byte, error) {
	switch c.tool {
	case tasks.ToolAddTask:
		return json.Marshal(c.add)
	case tasks.ToolListTasks:
		return json.Marshal(c.list)
	case tasks.ToolUpdateTask:
		return json.Marshal(struct {
			TaskID int64 `json:"task_id"`
			tasks.UpdateArgs
		}{c.id, c.upd})
	}
	return json.Marshal(map[string]int64{"task_id": c.id})
}

func rfc3339(t *time.Time) *string {
	s := tasks.FormatTime(*t)
	return &s
}

func (a *Agent) add(ctx context.Context, st *turnState, in Intent) (*reply, error) {
	f := in.Fields
	if f.Title == nil || *f.Title == "" {
		return &reply{text: "What should the task be? For example: “add a task to buy milk tomorrow”."}, nil
	}
	if tooLong(*f.Title) {
		return &reply{text: fmt.Sprintf("That title is too long — task titles can have up to %d characters. "+
			"Could you shorten it? You can put details in a description: “add a task to … with description …”.",
			tasks.MaxTitleLen)}, nil
	}
	res, err := a.call(ctx, st, addCall(f, st.loc))
	if err != nil {
		return nil, err
	}
	if !res.OK {
		return &reply{text: "I couldn't add that task: " + res.Error}, nil
	}
	r := a.changed(st, res)
	// "today at 9am" said at 10am: due today as said, so already overdue.
	if res.Task != nil && res.Task.Overdue(st.now) {
		r.text += " That time has already passed, so it shows as overdue."
	}
	return r, nil
}

// changed is the reply to a successful change.
func (a *Agent) changed(st *turnState, res tasks.Result) *reply {
	r := &reply{text: widgets.Confirm(res, st.loc, st.now)}
	if res.Changed && res.Task != nil {
		r.changes = []tasks.Result{res}
		r.effect, r.effectID = res.Tool, []int64{res.Task.ID}
		if res.Tool == tasks.ToolDeleteTask {
			r.refresh = map[int64]*tasks.Task{res.Task.ID: nil}
		} else {
			r.refresh = map[int64]*tasks.Task{res.Task.ID: res.Task}
		}
	}
	return r
}

// list runs list_tasks for f and shows the result as a widget.
func (a *Agent) list(ctx context.Context, st *turnState, f Filter) (*reply, error) {
	if f.Match != "" {
		return a.find(ctx, st, f.Match)
	}
	var args tasks.ListArgs
	if f.Status != "" {
		args.Status = &f.Status
	}
	if f.Query != "" {
		args.Query = &f.Query
	}
	if f.Tag != "" {
		args.Tag = &f.Tag
	}
	// "high priority" includes urgent: filter those locally; other levels are exact.
	atLeastHigh := f.Priority == PriorityHigh
	if f.Priority != "" && !atLeastHigh {
		args.Priority = &f.Priority
	}
	if f.DueAfter != nil {
		args.DueAfter = rfc3339(f.DueAfter)
	}
	if f.DueBefore != nil {
		args.DueBefore = rfc3339(f.DueBefore)
	}
	if f.Overdue {
		args.Overdue = &f.Overdue
	}
	res, err := a.call(ctx, st, toolCall{tool: tasks.ToolListTasks, list: args})
	if err != nil {
		return nil, err
	}
	if !res.OK {
		return &reply{text: "I couldn't list your tasks: " + res.Error}, nil
	}
	ts := res.Tasks
	if atLeastHigh {
		kept := ts[:0:0]
		for _, t := range ts {
			if t.Priority.Rank() >= tasks.PriorityHigh.Rank() {
				kept = append(kept, t)
			}
		}
		ts = kept
	}
	title, noun := describeFilter(f)
	l := widgets.NewList(title, ts, "")
	var text string
	switch n := len(ts); {
	case n == 0:
		text = emptyText(f)
		l.Empty = text
	case f.Status == StatusCompleted && f.Window == "" && f.Query == "" && f.Tag == "" && f.Priority == "":
		text = fmt.Sprintf("You've completed %s — nice work!", plural(n, "task"))
	default:
		text = fmt.Sprintf("Here %s your %s:", isAre(n), pluralNoun(n, noun))
		if overdue := countOverdue(ts, st.now); overdue > 0 && !f.Overdue {
			text = fmt.Sprintf("Here %s your %s (%d overdue):", isAre(n), pluralNoun(n, noun), overdue)
		}
	}
	return &reply{text: text, list: &l}, nil
}

// find shows the tasks whose titles match words ("when is my dentist
// appointment?"), best first.
func (a *Agent) find(ctx context.Context, st *turnState, words string) (*reply, error) {
	all, err := a.svc.List(ctx, st.user, tasks.Filter{})
	if err != nil {
		return nil, fmt.Errorf("offline agent: list tasks: %w", err)
	}
	byID := map[int64]tasks.Task{}
	cands := make([]Candidate, len(all))
	for i, t := range all {
		byID[t.ID] = t
		cands[i] = Candidate{ID: int(t.ID), Title: t.Title}
	}
	var ts []tasks.Task
	for _, s := range MatchTitles(words, cands) {
		ts = append(ts, byID[int64(s.ID)])
	}
	if len(ts) == 0 {
		text := fmt.Sprintf("I couldn't find a task matching “%s”. Say “show my tasks” to see them all.", words)
		return &reply{text: text}, nil
	}
	l := widgets.NewList("Tasks matching “"+words+"”", ts, "")
	text := fmt.Sprintf("Here %s the %s matching “%s”:", isAre(len(ts)), plural(len(ts), "task"), words)
	if len(ts) == 1 {
		t := ts[0]
		switch {
		case t.Status == tasks.StatusCompleted:
			text = capitalizeFirst(widgets.Name(t)) + " is already done."
		case t.DueAt != nil:
			text = capitalizeFirst(widgets.Name(t)) + " is due " + widgets.FormatDue(*t.DueAt, st.loc, st.now) + "."
			if t.Overdue(st.now) {
				text += " It's overdue."
			}
		default:
			text = capitalizeFirst(widgets.Name(t)) + " has no due date."
		}
	}
	return &reply{text: text, list: &l}, nil
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// pluralNoun says "3 pending tasks" or "1 task due this week": the count
// goes before the noun phrase and "task" agrees with it.
func pluralNoun(n int, noun string) string {
	if n != 1 {
		noun = strings.Replace(noun, "task", "tasks", 1)
	}
	return fmt.Sprintf("%d %s", n, noun)
}

// describeFilter returns the list's title and the noun phrase for the reply
// ("pending task", "task due this week").
func describeFilter(f Filter) (title, noun string) {
	status := ""
	switch f.Status {
	case StatusPending:
		status = "pending "
	case StatusCompleted:
		status = "completed "
	}
	if f.Overdue {
		status = "overdue "
	}
	prio := ""
	if f.Priority != "" {
		prio = f.Priority + "-priority "
	}
	noun = prio + status + "task"
	if f.Overdue {
		noun = "overdue " + prio + "task"
	}
	if f.Window != "" && !f.Overdue {
		noun += " due " + f.Window
		if strings.HasPrefix(f.Window, "due ") {
			noun = prio + status + "task " + f.Window
		}
	}
	if f.Tag != "" {
		noun += " tagged #" + f.Tag
	}
	if f.Query != "" {
		noun += " matching “" + f.Query + "”"
	}
	title = strings.ToUpper(noun[:1]) + strings.Replace(noun[1:], "task", "tasks", 1)
	if f.Status == StatusAll || (f.Status == "" && noun == "task") {
		title = "All tasks"
	}
	return title, noun
}

func emptyText(f Filter) string {
	_, noun := describeFilter(f)
	switch {
	case f.Overdue:
		return "Nothing is overdue — you're all caught up!"
	case f.Status == StatusCompleted && f.Window == "" && f.Query == "" && f.Tag == "" && f.Priority == "":
		return "You haven't completed any tasks yet."
	case noun == "task" || noun == "pending task":
		if f.Status == StatusPending {
			return "You have no pending tasks — all done! Add one with “add a task to …”."
		}
		return "You have no tasks yet. Try “add a task to buy milk tomorrow”."
	}
	return "You have no " + strings.Replace(noun, "task", "tasks", 1) + "."
}

// verbFor names what a change intent does, for questions ("Which one should I delete?").
func verbFor(k Kind) string {
	switch k {
	case KindComplete:
		return "mark as done"
	case KindReopen:
		return "reopen"
	case KindDelete:
		return "delete"
	}
	return "change"
}

// resolve turns a reference into a task id, or a reply asking back.
func (a *Agent) resolve(ctx context.Context, st *turnState, in Intent) (int64, *reply, error) {
	ref := in.Ref
	switch {
	case ref.ID > 0:
		return int64(ref.ID), nil, nil
	case ref.Ordinal != 0:
		if st.mem.listItem == nil {
			if err := st.more(); err != nil {
				return 0, nil, err
			}
		}
		rows := st.mem.list.Rows
		if st.mem.listItem == nil || len(rows) == 0 {
			return 0, &reply{text: "Which task do you mean? I haven't shown you a list in this conversation yet — " +
				"say “show my tasks” first, or use the task number (like “task 3”)."}, nil
		}
		i := ref.Ordinal - 1
		if ref.Ordinal < 0 {
			i = len(rows) - 1
		}
		if i >= len(rows) {
			return 0, &reply{text: fmt.Sprintf("The last list I showed has only %s. Which one do you mean?",
				plural(len(rows), "task"))}, nil
		}
		return rows[i].Task.ID, nil, nil
	case ref.Pronoun:
		if st.mem.lastTouched() == 0 {
			if err := st.more(); err != nil {
				return 0, nil, err
			}
		}
		if id := st.mem.lastTouched(); id > 0 {
			return id, nil, nil
		}
		if rows := st.mem.list.Rows; len(rows) == 1 {
			return rows[0].Task.ID, nil, nil
		}
		return 0, &reply{text: "Which task do you mean? You can say its number, like “task 3”."}, nil
	case ref.Title != "":
		return a.resolveTitle(ctx, st, in)
	}
	return 0, &reply{text: fmt.Sprintf("Which task should I %s? You can say its number (“task 3”), its name, "+
		"or “the first one” after a list.", verbFor(in.Kind))}, nil
}

// resolveTitle finds the task whose title matches the user's words,
// preferring pending tasks to complete and completed ones to reopen.
func (a *Agent) resolveTitle(ctx context.Context, st *turnState, in Intent) (int64, *reply, error) {
	all, err := a.svc.List(ctx, st.user, tasks.Filter{})
	if err != nil {
		return 0, nil, err
	}
	if len(all) == 0 {
		return 0, &reply{text: "You don't have any tasks yet. Want to add one? Try “add a task to …”."}, nil
	}
	prefer := map[Kind]tasks.Status{KindComplete: tasks.StatusPending, KindReopen: tasks.StatusCompleted}[in.Kind]
	byID := map[int64]tasks.Task{}
	var preferred, every []Candidate
	for _, t := range all {
		byID[t.ID] = t
		c := Candidate{ID: int(t.ID), Title: t.Title}
		every = append(every, c)
		if prefer == "" || t.Status == prefer {
			preferred = append(preferred, c)
		}
	}
	ranked := MatchTitles(in.Ref.Title, preferred)
	if len(ranked) == 0 {
		ranked = MatchTitles(in.Ref.Title, every)
	}
	best, tied, ok := Best(ranked)
	switch {
	case !ok:
		l := widgets.NewList("Your tasks", all, "")
		return 0, &reply{text: fmt.Sprintf("I couldn't find a task matching “%s”. Which one do you mean? "+
			"Here are your tasks — you can say “the first one” or use a number.", in.Ref.Title), list: &l,
			question: &question{Type: recordQuestion, Intent: in, Candidates: ids(all)}}, nil
	case len(tied) > 1:
		var shown []tasks.Task
		var names []string
		for _, s := range tied {
			t := byID[int64(s.ID)]
			shown = append(shown, t)
			names = append(names, widgets.Name(t))
		}
		l := widgets.NewList("Matching tasks", shown, "")
		return 0, &reply{text: fmt.Sprintf("I found %d tasks matching “%s”: %s. Which one should I %s?",
			len(tied), in.Ref.Title, joinAnd(names), verbFor(in.Kind)), list: &l,
			question: &question{Type: recordQuestion, Intent: in, Candidates: ids(shown)}}, nil
	}
	return int64(best.ID), nil, nil
}

func ids(ts []tasks.Task) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// change handles complete, reopen, update and delete.
func (a *Agent) change(ctx context.Context, st *turnState, in Intent) (*reply, error) {
	if in.Kind == KindUpdate && in.Fields.BadDueText != "" {
		return &reply{text: fmt.Sprintf("I couldn't work out the date “%s”. Try something like “tomorrow at 5pm”, "+
			"“next Monday” or “Dec 3”.", in.Fields.BadDueText)}, nil
	}
	id, ask, err := a.resolve(ctx, st, in)
	if err != nil || ask != nil {
		return ask, err
	}
	c := statusCall(in.Kind, id)
	if in.Kind == KindUpdate {
		c.tool = tasks.ToolUpdateTask
		f := in.Fields
		if f.Empty() {
			return &reply{text: fmt.Sprintf("What should I change about task %d? For example “rename task %d to …”, "+
				"“move task %d to Friday” or “set task %d to high priority”.", id, id, id, id)}, nil
		}
		if f.Title != nil {
			if tooLong(*f.Title) {
				return &reply{text: fmt.Sprintf("That title is too long — task titles can have up to %d characters. "+
					"Could you shorten it?", tasks.MaxTitleLen)}, nil
			}
			c.upd.Title = f.Title
		}
		if f.Description != nil {
			c.upd.Description = f.Description
		}
		if f.ShiftDays != 0 || f.ShiftMinutes != 0 {
			t, err := a.svc.Get(ctx, st.user, id)
			switch {
			case isNotFound(err):
				return a.notFound(ctx, st, id)
			case err != nil:
				return nil, fmt.Errorf("offline agent: read task %d: %w", id, err)
			case t.DueAt == nil:
				return &reply{text: fmt.Sprintf("%s has no due date to move. When should it be due? For example "+
					"“move task %d to Friday at 3pm”.", capitalizeFirst(widgets.Name(t)), id)}, nil
			}
			due := t.DueAt.In(st.loc).AddDate(0, 0, f.ShiftDays).Add(time.Duration(f.ShiftMinutes) * time.Minute).UTC()
			c.upd.DueAt = rfc3339(&due)
		}
		if f.Due != nil {
			due, allDay, err := a.keepTime(ctx, st, id, f)
			if err != nil {
				return nil, err
			}
			c.upd.DueAt = rfc3339(&due)
			c.upd.DueAllDay = new(allDay)
		}
		if f.ClearDue {
			c.upd.ClearDue = &f.ClearDue
		}
		c.upd.Repeat, c.upd.TimeZone = repeatArgs(f, st.loc) // recurrence.go
		if f.Priority != "" {
			c.upd.Priority = &f.Priority
		}
		if len(f.Tags) > 0 {
			// Tags said in an update are added to the task's tags.
			t, err := a.svc.Get(ctx, st.user, id)
			switch {
			case errors.Is(err, tasks.ErrNotFound):
				return a.notFound(ctx, st, id)
			case err != nil:
				return nil, err
			}
			tags := append([]string{}, t.Tags...)
			for _, g := range f.Tags {
				if !t.HasTag(g) {
					tags = append(tags, g)
				}
			}
			c.upd.Tags = &tags
		}
	}
	res, err := a.call(ctx, st, c)
	if err != nil {
		return nil, err
	}
	switch {
	case res.Code == tasks.CodeNotFound:
		return a.notFound(ctx, st, id)
	case !res.OK:
		return &reply{text: "I couldn't do that: " + res.Error}, nil
	case in.Kind == KindReopen && !res.Changed:
		return &reply{text: capitalizeFirst(widgets.Name(*res.Task)) + " is already pending."}, nil
	}
	return a.changed(st, res), nil
}

// keepTime is the new due instant of a reschedule, and whether it is a
// date without a time: a date said without a time of day keeps the task's
// time ("move the 10:00 appointment to thursday" stays at 10:00), unless
// the task had none (then it stays date-only).
func (a *Agent) keepTime(ctx context.Context, st *turnState, id int64, f Fields) (time.Time, bool, error) {
	due := *f.Due
	if f.DueHasTime && !f.DueClockOnly {
		return due, false, nil
	}
	t, err := a.svc.Get(ctx, st.user, id)
	switch {
	case isNotFound(err):
		return due, !f.DueHasTime, nil // the update reports it
	case err != nil:
		return due, false, fmt.Errorf("offline agent: read task %d: %w", id, err)
	case t.DueAt == nil:
		return due, !f.DueHasTime, nil
	}
	old := t.DueAt.In(st.loc)
	d := due.In(st.loc)
	if f.DueClockOnly {
		// "move task 2 to 4pm": the task's day at the new time.
		return time.Date(old.Year(), old.Month(), old.Day(), d.Hour(), d.Minute(), 0, 0, st.loc).UTC(), false, nil
	}
	if t.DueAllDay || old.Hour() == EndOfDayHour && old.Minute() == EndOfDayMinute {
		return due, true, nil
	}
	return time.Date(d.Year(), d.Month(), d.Day(), old.Hour(), old.Minute(), 0, 0, st.loc).UTC(), false, nil
}

func isNotFound(err error) bool { return errors.Is(err, tasks.ErrNotFound) }

func tooLong(title string) bool { return utf8.RuneCountInString(title) > tasks.MaxTitleLen }

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// notFound explains an unknown id and offers to list the tasks.
func (a *Agent) notFound(ctx context.Context, st *turnState, id int64) (*reply, error) {
	n, err := a.svc.Count(ctx, st.user)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return &reply{text: fmt.Sprintf("Task %d doesn't exist — you don't have any tasks yet. Want to add one? "+
			"Try “add a task to …”.", id)}, nil
	}
	return &reply{text: fmt.Sprintf("Task %d doesn't exist — you have %s. Want me to list them?", id, plural(n, "task")),
		question: &question{Type: recordQuestion, Intent: Intent{Kind: KindList}}}, nil
}

// undo reverses the newest change of this thread not undone yet.
func (a *Agent) undo(ctx context.Context, st *turnState) (*reply, error) {
	if len(st.mem.changes) == 0 {
		if err := st.more(); err != nil {
			return nil, err
		}
	}
	n := len(st.mem.changes)
	if n == 0 {
		return &reply{text: "There's nothing to undo in this conversation yet."}, nil
	}
	c := st.mem.changes[n-1]
	if len(c.Batch) > 0 {
		return a.undoBatch(ctx, st, c)
	}
	now, err := a.svc.Revert(ctx, st.user, c.Before, c.After)
	r := &reply{undo: &c}
	id := c.TaskID()
	if err != nil {
		if errors.Is(err, tasks.ErrNotFound) {
			r.text = fmt.Sprintf("I couldn't undo that: task %d no longer exists.", id)
			return r, nil
		}
		return nil, fmt.Errorf("undo %s of task %d: %w", c.Tool, id, err)
	}
	r.effect, r.effectID = "undo", []int64{id}
	r.refresh = map[int64]*tasks.Task{id: now}
	switch c.Tool {
	case tasks.ToolAddTask:
		r.text = fmt.Sprintf("Undone: I removed %s again.", widgets.Name(*c.After))
	case tasks.ToolDeleteTask:
		r.text = fmt.Sprintf("Undone: %s is back.", widgets.Name(*now))
	case tasks.ToolCompleteTask:
		r.text = fmt.Sprintf("Undone: %s is pending again.", widgets.Name(*now))
	default:
		r.text = fmt.Sprintf("Undone: %s is back to how it was.", widgets.Name(*now))
		if c.After != nil && c.After.Title != now.Title {
			r.text = fmt.Sprintf("Undone: task %d is called “%s” again.", id, now.Title)
		}
	}
	return r, nil
}

// emit sends the reply's events in order.
func (a *Agent) emit(ctx context.Context, sink chatkit.Sink, st *turnState, r *reply) error {
	if _, err := agent.StreamMessage(ctx, sink, r.text); err != nil {
		return err
	}
	// The list the user saw is refreshed after the reply, not before: a
	// replaced item waits for its commit, and streaming the reply after it
	// would commit it on its own; after the reply it goes with the turn's
	// last commit.
	if len(r.refresh) > 0 && st.mem.listItem != nil && containsAny(st.mem.list.IDs(), r.refresh) {
		get := func(ctx context.Context, id int64) (tasks.Task, error) { return a.svc.Get(ctx, st.user, id) }
		l, err := widgets.Refresh(ctx, get, st.mem.list, r.refresh)
		if err != nil {
			return err
		}
		if err := chatkit.ReplaceWidget(ctx, sink, st.mem.listItem, l.Render(st.loc, st.now)); err != nil {
			return err
		}
	}
	if r.list != nil {
		if _, err := chatkit.SendWidget(ctx, sink, r.list.Render(st.loc, st.now), r.list.CopyText(st.loc, st.now)); err != nil {
			return err
		}
	}
	if err := agent.RecordChangesOf(ctx, sink, r.changes); err != nil {
		return err
	}
	if r.undo != nil {
		if err := chatkit.SendHiddenContext(ctx, sink, agent.Undo{Type: agent.RecordUndo, Change: r.undo.ID}); err != nil {
			return err
		}
	}
	if r.question != nil {
		if err := chatkit.SendHiddenContext(ctx, sink, r.question); err != nil {
			return err
		}
	}
	if r.effect != "" {
		if err := agent.SendTasksChanged(ctx, sink, r.effect, r.effectID...); err != nil {
			return err
		}
	}
	return nil
}

func containsAny(ids []int64, set map[int64]*tasks.Task) bool {
	for _, id := range ids {
		if _, ok := set[id]; ok {
			return true
		}
	}
	return false
}
