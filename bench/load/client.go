package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client speaks TaskPilotAI's API over one keep-alive connection: it mints a
// session secret the way the front end does and sends ChatKit requests with
// it. It keeps the cookies the server sets (one Client = one anonymous
// user). A Client is used by one goroutine at a time; Clone gives another
// connection for the same user.
type Client struct {
	Base     string // e.g. http://127.0.0.1:8000 (plain HTTP only)
	ChatPath string // default /api/v1/chatkit
	// NoAuth skips the session endpoint (for peers that have none).
	NoAuth bool

	secret  string
	cookies []cookie
	cookie  string // the Cookie header's value

	host, addr string
	mu         sync.Mutex // guards cn, cancelled and gen against interrupt
	cn         *conn
	gen        uint64        // of the watched context
	wbuf       []byte        // the request being written
	body       []byte        // the last JSON answer
	events     *bufio.Reader // SSE lines over cn
	watched    context.Context
	stopWatch  func() bool
	cancelled  bool
}

type cookie struct{ name, value string }

// Clone returns a client for the same target and user (secret and cookies)
// with a connection of its own.
func (c *Client) Clone() *Client {
	return &Client{Base: c.Base, ChatPath: c.ChatPath, NoAuth: c.NoAuth, secret: c.secret,
		cookies: append([]cookie(nil), c.cookies...), cookie: c.cookie}
}

// Close stops watching the last context and closes the connection.
func (c *Client) Close() {
	if c.stopWatch != nil {
		c.stopWatch()
		c.stopWatch, c.watched = nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cn != nil {
		_ = c.cn.nc.Close()
		c.cn = nil
	}
}

// MintSecret calls POST /api/chatkit/sessions and keeps the secret.
func (c *Client) MintSecret(ctx context.Context) error {
	if c.NoAuth {
		return nil
	}
	body, err := c.post(ctx, "/api/chatkit/sessions", []byte(`{}`), false)
	if err != nil {
		return err
	}
	var out struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.ClientSecret == "" {
		return fmt.Errorf("sessions: bad body %q", truncate(body))
	}
	c.secret = out.ClientSecret
	return nil
}

// Session is one mint: what the session scenario measures.
func (c *Client) Session(ctx context.Context) error {
	_, err := c.post(ctx, "/api/chatkit/sessions", []byte(`{}`), false)
	return err
}

// JSON sends a non-streaming ChatKit request and decodes the answer into out
// (when not nil).
func (c *Client) JSON(ctx context.Context, req any, out any) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	body, err := c.Raw(ctx, payload)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// Raw sends an encoded non-streaming ChatKit request and returns the answer's
// body, valid until the client's next request.
func (c *Client) Raw(ctx context.Context, payload []byte) ([]byte, error) {
	return c.post(ctx, c.chatPath(), payload, true)
}

// StreamStats is what one SSE response measured.
type StreamStats struct {
	FirstEvent time.Duration // start → first event read
	Total      time.Duration // start → body end
	Events     int
	Bytes      int
	ThreadID   string // from thread.created, when StreamOptions.ThreadID asked for it
}

// StreamOptions tune one Stream call.
type StreamOptions struct {
	// Start is what the latencies are measured from: an open-loop run passes
	// the request's intended start; zero means when the request is sent.
	Start time.Time
	// OnOpen, when set, is called once the first event has arrived.
	OnOpen func()
	// ThreadID asks for the id in thread.created.
	ThreadID bool
}

var (
	dataPrefix = []byte("data: ")
	errorEvent = []byte(`"type":"error"`)
)

// Stream sends an encoded streaming ChatKit request and reads its events to
// the end.
func (c *Client) Stream(ctx context.Context, payload []byte, so StreamOptions) (StreamStats, error) {
	var st StreamStats
	start := so.Start
	if start.IsZero() {
		start = time.Now()
	}
	cn, err := c.roundTrip(ctx, c.chatPath(), payload, true)
	if err != nil {
		return st, fmt.Errorf("chatkit stream: %w", err)
	}
	if cn.status != 200 {
		b, _ := c.readBody(ctx, cn, 512)
		return st, fmt.Errorf("chatkit stream: status %d: %s", cn.status, truncate(b))
	}
	if !cn.sse {
		c.drop(cn)
		return st, errors.New("chatkit stream: content type is not text/event-stream")
	}
	if c.events == nil {
		c.events = bufio.NewReaderSize(cn, 8<<10)
	} else {
		c.events.Reset(cn)
	}
	midLine := false
	for {
		line, err := c.events.ReadSlice('\n')
		st.Bytes += len(line)
		if !midLine && bytes.HasPrefix(line, dataPrefix) {
			st.Events++
			if st.Events == 1 {
				st.FirstEvent = time.Since(start)
				if so.OnOpen != nil {
					so.OnOpen()
				}
				if so.ThreadID {
					st.ThreadID = threadCreatedID(line[len(dataPrefix):])
				}
			}
			if bytes.Contains(line, errorEvent) {
				c.drop(cn)
				return st, fmt.Errorf("chatkit stream: error event %s", truncate(line))
			}
		}
		midLine = errors.Is(err, bufio.ErrBufferFull)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !midLine {
			c.drop(cn)
			return st, fmt.Errorf("chatkit stream: read: %w", c.ctxErr(ctx, err))
		}
	}
	st.Total = time.Since(start)
	c.release(cn)
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

// post sends one request and returns its 200 answer's body (valid until the
// next request).
func (c *Client) post(ctx context.Context, path string, payload []byte, authed bool) ([]byte, error) {
	cn, err := c.roundTrip(ctx, path, payload, authed)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	body, err := c.readBody(ctx, cn, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("POST %s: read: %w", path, err)
	}
	if cn.status != 200 {
		return nil, fmt.Errorf("POST %s: status %d: %s", path, cn.status, truncate(body))
	}
	return body, nil
}

// readBody reads the current response's body (at most limit bytes; the
// connection is dropped when more is left) into the client's buffer.
func (c *Client) readBody(ctx context.Context, cn *conn, limit int) ([]byte, error) {
	c.body = c.body[:0]
	for len(c.body) < limit {
		if len(c.body) == cap(c.body) {
			c.body = append(c.body, 0)[:len(c.body)]
		}
		n, err := cn.Read(c.body[len(c.body):min(cap(c.body), limit)])
		c.body = c.body[:len(c.body)+n]
		if errors.Is(err, io.EOF) {
			c.release(cn)
			return c.body, nil
		}
		if err != nil {
			c.drop(cn)
			return c.body, c.ctxErr(ctx, err)
		}
	}
	c.drop(cn)
	return c.body, nil
}

// roundTrip writes one request and reads the response's header, on the kept
// connection or a new one. A kept connection that the server had closed is
// replaced once (nothing of the response had arrived, so the server never
// saw the request).
func (c *Client) roundTrip(ctx context.Context, path string, payload []byte, authed bool) (*conn, error) {
	if err := c.watch(ctx); err != nil {
		return nil, err
	}
	if c.addr == "" {
		if err := c.parseBase(); err != nil {
			return nil, err
		}
	}
	c.wbuf = c.appendRequest(c.wbuf[:0], path, payload, authed)
	for attempt := 0; ; attempt++ {
		cn, err := c.connect(ctx)
		if err != nil {
			return nil, c.ctxErr(ctx, err)
		}
		reused := cn.served > 0
		if _, err = cn.nc.Write(c.wbuf); err == nil {
			err = cn.readHeader(c.setCookie)
		}
		if err == nil {
			return cn, nil
		}
		c.drop(cn)
		if !reused || attempt > 0 || !staleConn(err) || ctx.Err() != nil {
			return nil, c.ctxErr(ctx, err)
		}
	}
}

func (c *Client) connect(ctx context.Context) (*conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled {
		return nil, context.Canceled
	}
	if c.cn != nil {
		return c.cn, nil
	}
	cn, err := dial(ctx, c.addr)
	if err != nil {
		return nil, err
	}
	c.cn = cn
	return cn, nil
}

// release keeps the connection for the next request when the response
// allows it.
func (c *Client) release(cn *conn) {
	if !cn.reusable() {
		c.drop(cn)
	}
}

// drop closes the connection (its state is unknown after an error).
func (c *Client) drop(cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = cn.nc.Close()
	if c.cn == cn {
		c.cn = nil
	}
}

// watch makes ctx's end interrupt the connection: a blocked read or write
// returns at once. The watch is set up once per context, so a worker that
// sends thousands of requests under one context pays for it once.
func (c *Client) watch(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx == c.watched {
		return nil
	}
	if c.stopWatch != nil {
		c.stopWatch()
		c.stopWatch = nil
	}
	c.mu.Lock()
	if c.cancelled && c.cn != nil {
		// The last context's end left a deadline in the past on it.
		_ = c.cn.nc.Close()
		c.cn = nil
	}
	c.cancelled = false
	// An earlier context's interrupt may still be on its way (AfterFunc
	// runs it on a goroutine of its own); the generation makes it a no-op.
	c.gen++
	gen := c.gen
	c.mu.Unlock()
	c.watched = ctx
	if ctx.Done() != nil {
		c.stopWatch = context.AfterFunc(ctx, func() { c.interrupt(gen) })
	}
	return nil
}

func (c *Client) interrupt(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.cancelled = true
	if c.cn != nil {
		_ = c.cn.nc.SetDeadline(time.Unix(1, 0))
	}
}

// ctxErr prefers the context's error when it ended the request.
func (c *Client) ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

func (c *Client) parseBase() error {
	u, err := url.Parse(c.Base)
	if err != nil {
		return fmt.Errorf("target %q: %w", c.Base, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("target %q: want http://host:port", c.Base)
	}
	c.host, c.addr = u.Host, u.Host
	if u.Port() == "" {
		c.addr += ":80"
	}
	return nil
}

func (c *Client) appendRequest(b []byte, path string, payload []byte, authed bool) []byte {
	b = append(b, "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	if authed && c.secret != "" {
		b = append(b, "\r\nAuthorization: Bearer "...)
		b = append(b, c.secret...)
	}
	if c.cookie != "" {
		b = append(b, "\r\nCookie: "...)
		b = append(b, c.cookie...)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, payload...)
}

// setCookie keeps a Set-Cookie's name=value for the next requests (no
// attributes: every cookie goes back to the one target).
func (c *Client) setCookie(v []byte) {
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	eq := bytes.IndexByte(v, '=')
	if eq <= 0 {
		return
	}
	name, value := bytes.TrimSpace(v[:eq]), bytes.TrimSpace(v[eq+1:])
	for i := range c.cookies {
		if c.cookies[i].name == string(name) {
			if c.cookies[i].value == string(value) {
				return
			}
			c.cookies[i].value = string(value)
			c.joinCookies()
			return
		}
	}
	c.cookies = append(c.cookies, cookie{string(name), string(value)})
	c.joinCookies()
}

func (c *Client) joinCookies() {
	parts := make([]string, len(c.cookies))
	for i, k := range c.cookies {
		parts[i] = k.name + "=" + k.value
	}
	c.cookie = strings.Join(parts, "; ")
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
