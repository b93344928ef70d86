package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

// badRequest is one generated abusive request.
type badRequest struct {
	category string
	method   string
	path     string
	header   http.Header
	body     []byte
	// mayPass marks requests the API may legitimately accept (lenient
	// decoding ignores unknown fields); they still must not fail with 5xx.
	mayPass bool
}

// payloads are hostile strings that must be stored and returned as data.
var payloads = []string{
	`'); DROP TABLE tasks; --`,
	`" OR 1=1 --`,
	`1; DELETE FROM chat_items WHERE 1=1`,
	`<script>alert(document.cookie)</script>`,
	`<img src=x onerror=alert(1)>`,
	`{{7*7}} ${jndi:ldap://x/a} %s%s%n`,
	"null\x00byte",
	"😀 مرحبا \u202e reversed",
}

// corpus generates n bad requests from a fixed seed, cycling through
// every category so each is well represented.
func corpus(n int, secret string) []badRequest {
	rng := rand.New(rand.NewPCG(7, 11))
	bearer := func() http.Header {
		h := http.Header{"Authorization": {"Bearer " + secret}, "Content-Type": {"application/json"}}
		return h
	}
	str := func(k int) string {
		const alphabet = "abcXYZ019 \"\\{}[]:,<>'%\u00e9\u4e16"
		var b strings.Builder
		for range k {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	deep := func(depth int, open, close string) []byte {
		return []byte(strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth))
	}
	wrongValues := []any{nil, 42, -1.5, true, "text", []any{}, map[string]any{}, []any{1, "a", nil}, strings.Repeat("x", 5000)}
	wrong := func() any { return wrongValues[rng.IntN(len(wrongValues))] }
	chatTypes := []string{"threads.create", "threads.add_user_message", "threads.get_by_id", "items.list",
		"threads.update", "threads.delete", "threads.retry_after_item", "threads.custom_action", "items.feedback"}

	gens := []func() badRequest{
		// ChatKit endpoint.
		func() badRequest { // not JSON at all
			return badRequest{category: "chatkit: not JSON", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: []byte(str(1 + rng.IntN(200)))}
		},
		func() badRequest { // wrong types for type/params
			b, _ := json.Marshal(map[string]any{"type": wrong(), "params": wrong()})
			return badRequest{category: "chatkit: wrong types", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b}
		},
		func() badRequest { // a known type with wrong parameter types
			params := map[string]any{"thread_id": wrong(), "input": wrong(), "limit": wrong(), "order": wrong(), "item_id": wrong()}
			b, _ := json.Marshal(map[string]any{"type": chatTypes[rng.IntN(len(chatTypes))], "params": params})
			return badRequest{category: "chatkit: wrong param types", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b}
		},
		func() badRequest { // unknown request type
			b, _ := json.Marshal(map[string]any{"type": "threads." + str(8), "params": map[string]any{}})
			return badRequest{category: "chatkit: unknown type", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b}
		},
		func() badRequest { // foreign or made-up ids
			b, _ := json.Marshal(map[string]any{"type": chatTypes[rng.IntN(4)+1], "params": map[string]any{
				"thread_id": payloads[rng.IntN(len(payloads))], "input": chatkittest.Input("hi")}})
			return badRequest{category: "chatkit: unknown ids (SQL in id)", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b}
		},
		func() badRequest { // deep nesting
			d := 1000 + rng.IntN(100000)
			body := append([]byte(`{"type":"threads.create","params":{"input":`), deep(d, `{"a":`, `}`)...)
			body = append(body, "}}"...)
			if rng.IntN(2) == 0 {
				body = deep(d, "[", "]")
			}
			return badRequest{category: "chatkit: deep nesting", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: body}
		},
		func() badRequest { // invalid UTF-8
			b := []byte(`{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"`)
			b = append(b, 0xff, 0xfe, 0xc3, 0x28, 'a', 0xed, 0xa0, 0x80)
			b = append(b, `"}],"attachments":[],"inference_options":{}}}}`...)
			// encoding/json replaces invalid bytes with U+FFFD, so the turn
			// may run; the stored text must then be valid UTF-8.
			return badRequest{category: "chatkit: invalid UTF-8", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b, mayPass: true}
		},
		func() badRequest { // huge string
			b, _ := json.Marshal(map[string]any{"type": "threads.update", "params": map[string]any{
				"thread_id": "thr_" + strings.Repeat("9", 200000+rng.IntN(100000)), "title": "t"}})
			return badRequest{category: "chatkit: huge string", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b}
		},
		func() badRequest { // unknown fields and nulls (lenient: may pass)
			b, _ := json.Marshal(map[string]any{"type": "threads.list", "params": map[string]any{"limit": 5, str(6): wrong()}, str(5): nil, "metadata": nil})
			return badRequest{category: "chatkit: unknown fields", method: "POST", path: "/api/v1/chatkit", header: bearer(), body: b, mayPass: true}
		},
		func() badRequest { // wrong method
			methods := []string{"GET", "PUT", "DELETE", "PATCH"}
			return badRequest{category: "chatkit: wrong method", method: methods[rng.IntN(len(methods))], path: "/api/v1/chatkit", header: bearer()}
		},
		func() badRequest { // missing or garbled Authorization
			auths := []string{"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + str(40), "Bearer " + secret + "x",
				"bearer " + strings.ToUpper(secret), "Bearer " + secret[:len(secret)/2], "Bearer " + strings.Repeat("A", 12000)}
			h := http.Header{"Content-Type": {"application/json"}}
			if a := auths[rng.IntN(len(auths))]; a != "" {
				h.Set("Authorization", a)
			}
			paths := []string{"/api/v1/chatkit", "/api/v1/tasks", "/api/v1/tasks/1"}
			b, _ := json.Marshal(map[string]any{"type": "threads.list", "params": map[string]any{}})
			return badRequest{category: "garbled Authorization", method: "POST", path: paths[rng.IntN(len(paths))], header: h, body: b}
		},
		// Tasks REST.
		func() badRequest {
			fields := map[string]any{"title": wrong(), "description": wrong(), "due_at": wrong(), "priority": wrong(), "tags": wrong()}
			if rng.IntN(3) == 0 {
				fields[str(7)] = wrong() // unknown field
			}
			if rng.IntN(4) == 0 {
				fields["title"] = strings.Repeat("t", 10000+rng.IntN(50000))
			}
			if rng.IntN(5) == 0 {
				fields["due_at"] = "next " + str(5)
			}
			b, _ := json.Marshal(fields)
			return badRequest{category: "tasks: bad create", method: "POST", path: "/api/v1/tasks", header: bearer(), body: b}
		},
		func() badRequest {
			ids := []string{"abc", "-1", "0", "99999999999999999999999", "1%3BDROP%20TABLE%20tasks", "1.5", "%00", "999999"}
			methods := []string{"GET", "PATCH", "DELETE"}
			b, _ := json.Marshal(map[string]any{"status": wrong(), "title": wrong()})
			return badRequest{category: "tasks: bad id", method: methods[rng.IntN(len(methods))], path: "/api/v1/tasks/" + ids[rng.IntN(len(ids))], header: bearer(), body: b}
		},
		func() badRequest {
			qs := []string{"limit=abc", "limit=-5", "limit=100000", "due_before=yesterday", "due_after=" + str(5), "overdue=maybe", "status=" + str(4), "priority=urgent%27--"}
			return badRequest{category: "tasks: bad query", method: "GET", path: "/api/v1/tasks?" + qs[rng.IntN(len(qs))], header: bearer()}
		},
		func() badRequest {
			bodies := [][]byte{[]byte("not json"), []byte("[]"), []byte("null"), deep(5000, "[", "]"), {0xff, 0xfe}, []byte(`{"title":"a","title":`)}
			h := bearer()
			if rng.IntN(3) == 0 {
				h.Set("Content-Type", "text/plain")
			}
			return badRequest{category: "tasks: bad body", method: "POST", path: "/api/v1/tasks", header: h, body: bodies[rng.IntN(len(bodies))]}
		},
		// Session endpoint.
		func() badRequest {
			bodies := [][]byte{[]byte("{"), []byte(`{"existing":5}`), []byte(`{"existing":"` + str(30) + `"}`), []byte(`[1,2]`),
				deep(3000, `{"a":`, `}`), {0xc3, 0x28}, []byte(`{"existing":"` + secret + `"}`)}
			i := rng.IntN(len(bodies))
			return badRequest{category: "sessions: bad body", method: "POST", path: "/api/chatkit/sessions",
				header: http.Header{"Content-Type": {"application/json"}, "Cookie": {auth.CookieUserID + "=" + str(10)}}, body: bodies[i],
				// Deep but valid JSON with unknown fields is ignored (lenient).
				mayPass: i == 4}
		},
		func() badRequest {
			methods := []string{"GET", "PUT", "DELETE"}
			return badRequest{category: "sessions: wrong method", method: methods[rng.IntN(len(methods))], path: "/api/chatkit/sessions"}
		},
	}
	out := make([]badRequest, n)
	for i := range out {
		out[i] = gens[i%len(gens)]()
	}
	return out
}

// TestAbuse sends 10,000 generated bad requests to the ChatKit, tasks and
// session endpoints: none gets a 5xx, every rejection is a 4xx with the
// stable JSON error shape, and afterwards the server is healthy and serves
// a normal turn.
func TestAbuse(t *testing.T) {
	a := startApp(t, map[string]string{"RATE_LIMIT_PER_MINUTE": "0"})
	u := newUser(t, a.URL)
	reqs := corpus(10000, u.Secret)

	type tally struct{ total, rejected, passed int }
	var mu sync.Mutex
	byCategory := map[string]*tally{}
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	work := make(chan badRequest)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				status, ctype, body, err := send(client, a.URL, r)
				mu.Lock()
				tl := byCategory[r.category]
				if tl == nil {
					tl = &tally{}
					byCategory[r.category] = tl
				}
				tl.total++
				if status >= 400 {
					tl.rejected++
				} else {
					tl.passed++
				}
				mu.Unlock()
				switch {
				case err != nil:
					fail("%s %s (%s): %v", r.method, r.path, r.category, err)
				case status >= 500:
					fail("%s %s (%s): %d %s", r.method, r.path, r.category, status, body)
				case status < 400 && !r.mayPass:
					fail("%s %s (%s): accepted with %d: %.200s", r.method, r.path, r.category, status, body)
				case status < 400 && !utf8.Valid(body):
					fail("%s %s (%s): accepted, and the answer is not valid UTF-8: %q", r.method, r.path, r.category, body)
				case status >= 400:
					if msg := checkErrorShape(ctype, body); msg != "" {
						fail("%s %s (%s): %d: %s: %.200s", r.method, r.path, r.category, status, msg, body)
					}
				}
			}
		}()
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()
	cats := make([]string, 0, len(byCategory))
	for cat := range byCategory {
		cats = append(cats, cat)
	}
	sort.Strings(cats)
	for _, cat := range cats {
		tl := byCategory[cat]
		t.Logf("%-36s %5d requests, %5d rejected (4xx), %4d accepted", cat, tl.total, tl.rejected, tl.passed)
	}
	assert.Empty(t, failures)

	// Still healthy: probes, and a normal turn end to end.
	status, err := get(a.URL + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	status, err = get(a.URL + "/readyz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to renew my passport")})
	require.Equal(t, http.StatusOK, res.Status)
	assert.True(t, completed(res), "a normal turn works: %v", res.Types())
	assert.NotRegexp(t, `taskpilot_http_requests_total\{[^}]*status="5\d\d"[^}]*\} [1-9]`, metrics(t, a.URL), "no 5xx was served")
}

func send(c *http.Client, base string, r badRequest) (int, string, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return 0, "", nil, err
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, err
}

// checkErrorShape returns what is wrong with an error response, or "".
func checkErrorShape(ctype string, body []byte) string {
	if !strings.HasPrefix(ctype, "application/json") {
		return "content type " + ctype
	}
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return "not JSON: " + err.Error()
	}
	if e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		return `not {"error":{"code","message"}}`
	}
	return ""
}
