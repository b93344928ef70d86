package offline

import "time"

// Kind is what the user asked for.
type Kind string

// Intent kinds.
const (
	KindEmpty    Kind = "empty"    // nothing but whitespace or punctuation
	KindUnknown  Kind = "unknown"  // not understood
	KindGreeting Kind = "greeting" // "hi", "good morning"
	KindThanks   Kind = "thanks"   // "thanks!"
	KindHelp     Kind = "help"     // "help", "what can you do?"
	KindAdd      Kind = "add"
	KindList     Kind = "list"
	KindComplete Kind = "complete"
	KindReopen   Kind = "reopen"
	KindUpdate   Kind = "update"
	KindDelete   Kind = "delete"
	KindUndo     Kind = "undo"
	KindTooLong  Kind = "too_long"  // longer than MaxParseBytes: not read
	KindOffTopic Kind = "off_topic" // a question outside task management (weather, maths)
	KindForeign  Kind = "foreign"   // written in another language
)

// Priorities, as the task tools spell them.
const (
	PriorityNone   = "none"
	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Statuses for list filters.
const (
	StatusAll       = "all"
	StatusPending   = "pending"
	StatusCompleted = "completed"
)

// Ref is how the user pointed at one task, or at several (IDs, Ordinals,
// All, Both). At most one of ID, IDs, Ordinal, Ordinals, Pronoun, All, Both
// and Title is set.
type Ref struct {
	// IDs are several explicit task ids: "tasks 2 and 3", "done: 3, 4".
	IDs []int `json:",omitempty"`
	// Ordinals are several positions in the last list shown: "the last
	// three" (-3, -2, -1), "the first two", "the first and third".
	Ordinals []int `json:",omitempty"`
	// Both is "both (of them)": the two rows of the last list shown.
	Both bool `json:",omitempty"`
	// Filter narrows All: "everything due today", "whatever is finished"
	// (nil: the rows of the last list shown, or every task).
	Filter *Filter `json:",omitempty"`
	// ID is an explicit task id: "task 3", "#3", "3".
	ID int
	// Ordinal is a 1-based position in the last list shown in the thread
	// ("the first one", "second"); -1 means the last one.
	Ordinal int
	// Pronoun is "it", "that", "this one": the task the conversation last touched.
	Pronoun bool
	// All is "all of them", "everything": more than one task.
	All bool
	// Title is words to match against task titles ("the meeting task" → "meeting").
	Title string
	// Titles are Title's parts when it lists several ("the groceries and
	// the bills"): tried when Title as a whole matches no task.
	Titles []string `json:",omitempty"`
	// filterText is what follows "all"/"everything", read into Filter by
	// the parser; every is "everything" rather than "all of them".
	filterText string
	every      bool
}

// Empty reports whether the user named no task at all.
func (r Ref) Empty() bool {
	return r.ID == 0 && r.Ordinal == 0 && !r.Pronoun && !r.All && r.Title == "" && !r.Many()
}

// Many reports whether the reference names several tasks.
func (r Ref) Many() bool {
	return len(r.IDs) > 0 || len(r.Ordinals) > 0 || r.Both || r.All
}

// Fields are the task fields an add or update sets. Nil/empty means "not said".
type Fields struct {
	Title       *string
	Description *string
	// Due is in UTC; DueHasTime tells whether the user said a time of day.
	Due        *time.Time
	DueHasTime bool
	// DueClockOnly tells that only a time of day was said ("move task 2 to
	// 4pm"): a reschedule keeps the task's day.
	DueClockOnly bool `json:",omitempty"`
	// ShiftDays and ShiftMinutes move the task's due date by that much
	// ("push task 2 back a day"): days on the user's calendar.
	ShiftDays, ShiftMinutes int
	// ClearDue removes the due date ("remove the due date from task 2").
	ClearDue bool
	Priority string
	// Tags are added to the task's tags (lower case, without '#').
	Tags []string
	// BadDueText is the user's words for a due date that could not be
	// read ("move task 2 to whenever-ish").
	BadDueText string
	// Repeat is an RRULE ("FREQ=WEEKLY;BYDAY=MO"); "" stops repeating (recurrence.go).
	Repeat *string
}

// Empty reports whether no field was given.
func (f Fields) Empty() bool {
	return f.Title == nil && f.Description == nil && f.Due == nil && !f.ClearDue && f.ShiftDays == 0 && f.ShiftMinutes == 0 &&
		f.Priority == "" && len(f.Tags) == 0 && f.BadDueText == "" && f.Repeat == nil
}

// Filter narrows a list. Zero values mean "no constraint".
type Filter struct {
	Status   string // StatusAll, StatusPending, StatusCompleted ("" = all)
	Priority string // at least this priority
	Tag      string
	Query    string
	// Match is words matched against titles as references are ("when is
	// my dentist appointment?"), instead of Query's substring.
	Match string `json:",omitempty"`
	// DueAfter/DueBefore bound the due date (UTC, inclusive after, exclusive before).
	DueAfter, DueBefore *time.Time
	Overdue             bool
	// Window is a human label for the due window: "today", "this week", …
	Window string
}

// Intent is the meaning of one user message.
type Intent struct {
	Kind   Kind
	Ref    Ref
	Fields Fields
	Filter Filter
	// Tentative marks a completion guessed from a remark ("I paid the
	// bills"): it applies only when a task title matches; otherwise the
	// message is treated as not understood.
	Tentative bool
	// Suggestion is a task title the agent may offer to add when the message
	// was not understood but looks like a to-do ("buy milk tomorrow").
	Suggestion string `json:",omitempty"`
	// Items are the tasks of an add request naming several ("add apples,
	// pears and a melon"); Fields is then unused.
	Items []Fields `json:",omitempty"`
	// TooMany is the number of tasks of a list too long to add at once
	// (more than MaxItems).
	TooMany int `json:",omitempty"`
	// Confirmed marks a deletion of several tasks the user confirmed.
	Confirmed bool `json:",omitempty"`
	// Topic is what an off-topic question is about ("the weather"); Lang
	// the language of a foreign message ("Spanish").
	Topic string `json:",omitempty"`
	Lang  string `json:",omitempty"`
}
