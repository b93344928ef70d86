package openaiagent

import (
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/openai/openai-go/v3/option"
)

// releaseRequestBody is client middleware that lets a streaming call's
// request body (the conversation and the tool schemas: several KiB) be freed
// once it is sent, instead of living as long as the stream. openai-go gives
// each attempt a Body and a GetBody over the encoded bytes; the HTTP/2
// transport keeps the attempt's request until the stream ends, and with it
// both. Here the Body lets go of the bytes when it has been read to the end
// or closed, and GetBody once the response has arrived: the transport only
// replays a body (GetBody) before that, and openai-go's own retries use its
// copy of the request, not this one.
func releaseRequestBody(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return next(req)
	}
	b := &releasingBody{rc: req.Body, getBody: req.GetBody}
	req.Body = b
	if req.GetBody != nil {
		req.GetBody = b.reopen
	}
	res, err := next(req)
	b.releaseReplay()
	return res, err
}

// releasingBody is a request body that drops the reader it wraps at EOF or
// Close, and its replay function on releaseReplay. The transport may read,
// close and replay it from different goroutines.
type releasingBody struct {
	mu      sync.Mutex
	rc      io.ReadCloser
	getBody func() (io.ReadCloser, error)
}

var errBodyReleased = errors.New("request body already released")

func (b *releasingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		_ = b.rc.Close()
		b.rc = nil
	}
	return n, err
}

func (b *releasingBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc == nil {
		return nil
	}
	err := b.rc.Close()
	b.rc = nil
	return err
}

// reopen is the request's GetBody until releaseReplay.
func (b *releasingBody) reopen() (io.ReadCloser, error) {
	b.mu.Lock()
	get := b.getBody
	b.mu.Unlock()
	if get == nil {
		return nil, errBodyReleased
	}
	rc, err := get()
	if err != nil {
		return nil, err
	}
	return &releasingBody{rc: rc}, nil
}

func (b *releasingBody) releaseReplay() {
	b.mu.Lock()
	b.getBody = nil
	b.mu.Unlock()
}
