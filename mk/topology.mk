# The production topology on one machine (tests/topology; issue 12): both
# services built like their images, 2+2 replicas with the chart's
# environment, the front end, nginx as the chart's Ingress, PostgreSQL (a
# database of its own), Redis, Prometheus with the chart's rules.
# `make topology` runs it until Ctrl-C; `make test-topology` runs the
# end-to-end suite through the ingress (part of `make test`).

GO ?= go

TEST_TARGETS += test-topology

# What the topology needs, installed from Debian's packages where missing
# (the same idempotent scripts CI runs).
TOPOLOGY_SETUP := .ci/setup.d/10-postgres.sh .ci/setup.d/20-redis.sh .ci/setup.d/50-frontend.sh \
                  .ci/setup.d/60-nginx.sh .ci/setup.d/70-prometheus.sh

.PHONY: topology topology-deps test-topology test-rules

topology-deps:
	@set -e; for s in $(TOPOLOGY_SETUP); do bash "$$s"; done

topology: topology-deps frontend/out ## Run the production shape locally (2+2 replicas, nginx ingress, PostgreSQL, Redis, Prometheus) until Ctrl-C
	$(GO) build -o bin/topology ./tests/topology/cmd/topology
	./bin/topology

test-topology: frontend/out ## End-to-end suite through the local ingress: browser flow, SSE, replicas, kill -9, rolling restart, Redis/PostgreSQL outages, traces, dashboards
	TOPOLOGY_TESTS=1 $(GO) test $(GO_TEST_FLAGS) -count=1 -timeout 20m ./tests/topology/

test-rules: ## promtool check rules and promtool test rules on deploy/prometheus
	cd deploy/prometheus && promtool check rules rules.yaml ../../charts/taskpilot/files/prometheus-rules.yaml && promtool test rules rules_test.yaml
