//go:build faults

package reliability_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

// TestFaultAbuseParseFiller reproduces issue 11's finding 12 against the
// built binary over real sockets: one offline turn of a message made of one
// repeated filler word ("please please …") took time growing with the square
// of its length (12 s of CPU for 56 KB; a 1 MB message could hold a core for
// minutes), because the parser stripped the words one at a time, each time
// running a regexp over the whole rest.
//
// Fixed, every such turn completes with a reply, and the work the process
// does per byte of message stays flat: the CPU time (user + system, read
// from /proc) of turns of 256 KB messages is compared per byte with that of
// 4 KB turns in the same run, with a generous factor (quadratic growth is
// 64 times per byte between these sizes; the bound is 4). A 15 KB message,
// just under the parser's limit, goes through the whole parser.
// Before the fix the 15 KB turns alone took seconds each and the 256 KB
// ones minutes: the test fails on its request timeout.
func TestFaultAbuseParseFiller(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to read the process's CPU time")
	}
	dir := t.TempDir()
	p := startBinary(t, map[string]string{
		"DATABASE_URL":          "sqlite://" + filepath.Join(dir, "taskpilot.db"),
		"DATA_DIR":              dir,
		"STATIC_DIR":            filepath.Join(dir, "none"),
		"SESSION_SIGNING_KEY":   signingKey,
		"RATE_LIMIT_PER_MINUTE": "0",
		// The parser itself is under test: the message size cap (413 above
		// MAX_MESSAGE_CHARS, TestFaultAbuseSizes) is a second line, and the
		// turn limits would refuse this many turns in a row.
		"MAX_MESSAGE_CHARS":            "0",
		"CHAT_TURNS_PER_MINUTE":        "0",
		"CHAT_TURNS_PER_IP_PER_MINUTE": "0",
		"API_REQUESTS_PER_MINUTE":      "0",
	})
	pid := p.cmd.Process.Pid
	u := newUser(t, p.URL)

	fillers := []string{"please ", "thanks ", "hi ", "and ", "the ", "by "}
	turn := func(t *testing.T, text string) string {
		t.Helper()
		res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(text)})
		require.Equal(t, http.StatusOK, res.Status, "turn of %d bytes: %.200s", len(text), res.Body)
		require.True(t, completed(res), "turn of %d bytes answered: %v", len(text), res.Types())
		return assistantText(res.Events)
	}
	// cpu runs one turn per filler at size bytes and returns the process's
	// CPU ticks they took and the bytes sent.
	cpu := func(t *testing.T, size int, want string) (ticks, sent int) {
		t.Helper()
		before := cpuTicks(t, pid)
		for _, w := range fillers {
			text := strings.Repeat(w, size/len(w))
			reply := turn(t, text)
			if want != "" {
				assert.Contains(t, reply, want, "reply to %d bytes of %q", size, w)
			}
			sent += len(text)
		}
		return cpuTicks(t, pid) - before, sent
	}

	turn(t, "hi") // warm up: first-use costs (database, caches) out of the measurements

	// Just under the parser's limit: read in full.
	underTicks, _ := cpu(t, 15<<10, "")
	smallTicks, smallBytes := cpu(t, 4<<10, "")
	// Over the limit: answered without reading it.
	largeTicks, largeBytes := cpu(t, 256<<10, "too long")

	// Three ticks (30 ms at the usual 100 Hz) at least for the small turns:
	// they can take less than a tick each.
	floor := max(smallTicks, 3)
	budget := 4 * floor * largeBytes / smallBytes
	t.Logf("CPU ticks: %d for %d B (4 KB turns), %d for %d B (256 KB turns), %d for the 15 KB turns; budget %d",
		smallTicks, smallBytes, largeTicks, largeBytes, underTicks, budget)
	assert.LessOrEqual(t, largeTicks, budget, "CPU per byte of 256 KB turns within 4× that of 4 KB turns")
	// The 15 KB turns (parsed in full) cost no more per byte than that either.
	assert.LessOrEqual(t, underTicks, 4*floor*15/4, "CPU per byte of 15 KB turns within 4× that of 4 KB turns")

	// The process still answers ordinary turns.
	assert.Contains(t, turn(t, "add a task to buy milk tomorrow"), "Buy milk")
}

// cpuTicks returns the user plus system CPU time of process pid, in clock
// ticks, from /proc/<pid>/stat.
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields from 3 on follow the last ')'.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	require.Positive(t, i, "stat: %s", s)
	f := strings.Fields(s[i+1:])
	require.Greater(t, len(f), 12, "stat: %s", s)
	utime, err := strconv.Atoi(f[11]) // field 14
	require.NoError(t, err)
	stime, err := strconv.Atoi(f[12]) // field 15
	require.NoError(t, err)
	return utime + stime
}
