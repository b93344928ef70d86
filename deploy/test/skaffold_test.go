package deploytest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/strvals"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The subset of skaffold's v4beta14 schema (SkaffoldConfig and the
// definitions below it) that skaffold.yaml uses. Field names and nesting
// follow the schema's definitions; decoding is strict, as the schema's
// additionalProperties: false is, so a misspelt or misplaced field fails.
type skaffoldConfig struct {
	APIVersion  string             `json:"apiVersion"`
	Kind        string             `json:"kind"`
	Metadata    *skaffoldMetadata  `json:"metadata,omitempty"`
	Build       *skaffoldBuild     `json:"build,omitempty"`
	Deploy      *skaffoldDeploy    `json:"deploy,omitempty"`
	PortForward []skaffoldPortFwd  `json:"portForward,omitempty"`
	Profiles    []skaffoldProfile  `json:"profiles,omitempty"`
	Manifests   *skaffoldManifests `json:"manifests,omitempty"`
	Requires    []map[string]any   `json:"requires,omitempty"`
	Test        []map[string]any   `json:"test,omitempty"`
	Verify      []map[string]any   `json:"verify,omitempty"`
	Resource    map[string]any     `json:"resourceSelector,omitempty"`
	Custom      []map[string]any   `json:"customActions,omitempty"`
}

type skaffoldMetadata struct {
	Name        string            `json:"name,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type skaffoldBuild struct {
	Artifacts []skaffoldArtifact `json:"artifacts,omitempty"`
	TagPolicy *struct {
		GitCommit *struct {
			Variant       string `json:"variant,omitempty"`
			Prefix        string `json:"prefix,omitempty"`
			IgnoreChanges bool   `json:"ignoreChanges,omitempty"`
		} `json:"gitCommit,omitempty"`
		Sha256      *struct{}      `json:"sha256,omitempty"`
		InputDigest *struct{}      `json:"inputDigest,omitempty"`
		EnvTemplate map[string]any `json:"envTemplate,omitempty"`
		DateTime    map[string]any `json:"dateTime,omitempty"`
	} `json:"tagPolicy,omitempty"`
	Local *struct {
		Push             *bool `json:"push,omitempty"`
		UseBuildkit      *bool `json:"useBuildkit,omitempty"`
		UseDockerCLI     bool  `json:"useDockerCLI,omitempty"`
		Concurrency      *int  `json:"concurrency,omitempty"`
		TryImportMissing bool  `json:"tryImportMissing,omitempty"`
	} `json:"local,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
}

type skaffoldArtifact struct {
	Image   string `json:"image"`
	Context string `json:"context,omitempty"`
	Docker  *struct {
		Dockerfile string             `json:"dockerfile,omitempty"`
		Target     string             `json:"target,omitempty"`
		BuildArgs  map[string]*string `json:"buildArgs,omitempty"`
		CacheFrom  []string           `json:"cacheFrom,omitempty"`
	} `json:"docker,omitempty"`
	Platforms   []string `json:"platforms,omitempty"`
	RuntimeType string   `json:"runtimeType,omitempty"`
}

type skaffoldDeploy struct {
	Helm *struct {
		Releases []skaffoldHelmRelease `json:"releases"`
		Flags    map[string]any        `json:"flags,omitempty"`
	} `json:"helm,omitempty"`
	StatusCheckDeadlineSeconds int    `json:"statusCheckDeadlineSeconds,omitempty"`
	StatusCheck                *bool  `json:"statusCheck,omitempty"`
	KubeContext                string `json:"kubeContext,omitempty"`
}

type skaffoldHelmRelease struct {
	Name                  string            `json:"name"`
	ChartPath             string            `json:"chartPath,omitempty"`
	ValuesFiles           []string          `json:"valuesFiles,omitempty"`
	Namespace             string            `json:"namespace,omitempty"`
	CreateNamespace       *bool             `json:"createNamespace,omitempty"`
	Wait                  bool              `json:"wait,omitempty"`
	SetValues             map[string]any    `json:"setValues,omitempty"`
	SetValueTemplates     map[string]string `json:"setValueTemplates,omitempty"`
	SkipBuildDependencies bool              `json:"skipBuildDependencies,omitempty"`
	UpgradeOnChange       *bool             `json:"upgradeOnChange,omitempty"`
}

type skaffoldManifests struct {
	Helm map[string]any `json:"helm,omitempty"`
}

type skaffoldPortFwd struct {
	ResourceType string `json:"resourceType,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	Namespace    string `json:"namespace,omitempty"`
	Port         any    `json:"port,omitempty"`
	LocalPort    int    `json:"localPort,omitempty"`
	Address      string `json:"address,omitempty"`
}

type skaffoldProfile struct {
	Name       string `json:"name"`
	Activation []struct {
		Env         string `json:"env,omitempty"`
		KubeContext string `json:"kubeContext,omitempty"`
		Command     string `json:"command,omitempty"`
	} `json:"activation,omitempty"`
	Build       *skaffoldBuild    `json:"build,omitempty"`
	Deploy      *skaffoldDeploy   `json:"deploy,omitempty"`
	PortForward []skaffoldPortFwd `json:"portForward,omitempty"`
	Patches     []struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		From  string `json:"from,omitempty"`
		Value any    `json:"value,omitempty"`
	} `json:"patches,omitempty"`
}

func loadSkaffold(t *testing.T) ([]byte, skaffoldConfig) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "skaffold.yaml"))
	require.NoError(t, err)
	var cfg skaffoldConfig
	require.NoError(t, yaml.UnmarshalStrict(raw, &cfg), "skaffold.yaml against the v4beta14 fields")
	return raw, cfg
}

var valueTemplateRE = regexp.MustCompile(`^\{\{\.IMAGE_(REPO|TAG)_([a-z0-9_]+)\}\}$`)

// skaffold.yaml: schema version and kind, one artifact per image with a
// Dockerfile that exists, every artifact's repo/tag fed to the chart through
// setValueTemplates on values that exist, port-forwards to Services the
// release renders, and profiles whose patches apply and still decode.
func TestSkaffoldConfig(t *testing.T) {
	raw, cfg := loadSkaffold(t)
	assert.Equal(t, "skaffold/v4beta14", cfg.APIVersion)
	assert.Equal(t, "Config", cfg.Kind)

	require.NotNil(t, cfg.Build)
	images := map[string]string{}
	for _, a := range cfg.Build.Artifacts {
		assert.Equal(t, ".", a.Context, "%s builds from the repository root (services share pkg/)", a.Image)
		require.NotNil(t, a.Docker, a.Image)
		_, err := os.Stat(filepath.Join(repoRoot(t), a.Docker.Dockerfile))
		require.NoError(t, err, "%s Dockerfile", a.Image)
		images[a.Image] = a.Docker.Dockerfile
	}
	assert.Equal(t, map[string]string{
		"taskpilot-session-service": "services/session-service/Dockerfile",
		"taskpilot-chat-service":    "services/chat-service/Dockerfile",
		"taskpilot-frontend":        "deploy/frontend.Dockerfile",
	}, images)

	require.NotNil(t, cfg.Deploy)
	require.NotNil(t, cfg.Deploy.Helm)
	require.Len(t, cfg.Deploy.Helm.Releases, 1)
	rel := cfg.Deploy.Helm.Releases[0]
	assert.Equal(t, "charts/taskpilot", rel.ChartPath)

	// Every artifact's repo and tag reach the chart.
	fed := map[string]map[string]string{}
	for key, tpl := range rel.SetValueTemplates {
		m := valueTemplateRE.FindStringSubmatch(tpl)
		require.NotNil(t, m, "%s: %s is not an IMAGE_REPO/IMAGE_TAG template", key, tpl)
		if fed[m[2]] == nil {
			fed[m[2]] = map[string]string{}
		}
		fed[m[2]][m[1]] = key
	}
	for img := range images {
		envName := strings.ReplaceAll(img, "-", "_")
		assert.NotEmpty(t, fed[envName]["REPO"], "%s repository not passed to the chart", img)
		assert.NotEmpty(t, fed[envName]["TAG"], "%s tag not passed to the chart", img)
	}

	// The release as skaffold would install it renders, with the images
	// skaffold built.
	built := map[string]string{}
	vals := map[string]any{}
	for key, tpl := range rel.SetValueTemplates {
		m := valueTemplateRE.FindStringSubmatch(tpl)
		v := "registry.local:5000/" + strings.ReplaceAll(m[2], "_", "-")
		if m[1] == "TAG" {
			v = "abc1234"
		}
		require.NoError(t, strvals.ParseInto(key+"="+v, vals))
	}
	for img := range images {
		built[img] = "registry.local:5000/" + img + ":abc1234"
	}
	for key, v := range rel.SetValues {
		require.NoError(t, strvals.ParseInto(key+"="+toString(v), vals))
	}
	objs := renderRelease(t, rel.Name, rel.Namespace, vals)
	for _, d := range ofKind[*appsv1.Deployment](objs) {
		for _, c := range d.Spec.Template.Spec.Containers {
			assert.Equal(t, built["taskpilot-"+c.Name], c.Image, "%s runs the image skaffold built", d.Name)
		}
	}
	// Port-forwards reach Services of that release.
	require.NotEmpty(t, cfg.PortForward)
	for _, pf := range cfg.PortForward {
		assert.Equal(t, "service", pf.ResourceType)
		if pf.Namespace == "ingress-nginx" {
			assert.Equal(t, "ingress-nginx-controller", pf.ResourceName, "the controller deploy/kind.md installs")
			continue
		}
		assert.Equal(t, rel.Namespace, pf.Namespace)
		svc := typed[*corev1.Service](t, objs, "Service", pf.ResourceName)
		assert.EqualValues(t, svc.Spec.Ports[0].Port, pf.Port, "%s port", pf.ResourceName)
	}

	// Profiles: dev, prod, debug; each patch applies, the result decodes
	// strictly, and its values files render.
	base, err := yaml.YAMLToJSON(raw)
	require.NoError(t, err)
	var names []string
	for _, p := range cfg.Profiles {
		names = append(names, p.Name)
		t.Run("profile "+p.Name, func(t *testing.T) {
			if len(p.Patches) == 0 {
				return
			}
			ops, err := json.Marshal(p.Patches)
			require.NoError(t, err)
			patch, err := jsonpatch.DecodePatch(ops)
			require.NoError(t, err)
			patched, err := patch.Apply(base)
			require.NoError(t, err, "profile %s patches apply to skaffold.yaml", p.Name)
			var pc skaffoldConfig
			require.NoError(t, yaml.UnmarshalStrict(patched, &pc))
			prel := pc.Deploy.Helm.Releases[0]
			pvals := map[string]any{}
			for _, f := range prel.ValuesFiles {
				pvals = mergeValues(pvals, readValues(t, filepath.Join(repoRoot(t), f)))
			}
			for key, v := range prel.SetValues {
				require.NoError(t, strvals.ParseInto(key+"="+toString(v), pvals))
			}
			for key := range prel.SetValueTemplates {
				require.NoError(t, strvals.ParseInto(key+"=x", pvals))
			}
			renderRelease(t, prel.Name, prel.Namespace, pvals)
		})
	}
	assert.Subset(t, names, []string{"dev", "prod", "debug"})
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// mergeValues overlays b on a (maps merged recursively), as Helm does with
// several -f files.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
