package offline_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// The everyday suite (issue 14): messages written the way people type to a
// to-do assistant — mixed case, punctuation, filler words, typos — grouped
// by kind. Each is checked through the task list and, where the list
// cannot show it, the reply. The parser's unit cases are in parse_test.go.

// Kinds of the everyday suite.
const (
	kOpener   = "opener/sign-off"
	kSeveral  = "several tasks"
	kPriority = "priority words"
	kTypo     = "typos and shorthand"
	kBulk     = "bulk and ordinal"
	kTerse    = "terse forms"
	kUndo     = "natural undo"
	kNoLonger = "no longer need"
	kDates    = "dates"
	kOffTopic = "out of scope"
	kLanguage = "other languages"
)

type everydayCase struct {
	kind, name string
	seed       bool             // the five standard tasks (harness.seed)
	setup      func(h *harness) // more tasks
	at         time.Time        // the clock (suiteAt when zero)
	loc        *time.Location   // the user's zone (New York when nil)
	before     []string
	say        string
	reply      []string // the reply contains each (case-insensitive)
	notReply   []string // and none of these
	check      func(t *testing.T, h *harness)
}

type check = func(t *testing.T, h *harness)

// added checks the tasks created by the turn, in order, by title.
func added(titles ...string) check {
	return func(t *testing.T, h *harness) {
		ts := h.all()
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		var got []string
		for _, task := range ts {
			if task.ID > h.baseline {
				got = append(got, task.Title)
			}
		}
		if titles == nil {
			titles = []string{}
		}
		if got == nil {
			got = []string{}
		}
		assert.Equal(t, titles, got, "tasks added")
	}
}

// named finds the task titled title.
func named(t *testing.T, h *harness, title string) tasks.Task {
	t.Helper()
	for _, task := range h.all() {
		if task.Title == title {
			return task
		}
	}
	require.Failf(t, "no such task", "no task titled %q in %v", title, h.all())
	return tasks.Task{}
}

func prio(title string, want tasks.Priority) check {
	return func(t *testing.T, h *harness) {
		got := named(t, h, title).Priority
		if want == tasks.PriorityNone && got == "" {
			return
		}
		assert.Equal(t, want, got, "priority of %q", title)
	}
}

func dueAt(title string, want time.Time) check {
	return func(t *testing.T, h *harness) {
		task := named(t, h, title)
		require.NotNil(t, task.DueAt, "%q has a due date", title)
		assert.Equal(t, want.UTC(), task.DueAt.UTC(), "due of %q (%s)", title, task.DueAt.In(nyc))
	}
}

func noDue(title string) check {
	return func(t *testing.T, h *harness) {
		assert.Nil(t, named(t, h, title).DueAt, "%q has no due date", title)
	}
}

// unchanged checks that the turn changed no task.
func unchanged() check {
	return func(t *testing.T, h *harness) {
		assert.Equal(t, h.snapshot, h.all(), "no task changed")
	}
}

func statuses(want tasks.Status, ids ...int64) check {
	var fs []func(*testing.T, *harness)
	for _, id := range ids {
		fs = append(fs, status(id, want))
	}
	return both(fs...)
}

func allGone(ids ...int64) check {
	var fs []func(*testing.T, *harness)
	for _, id := range ids {
		fs = append(fs, gone(id))
	}
	return both(fs...)
}

// dentist is a task at a time of day: Friday 27 November, 10:00.
func dentist(h *harness) {
	at := ny(11, 27, 10, 0)
	_, err := h.svc.Add(context.Background(), testUser, tasks.NewTask{Title: "Dentist appointment", DueAt: &at})
	require.NoError(h.t, err)
}

var (
	eveningNY  = ny(11, 25, 20, 0)                        // Wednesday, 20:00
	saturday   = ny(11, 28, 11, 0)                        // Saturday 28 November
	sunday     = ny(11, 29, 11, 0)                        // Sunday 29 November
	berlin, _  = time.LoadLocation("Europe/Berlin")       //
	beforeDST  = time.Date(2027, 3, 13, 12, 0, 0, 0, nyc) // the day before clocks go forward
	pendingIDs = []string{"what's pending?"}              // shows rows 4, 2, 1, 3
	workList   = []string{"show tasks tagged #work"}      // shows rows 2, 3
)

var everyday = []everydayCase{
	// --- friendly openers and sign-offs ------------------------------------
	{kind: kOpener, name: "hi could you put quoted thanks", say: "Hi! could you put 'renew the car insurance' on my list? thanks",
		check: added("Renew the car insurance")},
	{kind: kOpener, name: "hello there please add", say: "hello there, please add call the plumber. thank you!",
		check: added("Call the plumber")},
	{kind: kOpener, name: "good morning much appreciated", say: "Good morning! Can you add a task to water the plants? Much appreciated",
		check: added("Water the plants")},
	{kind: kOpener, name: "hey name remind cheers", say: "hey taskpilot, remind me to email Sarah tomorrow. cheers",
		check: both(added("Email Sarah"), dueAt("Email Sarah", ny(11, 26, 23, 59)))},
	{kind: kOpener, name: "hi there smiley need to", say: "Hi there :) I need to book a dentist appointment",
		check: added("Book a dentist appointment")},
	{kind: kOpener, name: "quick one thanks so much", say: "hey! quick one - add pick up dry cleaning, thanks so much",
		check: added("Pick up dry cleaning")},
	{kind: kOpener, name: "morning list today", seed: true, say: "Morning! what's on my list today?",
		check: widgetRows(2)},
	{kind: kOpener, name: "hello show pending thx", seed: true, say: "hello, can you show me my pending tasks please? thx",
		check: widgetRows(4, 2, 1, 3)},
	{kind: kOpener, name: "hi finished thanks", seed: true, say: "Hi, I finished the groceries, thanks!",
		check: status(1, tasks.StatusCompleted)},
	{kind: kOpener, name: "hey there mark ty", seed: true, say: "hey there! please mark task 3 as done. ty",
		check: status(3, tasks.StatusCompleted)},
	{kind: kOpener, name: "hope you're well", say: "Hello! Hope you're well. Could you add renew passport to my to-do list?",
		check: added("Renew passport")},
	{kind: kOpener, name: "yo delete pls thanks a lot", seed: true, say: "yo, delete task 4 pls, thanks a lot",
		check: gone(4)},
	{kind: kOpener, name: "hiya dash quoted thanks bangs", say: "Hiya — add 'buy a birthday card for Jo' thanks!!",
		check: both(added("Buy a birthday card for Jo"), prio("Buy a birthday card for Jo", tasks.PriorityNone))},
	{kind: kOpener, name: "good evening thanks in advance", say: "Good evening, please remind me to take out the bins tonight. Thanks in advance",
		check: both(added("Take out the bins"), dueAt("Take out the bins", ny(11, 25, 23, 0)))},
	{kind: kOpener, name: "hi hi emoji", say: "hi hi, add walk the dog 🙂", check: added("Walk the dog")},
	{kind: kOpener, name: "hey so um thank you so much", say: "Hey, so um, can you add a task to call the bank? thank you so much!!",
		check: both(added("Call the bank"), prio("Call the bank", tasks.PriorityNone))},
	{kind: kOpener, name: "hello overdue cheers", seed: true, say: "Hello! Could you tell me what's overdue? Cheers",
		check: widgetRows(4)},
	{kind: kOpener, name: "hey hey new task you're the best", say: "hey hey! new task: submit the timesheet. you're the best",
		check: added("Submit the timesheet")},

	{kind: kOpener, name: "wondering if you could", say: "Hi there, I was wondering if you could add pick up prescription to my list",
		check: added("Pick up prescription")},
	{kind: kOpener, name: "would you mind adding", say: "would you mind adding call the vet tomorrow? cheers!",
		check: both(added("Call the vet"), dueAt("Call the vet", ny(11, 26, 23, 59)))},

	{kind: kOpener, name: "small talk sentences around", say: "Hi! Hope you had a good weekend. Can you add 'dentist' for Tuesday? Also, thanks for the help yesterday.",
		check: both(added("Dentist"), dueAt("Dentist", ny(12, 1, 23, 59)))},
	{kind: kOpener, name: "how are you first", say: "How are you? add milk please", check: added("Milk")},
	{kind: kOpener, name: "it's me again have a nice day", say: "hey, it's me again. please remind me to call the vet at 4pm. have a nice day!",
		check: both(added("Call the vet"), dueAt("Call the vet", ny(11, 25, 16, 0)))},

	{kind: kOpener, name: "quick favour", say: "Hey TaskPilot! Quick favour — could you add renew the lease?", check: added("Renew the lease")},
	{kind: kOpener, name: "please and thank you", say: "add water the plants please and thank you", check: added("Water the plants")},

	// --- several tasks in one message ----------------------------------------
	{kind: kSeveral, name: "comma and list", say: "add apples, pears and a melon", reply: []string{"Added 3 tasks"},
		check: added("Apples", "Pears", "Melon")},
	{kind: kSeveral, name: "count colon", say: "two things: book flights, pack bags", check: added("Book flights", "Pack bags")},
	{kind: kSeveral, name: "dash bullets", say: "add these:\n- milk\n- eggs\n- bread", check: added("Milk", "Eggs", "Bread")},
	{kind: kSeveral, name: "star bullets with date", say: "todo:\n* call mom\n* pay rent on friday\n* fix the bike",
		check: both(added("Call mom", "Pay rent", "Fix the bike"), dueAt("Pay rent", ny(11, 27, 23, 59)))},
	{kind: kSeveral, name: "two verbs and", say: "add buy milk and call the bank", check: added("Buy milk", "Call the bank")},
	{kind: kSeveral, name: "one thing with and", say: "add salt and pepper", check: added("Salt and pepper")},
	{kind: kSeveral, name: "three tasks colon", say: "add 3 tasks: laundry, dishes, vacuum", check: added("Laundry", "Dishes", "Vacuum")},
	{kind: kSeveral, name: "and to", say: "remind me to call the dentist and to pay the gas bill",
		check: added("Call the dentist", "Pay the gas bill")},
	{kind: kSeveral, name: "semicolons", say: "please add: milk; eggs; butter", check: added("Milk", "Eggs", "Butter")},
	{kind: kSeveral, name: "numbered lines", say: "Add to my list:\n1. renew passport\n2. book hotel\n3. buy travel adapter",
		check: added("Renew passport", "Book hotel", "Buy travel adapter")},
	{kind: kSeveral, name: "commas only", say: "add eggs, flour, sugar", check: added("Eggs", "Flour", "Sugar")},
	{kind: kSeveral, name: "the following thanks", say: "Can you add the following: groceries, dentist appointment and car wash? thanks",
		check: added("Groceries", "Dentist appointment", "Car wash")},
	{kind: kSeveral, name: "quoted commas stay one", say: "add 'rock, paper, scissors' to my list", check: added("Rock, paper, scissors")},
	{kind: kSeveral, name: "bullets pasted alone", say: "- water the plants\n- take out recycling",
		check: added("Water the plants", "Take out recycling")},
	{kind: kSeveral, name: "inline numbers", say: "add three things: 1) call mom 2) buy milk 3) pay rent",
		check: added("Call mom", "Buy milk", "Pay rent")},
	{kind: kSeveral, name: "own due dates", say: "add buy milk tomorrow, call mom on friday",
		check: both(added("Buy milk", "Call mom"), dueAt("Buy milk", ny(11, 26, 23, 59)), dueAt("Call mom", ny(11, 27, 23, 59)))},
	{kind: kSeveral, name: "undo removes all", before: []string{"add apples, pears and a melon"}, say: "undo",
		reply: []string{"3 tasks"}, check: count(0)},
	{kind: kSeveral, name: "one task research and write", say: "add a task to research and write the report",
		check: added("Research and write the report")},
	{kind: kSeveral, name: "shopping list colon", say: "shopping list: oat milk, bananas, coffee",
		check: added("Oat milk", "Bananas", "Coffee")},
	{kind: kSeveral, name: "first one after adding several", before: []string{"add eggs, flour, sugar"}, say: "mark the first one as done",
		check: statuses(tasks.StatusCompleted, 1)},

	{kind: kSeveral, name: "shared trailing date", say: "add apples, pears and a melon tomorrow",
		check: both(added("Apples", "Pears", "Melon"), dueAt("Apples", ny(11, 26, 23, 59)), dueAt("Melon", ny(11, 26, 23, 59)))},
	{kind: kSeveral, name: "these three colon", say: "can you add these three: call mom, email dad, text sis",
		check: added("Call mom", "Email dad", "Text sis")},
	{kind: kSeveral, name: "i need to colon", say: "I need to: buy milk, call the plumber", check: added("Buy milk", "Call the plumber")},
	{kind: kSeveral, name: "shared bangs", say: "remind me to call mom and email dad !!",
		check: both(added("Call mom", "Email dad"), prio("Call mom", tasks.PriorityHigh), prio("Email dad", tasks.PriorityHigh))},

	{kind: kSeveral, name: "list then date first", say: "tomorrow I need to call the bank",
		check: both(added("Call the bank"), dueAt("Call the bank", ny(11, 26, 23, 59)))},

	{kind: kSeveral, name: "count lead with a day", say: "I need to do three things today: laundry, groceries and gym",
		check: both(added("Laundry", "Groceries", "Gym"), dueAt("Laundry", ny(11, 25, 23, 59)), dueAt("Gym", ny(11, 25, 23, 59)))},
	{kind: kSeveral, name: "lead line with a day", say: "todo today:\n- laundry\n- call mom at 6pm",
		check: both(added("Laundry", "Call mom"), dueAt("Laundry", ny(11, 25, 23, 59)), dueAt("Call mom", ny(11, 25, 18, 0)))},
	{kind: kSeveral, name: "day colon list", say: "tomorrow: call mom, buy milk",
		check: both(added("Call mom", "Buy milk"), dueAt("Call mom", ny(11, 26, 23, 59)))},

	{kind: kSeveral, name: "add again in one message", say: "add milk. add eggs. add bread", check: added("Milk", "Eggs", "Bread")},
	{kind: kSeveral, name: "and also add", say: "add call mom, and also add buy milk", check: added("Call mom", "Buy milk")},

	{kind: kSeveral, name: "quoted items with own priorities", say: "add 'email Bob' urgent and 'call Alice' low priority",
		check: both(added("Email Bob", "Call Alice"), prio("Email Bob", tasks.PriorityUrgent), prio("Call Alice", tasks.PriorityLow))},

	{kind: kSeveral, name: "plus signs", say: "add buy milk + eggs + bread", check: added("Buy milk", "Eggs", "Bread")},
	{kind: kSeveral, name: "tasks colon", say: "Tasks: buy milk, call mom", check: added("Buy milk", "Call mom")},

	{kind: kSeveral, name: "title colon over lines", say: "Shopping:\nmilk\neggs\nbread", check: added("Milk", "Eggs", "Bread")},
	{kind: kSeveral, name: "add on every line", say: "add milk\nadd eggs\nadd bread", check: added("Milk", "Eggs", "Bread")},

	// --- priority words ------------------------------------------------------
	{kind: kPriority, name: "urgent at the end", say: "add call the landlord urgent",
		check: both(added("Call the landlord"), prio("Call the landlord", tasks.PriorityUrgent))},
	{kind: kPriority, name: "urgent colon lead", say: "urgent: fix the leaking tap",
		check: both(added("Fix the leaking tap"), prio("Fix the leaking tap", tasks.PriorityUrgent))},
	{kind: kPriority, name: "asap", say: "add submit expenses asap",
		check: both(added("Submit expenses"), prio("Submit expenses", tasks.PriorityUrgent))},
	{kind: kPriority, name: "two bangs", say: "add renew license !!",
		check: both(added("Renew license"), prio("Renew license", tasks.PriorityHigh))},
	{kind: kPriority, name: "three bangs attached", say: "add renew license!!!",
		check: both(added("Renew license"), prio("Renew license", tasks.PriorityUrgent))},
	{kind: kPriority, name: "low priority in brackets", say: "add water plants (low priority)",
		check: both(added("Water plants"), prio("Water plants", tasks.PriorityLow))},
	{kind: kPriority, name: "not important", say: "add clean the attic, not important",
		check: both(added("Clean the attic"), prio("Clean the attic", tasks.PriorityLow))},
	{kind: kPriority, name: "p1 at the end", say: "add book the venue p1",
		check: both(added("Book the venue"), prio("Book the venue", tasks.PriorityUrgent))},
	{kind: kPriority, name: "important colon", say: "important: call the accountant",
		check: both(added("Call the accountant"), prio("Call the accountant", tasks.PriorityHigh))},
	{kind: kPriority, name: "dash high priority and date", say: "add pay the rent tomorrow - high priority",
		check: both(added("Pay the rent"), prio("Pay the rent", tasks.PriorityHigh), dueAt("Pay the rent", ny(11, 26, 23, 59)))},
	{kind: kPriority, name: "it's important", say: "remind me to call grandma, it's important",
		check: both(added("Call grandma"), prio("Call grandma", tasks.PriorityHigh))},
	{kind: kPriority, name: "p2 first with date", say: "add p2 prepare slides for monday",
		check: both(added("Prepare slides"), prio("Prepare slides", tasks.PriorityHigh), dueAt("Prepare slides", ny(11, 30, 23, 59)))},
	{kind: kPriority, name: "urgent in brackets with bang", say: "add email the landlord (urgent!)",
		check: both(added("Email the landlord"), prio("Email the landlord", tasks.PriorityUrgent))},
	{kind: kPriority, name: "bangs first", say: "add !!! server is down",
		check: both(added("Server is down"), prio("Server is down", tasks.PriorityUrgent))},
	{kind: kPriority, name: "low prio", say: "add check tyre pressure low prio",
		check: both(added("Check tyre pressure"), prio("Check tyre pressure", tasks.PriorityLow))},
	{kind: kPriority, name: "not urgent", say: "add update the CV - not urgent",
		check: both(added("Update the CV"), prio("Update the CV", tasks.PriorityLow))},
	{kind: kPriority, name: "asap please", say: "add fix the printer asap please",
		check: both(added("Fix the printer"), prio("Fix the printer", tasks.PriorityUrgent))},
	{kind: kPriority, name: "P3 colon", say: "P3: tidy the garage",
		check: both(added("Tidy the garage"), prio("Tidy the garage", tasks.PriorityMedium))},
	{kind: kPriority, name: "word in the title stays", say: "add read important emails",
		check: both(added("Read important emails"), prio("Read important emails", tasks.PriorityNone))},
	{kind: kPriority, name: "p4", say: "add p4 sort old photos",
		check: both(added("Sort old photos"), prio("Sort old photos", tasks.PriorityLow))},

	{kind: kPriority, name: "bangs mid message", say: "add finish the report!!! due friday",
		check: both(added("Finish the report"), prio("Finish the report", tasks.PriorityUrgent), dueAt("Finish the report", ny(11, 27, 23, 59)))},

	{kind: kPriority, name: "no verb asap offers then yes", before: []string{"call the bank asap"}, say: "yes",
		check: both(added("Call the bank"), prio("Call the bank", tasks.PriorityUrgent))},
	{kind: kPriority, name: "no verb asap asks first", say: "urgently call the bank", reply: []string{"add “Call the bank”", "urgent"},
		check: count(0)},

	{kind: kPriority, name: "todoist quick add", say: "add buy milk tomorrow p1 #shopping @errands",
		check: both(added("Buy milk"), prio("Buy milk", tasks.PriorityUrgent), dueAt("Buy milk", ny(11, 26, 23, 59)),
			func(t *testing.T, h *harness) {
				assert.Equal(t, []string{"shopping", "errands"}, named(t, h, "Buy milk").Tags)
			})},

	// --- typos and shorthand in command and date words ------------------------
	{kind: kTypo, name: "tmrw", say: "add call mom tmrw", check: both(added("Call mom"), dueAt("Call mom", ny(11, 26, 23, 59)))},
	{kind: kTypo, name: "tomorow", say: "add pay rent tomorow", check: both(added("Pay rent"), dueAt("Pay rent", ny(11, 26, 23, 59)))},
	{kind: kTypo, name: "tommorrow", say: "remind me to buy bread tommorrow",
		check: both(added("Buy bread"), dueAt("Buy bread", ny(11, 26, 23, 59)))},
	{kind: kTypo, name: "nxt week", say: "add dentist nxt week", check: both(added("Dentist"), dueAt("Dentist", ny(11, 30, 23, 59)))},
	{kind: kTypo, name: "ad", say: "ad buy milk", check: added("Buy milk")},
	{kind: kTypo, name: "addd", say: "addd buy milk", check: added("Buy milk")},
	{kind: kTypo, name: "on mon", say: "add gym on mon", check: both(added("Gym"), dueAt("Gym", ny(11, 30, 23, 59)))},
	{kind: kTypo, name: "thurs at the end", say: "add book club thurs", check: both(added("Book club"), dueAt("Book club", ny(11, 26, 23, 59)))},
	{kind: kTypo, name: "on tues", say: "add call dad on tues", check: both(added("Call dad"), dueAt("Call dad", ny(12, 1, 23, 59)))},
	{kind: kTypo, name: "by fri", say: "add pay bills by fri", check: both(added("Pay bills"), dueAt("Pay bills", ny(11, 27, 23, 59)))},
	{kind: kTypo, name: "shw", seed: true, say: "shw my tasks", check: widgetRows(4, 2, 1, 3, 5)},
	{kind: kTypo, name: "lsit", seed: true, say: "lsit pending tasks", check: widgetRows(4, 2, 1, 3)},
	{kind: kTypo, name: "delte", seed: true, say: "delte task 2", check: gone(2)},
	{kind: kTypo, name: "compelte", seed: true, say: "compelte task 3", check: status(3, tasks.StatusCompleted)},
	{kind: kTypo, name: "mrak", seed: true, say: "mrak task 3 as done", check: status(3, tasks.StatusCompleted)},
	{kind: kTypo, name: "mon inside a word", say: "add monitor stand", check: both(added("Monitor stand"), noDue("Monitor stand"))},
	{kind: kTypo, name: "sun as a word", say: "add sun cream", check: both(added("Sun cream"), noDue("Sun cream"))},
	{kind: kTypo, name: "title typo untouched", say: "add check teh oven tmrw",
		check: both(added("Check teh oven"), dueAt("Check teh oven", ny(11, 26, 23, 59)))},
	{kind: kTypo, name: "fridy", say: "add meeting with Sam on fridy",
		check: both(added("Meeting with Sam"), dueAt("Meeting with Sam", ny(11, 27, 23, 59)))},
	{kind: kTypo, name: "tmr at 9am", say: "add standup tmr at 9am", check: both(added("Standup"), dueAt("Standup", ny(11, 26, 9, 0)))},
	{kind: kTypo, name: "remnd", say: "remnd me to call the vet", check: added("Call the vet")},

	{kind: kTypo, name: "tsak", seed: true, say: "delete tsak 3", check: gone(3)},
	{kind: kTypo, name: "dnoe", seed: true, say: "mark task 3 as dnoe", check: status(3, tasks.StatusCompleted)},
	{kind: kTypo, name: "nex wek", say: "add dentist nex wek", check: dueAt("Dentist", ny(11, 30, 23, 59))},

	{kind: kTypo, name: "crate a task", say: "crate a task to call the bank on wednsday",
		check: both(added("Call the bank"), dueAt("Call the bank", ny(12, 2, 23, 59)))},

	{kind: kTypo, name: "thurs before a time", say: "add meeting w/ John thurs 3pm",
		check: both(added("Meeting w/ John"), dueAt("Meeting w/ John", ny(11, 26, 15, 0)))},
	{kind: kTypo, name: "b4", say: "add submit taxes b4 friday", check: both(added("Submit taxes"), dueAt("Submit taxes", ny(11, 27, 23, 59)))},
	{kind: kTypo, name: "adddd", say: "adddd buy milk", check: added("Buy milk")},
	{kind: kTypo, name: "tmrw night", say: "add finish essay by tmrw night",
		check: both(added("Finish essay"), dueAt("Finish essay", ny(11, 26, 23, 0)))},

	// --- bulk and ordinal operations --------------------------------------------
	{kind: kBulk, name: "complete the last three", seed: true, before: pendingIDs, say: "complete the last three",
		reply: []string{"3 tasks"}, check: both(statuses(tasks.StatusCompleted, 2, 1, 3), status(4, tasks.StatusPending))},
	{kind: kBulk, name: "mark both", seed: true, before: workList, say: "mark both as done",
		check: both(statuses(tasks.StatusCompleted, 2, 3), statuses(tasks.StatusPending, 1, 4))},
	{kind: kBulk, name: "everything due today", seed: true, say: "complete everything due today",
		check: both(status(2, tasks.StatusCompleted), statuses(tasks.StatusPending, 1, 3, 4))},
	{kind: kBulk, name: "delete whatever is finished asks", seed: true, before: []string{"mark task 3 as done"},
		say: "delete whatever is finished", reply: []string{"Delete these 2 tasks", "yes"}, check: count(5)},
	{kind: kBulk, name: "delete whatever is finished yes", seed: true, before: []string{"mark task 3 as done", "delete whatever is finished"},
		say: "yes", check: both(allGone(3, 5), count(3))},
	{kind: kBulk, name: "bulk delete undo restores all", seed: true,
		before: []string{"mark task 3 as done", "delete whatever is finished", "yes"}, say: "undo",
		check: both(count(5), titled(3, "Meeting notes"), titled(5, "Call mom"))},
	{kind: kBulk, name: "delete all completed one task", seed: true, say: "delete all completed tasks", check: both(gone(5), count(4))},
	{kind: kBulk, name: "complete the first two", seed: true, before: pendingIDs, say: "complete the first two",
		check: both(statuses(tasks.StatusCompleted, 4, 2), statuses(tasks.StatusPending, 1, 3))},
	{kind: kBulk, name: "ids with commas", seed: true, say: "complete tasks 1, 3 and 4",
		check: both(statuses(tasks.StatusCompleted, 1, 3, 4), status(2, tasks.StatusPending))},
	{kind: kBulk, name: "everything tagged then no", seed: true, before: []string{"remove everything tagged work"}, say: "no",
		check: count(5)},
	{kind: kBulk, name: "all overdue", seed: true, say: "mark all overdue tasks as done",
		check: both(status(4, tasks.StatusCompleted), statuses(tasks.StatusPending, 1, 2, 3))},
	{kind: kBulk, name: "all of them after list", seed: true, before: workList, say: "complete all of them",
		check: both(statuses(tasks.StatusCompleted, 2, 3), statuses(tasks.StatusPending, 1, 4))},
	{kind: kBulk, name: "delete both confirmed", seed: true, before: []string{"show tasks tagged #work", "delete both"},
		say: "yes", check: both(allGone(2, 3), count(3))},
	{kind: kBulk, name: "finish the top 2", seed: true, before: pendingIDs, say: "finish the top 2",
		check: both(statuses(tasks.StatusCompleted, 4, 2), statuses(tasks.StatusPending, 1, 3))},
	{kind: kBulk, name: "undo bulk complete", seed: true, before: []string{"what's pending?", "complete the last three"}, say: "undo",
		check: statuses(tasks.StatusPending, 1, 2, 3, 4)},
	{kind: kBulk, name: "ids then yes please", seed: true, before: []string{"delete tasks 2 and 3"}, say: "yes please",
		check: both(allGone(2, 3), count(3))},
	{kind: kBulk, name: "reopen everything", seed: true, say: "reopen everything", check: status(5, tasks.StatusPending)},
	{kind: kBulk, name: "first and third confirmed", seed: true, before: []string{"what's pending?", "delete the first and third"},
		say: "yes", check: both(allGone(4, 1), count(3))},
	{kind: kBulk, name: "bulk delete asks first", seed: true, before: pendingIDs, say: "delete the last two",
		reply: []string{"Delete these 2 tasks", "Meeting notes"}, check: count(5)},

	{kind: kBulk, name: "delete everything asks", seed: true, before: workList, say: "delete everything",
		reply: []string{"Delete these 5 tasks"}, check: count(5)},
	{kind: kBulk, name: "id range", seed: true, say: "complete tasks 1-3", check: statuses(tasks.StatusCompleted, 1, 2, 3)},

	{kind: kBulk, name: "two names", seed: true, say: "Mark the grocery one and the bills one as done",
		check: both(statuses(tasks.StatusCompleted, 1, 4), statuses(tasks.StatusPending, 2, 3))},
	{kind: kBulk, name: "two remarks", seed: true, say: "I finished the groceries and paid the bills",
		check: statuses(tasks.StatusCompleted, 1, 4)},
	{kind: kBulk, name: "clear my list asks", seed: true, say: "clear my list", reply: []string{"Delete these 5 tasks"}, check: count(5)},

	{kind: kBulk, name: "yes delete them", seed: true, before: []string{"delete tasks 2 and 3"}, say: "yes, delete them",
		check: both(allGone(2, 3), count(3))},
	{kind: kBulk, name: "no keep them", seed: true, before: []string{"delete tasks 2 and 3"}, say: "no, keep them", check: count(5)},

	{kind: kBulk, name: "wipe everything", seed: true, before: []string{"wipe everything"}, say: "sure", check: count(0)},
	{kind: kBulk, name: "work tasks by tag", seed: true, say: "mark all my work tasks as done",
		check: both(statuses(tasks.StatusCompleted, 2, 3), statuses(tasks.StatusPending, 1, 4))},
	{kind: kBulk, name: "ordinals are done", seed: true, before: pendingIDs, say: "the first two are done",
		check: both(statuses(tasks.StatusCompleted, 4, 2), statuses(tasks.StatusPending, 1, 3))},

	// --- terse forms ---------------------------------------------------------
	{kind: kTerse, name: "hash check mark", seed: true, say: "#4 ✓", check: status(4, tasks.StatusCompleted)},
	{kind: kTerse, name: "n finished", seed: true, say: "4 finished", check: status(4, tasks.StatusCompleted)},
	{kind: kTerse, name: "done colon n", seed: true, say: "done: 4", check: status(4, tasks.StatusCompleted)},
	{kind: kTerse, name: "x n", seed: true, say: "x 4", check: status(4, tasks.StatusCompleted)},
	{kind: kTerse, name: "n done", seed: true, say: "3 done", check: status(3, tasks.StatusCompleted)},
	{kind: kTerse, name: "green tick n", seed: true, say: "✅ 3", check: status(3, tasks.StatusCompleted)},
	{kind: kTerse, name: "done n", seed: true, say: "done 2", check: status(2, tasks.StatusCompleted)},
	{kind: kTerse, name: "hash done bang", seed: true, say: "#3 done!", check: status(3, tasks.StatusCompleted)},
	{kind: kTerse, name: "task n heavy check", seed: true, say: "task 4 ✔", check: status(4, tasks.StatusCompleted)},
	{kind: kTerse, name: "done two ids", seed: true, say: "done: 3, 4", check: statuses(tasks.StatusCompleted, 3, 4)},
	{kind: kTerse, name: "del n", seed: true, say: "del 3", check: gone(3)},
	{kind: kTerse, name: "hash reopen", seed: true, say: "#5 reopen", check: status(5, tasks.StatusPending)},
	{kind: kTerse, name: "rm hash", seed: true, say: "rm #2", check: gone(2)},
	{kind: kTerse, name: "thumbs up", seed: true, say: "4 👍", check: status(4, tasks.StatusCompleted)},

	{kind: kTerse, name: "two hashes done", seed: true, say: "#2 #3 done", check: statuses(tasks.StatusCompleted, 2, 3)},
	{kind: kTerse, name: "box x", seed: true, say: "[x] 4", check: status(4, tasks.StatusCompleted)},

	{kind: kOpener, name: "thanks that's all for now", seed: true, say: "Thanks, that's all for now!", reply: []string{"welcome"},
		check: unchanged()},

	{kind: kTerse, name: "task hash done", seed: true, say: "task #4 done", check: status(4, tasks.StatusCompleted)},

	{kind: kTerse, name: "two terse in one", seed: true, say: "#1 done, #3 done", check: statuses(tasks.StatusCompleted, 1, 3)},

	{kind: kTerse, name: "tick then ids", seed: true, say: "✓ 3 4", check: statuses(tasks.StatusCompleted, 3, 4)},

	// --- natural undo ----------------------------------------------------------
	{kind: kUndo, name: "oops", before: []string{"add a task to buy milk"}, say: "oops", check: count(0)},
	{kind: kUndo, name: "no wait put it back", seed: true, before: []string{"Remove task 2"}, say: "no wait, put it back",
		check: titled(2, "Team meeting")},
	{kind: kUndo, name: "revert that", seed: true, before: []string{"Mark task 3 as complete"}, say: "revert that",
		check: status(3, tasks.StatusPending)},
	{kind: kUndo, name: "oops didn't mean that", seed: true, before: []string{"delete task 4"}, say: "oops, I didn't mean that",
		check: titled(4, "Pay bills")},
	{kind: kUndo, name: "oops wrong one", seed: true, before: []string{"mark task 1 as done"}, say: "Oops! wrong one",
		check: status(1, tasks.StatusPending)},
	{kind: kUndo, name: "wait no undo that", seed: true, before: []string{"rename task 3 to Notes"}, say: "wait no, undo that!",
		check: titled(3, "Meeting notes")},
	{kind: kUndo, name: "that was a mistake", before: []string{"add a task to buy milk"}, say: "that was a mistake, undo it",
		check: count(0)},
	{kind: kUndo, name: "ctrl z", before: []string{"add a task to buy milk"}, say: "ctrl+z", check: count(0)},
	{kind: kUndo, name: "can you undo that", seed: true, before: []string{"delete task 2"}, say: "can you undo that?",
		check: titled(2, "Team meeting")},
	{kind: kUndo, name: "my bad take that back", before: []string{"add a task to buy milk"}, say: "my bad, take that back",
		check: count(0)},
	{kind: kUndo, name: "bring it back please", seed: true, before: []string{"Remove task 2"}, say: "bring it back please",
		check: titled(2, "Team meeting")},
	{kind: kUndo, name: "undo the last change", seed: true, before: []string{"mark task 3 as done"}, say: "undo the last change",
		check: status(3, tasks.StatusPending)},

	{kind: kUndo, name: "nope undo", seed: true, before: []string{"mark task 3 as done"}, say: "nope, undo", check: status(3, tasks.StatusPending)},
	{kind: kUndo, name: "restore the task i just deleted", seed: true, before: []string{"delete task 1"},
		say: "restore the task I just deleted", check: titled(1, "Buy groceries")},

	{kind: kUndo, name: "no no restore it", seed: true, before: []string{"delete the bills"}, say: "no no, restore it",
		check: titled(4, "Pay bills")},

	// --- "I no longer need to …" ------------------------------------------------
	{kind: kNoLonger, name: "no longer need to", seed: true, say: "I no longer need to pay bills", check: both(gone(4), count(4))},
	{kind: kNoLonger, name: "scratch", seed: true, say: "scratch the groceries", check: both(gone(1), count(4))},
	{kind: kNoLonger, name: "never mind the", seed: true, say: "never mind the team meeting", check: both(gone(2), count(4))},
	{kind: kNoLonger, name: "don't need anymore", seed: true, say: "I don't need to call mom anymore", check: both(gone(5), count(4))},
	{kind: kNoLonger, name: "scratch that after add", before: []string{"add a task to buy milk"}, say: "scratch that", check: count(0)},
	{kind: kNoLonger, name: "forget asks which", seed: true, say: "forget the meeting", reply: []string{"Which one"}, check: count(5)},
	{kind: kNoLonger, name: "no need anymore", seed: true, say: "no need to buy groceries anymore", check: both(gone(1), count(4))},
	{kind: kNoLonger, name: "don't need the any more", seed: true, say: "don't need the meeting notes any more", check: both(gone(3), count(4))},
	{kind: kNoLonger, name: "nevermind about", seed: true, say: "nevermind about paying the bills", check: both(gone(4), count(4))},
	{kind: kNoLonger, name: "no such task", seed: true, say: "I no longer need to walk the dog", reply: []string{"couldn't find"},
		check: count(5)},
	{kind: kNoLonger, name: "dont after all", seed: true, say: "i dont need to pay the bills after all", check: both(gone(4), count(4))},

	{kind: kNoLonger, name: "got cancelled", seed: true, say: "the team meeting got cancelled", check: both(gone(2), count(4))},
	{kind: kNoLonger, name: "take off my list", seed: true, say: "take the meeting notes off my list", check: both(gone(3), count(4))},

	{kind: kNoLonger, name: "call off", seed: true, say: "call off the team meeting", check: both(gone(2), count(4))},

	{kind: kNoLonger, name: "forget with a reason", seed: true, say: "forget the groceries, I already have everything",
		check: both(gone(1), count(4))},

	{kind: kNoLonger, name: "won't be needing", seed: true, say: "I won't be needing the groceries task", check: both(gone(1), count(4))},
	{kind: kNoLonger, name: "we're not doing", seed: true, say: "we're not doing the team meeting anymore", check: both(gone(2), count(4))},

	// --- dates ---------------------------------------------------------------
	{kind: kDates, name: "reschedule keeps 10:00", setup: dentist, say: "move the dentist appointment to thursday",
		check: dueAt("Dentist appointment", ny(11, 26, 10, 0))},
	{kind: kDates, name: "push to tomorrow keeps 15:00", seed: true, say: "push task 2 to tomorrow",
		check: dueAt("Team meeting", ny(11, 26, 15, 0))},
	{kind: kDates, name: "new time given", seed: true, say: "move task 2 to friday at 9am", check: dueAt("Team meeting", ny(11, 27, 9, 0))},
	{kind: kDates, name: "reschedule by name keeps time", seed: true, say: "reschedule the team meeting to next monday",
		check: dueAt("Team meeting", ny(11, 30, 15, 0))},
	{kind: kDates, name: "end of day task stays end of day", seed: true, say: "move task 1 to monday",
		check: dueAt("Buy groceries", ny(11, 30, 23, 59))},
	{kind: kDates, name: "today after the hour", at: eveningNY, say: "add call the vet today at 9am", reply: []string{"overdue"},
		check: dueAt("Call the vet", ny(11, 25, 9, 0))},
	{kind: kDates, name: "clock alone after the hour is tomorrow", at: eveningNY, say: "add stretch at 9am",
		notReply: []string{"overdue"}, check: dueAt("Stretch", ny(11, 26, 9, 0))},
	{kind: kDates, name: "today in the evening", at: eveningNY, say: "add water the plants today", notReply: []string{"overdue"},
		check: dueAt("Water the plants", ny(11, 25, 23, 59))},
	{kind: kDates, name: "end of week on saturday", at: saturday, say: "add finish the slides by the end of the week",
		check: both(added("Finish the slides"), dueAt("Finish the slides", ny(12, 4, 23, 59)))},
	{kind: kDates, name: "end of week on sunday", at: sunday, say: "add send the invoice by end of week",
		check: dueAt("Send the invoice", ny(12, 4, 23, 59))},
	{kind: kDates, name: "end of week midweek", say: "add send the invoice by the end of the week",
		check: both(added("Send the invoice"), dueAt("Send the invoice", ny(11, 27, 23, 59)))},
	{kind: kDates, name: "this weekend on saturday", at: saturday, say: "add clean the garage this weekend",
		check: dueAt("Clean the garage", ny(11, 28, 23, 59))},
	{kind: kDates, name: "berlin zone", loc: berlin, say: "remind me to call mom tomorrow at 9am",
		check: dueAt("Call mom", time.Date(2026, 11, 26, 9, 0, 0, 0, berlin))},
	{kind: kDates, name: "across the DST change", at: beforeDST, say: "add brunch tomorrow at 11am",
		check: dueAt("Brunch", time.Date(2027, 3, 14, 15, 0, 0, 0, time.UTC))},
	{kind: kDates, name: "today at 8am said at 10", say: "remind me today at 8am to take pills", reply: []string{"overdue"},
		check: both(added("Take pills"), dueAt("Take pills", ny(11, 25, 8, 0)))},

	{kind: kDates, name: "push back a day", seed: true, say: "push task 2 back a day", check: dueAt("Team meeting", ny(11, 26, 15, 0))},
	{kind: kDates, name: "postpone by hours", seed: true, say: "postpone the team meeting by 2 hours",
		check: dueAt("Team meeting", ny(11, 25, 17, 0))},

	{kind: kDates, name: "time only keeps the day", setup: dentist, say: "move the dentist appointment to 4pm",
		check: dueAt("Dentist appointment", ny(11, 27, 16, 0))},

	{kind: kDates, name: "when is", seed: true, say: "when is my team meeting?", reply: []string{"due today at 3:00 PM"},
		check: both(unchanged(), widgetRows(2))},

	{kind: kDates, name: "dinner at a bare hour", say: "add dinner at 8", check: dueAt("Dinner", ny(11, 25, 20, 0))},

	{kind: kDates, name: "on the 1st without the", say: "add pay rent on 1st", check: both(added("Pay rent"), dueAt("Pay rent", ny(12, 1, 23, 59)))},
	{kind: kDates, name: "first thing tomorrow", say: "add call dentist first thing tomorrow",
		check: both(added("Call dentist"), dueAt("Call dentist", ny(11, 26, 9, 0)))},
	{kind: kDates, name: "at sign", say: "add dentist appt on tues @ 4", check: dueAt("Dentist appt", ny(12, 1, 16, 0))},

	{kind: kDates, name: "same time on friday", seed: true, say: "reschedule the team meeting to the same time on friday",
		check: dueAt("Team meeting", ny(11, 27, 15, 0))},

	{kind: kOffTopic, name: "a search still lists", setup: dentist, say: "find tasks about the dentist",
		check: both(unchanged(), widgetRows(1))},

	// --- out of scope ----------------------------------------------------------
	{kind: kOffTopic, name: "weather", seed: true, say: "what's the weather like tomorrow?", reply: []string{"weather", "for example"},
		check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "maths", seed: true, say: "what is 15 * 7?", reply: []string{"maths", "for example"}, check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "joke", seed: true, say: "tell me a joke", reply: []string{"only manage"}, check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "who won", seed: true, say: "who won the game last night?", reply: []string{"only manage"},
		check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "news", seed: true, say: "what's the latest news?", reply: []string{"news"}, check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "percent", seed: true, say: "how much is 20% of 80", reply: []string{"maths"}, check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "time in tokyo", seed: true, say: "what time is it in Tokyo?", reply: []string{"only manage"},
		check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "rain", seed: true, say: "will it rain today?", reply: []string{"weather"}, check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "capital", seed: true, say: "what's the capital of France?", reply: []string{"only manage"},
		check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "poem", seed: true, say: "can you write me a poem?", reply: []string{"only manage"},
		check: both(unchanged(), noWidget())},
	{kind: kOffTopic, name: "due tomorrow still lists", seed: true, say: "what's due tomorrow?", check: widgetRows(1)},
	{kind: kOffTopic, name: "weather task still adds", say: "add check the weather forecast", check: added("Check the weather forecast")},

	{kind: kOffTopic, name: "something interesting", seed: true, say: "tell me something interesting", reply: []string{"only manage"},
		check: both(unchanged(), noWidget())},

	{kind: kOffTopic, name: "a to-do naming a podcast", say: "listen to the podcast tomorrow",
		reply: []string{"add “Listen to the podcast”"}, check: count(0)},
	{kind: kOffTopic, name: "bare sum", say: "2+2", reply: []string{"maths"}, check: count(0)},

	// --- other languages ---------------------------------------------------------
	{kind: kLanguage, name: "spanish add", seed: true, say: "añadir comprar leche mañana", reply: []string{"English", "Spanish", "for example"},
		check: unchanged()},
	{kind: kLanguage, name: "french add", seed: true, say: "ajoute acheter du pain demain", reply: []string{"English", "French"},
		check: unchanged()},
	{kind: kLanguage, name: "german add", seed: true, say: "füge Milch kaufen hinzu", reply: []string{"English", "German"},
		check: unchanged()},
	{kind: kLanguage, name: "japanese", seed: true, say: "買い物リストに牛乳を追加", reply: []string{"English"}, check: unchanged()},
	{kind: kLanguage, name: "russian", seed: true, say: "добавь задачу купить молоко", reply: []string{"English"}, check: unchanged()},
	{kind: kLanguage, name: "italian", seed: true, say: "aggiungi comprare il latte domani", reply: []string{"English", "Italian"},
		check: unchanged()},
	{kind: kLanguage, name: "portuguese", seed: true, say: "adicionar tarefa comprar pão amanhã", reply: []string{"English", "Portuguese"},
		check: unchanged()},
	{kind: kLanguage, name: "spanish list", seed: true, say: "mostrar mis tareas", reply: []string{"English"},
		check: both(unchanged(), noWidget())},
	{kind: kLanguage, name: "foreign greeting alone", say: "hola", reply: []string{"English", "Spanish"}, check: count(0)},
	{kind: kLanguage, name: "accents in english", say: "add café with Zoë", check: added("Café with Zoë")},
	{kind: kLanguage, name: "spanish food words in english", say: "add buy tortillas and salsa for taco night",
		check: added("Buy tortillas and salsa for taco night")},
}

// noWidget checks that the turn showed no task list.
func noWidget() check {
	return func(t *testing.T, h *harness) { assert.Empty(t, h.widgetsShown(), "no list shown") }
}

// TestEverydaySuite runs the everyday cases and logs the pass count per kind.
func TestEverydaySuite(t *testing.T) {
	require.GreaterOrEqual(t, len(everyday), 150)
	passed, total := map[string]int{}, map[string]int{}
	var kinds []string
	for _, tc := range everyday {
		if total[tc.kind] == 0 {
			kinds = append(kinds, tc.kind)
		}
		total[tc.kind]++
		ok := t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			loc := tc.loc
			if loc == nil {
				loc = nyc
			}
			h := newHarness(t, loc)
			if !tc.at.IsZero() {
				h.now = tc.at
			}
			if tc.seed {
				h.seed()
			}
			if tc.setup != nil {
				tc.setup(h)
			}
			for _, b := range tc.before {
				h.say(b)
			}
			h.snapshot = h.all()
			for _, task := range h.snapshot {
				h.baseline = max(h.baseline, task.ID)
			}
			got := h.say(tc.say)
			assert.NotEmpty(t, strings.TrimSpace(got), "always a reply")
			for _, w := range tc.reply {
				assert.Contains(t, strings.ToLower(got), strings.ToLower(w), "reply to %q", tc.say)
			}
			for _, w := range tc.notReply {
				assert.NotContains(t, strings.ToLower(got), strings.ToLower(w), "reply to %q", tc.say)
			}
			require.NotNil(t, tc.check, "every case checks the task list")
			tc.check(t, h)
		})
		if ok {
			passed[tc.kind]++
		}
	}
	var sum, all int
	var lines []string
	for _, k := range kinds {
		lines = append(lines, fmt.Sprintf("%-20s %3d/%d", k, passed[k], total[k]))
		sum += passed[k]
		all += total[k]
	}
	t.Logf("everyday suite by kind:\n%s\ntotal %d/%d", strings.Join(lines, "\n"), sum, all)
}
