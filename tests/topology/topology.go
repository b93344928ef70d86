package topology

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// Options configure Start.
type Options struct {
	// Repo is the repository root.
	Repo string
	// ValuesFile is the chart values file rendered, relative to the chart
	// (default ci/default-values.yaml).
	ValuesFile string
	// StaticDir is the front end's static export (default <Repo>/frontend/out).
	StaticDir string
	// PostgresURL is the admin URL of the shared PostgreSQL server; the
	// topology creates (and drops) a database of its own there.
	PostgresURL string
	// Logger receives the topology's own events (never secrets).
	Logger *slog.Logger
	// OfflineAgent leaves the OpenAI key out of the chart's Secret, so
	// chat-service runs the offline agent (as the all-in-one does without a
	// key) instead of the fake model.
	OfflineAgent bool
	// Values are more chart values, overlaid last (e.g. config.rateLimitPerMinute).
	Values map[string]any
}

// Services whose binaries the topology builds (the components of the chart
// that run Go services); every other component behind the Ingress is the
// front end's nginx.
var goServices = []string{"session-service", "chat-service"}

// Pod is one running pod of a component.
type Pod struct {
	Name      string
	Component string
	Spec      *PodSpec
	// URL is the pod's http port.
	URL string

	proc *Proc
	dir  string

	// Endpoint state (guarded by Topology.mu).
	terminating bool
	ready       bool
	fails       int32
	nextProbe   time.Time
}

// Topology is the running production shape.
type Topology struct {
	// IngressURL is where clients go (the Ingress).
	IngressURL string
	// PrometheusURL is Prometheus's HTTP API and UI.
	PrometheusURL string
	// Model is the fake OpenAI-compatible upstream.
	Model *Model
	// Chart is the rendered release.
	Chart *Chart
	// Routes are the Ingress's paths.
	Routes []Route
	// Postgres is the relay between the services and PostgreSQL: Cut and
	// Restore simulate a database restart.
	Postgres *reliability.TCPProxy
	// DrainDelay is the chart's shutdown.drainDelaySeconds as the pods got it.
	DrainDelay time.Duration

	opts     Options
	log      *slog.Logger
	dir      string
	bins     map[string]string
	cleanups []func()
	db       *database
	redis    *redisServer
	otlp     *otlpReceiver
	ingress  *Proc
	ingDir   string
	noEP     string
	prom     *Proc
	promDir  string
	rules    string
	services []string // Services behind the Ingress, in route order

	mu     sync.Mutex
	pods   []*Pod
	terms  []Termination
	serial int
	stopEP context.CancelFunc
	epDone chan struct{}
	closed bool
}

// Start builds the services, renders the chart and starts every part; on
// error everything started so far is stopped. Close stops it all.
func Start(ctx context.Context, o Options) (_ *Topology, err error) {
	if o.ValuesFile == "" {
		o.ValuesFile = "ci/default-values.yaml"
	}
	if o.StaticDir == "" {
		o.StaticDir = filepath.Join(o.Repo, "frontend", "out")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(filepath.Join(o.StaticDir, "index.html")); err != nil {
		return nil, fmt.Errorf("the front end's static export %s is missing (make frontend/out): %w", o.StaticDir, err)
	}
	nginx, err := lookPath("nginx")
	if err != nil {
		return nil, err
	}
	promBin, err := lookPath("prometheus")
	if err != nil {
		return nil, err
	}
	redisBin, err := lookPath("redis-server")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "taskpilot-topology-")
	if err != nil {
		return nil, fmt.Errorf("work dir: %w", err)
	}
	// Workers of a root nginx run as nobody: let them in.
	if err := os.Chmod(dir, 0o755); err != nil { //nolint:gosec // G302: nginx's workers (user nobody) reach their temp paths through it
		return nil, fmt.Errorf("work dir: %w", err)
	}
	t := &Topology{opts: o, log: o.Logger, dir: dir, bins: map[string]string{}}
	t.cleanups = append(t.cleanups, func() { _ = os.RemoveAll(dir) })
	defer func() {
		if err != nil {
			t.Close()
		}
	}()

	// Binaries, as the Dockerfiles build them.
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o750); err != nil {
		return nil, fmt.Errorf("bin dir: %w", err)
	}
	for _, svc := range goServices {
		start := time.Now()
		bin, err := BuildService(ctx, o.Repo, svc, binDir)
		if err != nil {
			return nil, err
		}
		t.bins[svc] = bin
		t.log.InfoContext(ctx, "built like its Dockerfile", slog.String("service", svc), slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	}

	// Backing services: a database of our own behind a cuttable relay, a
	// Redis of our own, the trace receiver and the fake model.
	t.db, err = createDatabase(ctx, o.PostgresURL)
	if err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := t.db.drop(ctx); err != nil {
			t.log.Error("drop topology database", slog.Any("error", err))
		}
	})
	pgURL, err := url.Parse(o.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	pgHost := pgURL.Host
	if !strings.Contains(pgHost, ":") {
		pgHost += ":5432"
	}
	// The relay lives as long as the topology (not ctx: the caller's start
	// context may be short).
	t.Postgres, err = reliability.NewTCPProxy(context.Background(), pgHost)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL relay: %w", err)
	}
	t.cleanups = append(t.cleanups, t.Postgres.Close)
	dbURL, err := t.db.url(t.Postgres.Addr)
	if err != nil {
		return nil, err
	}
	redisAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	t.redis = &redisServer{bin: redisBin, addr: redisAddr, dir: filepath.Join(dir, "redis")}
	if err := os.Mkdir(t.redis.dir, 0o750); err != nil {
		return nil, fmt.Errorf("redis dir: %w", err)
	}
	if err := t.redis.start(ctx); err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, t.redis.stop)
	t.otlp, err = newOTLPReceiver(ctx)
	if err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, t.otlp.close)
	t.Model = newModel(t.log, "sk-topology-"+randomHex(8), &t.cleanups)

	// The chart, rendered with the ci values file and the addresses above.
	secrets := map[string]any{
		"databaseURL":       dbURL,
		"redisURL":          "redis://" + redisAddr + "/0",
		"openaiAPIKey":      t.Model.Key,
		"sessionSigningKey": randomHex(32),
	}
	if o.OfflineAgent {
		delete(secrets, "openaiAPIKey")
	}
	// The ingress's address is known before the chart renders: the app's
	// origin is the CORS (and CSRF) allow-list, as an install sets
	// config.frontendURL to its public URL.
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	t.IngressURL = "http://" + listen
	config := map[string]any{
		"openaiBaseURL":            t.Model.URL,
		"otelExporterOTLPEndpoint": t.otlp.URL(),
		"frontendURL":              t.IngressURL,
	}
	// The ingress is the trusted proxy whose X-Forwarded-For names the
	// client (in a cluster: the pod network the chart's default trusts;
	// here: the loopback address nginx connects from), when the chart has
	// the setting.
	if has, err := chartHasValue(o.Repo, "config", "limits", "trustedProxies"); err != nil {
		return nil, err
	} else if has {
		config["limits"] = map[string]any{"trustedProxies": "127.0.0.1/32"}
	}
	t.Chart, err = RenderChart(ctx, o.Repo, o.ValuesFile, mergeValues(map[string]any{
		"secrets":    secrets,
		"config":     config,
		"postgresql": map[string]any{"enabled": false},
	}, o.Values))
	if err != nil {
		return nil, err
	}
	t.Routes, err = t.Chart.Routes()
	if err != nil {
		return nil, err
	}
	for _, r := range t.Routes {
		if !slices.Contains(t.services, r.Service) {
			t.services = append(t.services, r.Service)
		}
	}
	directives, err := t.Chart.AnnotationDirectives()
	if err != nil {
		return nil, err
	}

	// Pods: as many as each Deployment asks for.
	for _, r := range t.Routes {
		if slices.ContainsFunc(t.pods, func(p *Pod) bool { return p.Component == r.Component }) {
			continue
		}
		n := int32(1)
		if d := t.Chart.Deployments[r.Component]; d.Spec.Replicas != nil {
			n = *d.Spec.Replicas
		}
		for range n {
			if _, err := t.StartPod(ctx, r.Component); err != nil {
				return nil, err
			}
		}
	}
	if d := t.pods[0].Spec.Env["SHUTDOWN_DRAIN_DELAY"]; d != "" {
		t.DrainDelay, _ = time.ParseDuration(d)
	}

	// The ingress.
	t.ingDir = filepath.Join(dir, "ingress")
	if err := os.Mkdir(t.ingDir, 0o755); err != nil { //nolint:gosec // G301: nginx's workers (user nobody) use the temp paths in it
		return nil, fmt.Errorf("ingress dir: %w", err)
	}
	if t.noEP, err = freeAddr(); err != nil {
		return nil, err
	}
	conf, err := ingressConfig(t.ingDir, listen, t.noEP, t.Routes, directives)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	err = t.refreshEndpointsLocked(ctx, false)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t.ingress, err = startProc("ingress", nginx, []string{"-e", filepath.Join(t.ingDir, "error.log"), "-p", t.ingDir, "-c", conf}, nil, t.ingDir)
	if err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() { t.ingress.Stop(10 * time.Second) })
	if err := waitHTTP(ctx, t.ingress, t.IngressURL+"/", 20*time.Second); err != nil {
		return nil, fmt.Errorf("ingress: %w\n%s", err, readFile(filepath.Join(t.ingDir, "error.log")))
	}

	// Prometheus, scraping the pods and loading the chart's rules.
	t.rules = filepath.Join(o.Repo, "charts", "taskpilot", "files", "prometheus-rules.yaml")
	t.promDir = filepath.Join(dir, "prometheus")
	if err := os.Mkdir(t.promDir, 0o750); err != nil {
		return nil, fmt.Errorf("prometheus dir: %w", err)
	}
	promConf, err := prometheusConfig(t.promDir, t.rules, t.Pods(""))
	if err != nil {
		return nil, err
	}
	promAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	t.prom, err = startProc("prometheus", promBin, []string{
		"--config.file=" + promConf, "--storage.tsdb.path=" + filepath.Join(t.promDir, "data"),
		"--web.listen-address=" + promAddr, "--storage.tsdb.retention.time=1d",
	}, nil, t.promDir)
	if err != nil {
		return nil, err
	}
	t.cleanups = append(t.cleanups, func() { t.prom.Stop(10 * time.Second) })
	t.PrometheusURL = "http://" + promAddr
	if err := waitHTTP(ctx, t.prom, t.PrometheusURL+"/-/ready", 60*time.Second); err != nil {
		return nil, fmt.Errorf("prometheus: %w\n%s", err, t.prom.Logs())
	}

	// The endpoints emulation.
	epCtx, stop := context.WithCancel(context.Background())
	t.stopEP, t.epDone = stop, make(chan struct{})
	go t.endpointsLoop(epCtx)
	if err := t.WaitReady(ctx, "", 90*time.Second); err != nil {
		return nil, err
	}
	return t, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// waitHTTP waits until url answers (any status) while p runs.
func waitHTTP(ctx context.Context, p *Proc, url string, timeout time.Duration) error {
	return waitFor(ctx, timeout, func() error {
		if p.Exited() {
			return fmt.Errorf("%s %w (%w)\n%s", p.Name, errExited, p.Err(), p.Logs())
		}
		_, err := probe(ctx, url)
		return err
	})
}

// probe GETs url with a short timeout and returns the status.
func probe(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := probeClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = res.Body.Close()
	return res.StatusCode, nil
}

var probeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// StartPod starts a new pod of component (fresh ports, as a new pod gets
// a new IP) and returns it; it joins its Service's endpoints once its
// readiness probe passes.
func (t *Topology) StartPod(ctx context.Context, component string) (*Pod, error) {
	t.mu.Lock()
	t.serial++
	name := fmt.Sprintf("%s-%s-%s-%d", ReleaseName+"-taskpilot", component, randomHex(3), t.serial)
	t.mu.Unlock()
	spec, err := t.Chart.Pod(component, name)
	if err != nil {
		return nil, err
	}
	p := &Pod{Name: name, Component: component, Spec: spec, URL: "http://" + spec.HTTPAddr, dir: filepath.Join(t.dir, "pods", name)}
	if err := os.MkdirAll(filepath.Join(p.dir, "tmp"), 0o755); err != nil { //nolint:gosec // G301: the front end nginx's workers (user nobody) use temp paths in it
		return nil, fmt.Errorf("pod dir: %w", err)
	}
	if err := t.run(ctx, p); err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.pods = append(t.pods, p)
	t.mu.Unlock()
	if err := t.rescrape(); err != nil {
		return nil, err
	}
	return p, nil
}

// run starts p's process and waits until it answers /healthz (the
// startup probe).
func (t *Topology) run(ctx context.Context, p *Pod) error {
	var err error
	if bin, ok := t.bins[p.Component]; ok {
		env := []string{"HOME=" + p.dir, "TMPDIR=" + filepath.Join(p.dir, "tmp")}
		for k, v := range p.Spec.Env {
			if k == "HOME" || k == "TMPDIR" {
				continue // the pod's /tmp emptyDir is its own directory here
			}
			env = append(env, k+"="+v)
		}
		slices.Sort(env)
		p.proc, err = startProc(p.Name, bin, nil, env, p.dir)
	} else {
		// The front end image: nginx with deploy/frontend/nginx.conf, its
		// /tmp, port and document root pointed at this pod.
		conf, cerr := t.frontendConfig(p)
		if cerr != nil {
			return cerr
		}
		nginx, lerr := lookPath("nginx")
		if lerr != nil {
			return lerr
		}
		p.proc, err = startProc(p.Name, nginx, []string{"-e", filepath.Join(p.dir, "tmp", "error.log"), "-g", "daemon off;", "-c", conf}, nil, p.dir)
	}
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, p.proc, p.URL+"/healthz", 90*time.Second); err != nil {
		p.proc.Stop(time.Second)
		return fmt.Errorf("pod %s: %w", p.Name, err)
	}
	t.log.InfoContext(ctx, "pod started", slog.String("pod", p.Name), slog.String("url", p.URL))
	return nil
}

func (t *Topology) frontendConfig(p *Pod) (string, error) {
	raw, err := os.ReadFile(filepath.Join(t.opts.Repo, "deploy", "frontend", "nginx.conf"))
	if err != nil {
		return "", fmt.Errorf("read the front end's nginx.conf: %w", err)
	}
	conf := string(raw)
	var port int32
	for cp := range p.Spec.Ports {
		port = cp
	}
	for _, r := range [][2]string{
		{" /tmp/", " " + filepath.Join(p.dir, "tmp") + "/"},
		{fmt.Sprintf("listen %d;", port), "listen " + p.Spec.HTTPAddr + ";"},
		{"root /usr/share/nginx/html;", "root " + t.opts.StaticDir + ";"},
	} {
		if !strings.Contains(conf, r[0]) {
			return "", fmt.Errorf("deploy/frontend/nginx.conf no longer has %q", r[0])
		}
		conf = strings.ReplaceAll(conf, r[0], r[1])
	}
	// Files the image adds under /etc/nginx besides nginx.conf
	// (after the /tmp paths above: the repository may live under /tmp) (COPY lines
	// of its Dockerfile's last stage), pointed at their local sources.
	copies, err := imageNginxFiles(filepath.Join(t.opts.Repo, "deploy", "frontend.Dockerfile"), t.opts.Repo, t.opts.StaticDir)
	if err != nil {
		return "", err
	}
	for dest, src := range copies {
		if !strings.Contains(conf, dest) {
			continue
		}
		if _, err := os.Stat(src); err != nil {
			return "", fmt.Errorf("the front end image's %s comes from %s, which is missing (make frontend/out): %w", dest, src, err)
		}
		conf = strings.ReplaceAll(conf, dest, src)
	}
	path := filepath.Join(p.dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil { //nolint:gosec // G703: a file in the pod's own directory under the work dir
		return "", fmt.Errorf("write front end nginx.conf: %w", err)
	}
	return path, nil
}

// Pods returns the pods of component ("" for all), oldest first.
func (t *Topology) Pods(component string) []*Pod {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*Pod
	for _, p := range t.pods {
		if component == "" || p.Component == component {
			out = append(out, p)
		}
	}
	return out
}

// Termination is when a pod got SIGTERM.
type Termination struct {
	Pod, Component, Addr string
	At                   time.Time
}

// Terminations returns the pods terminated so far, in order.
func (t *Topology) Terminations() []Termination {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Termination(nil), t.terms...)
}

// Terminate stops p as Kubernetes deletes a pod: it leaves its Service's
// endpoints at once, gets SIGTERM and has the chart's grace period to
// exit. It returns the process's exit error (nil for exit 0).
func (t *Topology) Terminate(ctx context.Context, p *Pod) error {
	t.mu.Lock()
	p.terminating = true
	err := t.refreshEndpointsLocked(ctx, true)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.terms = append(t.terms, Termination{Pod: p.Name, Component: p.Component, Addr: p.Spec.HTTPAddr, At: time.Now()})
	t.mu.Unlock()
	if err := p.proc.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	grace := 30 * time.Second
	if d := t.Chart.Deployments[p.Component]; d.Spec.Template.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	select {
	case <-p.proc.Done():
	case <-time.After(grace):
		p.proc.Stop(0)
		t.remove(p)
		return fmt.Errorf("%s still running after the grace period %s", p.Name, grace)
	}
	t.remove(p)
	return p.proc.Err()
}

func (t *Topology) remove(p *Pod) {
	t.mu.Lock()
	t.pods = slices.DeleteFunc(t.pods, func(q *Pod) bool { return q == p })
	t.mu.Unlock()
	if err := t.rescrape(); err != nil {
		t.log.Error("rewrite prometheus config", slog.Any("error", err))
	}
}

// Kill sends SIGKILL to p's process (its endpoint stays until the
// readiness probe fails, as for a crashed container).
func (t *Topology) Kill(p *Pod) error {
	if err := p.proc.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-p.proc.Done()
	return nil
}

// Restart starts p's container again after it died (same pod, same
// address), as the kubelet restarts a crashed container.
func (t *Topology) Restart(ctx context.Context, p *Pod) error {
	if !p.proc.Exited() {
		return fmt.Errorf("%s is still running", p.Name)
	}
	t.mu.Lock()
	p.ready, p.fails, p.nextProbe = false, 0, time.Time{}
	t.mu.Unlock()
	return t.run(ctx, p)
}

// RollingRestart replaces every pod of component one by one as the
// Deployment's RollingUpdate (maxUnavailable 0) does: a new pod starts and
// becomes ready, then an old one is terminated. It returns the exit errors
// of the old pods.
func (t *Topology) RollingRestart(ctx context.Context, component string) error {
	return t.RollingRestartWith(ctx, component, nil)
}

// RollingRestartWith is RollingRestart calling beforeTerminate (when not
// nil) with each old pod just before it is terminated.
func (t *Topology) RollingRestartWith(ctx context.Context, component string, beforeTerminate func(old *Pod)) error {
	var errs []error
	for _, old := range t.Pods(component) {
		p, err := t.StartPod(ctx, component)
		if err != nil {
			return err
		}
		if err := t.waitPodReady(ctx, p, 60*time.Second); err != nil {
			return err
		}
		if beforeTerminate != nil {
			beforeTerminate(old)
		}
		if err := t.Terminate(ctx, old); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", old.Name, err))
		}
	}
	return errors.Join(errs...)
}

// StopRedis and StartRedis stop and start the topology's Redis.
func (t *Topology) StopRedis() { t.redis.stop() }

// StartRedis starts Redis again on its address.
func (t *Topology) StartRedis(ctx context.Context) error { return t.redis.start(ctx) }

// Spans returns the spans the OTLP receiver got for a trace id (hex).
func (t *Topology) Spans(traceID string) []Span { return t.otlp.Spans(traceID) }

// RulesFile is the alert rule file Prometheus loads (the chart's copy).
func (t *Topology) RulesFile() string { return t.rules }

// IngressConfigDir holds the ingress's generated nginx.conf and upstreams.
func (t *Topology) IngressConfigDir() string { return t.ingDir }

// Close stops every process and removes what the topology created.
func (t *Topology) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.mu.Unlock()
	if t.stopEP != nil {
		t.stopEP()
		<-t.epDone
	}
	// Pods stop together, each as its SIGTERM handling allows (drain delay,
	// then the shutdown), as a namespace deletion stops them.
	var wg sync.WaitGroup
	for _, p := range t.Pods("") {
		if p.proc != nil {
			wg.Go(func() { p.proc.Stop(30 * time.Second) })
		}
	}
	wg.Wait()
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// Logs returns the output of every process (for a failed test).
func (t *Topology) Logs() string {
	var b strings.Builder
	for _, p := range t.Pods("") {
		fmt.Fprintf(&b, "==== %s\n%s\n", p.Name, tail(p.proc.Logs(), 8000))
	}
	if t.ingress != nil {
		fmt.Fprintf(&b, "==== ingress error.log\n%s\n", tail(readFile(filepath.Join(t.ingDir, "error.log")), 8000))
	}
	if t.prom != nil {
		fmt.Fprintf(&b, "==== prometheus\n%s\n", tail(t.prom.Logs(), 4000))
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
