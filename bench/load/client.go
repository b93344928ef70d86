package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// Client speaks TaskPilotAI's API: it mints a session secret the way the
// front end does and sends ChatKit requests with it.
type Client struct {
	Base     string // e.g. http://127.0.0.1:8000
	ChatPath string // default /api/v1/chatkit
	// NoAuth skips the session endpoint (for peers that have none).
	NoAuth bool
	HTTP   *http.Client
	secret string
}

// NewHTTPClient returns an HTTP client sized for conc parallel connections,
// with its own cookie jar (one jar = one anonymous user).
func NewHTTPClient(conc int) *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Jar: jar}
}

// MintSecret calls POST /api/chatkit/sessions and keeps the secret.
func (c *Client) MintSecret(ctx context.Context) error {
	if c.NoAuth {
		return nil
	}
	var out struct {
		ClientSecret string `json:"client_secret"`
	}
	status, body, err := c.post(ctx, "/api/chatkit/sessions", []byte(`{}`), false)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("sessions: status %d: %s", status, truncate(body))
	}
	if err := json.Unmarshal(body, &out); err != nil || out.ClientSecret == "" {
		return fmt.Errorf("sessions: bad body %q", truncate(body))
	}
	c.secret = out.ClientSecret
	return nil
}

// Session is one mint: what the session scenario measures.
func (c *Client) Session(ctx context.Context) error {
	status, body, err := c.post(ctx, "/api/chatkit/sessions", []byte(`{}`), false)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("sessions: status %d: %s", status, truncate(body))
	}
	return nil
}

// JSON sends a non-streaming ChatKit request and decodes the answer.
func (c *Client) JSON(ctx context.Context, req any, out any) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	status, body, err := c.post(ctx, c.chatPath(), payload, true)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("chatkit: status %d: %s", status, truncate(body))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// StreamStats is what one SSE response measured.
type StreamStats struct {
	FirstEvent time.Duration // request sent → first event read
	Total      time.Duration // request sent → body end
	Events     int
	Bytes      int
	ThreadID   string // from thread.created, when present
}

// Stream sends a streaming ChatKit request and reads its events to the end.
// onOpen, when set, is called once the first event has arrived.
func (c *Client) Stream(ctx context.Context, req any, onOpen func()) (StreamStats, error) {
	var st StreamStats
	payload, err := json.Marshal(req)
	if err != nil {
		return st, fmt.Errorf("encode request: %w", err)
	}
	hreq, err := c.newRequest(ctx, c.chatPath(), payload, true)
	if err != nil {
		return st, err
	}
	start := time.Now()
	resp, err := c.HTTP.Do(hreq)
	if err != nil {
		return st, fmt.Errorf("chatkit stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return st, fmt.Errorf("chatkit stream: status %d: %s", resp.StatusCode, truncate(b))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return st, fmt.Errorf("chatkit stream: content type %q", ct)
	}
	r := bufio.NewReaderSize(resp.Body, 16<<10)
	for {
		line, err := r.ReadSlice('\n')
		st.Bytes += len(line)
		if bytes.HasPrefix(line, []byte("data: ")) {
			st.Events++
			if st.Events == 1 {
				st.FirstEvent = time.Since(start)
				if onOpen != nil {
					onOpen()
				}
				st.ThreadID = threadCreatedID(line[6:])
			}
			if bytes.Contains(line, []byte(`"type":"error"`)) {
				return st, fmt.Errorf("chatkit stream: error event %s", truncate(line))
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return st, fmt.Errorf("chatkit stream: read: %w", err)
		}
	}
	st.Total = time.Since(start)
	if st.Events == 0 {
		return st, errors.New("chatkit stream: no events")
	}
	return st, nil
}

func threadCreatedID(data []byte) string {
	if !bytes.Contains(data, []byte(`"thread.created"`)) {
		return ""
	}
	var ev struct {
		Thread struct {
			ID string `json:"id"`
		} `json:"thread"`
	}
	_ = json.Unmarshal(data, &ev)
	return ev.Thread.ID
}

func (c *Client) chatPath() string {
	if c.ChatPath == "" {
		return "/api/v1/chatkit"
	}
	return c.ChatPath
}

func (c *Client) newRequest(ctx context.Context, path string, payload []byte, authed bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+path, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authed && c.secret != "" {
		req.Header.Set("Authorization", "Bearer "+c.secret)
	}
	return req, nil
}

func (c *Client) post(ctx context.Context, path string, payload []byte, authed bool) (int, []byte, error) {
	req, err := c.newRequest(ctx, path, payload, authed)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: read: %w", path, err)
	}
	return resp.StatusCode, body, nil
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
