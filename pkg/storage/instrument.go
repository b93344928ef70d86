package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

const instrumentationName = "github.com/taskpilotai/taskpilot/pkg/storage"

// OperationDurationName is the histogram every store reports to.
const OperationDurationName = "taskpilot_store_operation_duration_seconds"

type instrumentation struct {
	duration *prometheus.HistogramVec
	pools    *poolCollector
	tracer   trace.Tracer
}

func newInstrumentation(reg prometheus.Registerer, tp trace.TracerProvider) (*instrumentation, error) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    OperationDurationName,
		Help:    "Duration of store operations by store (chat, tasks, migrations) and operation.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"store", "operation"})
	// A second DB on the same registry (tests, or a process that opens the
	// store twice) shares the first one's histogram.
	h, err := telemetry.Register(reg, h)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", OperationDurationName, err)
	}
	pools, err := telemetry.Register(reg, newPoolCollector())
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", PoolConnectionsName, err)
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return &instrumentation{duration: h, pools: pools, tracer: tp.Tracer(instrumentationName)}, nil
}

// Observe times one store operation and wraps it in a span named
// "<store>.<operation>". Call the returned func with the operation's error
// (nil on success) when it ends:
//
//	ctx, done := db.Observe(ctx, "tasks", "add")
//	defer func() { done(err) }()
//
// store is the logical store ("chat", "tasks"); the label values stay few.
func (db *DB) Observe(ctx context.Context, store, operation string) (context.Context, func(error)) {
	start := time.Now()
	ctx, span := db.tracer().Start(ctx, store+"."+operation,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system.name", db.systemName()),
			attribute.String("db.operation.name", operation),
		))
	return ctx, func(err error) {
		if db.inst != nil {
			db.inst.duration.WithLabelValues(store, operation).Observe(time.Since(start).Seconds())
		}
		if err != nil && !IsNotFound(err) {
			span.RecordError(err)
			span.SetStatus(codes.Error, "store operation failed")
		}
		span.End()
	}
}

func (db *DB) systemName() string {
	if db.Dialect == Postgres {
		return "postgresql"
	}
	return "sqlite"
}
