package deploytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
)

// The binary test builds both service binaries as their Dockerfiles do and
// runs them as the chart runs them; it takes minutes on a cold build cache,
// so `go test work` skips it and `make test-deploy-binaries` (part of `make
// test`) runs it with its own timeout.
const binariesEnv = "DEPLOY_BINARY_TESTS"

// nonrootUID is distroless's "nonroot" user, the chart's runAsUser.
const nonrootUID = 65532

// buildLikeDockerfile builds services/<svc> with the go build command, flags
// and environment of its Dockerfile (checked against wantBuildFlags by
// TestServiceDockerfiles), without skaffold's debug gcflags.
func buildLikeDockerfile(t *testing.T, svc, outDir string) string {
	t.Helper()
	stages := parseDockerfile(t, filepath.Join(repoRoot(t), "services", svc, "Dockerfile"))
	b := buildCommand(t, stages[0])
	require.Equal(t, wantBuildFlags, b.flags, "the Dockerfile's flags are the ones this test builds with")
	flags := make([]string, 0, len(b.flags))
	for _, f := range b.flags {
		flags = append(flags, strings.ReplaceAll(f, "${SKAFFOLD_GO_GCFLAGS}", ""))
	}
	out := filepath.Join(outDir, svc)
	args := append(append([]string{"build"}, flags...), "-o", out, b.pkg)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(repoRoot(t), b.dir)
	cmd.Env = os.Environ()
	for k, v := range b.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	require.NoError(t, cmd.Run(), "go %s (in %s): %s", strings.Join(args, " "), b.dir, stderr.String())
	t.Logf("built %s like its Dockerfile in %s: go %s", svc, time.Since(start).Round(time.Second), strings.Join(args, " "))
	return out
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	built     map[string]string
)

// builtServices builds both services once per test binary (TestMain
// removes them).
func builtServices(t *testing.T) map[string]string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "deploytest-bin-")
		if buildErr != nil {
			return
		}
		buildErr = os.Chmod(buildDir, 0o755)
		built = map[string]string{}
		for _, svc := range services {
			built[svc] = buildLikeDockerfile(t, svc, buildDir)
		}
	})
	require.NoError(t, buildErr)
	require.Len(t, built, len(services), "an earlier build failed")
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// pod is a service process started the way its container starts.
type pod struct {
	name string
	url  string
	// metricsURL is the pod's METRICS_ADDR listener (the chart's metrics
	// port); /metrics is not served on url.
	metricsURL string
	cmd        *exec.Cmd
	logs       *syncBuffer
	done       chan error
	tmpDir     string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// containerEnv resolves a rendered container's environment as the kubelet
// does: the ConfigMap (envFrom), then env with secretKeyRef from the
// rendered Secret and fieldRef from the pod, with $(VAR) references expanded.
func containerEnv(t *testing.T, objs map[string]any, c corev1.Container, podName string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		cm := typed[*corev1.ConfigMap](t, objs, "ConfigMap", from.ConfigMapRef.Name)
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = ref.ReplaceAllStringFunc(e.Value, func(m string) string {
				if v, ok := env[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		case e.ValueFrom.SecretKeyRef != nil:
			s := typed[*corev1.Secret](t, objs, "Secret", e.ValueFrom.SecretKeyRef.Name)
			v, ok := s.StringData[e.ValueFrom.SecretKeyRef.Key]
			if !ok {
				require.True(t, e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional, "required secret key %s missing", e.Name)
				continue
			}
			env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				env[e.Name] = podName
			case "metadata.namespace":
				env[e.Name] = namespace
			default:
				t.Fatalf("fieldRef %s not simulated", e.ValueFrom.FieldRef.FieldPath)
			}
		default:
			t.Fatalf("env %s: valueFrom not simulated", e.Name)
		}
	}
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// sandbox is the file system a pod sees: a read-only working directory and
// HOME (the image's root file system), and a writable TMPDIR (the chart's
// /tmp emptyDir). As root, the process runs as uid/gid 65532, so nothing
// else is writable to it either; otherwise it runs as the (non-root)
// current user.
type sandbox struct {
	root, cwd, home, tmp string
	asNonroot            bool
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	root := t.TempDir()
	s := sandbox{root: root, cwd: filepath.Join(root, "rootfs"), home: filepath.Join(root, "home"), tmp: filepath.Join(root, "tmp")}
	for _, d := range []string{s.cwd, s.home, s.tmp} {
		require.NoError(t, os.Mkdir(d, 0o755))
	}
	require.NoError(t, os.Chmod(s.cwd, 0o555))
	require.NoError(t, os.Chmod(s.home, 0o555))
	require.NoError(t, os.Chmod(s.tmp, 0o700))
	if os.Geteuid() == 0 {
		s.asNonroot = true
		// Let uid 65532 reach the binaries and its TMPDIR.
		for d := root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			require.NoError(t, os.Chmod(d, 0o755))
		}
		require.NoError(t, os.Chown(s.tmp, nonrootUID, nonrootUID))
	}
	t.Cleanup(func() {
		_ = os.Chmod(s.cwd, 0o755)
		_ = os.Chmod(s.home, 0o755)
	})
	return s
}

// startPod starts bin with env in the sandbox and waits for /healthz.
func startPod(t *testing.T, name, bin string, sb sandbox, env map[string]string) *pod {
	t.Helper()
	return startPodWait(t, name, bin, sb, env, true)
}

func startPodWait(t *testing.T, name, bin string, sb sandbox, env map[string]string, wait bool) *pod {
	t.Helper()
	p := &pod{name: name, logs: &syncBuffer{}, done: make(chan error, 1), tmpDir: sb.tmp}
	addr := freeAddr(t)
	env["LISTEN_ADDR"] = addr
	maddr := freeAddr(t)
	env["METRICS_ADDR"] = maddr
	p.metricsURL = "http://" + maddr
	env["HOME"] = sb.home
	env["TMPDIR"] = sb.tmp
	p.url = "http://" + addr

	cmd := exec.Command(bin)
	cmd.Dir = sb.cwd
	cmd.Env = nil // nothing from the test's environment: only what the pod gets
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if sb.asNonroot {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nonrootUID, Gid: nonrootUID, Groups: []uint32{}}}
	}
	require.NoError(t, cmd.Start())
	p.cmd = cmd
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, p.logs.String())
		}
	})

	if wait {
		waitHealthy(t, p)
	}
	return p
}

// launchPod starts a pod without waiting for it (replicas starting at once).
func launchPod(t *testing.T, name, bin string, sb sandbox, env map[string]string) *pod {
	t.Helper()
	return startPodWait(t, name, bin, sb, env, false)
}

func waitHealthy(t *testing.T, p *pod) {
	t.Helper()
	name := p.name
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case err := <-p.done:
			t.Fatalf("%s exited before answering: %v\n%s", name, err, p.logs.String())
		default:
		}
		res, err := httpGet(p.url + "/healthz")
		if err == nil && res == http.StatusOK {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s never answered /healthz: %v\n%s", name, err, p.logs.String())
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGet(url string) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, nil
}

func do(t *testing.T, method, url string, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// scrape reads /metrics into metric families.
func scrape(t *testing.T, p *pod) map[string]*dto.MetricFamily {
	t.Helper()
	res, body := do(t, http.MethodGet, p.metricsURL+"/metrics", "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	tp := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := tp.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err, "%s /metrics", p.name)
	return fams
}

// worldWritable lists the entries owned by uid in the directories any user
// may write to: where a process confined to TMPDIR must not have written.
func worldWritable(uid uint32) map[string]bool {
	out := map[string]bool{}
	for _, dir := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				continue
			}
			if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == uid {
				out[filepath.Join(dir, e.Name())] = true
			}
		}
	}
	return out
}

// Both services, built like their images and started with the environment
// the chart gives their containers (ConfigMap, Secret, downward API), as
// uid 65532 with a read-only working directory and HOME and only TMPDIR
// writable: they start, answer the probes, serve a real flow (a session, a
// chat turn through the OpenAI agent against a fake upstream, the tasks
// API, a rate-limit rejection), export every metric the dashboards and
// alerts query with the contract's labels, turn not-ready on SIGTERM and
// exit 0 within the grace period, having written nothing outside TMPDIR.
func TestServiceBinariesRunLikeTheirPods(t *testing.T) {
	if os.Getenv(binariesEnv) == "" {
		t.Skipf("builds both services (minutes on a cold cache): run with %s=1 (make test-deploy-binaries)", binariesEnv)
	}
	bins := builtServices(t)

	const openAIKey = "sk-test-binaries-7d1f0c"
	fake := fakeopenai.New(t, openAIKey)

	// The default install's environment, rendered by the chart.
	objs := mustRender(t, map[string]any{
		"config": map[string]any{"rateLimitPerMinute": 3},
		"shutdown": map[string]any{
			"drainDelaySeconds": 2, "timeoutSeconds": 5, "marginSeconds": 3,
		},
	}).objects(t)
	envOf := func(svc string) (map[string]string, time.Duration) {
		d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
		env := containerEnv(t, objs, d.Spec.Template.Spec.Containers[0], "t-taskpilot-"+svc+"-5d9c7-x2x1z")
		return env, time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	}

	before := worldWritable(nonrootUID)

	sessEnv, sessGrace := envOf("session-service")
	sess := startPod(t, "session-service", bins["session-service"], newSandbox(t), sessEnv)

	chatSandbox := newSandbox(t)
	chatEnv, chatGrace := envOf("chat-service")
	// The bundled PostgreSQL is not here: SQLite in the pod's /tmp, and the
	// OpenAI agent against the fake upstream.
	chatEnv["DATABASE_URL"] = "sqlite://" + filepath.Join(chatSandbox.tmp, "taskpilot.db")
	chatEnv["OPENAI_API_KEY"] = openAIKey
	chatEnv["OPENAI_BASE_URL"] = fake.URL
	chat := startPod(t, "chat-service", bins["chat-service"], chatSandbox, chatEnv)
	assert.Equal(t, sessEnv["SESSION_SIGNING_KEY"], chatEnv["SESSION_SIGNING_KEY"], "one signing key for both services")

	for _, p := range []*pod{sess, chat} {
		code, err := httpGet(p.url + "/readyz")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, code, "%s /readyz", p.name)
	}

	// A browser's flow: a session (the anonymous cookie comes back), then a
	// chat turn in which the model adds a task, then the task list.
	jsonBody := http.Header{"Content-Type": {"application/json"}}
	res, body := do(t, http.MethodPost, sess.url+"/api/chatkit/sessions", "", jsonBody)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	var session struct {
		ClientSecret string `json:"client_secret"`
		Mode         string `json:"mode"`
	}
	require.NoError(t, json.Unmarshal(body, &session))
	require.NotEmpty(t, session.ClientSecret)
	assert.Equal(t, "self-hosted", session.Mode)
	cookies := res.Cookies()
	require.NotEmpty(t, cookies, "anonymous identity cookie")
	withCookie := http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}, "Content-Type": {"application/json"}}

	bad, _ := do(t, http.MethodPost, sess.url+"/api/chatkit/sessions", "{not json", withCookie)
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode)
	// RATE_LIMIT_PER_MINUTE=3 (from the chart's config): the fourth call of
	// this browser within the minute is refused.
	var limited *http.Response
	for range 4 {
		limited, _ = do(t, http.MethodPost, sess.url+"/api/chatkit/sessions", "", withCookie)
	}
	assert.Equal(t, http.StatusTooManyRequests, limited.StatusCode)
	assert.NotEmpty(t, limited.Header.Get("Retry-After"))

	fake.Enqueue(
		fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
			Arguments: `{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null}`}),
		fakeopenai.Reply("Added task 1 ", "\"Buy milk\"."),
	)
	auth := http.Header{"Authorization": {"Bearer " + session.ClientSecret}, "Content-Type": {"application/json"}}
	turn := `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"add a task to buy milk"}],"attachments":[],"quoted_text":null,"inference_options":{"tool_choice":null,"model":null}}}}`
	res, body = do(t, http.MethodPost, chat.url+"/api/v1/chatkit", turn, auth)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Equal(t, "text/event-stream", strings.Split(res.Header.Get("Content-Type"), ";")[0])
	assert.Contains(t, string(body), `Buy milk`)
	assert.Contains(t, string(body), `thread.item.done`)

	res, body = do(t, http.MethodGet, chat.url+"/api/v1/tasks", "", auth)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"title":"Buy milk"`)
	res, _ = do(t, http.MethodGet, chat.url+"/api/v1/tasks", "", nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	t.Run("metrics", func(t *testing.T) {
		exported := map[string]*dto.MetricFamily{}
		for _, p := range []*pod{sess, chat} {
			for name, f := range scrape(t, p) {
				if prev, ok := exported[name]; ok {
					prev.Metric = append(prev.Metric, f.Metric...)
					continue
				}
				exported[name] = f
			}
		}
		checkExported(t, exported)
	})

	// Secrets never reach the logs.
	for _, p := range []*pod{sess, chat} {
		logs := p.logs.String()
		assert.NotContains(t, logs, sessEnv["SESSION_SIGNING_KEY"], p.name)
		assert.NotContains(t, logs, openAIKey, p.name)
		assert.NotContains(t, logs, session.ClientSecret, p.name)
	}

	// SIGTERM as the kubelet sends it: /readyz turns 503 during the drain
	// delay, and the process exits 0 within terminationGracePeriodSeconds.
	for _, tc := range []struct {
		p     *pod
		grace time.Duration
	}{{sess, sessGrace}, {chat, chatGrace}} {
		start := time.Now()
		require.NoError(t, tc.p.cmd.Process.Signal(syscall.SIGTERM))
		var sawNotReady bool
		for time.Since(start) < 1500*time.Millisecond && !sawNotReady {
			code, err := httpGet(tc.p.url + "/readyz")
			sawNotReady = err == nil && code == http.StatusServiceUnavailable
			time.Sleep(50 * time.Millisecond)
		}
		assert.True(t, sawNotReady, "%s /readyz answers 503 while draining", tc.p.name)
		select {
		case err := <-tc.p.done:
			assert.NoError(t, err, "%s exits 0 on SIGTERM", tc.p.name)
			assert.Less(t, time.Since(start), tc.grace, "%s within the grace period", tc.p.name)
		case <-time.After(tc.grace):
			t.Errorf("%s still running after the grace period %s", tc.p.name, tc.grace)
		}
	}

	// Nothing written outside the pods' TMPDIR.
	after := worldWritable(nonrootUID)
	for p := range after {
		assert.True(t, before[p], "wrote %s outside TMPDIR", p)
	}
	for _, sb := range []string{sess.tmpDir, chat.tmpDir} {
		entries, err := os.ReadDir(filepath.Join(filepath.Dir(sb), "rootfs"))
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing written in the working directory")
	}
	var dbFiles []string
	_ = filepath.WalkDir(chat.tmpDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			dbFiles = append(dbFiles, filepath.Base(path))
		}
		return nil
	})
	assert.Contains(t, dbFiles, "taskpilot.db", "chat-service kept its state in TMPDIR")
}

// checkExported: every contract metric is exported with the contract's
// labels, and every metric and label the dashboards and alert rules query
// exists in what the services really export.
func checkExported(t *testing.T, exported map[string]*dto.MetricFamily) {
	t.Helper()
	contract := contractLabels(t)
	for name, labels := range contract {
		f, ok := exported[name]
		if !assert.True(t, ok, "%s not exported", name) {
			continue
		}
		require.NotEmpty(t, f.Metric, name)
		for _, m := range f.Metric {
			var got []string
			for _, l := range m.Label {
				got = append(got, l.GetName())
			}
			slices.Sort(got)
			assert.Equal(t, labels, got, "%s labels", name)
		}
	}

	labelsOf := func(name string) ([]string, bool) {
		base, suffix := baseName(name)
		f, ok := exported[name]
		if !ok && suffix != "" {
			f, ok = exported[base]
			if ok && f.GetType() != dto.MetricType_HISTOGRAM {
				ok = false
			}
		}
		if !ok {
			return nil, false
		}
		var out []string
		for _, m := range f.Metric {
			for _, l := range m.Label {
				out = append(out, l.GetName())
			}
		}
		if suffix == "_bucket" {
			out = append(out, "le")
		}
		return out, true
	}
	// Target labels Prometheus adds on scrape.
	targetLabels := []string{"namespace", "job", "instance", "pod", "container", "endpoint"}

	var exprs []string
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	for _, d := range loadDashboards(t) {
		for _, p := range flatPanels(d.Panels) {
			for _, q := range p.Targets {
				exprs = append(exprs, promQLOf(q.Expr))
			}
		}
		for _, v := range d.Templating.List {
			if m := labelVals.FindStringSubmatch(v.Definition); m != nil {
				exprs = append(exprs, promQLOf(m[1]))
			}
		}
	}
	for _, expr := range exprs {
		node, err := newPromQLParser().ParseExpr(expr)
		require.NoError(t, err)
		allowed := slices.Clone(targetLabels)
		var selectors []*parser.VectorSelector
		var grouping []string
		parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
			switch x := n.(type) {
			case *parser.VectorSelector:
				selectors = append(selectors, x)
				labels, ok := labelsOf(x.Name)
				assert.True(t, ok, "%s is queried but not exported (%s)", x.Name, expr)
				allowed = append(allowed, labels...)
			case *parser.AggregateExpr:
				grouping = append(grouping, x.Grouping...)
			case *parser.BinaryExpr:
				if x.VectorMatching != nil {
					grouping = append(grouping, x.VectorMatching.MatchingLabels...)
				}
			}
			return nil
		})
		for _, vs := range selectors {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					continue
				}
				assert.Contains(t, allowed, m.Name, "label %s of %s is not exported (%s)", m.Name, vs.Name, expr)
			}
		}
		for _, l := range grouping {
			assert.Contains(t, allowed, l, "grouping label %s is not exported (%s)", l, expr)
		}
	}
}

var contractLabelRowRE = regexp.MustCompile("(?m)^\\|\\s*`(taskpilot_[a-z0-9_]+)`\\s*\\|\\s*(?:counter|gauge|histogram)\\s*\\|([^|]*)\\|")

// contractLabels reads each contract metric's label names from
// docs/CONTRACTS.md, sorted.
func contractLabels(t *testing.T) map[string][]string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "CONTRACTS.md"))
	require.NoError(t, err)
	paren := regexp.MustCompile(`\([^)]*\)`)
	ident := regexp.MustCompile(`[a-z_][a-z0-9_]*`)
	out := map[string][]string{}
	for _, m := range contractLabelRowRE.FindAllStringSubmatch(string(doc), -1) {
		labels := ident.FindAllString(paren.ReplaceAllString(m[2], ""), -1)
		labels = slices.DeleteFunc(labels, func(s string) bool { return s == "" })
		slices.Sort(labels)
		out[m[1]] = labels
	}
	require.Len(t, out, len(contractMetrics(t)))
	return out
}
