package telemetry

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a Prometheus registry with the Go runtime and process
// collectors. Create one per process and inject it; the all-in-one binary
// registers both services' metrics on the same registry.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Register registers c on reg and returns it, or returns the collector
// already registered under the same descriptors, so that constructors may be
// called more than once per registry (tests, several agents, both services of
// the all-in-one binary). A nil reg leaves c unregistered (metrics off). It
// is the one "register or reuse" rule: every package registers through it.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	var zero C
	return zero, fmt.Errorf("register metrics collector: %w", err)
}

// MustRegister is Register for constructors that cannot return an error; it
// panics when a different collector already holds one of c's names (a
// programming error).
func MustRegister[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	c, err := Register(reg, c)
	if err != nil {
		panic(err.Error())
	}
	return c
}
