package offline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/taskpilotai/taskpilot/pkg/agent/offline"
)

var oddInputs = []string{
	"", " ", "...", "?!", "🙂", "do the thing", "asdf qwer zxcv", "task", "task 0", "task -1", "#0",
	"mark task 99999999999999999999 as done", "delete task 3; DROP TABLE tasks;--", "add ''", "add \"\"",
	"add #", "add #work", "rename task 1 to", "move task 1 to", "set task 1 to", "undo undo undo",
	"add " + strings.Repeat("very long title ", 40), "show me tasks tagged #", "mark the 11th one as done",
	"delete the", "complete it", "the first one", "yes", "no", "tag task 1 with ###", "remind me to",
	"add a task to call mom at 25pm", "ℌ𝔢𝔩𝔩𝔬", "添加任务", "\x00\x01", "add\ttask\nto buy\r\nmilk",
	// issue 14's forms at their edges
	"#0 ✓", "done: 0", "x 99999999999", "complete tasks 0-99999", "delete tasks 3-2", "add ,,,", "add - \n- \n-",
	"\n\n- \n", "add !!!", "urgent:", "p1", "add p1", "undo undo", "delete both", "complete the last 99",
	"delete everything", "yes", "add a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z",
	"-" + strings.Repeat("\n- x", 30), "the first and the", "and and and", "hi! thanks!", "scratch that",
	"no longer need to", "add 'a' and 'b'", "tmrw", "add tmrw", "move task 1 back 999 weeks", "push it back an hour",
}

// TestOddInputsNeverFail: whatever the user types, the agent answers with
// text and no error, and the tool arguments it sends are valid.
func TestOddInputsNeverFail(t *testing.T) {
	h := newHarness(t, nyc)
	h.seed()
	for _, in := range oddInputs {
		reply := h.say(in)
		assert.NotEmpty(t, strings.TrimSpace(reply), "reply to %q", in)
		for _, c := range h.tools.take() {
			assert.NotEqual(t, "invalid_argument", c.Res.Code, "%q sent bad %s arguments %v: %s", in, c.Name, c.Args, c.Res.Error)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range suite {
		f.Add(tc.say)
	}
	for _, in := range oddInputs {
		f.Add(in)
	}
	for _, tc := range everyday {
		f.Add(tc.say)
	}
	p := offline.NewParser()
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		in := p.Parse(s, at, nyc)
		if in.Fields.Due != nil && in.Fields.Due.Location() != time.UTC {
			t.Fatalf("due not in UTC: %v", in.Fields.Due)
		}
		if in.Kind == offline.KindAdd && in.Fields.Title != nil && strings.TrimSpace(*in.Fields.Title) == "" {
			t.Fatalf("empty title from %q", s)
		}
	})
}
