package topology

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"syscall"
	"time"
)

// endpointsLoop probes every pod's readiness at its readinessProbe period
// and updates the ingress's upstreams when the ready set changes.
func (t *Topology) endpointsLoop(ctx context.Context) {
	defer close(t.epDone)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		type result struct {
			p  *Pod
			ok bool
		}
		var due []*Pod
		t.mu.Lock()
		for _, p := range t.pods {
			if !p.terminating && !now.Before(p.nextProbe) {
				due = append(due, p)
			}
		}
		t.mu.Unlock()
		results := make(chan result, len(due))
		for _, p := range due {
			go func() {
				path := p.Spec.ReadinessPath
				if path == "" {
					path = "/healthz"
				}
				code, err := probe(ctx, p.URL+path)
				results <- result{p, err == nil && code == http.StatusOK}
			}()
		}
		changed := false
		for range due {
			r := <-results
			t.mu.Lock()
			p := r.p
			period := time.Duration(max(p.Spec.ReadinessPeriod, 1)) * time.Second
			p.nextProbe = now.Add(period)
			was := p.ready
			if r.ok {
				p.ready, p.fails = true, 0
			} else {
				p.fails++
				if p.fails >= max(p.Spec.ReadinessFailures, 1) || !p.ready {
					p.ready = false
				}
			}
			changed = changed || was != p.ready
			t.mu.Unlock()
		}
		if changed {
			t.mu.Lock()
			if err := t.refreshEndpointsLocked(ctx, true); err != nil {
				t.log.ErrorContext(ctx, "update ingress endpoints", slog.Any("error", err))
			}
			t.mu.Unlock()
		}
	}
}

// refreshEndpointsLocked writes the upstreams of every Service from the
// ready, non-terminating pods and reloads nginx (when reload).
func (t *Topology) refreshEndpointsLocked(ctx context.Context, reload bool) error {
	ready := map[string][]string{}
	for _, svc := range t.services {
		comp, err := t.Chart.ServiceComponent(svc)
		if err != nil {
			return err
		}
		for _, p := range t.pods {
			if p.Component == comp && p.ready && !p.terminating {
				ready[svc] = append(ready[svc], p.Spec.HTTPAddr)
			}
		}
	}
	if err := writeUpstreams(t.ingDir, t.services, ready, t.noEP); err != nil {
		return err
	}
	if reload && t.ingress != nil && !t.ingress.Exited() {
		if err := t.ingress.Signal(syscall.SIGHUP); err != nil {
			return err
		}
		t.log.DebugContext(ctx, "ingress reloaded", slog.Any("endpoints", ready))
	}
	return nil
}

// Ready returns the ready endpoints (pod names) of component.
func (t *Topology) Ready(component string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, p := range t.pods {
		if p.Component == component && p.ready && !p.terminating {
			out = append(out, p.Name)
		}
	}
	return out
}

// reloadSettle is how long a reload takes to reach new connections (the
// master starts new workers; the old ones stop accepting).
const reloadSettle = 500 * time.Millisecond

// WaitReady waits until every non-terminating pod of component ("": all)
// is a ready endpoint and nginx had time to load the change.
func (t *Topology) WaitReady(ctx context.Context, component string, timeout time.Duration) error {
	err := waitFor(ctx, timeout, func() error {
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, p := range t.pods {
			if (component == "" || p.Component == component) && !p.terminating && !p.ready {
				return fmt.Errorf("%s not ready", p.Name)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	time.Sleep(reloadSettle)
	return nil
}

func (t *Topology) waitPodReady(ctx context.Context, p *Pod, timeout time.Duration) error {
	err := waitFor(ctx, timeout, func() error {
		t.mu.Lock()
		defer t.mu.Unlock()
		if !p.ready {
			return fmt.Errorf("%s not ready", p.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	time.Sleep(reloadSettle)
	return nil
}

// WaitNotReady waits until no pod of component is a ready endpoint.
func (t *Topology) WaitNotReady(ctx context.Context, component string, timeout time.Duration) error {
	err := waitFor(ctx, timeout, func() error {
		if r := t.Ready(component); len(r) > 0 {
			return fmt.Errorf("still ready: %v", r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	time.Sleep(reloadSettle)
	return nil
}

// rescrape rewrites Prometheus's targets from the current pods and reloads it.
func (t *Topology) rescrape() error {
	if t.prom == nil {
		return nil // not started yet: Start writes the first config
	}
	pods := t.Pods("")
	pods = slices.DeleteFunc(pods, func(p *Pod) bool { return p.Spec.MetricsAddr == "" })
	if _, err := prometheusConfig(t.promDir, t.rules, pods); err != nil {
		return err
	}
	return t.prom.Signal(syscall.SIGHUP)
}
