package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection to the target: the load tool's
// own lean client. A request is written in one call from a reused buffer and
// the response is parsed in place (status line, the few headers the tool
// needs, a Content-Length, chunked or read-to-close body), so a request on a
// warm connection allocates nothing. net/http's client spends several times
// the CPU per request (two goroutines per connection, header maps, the
// cookie jar), CPU taken from the server under test on a shared host.
//
// A conn is used by one goroutine at a time.
type conn struct {
	nc     net.Conn
	br     *bufio.Reader
	served int // responses read to the end on this connection

	// The current response.
	status  int
	chunked bool
	length  int64 // Content-Length; -1 when absent
	close   bool  // Connection: close (or HTTP/1.0 without keep-alive)
	sse     bool  // Content-Type: text/event-stream
	left    int64 // bytes left in the current chunk or body
	done    bool  // body read to its end
}

const connBufSize = 4 << 10

func dial(ctx context.Context, addr string) (*conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, connBufSize)}, nil
}

// errProtocol marks a response the tool cannot parse.
var errProtocol = errors.New("malformed HTTP response")

// readHeader reads the status line and headers of the next response and
// prepares the body reader. onCookie, when set, receives each Set-Cookie
// value (valid until the next read).
func (c *conn) readHeader(onCookie func([]byte)) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return fmt.Errorf("%w: status line %q", errProtocol, truncate(line))
		}
		code, ok := parseStatus(line[9:12])
		if !ok {
			return fmt.Errorf("%w: status line %q", errProtocol, truncate(line))
		}
		c.status, c.chunked, c.length, c.sse, c.done = code, false, -1, false, false
		c.close = line[7] == '0'
		for {
			h, err := c.readLine()
			if err != nil {
				return err
			}
			if len(h) == 0 {
				break
			}
			colon := bytes.IndexByte(h, ':')
			if colon <= 0 {
				return fmt.Errorf("%w: header %q", errProtocol, truncate(h))
			}
			name, value := h[:colon], bytes.TrimSpace(h[colon+1:])
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				n, err := strconv.ParseInt(string(value), 10, 64)
				if err != nil || n < 0 {
					return fmt.Errorf("%w: Content-Length %q", errProtocol, truncate(value))
				}
				c.length = n
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				c.chunked = bytes.EqualFold(value, []byte("chunked"))
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(value, []byte("close")) {
					c.close = true
				} else if bytes.EqualFold(value, []byte("keep-alive")) {
					c.close = false
				}
			case bytes.EqualFold(name, []byte("Content-Type")):
				c.sse = len(value) >= 17 && bytes.EqualFold(value[:17], []byte("text/event-stream"))
			case onCookie != nil && bytes.EqualFold(name, []byte("Set-Cookie")):
				onCookie(value)
			}
		}
		if c.status >= 100 && c.status < 200 {
			continue // 100 Continue and friends: the real response follows
		}
		switch {
		case c.status == 204 || c.status == 304:
			c.left, c.done = 0, true
		case c.chunked:
			c.left = 0 // the first chunk's size line comes next
		case c.length >= 0:
			c.left = c.length
			c.done = c.length == 0
		default:
			c.left, c.close = -1, true // read to close
		}
		if c.done {
			c.served++
		}
		return nil
	}
}

func parseStatus(b []byte) (int, bool) {
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// readLine returns one header line without its CRLF (valid until the next
// read).
func (c *conn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: header line longer than %d bytes", errProtocol, connBufSize)
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// Read reads the current response's body; it returns io.EOF at its end.
func (c *conn) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left < 0 { // read to close
		n, err := c.br.Read(p)
		if errors.Is(err, io.EOF) {
			c.done = true
		}
		return n, err
	}
	if c.chunked && c.left == 0 {
		size, err := c.chunkSize()
		if err != nil {
			return 0, err
		}
		if size == 0 {
			// Trailers, then the blank line that ends the body.
			for {
				line, err := c.readLine()
				if err != nil {
					return 0, fmt.Errorf("chunked trailer: %w", err)
				}
				if len(line) == 0 {
					break
				}
			}
			c.done = true
			c.served++
			return 0, io.EOF
		}
		c.left = size
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return n, err
	}
	if c.left == 0 {
		if c.chunked {
			// The CRLF after the chunk's data.
			if line, err := c.readLine(); err != nil || len(line) != 0 {
				return n, fmt.Errorf("%w: no CRLF after chunk", errProtocol)
			}
		} else {
			c.done = true
			c.served++
		}
	}
	return n, nil
}

func (c *conn) chunkSize() (int64, error) {
	line, err := c.readLine()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, fmt.Errorf("chunk size: %w", err)
	}
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i] // chunk extensions
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return 0, fmt.Errorf("%w: chunk size %q", errProtocol, truncate(line))
	}
	var n int64
	for _, ch := range line {
		var d byte
		switch {
		case ch >= '0' && ch <= '9':
			d = ch - '0'
		case ch >= 'a' && ch <= 'f':
			d = ch - 'a' + 10
		case ch >= 'A' && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return 0, fmt.Errorf("%w: chunk size %q", errProtocol, truncate(line))
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

// reusable reports whether the next request may be sent on this connection.
func (c *conn) reusable() bool { return c.done && !c.close }

// staleConn reports whether err on a reused connection means the server had
// closed it before reading the request (so the request can be resent on a
// new one): nothing of the response arrived.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
