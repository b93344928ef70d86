package topology

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"strconv"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// Release and namespace the chart is rendered as.
const (
	ReleaseName = "t"
	Namespace   = "taskpilot"
)

// componentLabel is the label the chart puts on each component's objects.
const componentLabel = "app.kubernetes.io/component"

// Chart is the part of a rendered release the topology runs: the
// Deployments (by component), the ConfigMaps and Secrets their pods read,
// the Services, and the Ingress.
type Chart struct {
	Deployments map[string]*appsv1.Deployment // by component
	Services    map[string]*corev1.Service    // by name
	ConfigMaps  map[string]*corev1.ConfigMap  // by name
	Secrets     map[string]*corev1.Secret     // by name
	Ingress     *networkingv1.Ingress
}

// RenderChart renders charts/taskpilot as `helm template` does (an install
// with ClientOnly and DryRun, through Helm's Go packages) with the values
// file valuesFile (relative to the chart, e.g. ci/default-values.yaml)
// overlaid by overrides, and decodes the objects the topology needs
// strictly into their Kubernetes API types.
func RenderChart(ctx context.Context, repo, valuesFile string, overrides map[string]any) (*Chart, error) {
	dir := filepath.Join(repo, "charts", "taskpilot")
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	vals, err := chartutil.ReadValuesFile(filepath.Join(dir, valuesFile))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", valuesFile, err)
	}
	merged := mergeValues(vals.AsMap(), overrides)

	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun = true
	install.DryRunOption = "client"
	install.ClientOnly = true
	install.Replace = true
	install.ReleaseName = ReleaseName
	install.Namespace = Namespace
	install.KubeVersion = &chartutil.KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33"}
	rel, err := install.RunWithContext(ctx, ch, merged)
	if err != nil {
		return nil, fmt.Errorf("render chart with %s: %w", valuesFile, err)
	}
	c := &Chart{
		Deployments: map[string]*appsv1.Deployment{},
		Services:    map[string]*corev1.Service{},
		ConfigMaps:  map[string]*corev1.ConfigMap{},
		Secrets:     map[string]*corev1.Secret{},
	}
	for _, raw := range releaseutil.SplitManifests(rel.Manifest) {
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(raw), &head); err != nil {
			return nil, fmt.Errorf("rendered manifest: %w", err)
		}
		var obj any
		switch head.Kind {
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Service":
			obj = &corev1.Service{}
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Secret":
			obj = &corev1.Secret{}
		case "Ingress":
			obj = &networkingv1.Ingress{}
		default:
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(raw), obj); err != nil {
			return nil, fmt.Errorf("decode %s: %w", head.Kind, err)
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			c.Deployments[o.Labels[componentLabel]] = o
		case *corev1.Service:
			c.Services[o.Name] = o
		case *corev1.ConfigMap:
			c.ConfigMaps[o.Name] = o
		case *corev1.Secret:
			c.Secrets[o.Name] = o
		case *networkingv1.Ingress:
			if c.Ingress != nil {
				return nil, fmt.Errorf("the chart renders more than one Ingress (%s, %s)", c.Ingress.Name, o.Name)
			}
			c.Ingress = o
		}
	}
	if c.Ingress == nil {
		return nil, fmt.Errorf("the chart with %s renders no Ingress", valuesFile)
	}
	return c, nil
}

// mergeValues overlays over onto base (maps merged key by key).
func mergeValues(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = mergeValues(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// ServiceComponent returns the component a Service selects.
func (c *Chart) ServiceComponent(name string) (string, error) {
	s, ok := c.Services[name]
	if !ok {
		return "", fmt.Errorf("service %s is not rendered", name)
	}
	comp := s.Spec.Selector[componentLabel]
	if _, ok := c.Deployments[comp]; !ok {
		return "", fmt.Errorf("service %s selects component %q, which has no Deployment", name, comp)
	}
	return comp, nil
}

// PodSpec is what the topology needs to run one pod of a Deployment.
type PodSpec struct {
	Component string
	Env       map[string]string
	// Ports maps each container port (by number) to the loopback address
	// the process serves it on.
	Ports map[int32]string
	// HTTPAddr is the address of the container port named "http".
	HTTPAddr string
	// MetricsAddr and MetricsPath are where the pod asks to be scraped
	// (prometheus.io/port and prometheus.io/path).
	MetricsAddr, MetricsPath string
	// ReadinessPeriod/-Failures are the readinessProbe's periodSeconds and
	// failureThreshold.
	ReadinessPath     string
	ReadinessPeriod   int32
	ReadinessFailures int32
}

var listenValue = regexp.MustCompile(`^(?:0\.0\.0\.0)?:(\d+)$`)

// Pod resolves the container environment of a component's pod as the
// kubelet does (envFrom ConfigMaps, then env with secretKeyRef, fieldRef
// and $(VAR) references) and gives each container port a free loopback
// address: an environment value ":<port>" naming a container port (a
// listen address) becomes that address.
func (c *Chart) Pod(component, podName string) (*PodSpec, error) {
	d, ok := c.Deployments[component]
	if !ok {
		return nil, fmt.Errorf("no Deployment for %s", component)
	}
	tpl := d.Spec.Template
	if len(tpl.Spec.Containers) != 1 {
		return nil, fmt.Errorf("%s: %d containers, the topology runs one", component, len(tpl.Spec.Containers))
	}
	ctr := tpl.Spec.Containers[0]
	p := &PodSpec{Component: component, Env: map[string]string{}, Ports: map[int32]string{}}
	byName := map[string]int32{}
	for _, cp := range ctr.Ports {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		p.Ports[cp.ContainerPort] = addr
		if cp.Name != "" {
			byName[cp.Name] = cp.ContainerPort
		}
	}
	httpPort, ok := byName["http"]
	if !ok {
		return nil, fmt.Errorf("%s: no container port named http", component)
	}
	p.HTTPAddr = p.Ports[httpPort]

	for _, from := range ctr.EnvFrom {
		if from.ConfigMapRef == nil {
			return nil, fmt.Errorf("%s: envFrom other than a ConfigMap is not simulated", component)
		}
		cm, ok := c.ConfigMaps[from.ConfigMapRef.Name]
		if !ok {
			return nil, fmt.Errorf("%s: ConfigMap %s not rendered", component, from.ConfigMapRef.Name)
		}
		maps.Copy(p.Env, cm.Data)
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			p.Env[e.Name] = ref.ReplaceAllStringFunc(e.Value, func(m string) string {
				if v, ok := p.Env[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		case e.ValueFrom.SecretKeyRef != nil:
			k := e.ValueFrom.SecretKeyRef
			s, ok := c.Secrets[k.Name]
			if !ok {
				return nil, fmt.Errorf("%s: env %s: Secret %s not rendered", component, e.Name, k.Name)
			}
			v, ok := s.StringData[k.Key]
			if !ok {
				if b, inData := s.Data[k.Key]; inData {
					v, ok = string(b), true
				}
			}
			if !ok {
				if k.Optional != nil && *k.Optional {
					continue
				}
				return nil, fmt.Errorf("%s: env %s: required key %s missing from Secret %s", component, e.Name, k.Key, k.Name)
			}
			p.Env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				p.Env[e.Name] = podName
			case "metadata.namespace":
				p.Env[e.Name] = Namespace
			default:
				return nil, fmt.Errorf("%s: env %s: fieldRef %s not simulated", component, e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
		default:
			return nil, fmt.Errorf("%s: env %s: valueFrom not simulated", component, e.Name)
		}
	}
	for k, v := range p.Env {
		if m := listenValue.FindStringSubmatch(v); m != nil {
			port, _ := strconv.Atoi(m[1])
			if addr, ok := p.Ports[int32(port)]; ok { //nolint:gosec // a port number
				p.Env[k] = addr
			}
		}
	}

	// Scraping, as the pod annotations ask.
	ann := tpl.Annotations
	if ann["prometheus.io/scrape"] == "true" {
		portText := ann["prometheus.io/port"]
		port, err := strconv.Atoi(portText)
		if err != nil {
			named, ok := byName[portText]
			if !ok {
				return nil, fmt.Errorf("%s: prometheus.io/port %q is neither a number nor a port name", component, portText)
			}
			port = int(named)
		}
		addr, ok := p.Ports[int32(port)] //nolint:gosec // a port number
		if !ok {
			return nil, fmt.Errorf("%s: prometheus.io/port %d is not a container port", component, port)
		}
		p.MetricsAddr = addr
		p.MetricsPath = ann["prometheus.io/path"]
		if p.MetricsPath == "" {
			p.MetricsPath = "/metrics"
		}
	}
	if rp := ctr.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		p.ReadinessPath = rp.HTTPGet.Path
		p.ReadinessPeriod = max(rp.PeriodSeconds, 1)
		p.ReadinessFailures = max(rp.FailureThreshold, 1)
		if rp.HTTPGet.Port.String() != "http" && rp.HTTPGet.Port.IntValue() != int(httpPort) {
			return nil, fmt.Errorf("%s: readiness probe on port %s, the topology probes http", component, rp.HTTPGet.Port.String())
		}
	}
	return p, nil
}

// Route is one Ingress path.
type Route struct {
	Path      string
	Prefix    bool
	Service   string // backend Service name
	Component string
}

// Routes returns the Ingress's paths (of its only rule; the chart renders
// one rule per host, all alike) with the component behind each.
func (c *Chart) Routes() ([]Route, error) {
	rules := c.Ingress.Spec.Rules
	if len(rules) == 0 || rules[0].HTTP == nil {
		return nil, fmt.Errorf("ingress %s has no HTTP rule", c.Ingress.Name)
	}
	var out []Route
	for _, p := range rules[0].HTTP.Paths {
		if p.Backend.Service == nil {
			return nil, fmt.Errorf("ingress path %s has no service backend", p.Path)
		}
		comp, err := c.ServiceComponent(p.Backend.Service.Name)
		if err != nil {
			return nil, fmt.Errorf("ingress path %s: %w", p.Path, err)
		}
		prefix := p.PathType == nil || *p.PathType != networkingv1.PathTypeExact
		out = append(out, Route{Path: p.Path, Prefix: prefix, Service: p.Backend.Service.Name, Component: comp})
	}
	return out, nil
}

// chartHasValue reports whether the chart's values.yaml has the key path.
func chartHasValue(repo string, path ...string) (bool, error) {
	vals, err := chartutil.ReadValuesFile(filepath.Join(repo, "charts", "taskpilot", "values.yaml"))
	if err != nil {
		return false, fmt.Errorf("read the chart's values: %w", err)
	}
	var cur any = vals.AsMap()
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false, nil
		}
		if cur, ok = m[k]; !ok {
			return false, nil
		}
	}
	return true, nil
}
