// Package reliability holds TaskPilotAI's end-to-end reliability tests
// (issue 7, item 4): upstream faults, client disconnects, SIGTERM and
// kill -9 against the real binary, a PostgreSQL outage, and abuse. The
// tests drive the composed application through HTTP and SSE only.
//
// Fast tests run in `make test` (go test work). The slow ones carry the
// `faults` build tag and run with `make test-faults` (mk/faults.mk);
// `make soak` runs soak.sh (10 minutes, not in CI).
//
// The package's non-test code is the fault machinery the tests share:
// SlowUpstream, an HTTP proxy that delays, stalls or resets a model's
// streamed answer, and TCPProxy, a TCP relay that can be cut and restored.
package reliability
