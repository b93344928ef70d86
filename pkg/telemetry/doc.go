// Package telemetry sets up the three signals every TaskPilotAI process
// emits: OpenTelemetry traces (exported over OTLP/HTTP only when an endpoint
// is configured), Prometheus metrics on an injected registry, and JSON
// log/slog logs that carry the request id and the trace id of the context
// they are written with.
package telemetry
