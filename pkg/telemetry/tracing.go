package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Options configures Setup.
type Options struct {
	// ServiceName is the service.name resource attribute.
	ServiceName string
	// ServiceVersion is the service.version resource attribute (optional).
	ServiceVersion string
	// Endpoint is OTEL_EXPORTER_OTLP_ENDPOINT, a URL such as
	// http://otel-collector:4318. Empty disables export.
	Endpoint string
	// Headers are extra OTLP request headers (OTEL_EXPORTER_OTLP_HEADERS).
	Headers map[string]string
	// SampleRatio is the parent-based trace id ratio; 0 means 1 (all).
	SampleRatio float64
}

// tracesEndpoint turns OTEL_EXPORTER_OTLP_ENDPOINT (a base URL) into the
// traces URL, appending /v1/traces as the OTLP specification says.
func tracesEndpoint(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("OTLP endpoint %q is not a URL", base)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/traces"
	return u.String(), nil
}

// Propagator is the W3C TraceContext + Baggage propagator every process uses.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Tracing is the outcome of Setup.
type Tracing struct {
	// Provider creates tracers; a no-op provider when export is disabled.
	Provider trace.TracerProvider
	// Propagator carries trace context across HTTP calls.
	Propagator propagation.TextMapPropagator
	// Shutdown flushes and stops the exporter; safe to call when disabled.
	Shutdown func(context.Context) error
}

// Setup configures tracing for the process and installs the provider and
// propagator as the OpenTelemetry globals (instrumentation libraries read
// them). Without an endpoint, spans are not recorded, but the propagator is
// still installed so that incoming trace context flows to outbound calls.
// The returned shutdown flushes pending spans; main defers it.
func Setup(ctx context.Context, opts Options) (shutdown func(context.Context) error, err error) {
	t, err := NewTracing(ctx, opts)
	if err != nil {
		return nil, err
	}
	otel.SetTracerProvider(t.Provider)
	otel.SetTextMapPropagator(t.Propagator)
	return t.Shutdown, nil
}

// NewTracing builds the tracer provider without touching the globals.
func NewTracing(ctx context.Context, opts Options) (*Tracing, error) {
	t := &Tracing{
		Provider:   noop.NewTracerProvider(),
		Propagator: Propagator(),
		Shutdown:   func(context.Context) error { return nil },
	}
	if opts.Endpoint == "" {
		return t, nil
	}
	tracesURL, err := tracesEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	expOpts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(tracesURL)}
	if len(opts.Headers) > 0 {
		expOpts = append(expOpts, otlptracehttp.WithHeaders(opts.Headers))
	}
	exp, err := otlptracehttp.New(ctx, expOpts...)
	if err != nil {
		return nil, fmt.Errorf("create OTLP trace exporter for %s: %w", opts.Endpoint, err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(opts.ServiceName), semconv.ServiceVersion(opts.ServiceVersion)))
	if err != nil && !errors.Is(err, resource.ErrSchemaURLConflict) {
		return nil, fmt.Errorf("build trace resource: %w", err)
	}
	ratio := opts.SampleRatio
	if ratio <= 0 {
		ratio = 1
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	t.Provider = tp
	t.Shutdown = func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("shut down tracer provider: %w", err)
		}
		return nil
	}
	return t, nil
}
