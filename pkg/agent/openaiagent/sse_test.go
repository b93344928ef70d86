package openaiagent

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkedReader returns its input in reads of the given sizes (cycled), so
// lines and events are split at every possible place.
type chunkedReader struct {
	data   []byte
	sizes  []int
	i      int
	closed bool
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := r.sizes[r.i%len(r.sizes)]
	r.i++
	n = min(n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func (r *chunkedReader) Close() error { r.closed = true; return nil }

// ours reads every event's data with eventStream.
func ours(t *testing.T, input []byte, sizes []int) ([]string, error) {
	t.Helper()
	s := newEventStream(&chunkedReader{data: input, sizes: sizes})
	var got []string
	for {
		data, err := s.next()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, string(data))
	}
}

// theirs reads every event's data with openai-go's decoder, stopping at
// [DONE] as its Stream does. Its data keeps a \n after every line.
func theirs(input []byte) []string {
	res := &http.Response{Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(bytes.NewReader(input))}
	d := ssestream.NewDecoder(res)
	var got []string
	for d.Next() {
		data := d.Event().Data
		if bytes.HasPrefix(data, []byte("[DONE]")) {
			break
		}
		got = append(got, strings.TrimSuffix(string(data), "\n"))
	}
	return got
}

func TestEventStreamFraming(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []string
	}{
		{"bare data events", "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n", []string{`{"a":1}`, `{"b":2}`}},
		{"event names and ids are ignored", "event: response.created\nid: 7\ndata: {\"a\":1}\n\n", []string{`{"a":1}`}},
		{"CRLF line endings", "data: {\"a\":1}\r\n\r\ndata: x\r\n\r\n", []string{`{"a":1}`, "x"}},
		{"comments and keep-alives", ": keep-alive\n\n: hi\ndata: x\n\n", []string{"x"}},
		{"no space after the colon", "data:x\n\n", []string{"x"}},
		{"multi-line data is joined with newlines", "data: a\ndata: b\ndata: c\n\n", []string{"a\nb\nc"}},
		{"empty data line", "data\n\ndata: x\n\n", []string{"", "x"}},
		{"blank lines without data dispatch nothing", "\n\n\ndata: x\n\n\n", []string{"x"}},
		{"done ends the stream", "data: x\n\ndata: [DONE]\n\ndata: y\n\n", []string{"x"}},
		{"an event cut by the end of the body is dropped", "data: x\n\ndata: {\"partial", []string{"x"}},
		{"an event without its blank line is dropped", "data: x\n\ndata: y\n", []string{"x"}},
		{"an unterminated last line still counts", "data: x\n\r", []string{"x"}},
		{"empty body", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, sizes := range [][]int{{1 << 20}, {1}, {2, 3, 5}, {7}, {1023, 1}} {
				got, err := ours(t, []byte(tc.input), sizes)
				require.NoError(t, err)
				assert.Equal(t, tc.want, got, "reads of %v", sizes)
			}
			assert.Equal(t, tc.want, theirs([]byte(tc.input)), "openai-go's decoder agrees")
		})
	}
}

func TestEventStreamLongLines(t *testing.T) {
	big := strings.Repeat("x", 5*eventBufSize+3)
	input := "data: " + big + "\n\ndata: small\n\ndata: " + big + "\ndata: " + big + "\n\n"
	for _, sizes := range [][]int{{1 << 20}, {100}, {eventBufSize}, {eventBufSize - 1}} {
		got, err := ours(t, []byte(input), sizes)
		require.NoError(t, err)
		assert.Equal(t, []string{big, "small", big + "\n" + big}, got, "reads of %v", sizes)
	}
}

func TestEventStreamShrinksAfterALongEvent(t *testing.T) {
	big := strings.Repeat("x", 8*eventBufSize)
	s := newEventStream(&chunkedReader{data: []byte("data: " + big + "\n\ndata: a\n\ndata: b\n\n"), sizes: []int{1 << 20}})
	data, err := s.next()
	require.NoError(t, err)
	assert.Len(t, data, len(big))
	for _, want := range []string{"a", "b"} {
		data, err := s.next()
		require.NoError(t, err)
		assert.Equal(t, want, string(data))
	}
	_, err = s.next()
	require.ErrorIs(t, err, io.EOF)
	assert.LessOrEqual(t, cap(s.buf), eventBufSize, "the grown buffer is not kept once drained")
}

func TestEventStreamReadError(t *testing.T) {
	boom := errors.New("connection reset")
	body := io.NopCloser(io.MultiReader(strings.NewReader("data: x\n\ndata: y"), errReader{boom}))
	s := newEventStream(body)
	data, err := s.next()
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
	_, err = s.next()
	require.ErrorIs(t, err, boom)
	_, err = s.next()
	require.ErrorIs(t, err, boom, "the error sticks")
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestErrorEvent(t *testing.T) {
	cases := []struct {
		data     string
		wantCode string
		wantOK   bool
	}{
		{`{"error":{"message":"boom","type":"server_error","code":"rate_limit_exceeded"}}`, "rate_limit_exceeded", true},
		{`{"error":{"message":"boom","type":"server_error"}}`, "server_error", true},
		{`{"error":{"code":429}}`, "", true},
		{`{"error":"boom"}`, "", true},
		{`{"type":"error","code":"x","message":"boom"}`, "", false}, // the Responses error event is decoded as an event
		{`{"choices":[{"delta":{"content":"\"error\""}}]}`, "", false},
		{`{"choices":[{"delta":{"content":"error"}}]}`, "", false},
		{`not json "error"`, "", false},
	}
	for _, tc := range cases {
		code, ok := errorEvent([]byte(tc.data))
		assert.Equal(t, tc.wantOK, ok, tc.data)
		assert.Equal(t, tc.wantCode, code, tc.data)
	}
}

// FuzzEventStream checks eventStream against openai-go's decoder on any
// input and any split of it into reads.
func FuzzEventStream(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\nevent: e\ndata: b\ndata: c\n\n: c\n\ndata: [DONE]\n\n"), uint8(3))
	f.Add([]byte("data:x\r\n\r\ndata\n\n\n\ndata: y"), uint8(1))
	f.Fuzz(func(t *testing.T, input []byte, chunk uint8) {
		got, err := ours(t, input, []int{int(chunk%64) + 1, 1 << 20})
		require.NoError(t, err)
		want := theirs(input)
		if len(want) == 0 {
			want = nil
		}
		assert.Equal(t, want, got)
	})
}
