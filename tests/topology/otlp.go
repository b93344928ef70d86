package topology

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one span the OTLP receiver got.
type Span struct {
	Service  string // the resource's service.name
	Name     string
	TraceID  string // hex
	SpanID   string
	ParentID string
}

// otlpReceiver is a minimal OTLP/HTTP traces receiver (protobuf, optionally
// gzip-compressed, as otlptracehttp sends): it keeps the last spans.
type otlpReceiver struct {
	srv   *http.Server
	ln    net.Listener
	mu    sync.Mutex
	spans []Span
}

const keepSpans = 50000

func newOTLPReceiver(ctx context.Context) (*otlpReceiver, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("otlp receiver: %w", err)
	}
	o := &otlpReceiver{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", o.traces)
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 0}
	go func() { _ = o.srv.Serve(ln) }()
	return o, nil
}

// URL is the OTLP endpoint base (OTEL_EXPORTER_OTLP_ENDPOINT).
func (o *otlpReceiver) URL() string { return "http://" + o.ln.Addr().String() }

func (o *otlpReceiver) close() { _ = o.srv.Close() }

func (o *otlpReceiver) traces(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, 32<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
		defer func() { _ = zr.Close() }()
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, "bad protobuf", http.StatusBadRequest)
		return
	}
	var got []Span
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				got = append(got, Span{
					Service: service, Name: s.GetName(),
					TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()),
					ParentID: hex.EncodeToString(s.GetParentSpanId()),
				})
			}
		}
	}
	o.mu.Lock()
	o.spans = append(o.spans, got...)
	if len(o.spans) > keepSpans {
		o.spans = append([]Span(nil), o.spans[len(o.spans)-keepSpans:]...)
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// Spans returns the spans of a trace.
func (o *otlpReceiver) Spans(traceID string) []Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Span
	for _, s := range o.spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}
