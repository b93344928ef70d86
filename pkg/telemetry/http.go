package telemetry

import (
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ClientOptions configures NewHTTPClient.
type ClientOptions struct {
	// Timeout bounds a whole request; 0 leaves it to the caller's context.
	Timeout time.Duration
	// Base is the transport to wrap; nil means a clone of http.DefaultTransport.
	Base http.RoundTripper
	// TracerProvider and Propagator default to the OpenTelemetry globals
	// (as installed by Setup) at the time of the call.
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
}

// NewTransport wraps base so that every outbound request carries the trace
// context in its headers and, when tracing records spans, gets a client
// span. With the no-op provider (Setup without an endpoint) it only
// propagates: otelhttp would otherwise clone every request, wrap both
// bodies and compute span and metric attributes that nothing reads, and
// hold them for as long as a streamed response stays open.
func NewTransport(opts ClientOptions) http.RoundTripper {
	base := opts.Base
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	tp := opts.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	prop := opts.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	if _, off := tp.(noop.TracerProvider); off {
		return &propagatingTransport{base: base, prop: prop}
	}
	o := []otelhttp.Option{
		otelhttp.WithPropagators(prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return "HTTP " + r.Method + " " + r.URL.Host
		}),
	}
	if opts.TracerProvider != nil {
		// Else otelhttp picks the provider per request (the span's, or
		// the global one).
		o = append(o, otelhttp.WithTracerProvider(opts.TracerProvider))
	}
	return otelhttp.NewTransport(base, o...)
}

// NewHTTPClient returns an *http.Client with a traced transport (see
// NewTransport) for outbound calls such as the OpenAI API.
func NewHTTPClient(opts ClientOptions) *http.Client {
	return &http.Client{Transport: NewTransport(opts), Timeout: opts.Timeout}
}

// propagatingTransport injects the context's trace context and baggage into
// the request headers, without recording anything.
type propagatingTransport struct {
	base http.RoundTripper
	prop propagation.TextMapPropagator
}

func (t *propagatingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	carrier := propagation.HeaderCarrier{}
	t.prop.Inject(r.Context(), carrier)
	if len(carrier) == 0 {
		return t.base.RoundTrip(r)
	}
	// A RoundTripper must not modify the caller's request.
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	if r2.Header == nil {
		r2.Header = make(http.Header, len(carrier))
	}
	for k, v := range carrier {
		r2.Header[k] = v
	}
	return t.base.RoundTrip(r2)
}
