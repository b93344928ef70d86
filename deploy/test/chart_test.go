package deploytest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Every ci/*-values.yaml renders, and every object decodes strictly into its
// Kubernetes API type (unknown or duplicate fields fail).
func TestChartRendersStrictly(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := mustRender(t, readValues(t, file))
			dumpOnFailure(t, r)
			objs := r.objects(t)
			require.NotEmpty(t, objs)
		})
	}
}

// The acceptance shape of `helm template t charts/taskpilot`: two service
// Deployments and an Ingress with the two API routes (and the front end).
func TestDefaultRenderShape(t *testing.T) {
	r := mustRender(t, map[string]any{})
	dumpOnFailure(t, r)
	objs := r.objects(t)

	for _, svc := range []string{"session-service", "chat-service", "frontend"} {
		d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
		assert.Equal(t, svc, d.Spec.Template.Spec.Containers[0].Name)
	}
	ing := typed[*networkingv1.Ingress](t, objs, "Ingress", "t-taskpilot")
	require.NotNil(t, ing.Spec.IngressClassName)
	assert.Equal(t, "nginx", *ing.Spec.IngressClassName)
	assert.Empty(t, ing.Spec.TLS, "TLS is off by default")
	require.Len(t, ing.Spec.Rules, 1)
	assert.Empty(t, ing.Spec.Rules[0].Host, "no hosts: one rule for any host")
	assert.Equal(t, map[string]string{
		"/api/chatkit": "t-taskpilot-session-service",
		"/api/v1":      "t-taskpilot-chat-service",
		"/":            "t-taskpilot-frontend",
	}, ingressRoutes(t, ing.Spec.Rules[0]))
}

// Which backend serves each request path, as ingress-nginx resolves Prefix
// paths: the longest matching prefix, matched by whole path segments.
func TestIngressRoutesEveryAPIPath(t *testing.T) {
	vals := map[string]any{"ingress": map[string]any{
		"hosts": []any{"tasks.example.com", "tp.example.org"},
		"tls":   map[string]any{"enabled": true, "secretName": "tp-tls"},
	}}
	r := mustRender(t, vals)
	dumpOnFailure(t, r)
	objs := r.objects(t)
	ing := typed[*networkingv1.Ingress](t, objs, "Ingress", "t-taskpilot")
	require.Len(t, ing.Spec.TLS, 1)
	assert.Equal(t, "tp-tls", ing.Spec.TLS[0].SecretName)
	assert.Equal(t, []string{"tasks.example.com", "tp.example.org"}, ing.Spec.TLS[0].Hosts)
	require.Len(t, ing.Spec.Rules, 2)

	cases := []struct{ path, want string }{
		{"/api/chatkit/sessions", "t-taskpilot-session-service"},
		{"/api/chatkit", "t-taskpilot-session-service"},
		{"/api/v1/chatkit", "t-taskpilot-chat-service"},
		{"/api/v1/tasks", "t-taskpilot-chat-service"},
		{"/api/v1/tasks/3", "t-taskpilot-chat-service"},
		{"/api/v1/mcp", "t-taskpilot-chat-service"},
		{"/", "t-taskpilot-frontend"},
		{"/index.html", "t-taskpilot-frontend"},
		{"/_next/static/chunks/app.js", "t-taskpilot-frontend"},
		{"/api/chatkitx", "t-taskpilot-frontend"}, // Prefix matches whole segments only
	}
	for i, rule := range ing.Spec.Rules {
		assert.Equal(t, vals["ingress"].(map[string]any)["hosts"].([]any)[i], rule.Host)
		for _, tc := range cases {
			assert.Equal(t, tc.want, resolvePrefix(rule, tc.path), "host %s path %s", rule.Host, tc.path)
		}
	}
	// Backends name Services and ports that exist.
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			svc := typed[*corev1.Service](t, objs, "Service", p.Backend.Service.Name)
			assert.True(t, slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
				return sp.Name == p.Backend.Service.Port.Name
			}), "service %s has no port %q", svc.Name, p.Backend.Service.Port.Name)
		}
	}
}

// Server-Sent Events through ingress-nginx: no buffering either way, long
// timeouts, HTTP/1.1 to the upstream; extra annotations are merged in.
func TestIngressSSEAnnotations(t *testing.T) {
	r := mustRender(t, map[string]any{"ingress": map[string]any{
		"annotations": map[string]any{"cert-manager.io/cluster-issuer": "letsencrypt"},
	}})
	ing := typed[*networkingv1.Ingress](t, r.objects(t), "Ingress", "t-taskpilot")
	a := ing.Annotations
	assert.Equal(t, "off", a["nginx.ingress.kubernetes.io/proxy-buffering"])
	assert.Equal(t, "off", a["nginx.ingress.kubernetes.io/proxy-request-buffering"])
	assert.Equal(t, "1.1", a["nginx.ingress.kubernetes.io/proxy-http-version"])
	for _, k := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
		secs, err := strconv.Atoi(a["nginx.ingress.kubernetes.io/"+k])
		require.NoError(t, err, k)
		assert.GreaterOrEqual(t, secs, 3600, k)
	}
	assert.Equal(t, "letsencrypt", a["cert-manager.io/cluster-issuer"])
}

func ingressRoutes(t *testing.T, rule networkingv1.IngressRule) map[string]string {
	t.Helper()
	require.NotNil(t, rule.HTTP)
	out := map[string]string{}
	for _, p := range rule.HTTP.Paths {
		require.NotNil(t, p.PathType)
		assert.Equal(t, networkingv1.PathTypePrefix, *p.PathType, p.Path)
		out[p.Path] = p.Backend.Service.Name
	}
	return out
}

// resolvePrefix applies the Ingress API's Prefix semantics: element-wise
// prefix match on "/"-separated segments, longest match wins.
func resolvePrefix(rule networkingv1.IngressRule, path string) string {
	best, bestLen := "", -1
	for _, p := range rule.HTTP.Paths {
		prefix := strings.TrimSuffix(p.Path, "/")
		if prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/") {
			if len(prefix) > bestLen {
				best, bestLen = p.Backend.Service.Name, len(prefix)
			}
		}
	}
	return best
}

// Pods run as the images expect and as restricted Pod Security requires.
func TestPodsAreHardened(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := mustRender(t, readValues(t, file))
			dumpOnFailure(t, r)
			objs := r.objects(t)
			for name, spec := range podSpecs(objs) {
				t.Run(name, func(t *testing.T) {
					checkHardened(t, spec)
				})
			}
		})
	}
}

func podSpecs(objs map[string]any) map[string]corev1.PodTemplateSpec {
	out := map[string]corev1.PodTemplateSpec{}
	for _, d := range ofKind[*appsv1.Deployment](objs) {
		out["Deployment/"+d.Name] = d.Spec.Template
	}
	for _, s := range ofKind[*appsv1.StatefulSet](objs) {
		out["StatefulSet/"+s.Name] = s.Spec.Template
	}
	return out
}

func checkHardened(t *testing.T, tpl corev1.PodTemplateSpec) {
	spec := tpl.Spec
	psc := spec.SecurityContext
	require.NotNil(t, psc, "pod securityContext")
	require.NotNil(t, psc.RunAsNonRoot)
	assert.True(t, *psc.RunAsNonRoot, "runAsNonRoot")
	require.NotNil(t, psc.RunAsUser)
	assert.NotZero(t, *psc.RunAsUser, "runAsUser")
	require.NotNil(t, psc.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type)
	require.NotNil(t, spec.AutomountServiceAccountToken)
	assert.False(t, *spec.AutomountServiceAccountToken, "no API token in pods that never call the API")

	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	require.NotEmpty(t, spec.Containers)
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		require.NotNil(t, sc, "%s securityContext", c.Name)
		require.NotNil(t, sc.ReadOnlyRootFilesystem, c.Name)
		assert.True(t, *sc.ReadOnlyRootFilesystem, "%s readOnlyRootFilesystem", c.Name)
		require.NotNil(t, sc.AllowPrivilegeEscalation, c.Name)
		assert.False(t, *sc.AllowPrivilegeEscalation, "%s allowPrivilegeEscalation", c.Name)
		require.NotNil(t, sc.Capabilities, c.Name)
		assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, "%s drops ALL", c.Name)
		assert.Empty(t, sc.Capabilities.Add, "%s adds no capability", c.Name)
		if sc.Privileged != nil {
			assert.False(t, *sc.Privileged, c.Name)
		}
		// Resources: requests for scheduling, a memory limit against leaks.
		assert.False(t, c.Resources.Requests.Cpu().IsZero(), "%s cpu request", c.Name)
		assert.False(t, c.Resources.Requests.Memory().IsZero(), "%s memory request", c.Name)
		assert.False(t, c.Resources.Limits.Memory().IsZero(), "%s memory limit", c.Name)
		// The only writable path is /tmp, an emptyDir.
		var tmp *corev1.VolumeMount
		for i, m := range c.VolumeMounts {
			if m.MountPath == "/tmp" {
				tmp = &c.VolumeMounts[i]
			}
		}
		require.NotNil(t, tmp, "%s mounts /tmp", c.Name)
		require.NotNil(t, volumes[tmp.Name].EmptyDir, "%s /tmp is an emptyDir", c.Name)
		assert.NotEqual(t, corev1.PullAlways, c.ImagePullPolicy, "%s", c.Name)
		assert.NotContains(t, c.Image, ":latest", c.Name)
	}
}

// session-service and chat-service containers: port http 8080, probes on
// /healthz and /readyz by port name, GOMEMLIMIT under the memory limit, a
// grace period above drain + shutdown timeout, and a config checksum.
func TestServiceContainers(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := mustRender(t, readValues(t, file))
			dumpOnFailure(t, r)
			objs := r.objects(t)
			for _, svc := range []string{"session-service", "chat-service"} {
				d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
				t.Run(svc, func(t *testing.T) { checkServiceContainer(t, objs, d) })
			}
		})
	}
}

func checkServiceContainer(t *testing.T, objs map[string]any, d *appsv1.Deployment) {
	pod := d.Spec.Template
	require.Len(t, pod.Spec.Containers, 1)
	c := pod.Spec.Containers[0]
	require.Len(t, c.Ports, 2)
	assert.Equal(t, "http", c.Ports[0].Name)
	assert.EqualValues(t, 8080, c.Ports[0].ContainerPort)
	assert.Equal(t, "metrics", c.Ports[1].Name, "/metrics on its own port, never behind the ingress")
	assert.EqualValues(t, 9090, c.Ports[1].ContainerPort)
	assert.Equal(t, "9090", pod.Annotations["prometheus.io/port"])

	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		require.NotNil(t, probe, name)
		require.NotNil(t, probe.HTTPGet, name)
		assert.Equal(t, "http", probe.HTTPGet.Port.String(), "%s probe port", name)
	}
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.StartupProbe.HTTPGet.Path)

	env := plainEnv(c)
	assert.Equal(t, ":8080", env["LISTEN_ADDR"])
	assert.Equal(t, ":9090", env["METRICS_ADDR"])
	assert.Equal(t, "/tmp", env["TMPDIR"])

	limit := c.Resources.Limits.Memory().Value()
	gml, err := parseGoMemLimit(env["GOMEMLIMIT"])
	require.NoError(t, err)
	assert.Less(t, gml, limit, "GOMEMLIMIT below the memory limit")
	assert.GreaterOrEqual(t, gml, limit*8/10, "GOMEMLIMIT near the limit (80-100%%)")

	drain, err := time.ParseDuration(env["SHUTDOWN_DRAIN_DELAY"])
	require.NoError(t, err)
	timeout, err := time.ParseDuration(env["SHUTDOWN_TIMEOUT"])
	require.NoError(t, err)
	require.NotNil(t, pod.Spec.TerminationGracePeriodSeconds)
	assert.Greater(t, time.Duration(*pod.Spec.TerminationGracePeriodSeconds)*time.Second, drain+timeout)

	assert.Regexp(t, `^[0-9a-f]{64}$`, pod.Annotations["checksum/config"])

	// The ConfigMap and Secret the container reads exist (or are the
	// user's existingSecret).
	require.Len(t, c.EnvFrom, 1)
	typed[*corev1.ConfigMap](t, objs, "ConfigMap", c.EnvFrom[0].ConfigMapRef.Name)
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		if e.Name != "DATABASE_URL" || ref.Key != "uri" { // databaseURLFrom
			assert.Equal(t, e.Name, ref.Key)
		}
		if s, ok := objs["Secret/"+ref.Name].(*corev1.Secret); ok && (ref.Optional == nil || !*ref.Optional) {
			assert.Contains(t, s.StringData, ref.Key, "required key %s in Secret %s", ref.Key, ref.Name)
		}
	}
}

func plainEnv(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out[e.Name] = e.Value
		}
	}
	return out
}

var goMemLimitRE = regexp.MustCompile(`^([0-9]+)(B|KiB|MiB|GiB|TiB|MB|GB)?$`)

// parseGoMemLimit parses the GOMEMLIMIT forms the chart writes.
func parseGoMemLimit(s string) (int64, error) {
	m := goMemLimitRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("GOMEMLIMIT %q: not a byte size", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, err
	}
	mult := map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "MB": 1e6, "GB": 1e9}[m[2]]
	return n * mult, nil
}

// Every environment variable the chart gives the services is one they read:
// pkg/config's variables, plus those of the Go runtime and the OpenTelemetry
// SDK. A typo or a renamed variable fails here instead of being ignored in
// a cluster.
func TestServiceEnvIsKnownToConfig(t *testing.T) {
	known := configVariables(t)
	for _, v := range []string{"GOMEMLIMIT", "TMPDIR", "POD_NAME", "POD_NAMESPACE", "OTEL_RESOURCE_ATTRIBUTES"} {
		known[v] = true
	}
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			objs := mustRender(t, readValues(t, file)).objects(t)
			cm := typed[*corev1.ConfigMap](t, objs, "ConfigMap", "t-taskpilot-config")
			for k := range cm.Data {
				assert.True(t, known[k] || strings.HasPrefix(k, "LOG_"), "ConfigMap key %s is read by no service", k)
			}
			for _, svc := range []string{"session-service", "chat-service"} {
				d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
				for _, e := range d.Spec.Template.Spec.Containers[0].Env {
					assert.True(t, known[e.Name], "%s env %s is read by no service", svc, e.Name)
				}
			}
		})
	}
	// And the CHATKIT_MODE etc. of DESIGN.md section 4 are among them.
	for _, v := range []string{"CHATKIT_MODE", "OPENAI_API_KEY", "DATABASE_URL", "SESSION_SIGNING_KEY", "REDIS_URL", "SHUTDOWN_DRAIN_DELAY", "SHUTDOWN_TIMEOUT"} {
		assert.True(t, known[v], "pkg/config does not read %s", v)
	}
}

var configVarRE = regexp.MustCompile(`\bl\.(?:str|duration|float|integer|get|bool)\("([A-Z][A-Z0-9_]+)"`)

// configVariables lists the variables pkg/config's loader reads.
func configVariables(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "pkg", "config", "*.go"))
	require.NoError(t, err)
	out := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range configVarRE.FindAllStringSubmatch(string(src), -1) {
			out[m[1]] = true
		}
	}
	require.Greater(t, len(out), 10, "pkg/config's variables not found; has the loader changed shape?")
	return out
}

// Secret values land in the Secret only: never in a ConfigMap, a pod's
// plain env, an annotation or NOTES.txt.
func TestSecretsStayInSecrets(t *testing.T) {
	secrets := map[string]string{
		"openaiAPIKey":            "sk-test-OPENAI-0b5e7c",
		"sessionSigningKey":       "signing-key-SECRET-5a1d07c3e9f2b8a4c6d0e1f2",
		"databaseURL":             "postgres://tp:DBPASS-77c1@db.internal:5432/tp?sslmode=require",
		"authJWTSecret":           "jwt-SECRET-4417",
		"redisURL":                "redis://:REDISPASS-9a0@redis:6379/0",
		"otelExporterOTLPHeaders": "authorization=Bearer OTLP-TOKEN-31f",
	}
	vals := map[string]any{"secrets": toAny(secrets), "postgresql": map[string]any{"enabled": false}}
	r := mustRender(t, vals)
	dumpOnFailure(t, r)
	objs := r.objects(t)

	s := typed[*corev1.Secret](t, objs, "Secret", "t-taskpilot-secrets")
	assert.Equal(t, map[string]string{
		"OPENAI_API_KEY":             secrets["openaiAPIKey"],
		"SESSION_SIGNING_KEY":        secrets["sessionSigningKey"],
		"DATABASE_URL":               secrets["databaseURL"],
		"AUTH_JWT_SECRET":            secrets["authJWTSecret"],
		"REDIS_URL":                  secrets["redisURL"],
		"OTEL_EXPORTER_OTLP_HEADERS": secrets["otelExporterOTLPHeaders"],
	}, s.StringData)

	needles := slices.Collect(maps.Values(secrets))
	needles = append(needles, "DBPASS-77c1", "REDISPASS-9a0", "OTLP-TOKEN-31f")
	for _, d := range r.docs {
		if d.kind == "Secret" {
			continue
		}
		for _, n := range needles {
			assert.NotContains(t, string(d.yaml), n, "%s %s contains a secret value", d.kind, d.name)
		}
	}
	for _, n := range needles {
		assert.NotContains(t, r.notes, n, "NOTES.txt contains a secret value")
	}

	// session-service gets only what it needs: no DATABASE_URL.
	for svc, wantDB := range map[string]bool{"session-service": false, "chat-service": true} {
		d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
		hasDB := slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "DATABASE_URL" })
		assert.Equal(t, wantDB, hasDB, "%s DATABASE_URL", svc)
	}
}

// Generated secrets (no values given): the signing key and the dev
// PostgreSQL password are generated, long enough, consistent between the
// Secret and DATABASE_URL, and nowhere else.
func TestGeneratedSecrets(t *testing.T) {
	r := mustRender(t, map[string]any{})
	dumpOnFailure(t, r)
	objs := r.objects(t)
	app := typed[*corev1.Secret](t, objs, "Secret", "t-taskpilot-secrets")
	pg := typed[*corev1.Secret](t, objs, "Secret", "t-taskpilot-postgresql")

	key := app.StringData["SESSION_SIGNING_KEY"]
	assert.GreaterOrEqual(t, len(key), 32, "pkg/config wants at least 32 bytes")
	pw := pg.StringData["POSTGRES_PASSWORD"]
	assert.GreaterOrEqual(t, len(pw), 24)
	assert.Equal(t, "postgres://taskpilot:"+pw+"@t-taskpilot-postgresql:5432/taskpilot?sslmode=disable", app.StringData["DATABASE_URL"])
	for _, d := range r.docs {
		if d.kind != "Secret" {
			assert.NotContains(t, string(d.yaml), key, "%s %s", d.kind, d.name)
			assert.NotContains(t, string(d.yaml), pw, "%s %s", d.kind, d.name)
		}
	}
	// The dev PostgreSQL reads the same Secret, and only chat-service may
	// reach it.
	ss := typed[*appsv1.StatefulSet](t, objs, "StatefulSet", "t-taskpilot-postgresql")
	assert.True(t, slices.ContainsFunc(ss.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool {
		return e.Name == "POSTGRES_PASSWORD" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef.Name == pg.Name
	}))
	np := typed[*networkingv1.NetworkPolicy](t, objs, "NetworkPolicy", "t-taskpilot-postgresql")
	require.Len(t, np.Spec.Ingress, 1)
	require.Len(t, np.Spec.Ingress[0].From, 1)
	assert.Equal(t, "chat-service", np.Spec.Ingress[0].From[0].PodSelector.MatchLabels["app.kubernetes.io/component"])
}

// existingSecret: the chart creates no Secret of its own and every pod reads
// the named one.
func TestExistingSecret(t *testing.T) {
	r := mustRender(t, map[string]any{
		"secrets":    map[string]any{"existingSecret": "my-taskpilot"},
		"postgresql": map[string]any{"enabled": false},
	})
	objs := r.objects(t)
	assert.Empty(t, ofKind[*corev1.Secret](objs), "no Secret rendered")
	for _, svc := range []string{"session-service", "chat-service"} {
		d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				assert.Equal(t, "my-taskpilot", e.ValueFrom.SecretKeyRef.Name, "%s %s", svc, e.Name)
			}
		}
	}
}

// Without a database URL, bundled PostgreSQL or existing Secret, the install
// fails with a message saying what to set.
func TestDatabaseURLRequired(t *testing.T) {
	_, err := render(t, map[string]any{"postgresql": map[string]any{"enabled": false}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "secrets.databaseURL is required")
}

// Services, PDBs, HPAs and ServiceMonitors select exactly their component's
// pods; HPAs target Deployments that exist and leave replicas to the HPA.
func TestSelectorsAndScaling(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			objs := mustRender(t, readValues(t, file)).objects(t)
			pods := podSpecs(objs)
			matching := func(sel labels.Selector) []string {
				var out []string
				for name, p := range pods {
					if sel.Matches(labels.Set(p.Labels)) {
						out = append(out, name)
					}
				}
				return out
			}
			for _, s := range ofKind[*corev1.Service](objs) {
				got := matching(labels.SelectorFromSet(s.Spec.Selector))
				assert.Len(t, got, 1, "Service %s selects %v", s.Name, got)
				want := "http"
				if s.Name == "t-taskpilot-postgresql" {
					want = "postgresql"
				}
				for _, p := range s.Spec.Ports {
					if p.Name == "metrics" {
						assert.Equal(t, "metrics", p.TargetPort.String(), "Service %s metrics port", s.Name)
						continue
					}
					assert.Equal(t, want, p.TargetPort.String(), "Service %s targets the named port", s.Name)
				}
			}
			for _, p := range ofKind[*policyv1.PodDisruptionBudget](objs) {
				sel := labels.SelectorFromSet(p.Spec.Selector.MatchLabels)
				assert.Len(t, matching(sel), 1, "PDB %s", p.Name)
			}
			for _, sm := range ofKind[*monitoringv1.ServiceMonitor](objs) {
				n := 0
				for _, s := range ofKind[*corev1.Service](objs) {
					if labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(s.Labels)) {
						n++
						assert.Equal(t, sm.Spec.JobLabel, "app.kubernetes.io/component")
						assert.Contains(t, []string{"session-service", "chat-service"}, s.Labels[sm.Spec.JobLabel], "job label")
					}
				}
				assert.Equal(t, 1, n, "ServiceMonitor %s selects one Service", sm.Name)
				require.Len(t, sm.Spec.Endpoints, 1)
				assert.Equal(t, "metrics", sm.Spec.Endpoints[0].Port, "scrapes the metrics port")
				assert.Equal(t, "/metrics", sm.Spec.Endpoints[0].Path)
				assert.True(t, sm.Spec.Endpoints[0].HonorLabels, "keep the services' own service label")
			}
			for _, h := range ofKind[*autoscalingv2.HorizontalPodAutoscaler](objs) {
				d := typed[*appsv1.Deployment](t, objs, "Deployment", h.Spec.ScaleTargetRef.Name)
				assert.Nil(t, d.Spec.Replicas, "Deployment %s leaves replicas to its HPA", d.Name)
				require.NotNil(t, h.Spec.MinReplicas)
				assert.LessOrEqual(t, *h.Spec.MinReplicas, h.Spec.MaxReplicas)
				assert.NotEmpty(t, h.Spec.Metrics)
				for _, c := range d.Spec.Template.Spec.Containers {
					assert.False(t, c.Resources.Requests.Cpu().IsZero(), "HPA on CPU needs a CPU request")
				}
			}
		})
	}
}

// NetworkPolicies: each component accepts HTTP on its named port from the
// configured peers only; restricted egress keeps DNS.
func TestNetworkPolicies(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			vals := readValues(t, file)
			objs := mustRender(t, vals).objects(t)
			nps := ofKind[*networkingv1.NetworkPolicy](objs)
			np, _ := vals["networkPolicy"].(map[string]any)
			if enabled, set := np["enabled"]; set && enabled == false {
				assert.Empty(t, nps)
				return
			}
			pods := podSpecs(objs)
			for name, p := range pods {
				covered := slices.ContainsFunc(nps, func(n *networkingv1.NetworkPolicy) bool {
					return labels.SelectorFromSet(n.Spec.PodSelector.MatchLabels).Matches(labels.Set(p.Labels))
				})
				assert.True(t, covered, "%s has a NetworkPolicy", name)
			}
			for _, n := range nps {
				require.NotEmpty(t, n.Spec.Ingress, n.Name)
				for _, rule := range n.Spec.Ingress {
					assert.NotEmpty(t, rule.From, "%s: ingress from named peers only", n.Name)
					assert.NotEmpty(t, rule.Ports, n.Name)
				}
				if slices.Contains(n.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
					dns := slices.ContainsFunc(n.Spec.Egress, func(r networkingv1.NetworkPolicyEgressRule) bool {
						return slices.ContainsFunc(r.Ports, func(p networkingv1.NetworkPolicyPort) bool { return p.Port.IntValue() == 53 })
					})
					assert.True(t, dns, "%s egress allows DNS", n.Name)
				}
			}
		})
	}
}

// One ConfigMap per dashboards/*.json, labelled for the Grafana sidecar,
// holding the file as is.
func TestDashboardConfigMaps(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(chartDir(t), "dashboards", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	objs := mustRender(t, map[string]any{}).objects(t)
	var found int
	for _, cm := range ofKind[*corev1.ConfigMap](objs) {
		if cm.Labels["grafana_dashboard"] != "1" {
			continue
		}
		found++
		require.Len(t, cm.Data, 1, cm.Name)
		for key, data := range cm.Data {
			want, err := os.ReadFile(filepath.Join(chartDir(t), "dashboards", key))
			require.NoError(t, err, "ConfigMap %s key %s is no dashboard file", cm.Name, key)
			assert.JSONEq(t, string(want), data, key)
		}
		assert.Equal(t, "TaskPilotAI", cm.Annotations["grafana_folder"])
	}
	assert.Equal(t, len(files), found)

	objs = mustRender(t, map[string]any{"grafana": map[string]any{"dashboards": map[string]any{"enabled": false}}}).objects(t)
	for _, cm := range ofKind[*corev1.ConfigMap](objs) {
		assert.Empty(t, cm.Labels["grafana_dashboard"], cm.Name)
	}
}

// The PrometheusRule carries deploy/prometheus/rules.yaml's groups, and the
// chart's copy of the file is identical to it.
func TestPrometheusRuleMatchesDeployRules(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "prometheus", "rules.yaml"))
	require.NoError(t, err)
	cp, err := os.ReadFile(filepath.Join(chartDir(t), "files", "prometheus-rules.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(src), string(cp), "charts/taskpilot/files/prometheus-rules.yaml differs from deploy/prometheus/rules.yaml: run make sync-rules")

	objs := mustRender(t, map[string]any{"metrics": map[string]any{"prometheusRule": map[string]any{"enabled": true}}}).objects(t)
	pr := typed[*monitoringv1.PrometheusRule](t, objs, "PrometheusRule", "t-taskpilot")
	var file struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}
	require.NoError(t, yaml.UnmarshalStrict(src, &file))
	require.NotEmpty(t, file.Groups)
	assert.Equal(t, file.Groups, pr.Spec.Groups)
}

// GOMEMLIMIT follows the memory limit in each unit the chart accepts, and an
// explicit value wins.
func TestGoMemLimit(t *testing.T) {
	cases := []struct {
		limit, explicit, want string
	}{
		{"512Mi", "", "460MiB"},
		{"1Gi", "", "921MiB"},
		{"500M", "", "450MB"},
		{"2G", "", "1800MB"},
		{"512Mi", "400MiB", "400MiB"},
	}
	for _, tc := range cases {
		t.Run(tc.limit+"/"+tc.explicit, func(t *testing.T) {
			objs := mustRender(t, map[string]any{"chatService": map[string]any{
				"goMemLimit": tc.explicit,
				"resources":  map[string]any{"limits": map[string]any{"memory": tc.limit}},
			}}).objects(t)
			d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-chat-service")
			assert.Equal(t, tc.want, plainEnv(d.Spec.Template.Spec.Containers[0])["GOMEMLIMIT"])
			q := resource.MustParse(tc.limit)
			got, err := parseGoMemLimit(tc.want)
			require.NoError(t, err)
			assert.Less(t, got, q.Value())
		})
	}
}

// helm lint (the CLI's code path, strict: warnings fail) over the chart
// with each CI values file.
func TestHelmLint(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			lint := action.NewLint()
			lint.Strict = true
			lint.Namespace = namespace
			lint.KubeVersion = kubeVersion
			res := lint.Run([]string{chartDir(t)}, readValues(t, file))
			for _, m := range res.Messages {
				t.Log(m.Error())
			}
			assert.Empty(t, res.Errors)
			assert.Zero(t, res.TotalChartsLinted-1, "one chart linted")
		})
	}
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deploy/values-*.yaml (the documented examples) render and decode too; the
// production example reads DATABASE_URL from CloudNativePG's app Secret.
func TestExampleValues(t *testing.T) {
	for _, f := range []string{"values-dev.yaml", "values-production.yaml"} {
		t.Run(f, func(t *testing.T) {
			r := mustRender(t, readValues(t, filepath.Join(repoRoot(t), "deploy", f)))
			dumpOnFailure(t, r)
			objs := r.objects(t)
			checkHardenedAll(t, objs)
			if f != "values-production.yaml" {
				return
			}
			assert.Empty(t, ofKind[*corev1.Secret](objs))
			d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-chat-service")
			var db *corev1.EnvVar
			for i, e := range d.Spec.Template.Spec.Containers[0].Env {
				if e.Name == "DATABASE_URL" {
					db = &d.Spec.Template.Spec.Containers[0].Env[i]
				}
			}
			require.NotNil(t, db)
			assert.Equal(t, "taskpilot-db-app", db.ValueFrom.SecretKeyRef.Name)
			assert.Equal(t, "uri", db.ValueFrom.SecretKeyRef.Key)
		})
	}
}

func checkHardenedAll(t *testing.T, objs map[string]any) {
	for name, spec := range podSpecs(objs) {
		t.Run(name, func(t *testing.T) { checkHardened(t, spec) })
	}
}

// NOTES.txt tells how to reach the app and warns about the dev database and
// per-replica rate limits, only when they apply.
func TestNotes(t *testing.T) {
	r := mustRender(t, map[string]any{})
	assert.Contains(t, r.notes, "http://<ingress address>/")
	assert.Contains(t, r.notes, "bundled single-instance PostgreSQL is for development only")
	assert.Contains(t, r.notes, "without REDIS_URL")

	r = mustRender(t, readValues(t, filepath.Join(chartDir(t), "ci", "minimal-values.yaml")))
	assert.Contains(t, r.notes, "port-forward svc/t-taskpilot-chat-service 8082:80")
	assert.NotContains(t, r.notes, "t-taskpilot-frontend", "no front end in this install")
	assert.NotContains(t, r.notes, "PostgreSQL is for development")
	assert.NotContains(t, r.notes, "without REDIS_URL", "one replica")

	r = mustRender(t, map[string]any{"ingress": map[string]any{"hosts": []any{"tasks.example.com"}, "tls": map[string]any{"enabled": true, "secretName": "tls"}}})
	assert.Contains(t, r.notes, "https://tasks.example.com/")
}

// Object names, label values, container and port names are valid for the
// API server (what a real install would reject), also with a long release
// name, and distinct.
func TestNamesAreValid(t *testing.T) {
	for _, rel := range []string{"t", "taskpilot", "a-rather-long-release-name-for-the-staging-cluster-x"} {
		t.Run(rel, func(t *testing.T) {
			r, err := renderAs(t, rel, namespace, readValues(t, filepath.Join(chartDir(t), "ci", "production-values.yaml")))
			require.NoError(t, err)
			objs := r.objects(t)
			names := map[string]bool{}
			for _, d := range r.docs {
				key := d.kind + "/" + d.name
				assert.False(t, names[key], "%s twice", key)
				names[key] = true
				var errs []string
				switch d.kind {
				case "Service", "NetworkPolicy":
					errs = validation.IsDNS1035Label(d.name)
				default:
					errs = validation.IsDNS1123Subdomain(d.name)
				}
				assert.Empty(t, errs, "%s name %q", d.kind, d.name)
			}
			for name, pod := range podSpecs(objs) {
				for k, v := range pod.Labels {
					assert.Empty(t, validation.IsQualifiedName(k), "%s label %s", name, k)
					assert.Empty(t, validation.IsValidLabelValue(v), "%s label %s=%q", name, k, v)
				}
				for _, c := range pod.Spec.Containers {
					assert.Empty(t, validation.IsDNS1123Label(c.Name), "%s container %q", name, c.Name)
					for _, p := range c.Ports {
						assert.Empty(t, validation.IsValidPortName(p.Name), "%s port %q", name, p.Name)
					}
				}
			}
		})
	}
}
