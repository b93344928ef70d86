// Package deploytest validates what the repository ships for Kubernetes
// without a cluster: the Helm chart (rendered through Helm's Go packages and
// decoded strictly into Kubernetes API types), its values schema, the Grafana
// dashboards and Prometheus alert rules (every PromQL expression parsed, every
// metric checked against the contract and against what the services really
// export), skaffold.yaml, and the Dockerfiles (built and run the way the
// images build and run them).
//
// Everything is in _test.go files; the module keeps Helm, Kubernetes and
// Prometheus dependencies away from the services.
package deploytest
