// Package topology runs TaskPilotAI's production shape on one machine, from
// real parts: both services built as their Dockerfiles build them and
// started with the environment the Helm chart renders (2 replicas each, as
// the chart's Deployments ask, each on its own loopback port as pods
// would be), the front end served by nginx with the image's nginx.conf,
// nginx as the ingress (its routes and SSE settings translated from the
// chart's Ingress), a PostgreSQL database of its own (on the shared
// server, reached through a TCP relay that can be cut like a restart), a
// Redis server of its own, Prometheus scraping the four service processes
// as the chart asks to be scraped and loading the chart's alert rules, an
// OTLP/HTTP trace receiver, and a scriptable fake model (fakeopenai behind
// reliability.SlowUpstream, so a turn can stream slowly).
//
// An endpoints emulation stands in for Kubernetes' EndpointSlices and
// ingress-nginx's dynamic upstreams: a pod that received SIGTERM leaves
// its Service's upstream at once, and readiness is probed at the chart's
// readinessProbe period and failure threshold; a change rewrites the
// ingress's upstream file and reloads nginx.
//
// `make topology` starts it (cmd/topology) and stops it on Ctrl-C; the
// tests in this package (make test-topology) drive it through the ingress.
package topology
