# Reliability tests (tests/reliability; issue 7, item 4). The fast ones
# (upstream faults, client disconnect, abuse) run in `go test work`; the
# slow ones carry the `faults` build tag: a stalled model stream (bounded
# by the agent's 60s request timeout), SIGTERM and kill -9 against the real
# binary, a PostgreSQL outage through a TCP proxy. `make soak` is the
# 10-minute soak (not in CI).

GO ?= go

.PHONY: test-faults soak

test-faults: ## Reliability tests incl. the slow ones (stall, SIGTERM, kill -9, PostgreSQL outage)
	$(GO) test $(GO_TEST_FLAGS) -count=1 -tags faults -timeout 15m ./tests/reliability/

soak: ## 10-minute soak of the all-in-one binary at moderate load; reports RSS and goroutines (not in CI)
	bash tests/reliability/soak.sh
