package openaiagent

import (
	"encoding/json"
	"strings"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// The conversation the model sees, independent of the API style: the
// thread's stored items turned into messages and tool exchanges, plus what
// happened so far in this turn. Each style converts it to its own input
// format (responses.go, chat.go).

type entryKind int

const (
	entryUser entryKind = iota
	entryAssistant
	// entrySystem is context the model should know but the user never saw
	// (the cancellation note, other hidden context).
	entrySystem
	// entryTools is one model step's function calls with their outputs.
	entryTools
)

type entry struct {
	kind  entryKind
	text  string
	calls []toolExchange
}

// toolExchange is one function call and the output it got.
type toolExchange struct {
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Output    string `json:"output"`
}

// toolRecordKind marks the hidden_context_item content this agent stores
// after running tools, so the next turn's model sees what it did.
const toolRecordKind = "taskpilot.tool_calls"

// toolRecord is that content: {"kind":"taskpilot.tool_calls","calls":[…]}.
type toolRecord struct {
	Kind  string         `json:"kind"`
	Calls []toolExchange `json:"calls"`
}

// historyFromItems converts stored items (oldest first) into entries.
// Widgets, workflows and other display-only items are skipped: what they
// showed is already in the tool outputs.
func historyFromItems(items []chatkit.Item) []entry {
	var out []entry
	for _, it := range items {
		switch v := it.(type) {
		case *chatkit.UserMessageItem:
			text := userText(v)
			if text != "" {
				out = append(out, entry{kind: entryUser, text: text})
			}
		case *chatkit.AssistantMessageItem:
			if text := v.Text(); text != "" {
				out = append(out, entry{kind: entryAssistant, text: text})
			}
		case *chatkit.SDKHiddenContextItem:
			if v.Content != "" {
				out = append(out, entry{kind: entrySystem, text: v.Content})
			}
		case *chatkit.HiddenContextItem:
			var rec struct {
				toolRecord
				Type string `json:"type"`
			}
			if json.Unmarshal(v.Content, &rec) == nil {
				if rec.Kind == toolRecordKind {
					if len(rec.Calls) > 0 {
						out = append(out, entry{kind: entryTools, calls: rec.Calls})
					}
					continue
				}
				// Other taskpilot.* records (change and undo records, the
				// offline agent's pending questions) are bookkeeping whose
				// effect the model already sees in tool outputs and replies.
				if strings.HasPrefix(rec.Kind, "taskpilot.") || strings.HasPrefix(rec.Type, "taskpilot.") {
					continue
				}
			}
			var s string
			if json.Unmarshal(v.Content, &s) != nil {
				s = string(v.Content)
			}
			if s = strings.TrimSpace(s); s != "" && s != "null" {
				out = append(out, entry{kind: entrySystem, text: s})
			}
		}
	}
	return out
}

// userText is what the model reads of a user message: the quoted text the
// user replied to, the message, and the names of attachments.
func userText(m *chatkit.UserMessageItem) string {
	var b strings.Builder
	if m.QuotedText != "" {
		for _, line := range strings.Split(m.QuotedText, "\n") {
			b.WriteString("> ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.Text())
	for _, a := range m.Attachments {
		b.WriteString("\n[attachment: ")
		b.WriteString(a.Name)
		b.WriteString("]")
	}
	return strings.TrimSpace(b.String())
}
