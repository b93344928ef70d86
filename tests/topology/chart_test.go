package topology

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// The harness's reading of the chart (fast; runs in go test work): the
// Ingress's routes reach rendered components, every ingress-nginx
// annotation translates, and a pod's environment is the chart's with its
// listen and scrape ports moved to free loopback addresses.
func TestChartReading(t *testing.T) {
	c, err := RenderChart(context.Background(), repoRoot(t), "ci/default-values.yaml", map[string]any{
		"secrets":    map[string]any{"databaseURL": "postgres://u@127.0.0.1:1/db", "sessionSigningKey": strings.Repeat("k", 40)},
		"postgresql": map[string]any{"enabled": false},
	})
	require.NoError(t, err)
	routes, err := c.Routes()
	require.NoError(t, err)
	got := map[string]string{}
	for _, r := range routes {
		got[r.Path] = r.Component
	}
	assert.Equal(t, "session-service", got["/api/chatkit"])
	assert.Equal(t, "chat-service", got["/api/v1"])
	assert.Equal(t, "frontend", got["/"])

	directives, err := c.AnnotationDirectives()
	require.NoError(t, err)
	assert.Contains(t, directives, "proxy_buffering off;")

	for _, comp := range []string{"session-service", "chat-service"} {
		p, err := c.Pod(comp, "pod-a")
		require.NoError(t, err)
		assert.Equal(t, p.HTTPAddr, p.Env["LISTEN_ADDR"], "%s listens on its own loopback port", comp)
		assert.True(t, strings.HasPrefix(p.HTTPAddr, "127.0.0.1:"))
		assert.NotEmpty(t, p.MetricsAddr, "%s asks to be scraped", comp)
		assert.NotEmpty(t, p.Env["SESSION_SIGNING_KEY"], "from the Secret")
		assert.Equal(t, comp, p.Env["OTEL_SERVICE_NAME"])
		assert.Contains(t, p.Env["OTEL_RESOURCE_ATTRIBUTES"], "k8s.pod.name=pod-a", "$(VAR) references expanded")
		for k, v := range p.Env {
			assert.NotRegexp(t, `^(0\.0\.0\.0)?:\d+$`, v, "%s=%s: a fixed port left in the environment", k, v)
		}
		assert.Positive(t, p.ReadinessPeriod)
	}

	c.Ingress.Annotations["nginx.ingress.kubernetes.io/configuration-snippet"] = "more_set_headers x;"
	_, err = c.AnnotationDirectives()
	assert.ErrorContains(t, err, "configuration-snippet", "an annotation without a translation stops the start")
}

// Both services' Dockerfiles yield their go build: directory, package,
// flags and build-stage environment.
func TestParseDockerBuild(t *testing.T) {
	for _, svc := range []string{"session-service", "chat-service"} {
		b, err := parseDockerBuild(filepath.Join(repoRoot(t), "services", svc, "Dockerfile"))
		require.NoError(t, err)
		assert.Equal(t, "services/"+svc, b.dir)
		assert.Equal(t, ".", b.pkg)
		assert.Contains(t, b.flags, "-trimpath")
		assert.Contains(t, b.env, "CGO_ENABLED=0")
		assert.Contains(t, b.env, "GOWORK=off")
		for _, f := range b.flags {
			assert.NotContains(t, f, "${", "build args resolved")
		}
	}
	_, err := os.Stat(filepath.Join(repoRoot(t), "deploy", "frontend", "nginx.conf"))
	require.NoError(t, err)
	files, err := imageNginxFiles(filepath.Join(repoRoot(t), "deploy", "frontend.Dockerfile"), "/repo", "/repo/frontend/out")
	require.NoError(t, err)
	for dest, src := range files {
		assert.True(t, strings.HasPrefix(dest, "/etc/nginx/"), dest)
		assert.True(t, strings.HasPrefix(src, "/repo/"), "%s comes from the repository or the export: %s", dest, src)
	}
}
