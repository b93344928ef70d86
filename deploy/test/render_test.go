package deploytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

const (
	releaseName = "t"
	namespace   = "taskpilot"
)

// kubeVersion is the cluster version the chart is rendered and linted for
// (the Kubernetes API types are v0.37's; the chart needs 1.27 or newer).
var kubeVersion = &chartutil.KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"}

// repoRoot is the repository root (this file is deploy/test/render_test.go).
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func chartDir(t testing.TB) string { return filepath.Join(repoRoot(t), "charts", "taskpilot") }

// ciValueFiles lists charts/taskpilot/ci/*.yaml by base name.
func ciValueFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir(t), "ci", "*-values.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no ci/*-values.yaml")
	sort.Strings(files)
	return files
}

func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	c, err := loader.LoadDir(chartDir(t))
	require.NoError(t, err, "load chart")
	return c
}

func readValues(t testing.TB, file string) map[string]any {
	t.Helper()
	v, err := chartutil.ReadValuesFile(file)
	require.NoError(t, err, "read %s", file)
	return v.AsMap()
}

// rendered is one release rendered the way `helm template` does it.
type rendered struct {
	// docs are the manifests (hooks included), one YAML document each.
	docs []manifestDoc
	// notes is NOTES.txt.
	notes string
}

type manifestDoc struct {
	source string // template path, from the "# Source:" line
	kind   string
	name   string
	yaml   []byte
}

// render installs the chart with ClientOnly+DryRun (what `helm template`
// runs), so schema validation, `required`/`fail` and every template run
// exactly as on a real install, without a cluster.
func render(t testing.TB, vals map[string]any) (*rendered, error) {
	t.Helper()
	return renderAs(t, releaseName, namespace, vals)
}

// renderRelease renders a release of the given name and namespace (as
// skaffold installs it) and decodes it strictly.
func renderRelease(t testing.TB, name, ns string, vals map[string]any) map[string]any {
	t.Helper()
	r, err := renderAs(t, name, ns, vals)
	require.NoError(t, err)
	return r.objects(t)
}

func renderAs(t testing.TB, name, ns string, vals map[string]any) (*rendered, error) {
	t.Helper()
	cfg := &action.Configuration{Log: func(string, ...any) {}}
	install := action.NewInstall(cfg)
	install.DryRun = true
	install.DryRunOption = "client"
	install.ClientOnly = true
	install.Replace = true
	install.ReleaseName = name
	install.Namespace = ns
	install.KubeVersion = kubeVersion
	install.APIVersions = chartutil.VersionSet{"monitoring.coreos.com/v1"}
	rel, err := install.RunWithContext(context.Background(), loadChart(t), vals)
	if err != nil {
		return nil, err
	}
	var all bytes.Buffer
	all.WriteString(rel.Manifest)
	for _, h := range rel.Hooks {
		fmt.Fprintf(&all, "\n---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	out := &rendered{notes: rel.Info.Notes}
	for _, raw := range releaseutil.SplitManifests(all.String()) {
		doc := manifestDoc{yaml: []byte(raw)}
		for _, line := range strings.Split(raw, "\n") {
			if src, ok := strings.CutPrefix(line, "# Source: "); ok {
				doc.source = src
				break
			}
		}
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc.yaml, &head); err != nil {
			return nil, fmt.Errorf("%s: %w", doc.source, err)
		}
		if head.Kind == "" {
			continue // a template that rendered to comments only
		}
		doc.kind, doc.name = head.Kind, head.Metadata.Name
		out.docs = append(out.docs, doc)
	}
	return out, nil
}

func mustRender(t testing.TB, vals map[string]any) *rendered {
	t.Helper()
	r, err := render(t, vals)
	require.NoError(t, err)
	return r
}

// newObject returns an empty typed object for a kind the chart renders; a
// kind missing here fails the test, so nothing escapes strict decoding.
func newObject(kind string) (any, error) {
	switch kind {
	case "Deployment":
		return &appsv1.Deployment{}, nil
	case "StatefulSet":
		return &appsv1.StatefulSet{}, nil
	case "Service":
		return &corev1.Service{}, nil
	case "ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "Secret":
		return &corev1.Secret{}, nil
	case "ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "Ingress":
		return &networkingv1.Ingress{}, nil
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, nil
	case "HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "Job":
		return &batchv1.Job{}, nil
	case "ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}, nil
	case "PrometheusRule":
		return &monitoringv1.PrometheusRule{}, nil
	}
	return nil, fmt.Errorf("kind %q has no Go type in this test", kind)
}

// decodeStrict decodes doc into its k8s.io/api (or prometheus-operator) type,
// failing on unknown or duplicate fields.
func decodeStrict(doc manifestDoc) (any, error) {
	obj, err := newObject(doc.kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc.source, err)
	}
	if err := yaml.UnmarshalStrict(doc.yaml, obj); err != nil {
		return nil, fmt.Errorf("%s (%s %s): %w", doc.source, doc.kind, doc.name, err)
	}
	return obj, nil
}

// objects decodes every document strictly and indexes them by kind/name.
func (r *rendered) objects(t testing.TB) map[string]any {
	t.Helper()
	out := make(map[string]any, len(r.docs))
	var errs []error
	for _, d := range r.docs {
		obj, err := decodeStrict(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		key := d.kind + "/" + d.name
		if _, dup := out[key]; dup {
			errs = append(errs, fmt.Errorf("%s rendered twice", key))
		}
		out[key] = obj
	}
	require.NoError(t, errors.Join(errs...))
	return out
}

func typed[T any](t testing.TB, objs map[string]any, kind, name string) T {
	t.Helper()
	o, ok := objs[kind+"/"+name]
	require.True(t, ok, "%s/%s not rendered; have %v", kind, name, keys(objs))
	v, ok := o.(T)
	require.True(t, ok, "%s/%s has type %T", kind, name, o)
	return v
}

func ofKind[T any](objs map[string]any) []T {
	var out []T
	for _, k := range keys(objs) {
		if v, ok := objs[k].(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dumpOnFailure writes the rendered manifests to the test log when t fails.
func dumpOnFailure(t *testing.T, r *rendered) {
	t.Cleanup(func() {
		if !t.Failed() || r == nil {
			return
		}
		var b strings.Builder
		for _, d := range r.docs {
			b.Write(d.yaml)
			b.WriteString("\n---\n")
		}
		if dir := os.Getenv("RENDER_DUMP_DIR"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".yaml"), []byte(b.String()), 0o644)
			return
		}
		t.Log(b.String())
	})
}
