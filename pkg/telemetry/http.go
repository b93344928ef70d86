package telemetry

import (
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ClientOptions configures NewHTTPClient.
type ClientOptions struct {
	// Timeout bounds a whole request; 0 leaves it to the caller's context.
	Timeout time.Duration
	// Base is the transport to wrap; nil means a clone of http.DefaultTransport.
	Base http.RoundTripper
	// TracerProvider and Propagator default to the OpenTelemetry globals.
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
}

// NewTransport wraps base so that every outbound request gets a client span
// and carries the trace context in its headers.
func NewTransport(opts ClientOptions) http.RoundTripper {
	base := opts.Base
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	var o []otelhttp.Option
	if opts.TracerProvider != nil {
		o = append(o, otelhttp.WithTracerProvider(opts.TracerProvider))
	}
	if opts.Propagator != nil {
		o = append(o, otelhttp.WithPropagators(opts.Propagator))
	}
	o = append(o, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return "HTTP " + r.Method + " " + r.URL.Host
	}))
	return otelhttp.NewTransport(base, o...)
}

// NewHTTPClient returns an *http.Client with a traced transport (see
// NewTransport) for outbound calls such as the OpenAI API.
func NewHTTPClient(opts ClientOptions) *http.Client {
	return &http.Client{Transport: NewTransport(opts), Timeout: opts.Timeout}
}
