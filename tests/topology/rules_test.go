package topology_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// promtool finds Debian's promtool (.ci/setup.d/70-prometheus.sh installs
// it); without it the test skips, except under CI where it fails.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool not installed (.ci/setup.d/70-prometheus.sh)")
		}
		t.Skip("promtool not installed")
	}
	return p
}

// `promtool check rules` passes on the alert rules and on the chart's copy;
// `promtool test rules` passes deploy/prometheus/rules_test.yaml, and that
// file covers every alert both ways: a test in which it fires and one in
// which it stays silent.
func TestPromtoolRules(t *testing.T) {
	bin := promtool(t)
	dir := filepath.Join(repoRoot(), "deploy", "prometheus")
	rules := filepath.Join(dir, "rules.yaml")
	chartCopy := filepath.Join(repoRoot(), "charts", "taskpilot", "files", "prometheus-rules.yaml")
	for _, args := range [][]string{
		{"check", "rules", rules, chartCopy},
		{"test", "rules", filepath.Join(dir, "rules_test.yaml")},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
	}

	raw, err := os.ReadFile(rules)
	require.NoError(t, err)
	var rf struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
			} `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &rf))
	raw, err = os.ReadFile(filepath.Join(dir, "rules_test.yaml"))
	require.NoError(t, err)
	var tf struct {
		RuleFiles []string `json:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &tf))
	assert.Equal(t, []string{"rules.yaml"}, tf.RuleFiles)
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tf.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	var alerts []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			}
		}
	}
	require.NotEmpty(t, alerts)
	for _, a := range alerts {
		assert.True(t, fires[a], "%s: no test in which it fires", a)
		assert.True(t, silent[a], "%s: no test in which it stays silent", a)
	}
	for a := range fires {
		assert.True(t, slices.Contains(alerts, a), "rules_test.yaml tests %s, which rules.yaml does not define", a)
	}
}
