package reliability_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// TestShutdownEndsStreamsThatOutlastTheTimeoutCleanly is the in-process
// version of the SIGTERM test (the binary one is TestFaultSIGTERMDuringOpenStreams, -tags faults):
// streams from a model slower than SHUTDOWN_TIMEOUT end with a retryable
// error event shortly before the timeout, after saving what they had
// streamed, and the shutdown is clean.
func TestShutdownEndsStreamsThatOutlastTheTimeoutCleanly(t *testing.T) {
	const streams = 5
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "taskpilot.db")
	a := startOpenAIApp(t, config.APIStyleResponses, map[string]string{"SHUTDOWN_TIMEOUT": "2s", "DATABASE_URL": dbURL})
	// The first text delta arrives quickly, the rest never in time.
	a.proxy.SetDefault(reliability.Fault{StallAfter: firstDelta[config.APIStyleResponses]})
	for range streams {
		a.fake.Enqueue(fakeopenai.Reply("Partial ", "answer"))
	}
	u := newUser(t, a.URL)
	opened := make(chan struct{}, streams)
	results := make(chan streamResult, streams)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range streams {
		go openStream(ctx, u.chat(), "stream "+strconv.Itoa(i), opened, results)
	}
	for range streams {
		<-opened
	}
	eventually(t, 30*time.Second, func() bool { return a.proxy.Started() == streams }, "every turn reached the model")

	assert.NoError(t, a.Stop(), "clean shutdown")
	var threads []string
	for range streams {
		sr := <-results
		require.Equal(t, http.StatusOK, sr.status)
		assert.NoError(t, sr.readErr, "the stream ended, not the connection")
		assert.NoError(t, sr.parse)
		ev, ok := lastError(sr.res)
		if assert.True(t, ok, "ends with an error event: %v", sr.res.Types()) {
			assert.True(t, ev.AllowRetry)
			assert.Equal(t, chatkit.StoppingMessage, ev.Message)
		}
		threads = append(threads, threadID(t, sr.res))
	}

	// Restarted on the same database, each thread kept the user's message
	// and the part of the reply that was streamed.
	b := startApp(t, map[string]string{"DATABASE_URL": dbURL})
	u.base = b.URL
	for _, id := range threads {
		items := u.items(t, id)
		require.Equal(t, []string{"user_message", "assistant_message"}, itemTypes(items))
		assert.Equal(t, "Partial ", items[1].(*chatkit.AssistantMessageItem).Text())
	}
}
