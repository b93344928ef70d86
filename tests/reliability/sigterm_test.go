//go:build faults

package reliability_test

import (
	"context"

	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// TestFaultSIGTERMDuringOpenStreams sends SIGTERM to the real binary while 50
// turns are streaming from a slow model. /readyz turns 503 during the drain
// delay; afterwards new connections are refused; every stream either
// completes or ends with a clean error event (no stream is cut without its
// final event); the process exits 0 within the shutdown timeout; and after
// a restart on the same SQLite file every thread holds its user message,
// with the full reply for every stream that completed.
func TestFaultSIGTERMDuringOpenStreams(t *testing.T) {
	t.Parallel()
	const streams = 50
	cases := []struct {
		name            string
		delay           time.Duration // per upstream SSE event
		shutdownTimeout time.Duration
		wantCompleted   bool
	}{
		// ~10 events × 300ms: every stream finishes inside the timeout.
		{name: "streams finish within the shutdown timeout", delay: 300 * time.Millisecond, shutdownTimeout: 30 * time.Second, wantCompleted: true},
		// ~10 events × 10s: the streams outlast the timeout.
		{name: "streams outlast the shutdown timeout", delay: 10 * time.Second, shutdownTimeout: 4 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeopenai.New(t, openAIKey)
			proxy := reliability.NewSlowUpstream(fake.URL)
			t.Cleanup(proxy.Close)
			proxy.SetDefault(reliability.Fault{Delay: tc.delay})
			for range streams {
				fake.Enqueue(fakeopenai.Reply("Here ", "is ", "the ", "answer."))
			}
			dir := t.TempDir()
			env := map[string]string{
				"DATABASE_URL":                 "sqlite://" + filepath.Join(dir, "taskpilot.db"),
				"DATA_DIR":                     dir,
				"STATIC_DIR":                   filepath.Join(dir, "none"),
				"SESSION_SIGNING_KEY":          signingKey,
				"OPENAI_API_KEY":               openAIKey,
				"OPENAI_BASE_URL":              proxy.URL,
				"OPENAI_API_STYLE":             config.APIStyleChatCompletions,
				"RATE_LIMIT_PER_MINUTE":        "0",
				"CHAT_TURNS_PER_MINUTE":        "0",
				"CHAT_STREAMS_PER_USER":        "0",
				"CHAT_TURNS_PER_IP_PER_MINUTE": "0",
				"API_REQUESTS_PER_MINUTE":      "0",
				"SHUTDOWN_DRAIN_DELAY":         "1s",
				"SHUTDOWN_TIMEOUT":             tc.shutdownTimeout.String(),
			}
			p := startBinary(t, env)
			u := newUser(t, p.URL)
			c := u.chat()
			c.HTTP = &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: streams}}

			opened := make(chan struct{}, streams)
			results := make(chan streamResult, streams)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			for i := range streams {
				go openStream(ctx, c, "stream "+strconv.Itoa(i), opened, results)
			}
			for range streams {
				<-opened
			}
			eventually(t, 60*time.Second, func() bool { return proxy.Started() == streams },
				"every turn is waiting on the model")

			var probes sync.WaitGroup
			var sawNotReady, sawRefused bool
			var acceptedAfterDrain []int
			stopProbing := make(chan struct{})
			probes.Add(1)
			go func() {
				defer probes.Done()
				sigterm := time.Now()
				for {
					select {
					case <-stopProbing:
						return
					case <-time.After(50 * time.Millisecond):
					}
					status, err := get(p.URL + "/readyz")
					if status == http.StatusServiceUnavailable {
						sawNotReady = true
					}
					if err != nil {
						sawRefused = true
					}
					// After the drain delay (and a margin), nothing new may
					// be accepted.
					if time.Since(sigterm) > 1500*time.Millisecond && err == nil && status != http.StatusServiceUnavailable {
						acceptedAfterDrain = append(acceptedAfterDrain, status)
					}
				}
			}()
			took, err := p.signal(t, syscall.SIGTERM, tc.shutdownTimeout+30*time.Second)
			close(stopProbing)
			probes.Wait()
			assert.NoError(t, err, "exit status 0 after SIGTERM; stderr:\n%s", p.stderr.String())
			assert.Less(t, took, 1*time.Second+tc.shutdownTimeout+5*time.Second, "exits within drain + shutdown timeout")
			assert.True(t, sawNotReady, "/readyz answers 503 while draining")
			assert.True(t, sawRefused, "new connections are refused once the server stopped accepting")
			assert.Empty(t, acceptedAfterDrain, "no request accepted after the drain delay")

			var done, failed int
			threads := map[string]bool{}
			for range streams {
				sr := <-results
				require.Equal(t, http.StatusOK, sr.status, "stream status (read error %v)", sr.readErr)
				assert.NoError(t, sr.parse, "SSE framing intact")
				res := sr.res
				id := threadID(t, res)
				switch {
				case completed(res):
					done++
					threads[id] = true
					assert.Equal(t, "Here is the answer.", assistantText(res.Events))
				default:
					ev, ok := lastError(res)
					if assert.True(t, ok, "a stream that did not complete ends with an error event: %v (read error %v)", res.Types(), sr.readErr) {
						failed++
						assert.True(t, ev.AllowRetry, "the error is retryable")
					}
					threads[id] = false
				}
			}
			t.Logf("%d streams completed, %d ended with an error event, exit after %s", done, failed, took.Round(time.Millisecond))
			if tc.wantCompleted {
				assert.Equal(t, streams, done, "every stream completed")
			} else {
				assert.Equal(t, streams, failed, "every stream ended with an error event")
			}

			// Restart on the same database: every acknowledged reply is there.
			p2 := startBinary(t, env)
			u.base = p2.URL
			for id, complete := range threads {
				items := u.items(t, id)
				require.NotEmpty(t, items, "thread %s", id)
				assert.Equal(t, "user_message", items[0].ItemType())
				if complete {
					require.Equal(t, []string{"user_message", "assistant_message"}, itemTypes(items))
					assert.Equal(t, "Here is the answer.", items[1].(*chatkit.AssistantMessageItem).Text())
				}
			}
		})
	}
}
