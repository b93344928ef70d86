# Reliability tests (tests/reliability; issue 7, item 4). The fast ones
# (upstream faults, client disconnect, abuse) run in `go test work`; the
# slow ones carry the `faults` build tag: a stalled model stream (bounded
# by the agent's 60s request timeout), SIGTERM and kill -9 against the real
# binary, a PostgreSQL outage through a TCP proxy. `make soak` is the
# 10-minute soak (not in CI).

GO ?= go

TEST_TARGETS += test-faults

.PHONY: test-faults soak

# The fast ones already run in test-go; this runs the TestFault* tests,
# in parallel (they mostly wait: -parallel above the 2 cores).
test-faults: ## Slow reliability tests: stalled model, SIGTERM and kill -9 on the binary, PostgreSQL outage
	$(GO) test $(GO_TEST_FLAGS) -count=1 -tags faults -run '^TestFault' -parallel 8 -timeout 15m ./tests/reliability/

soak: ## 10-minute soak of the all-in-one binary at moderate load; reports RSS and goroutines (not in CI)
	bash tests/reliability/soak.sh
