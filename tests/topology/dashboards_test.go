package topology_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/tests/topology"
)

// rateInterval is what Grafana puts for $__rate_interval with Prometheus's
// default 15s scrape interval setting: 4 × 15s.
const rateInterval = "1m"

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
			Multi      bool   `json:"multi"`
			IncludeAll bool   `json:"includeAll"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func flatten(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// promQuery runs an instant query against the topology's Prometheus.
func promQuery(ctx context.Context, base, q string) ([]json.RawMessage, error) {
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := promGet(ctx, base+"/api/v1/query?query="+url.QueryEscape(q), &out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, out.Error)
	}
	return out.Data.Result, nil
}

func promGet(ctx context.Context, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	return json.NewDecoder(res.Body).Decode(into)
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// mixedLoad is a short mix through the ingress: sessions (and one browser
// over its rate limit), turns (a plain answer, a tool call, an upstream
// failure the agent gives up on), and REST (list, create, a 404).
func mixedLoad(t *testing.T, tp *topology.Topology) {
	t.Helper()
	ctx := context.Background()
	b := newBrowser(t, tp.IngressURL, false)
	for range 3 {
		newBrowser(t, tp.IngressURL, false)
	}
	res := b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")})
	require.True(t, completed(res), "%s", res.Body)
	tp.Model.Enqueue(
		topology.ModelTurn{Step: fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
			Arguments: `{"title":"Dashboards","description":null,"due_at":null,"priority":null,"tags":null}`})},
		topology.ModelTurn{Step: fakeopenai.Reply("Added.")},
	)
	res = b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add dashboards")})
	require.True(t, completed(res), "%s", res.Body)
	// The upstream fails every attempt (the first call and the client's
	// retries): the turn ends with an error event.
	var fails []topology.ModelTurn
	for range 3 {
		fails = append(fails, topology.ModelTurn{Step: fakeopenai.HTTPError(http.StatusInternalServerError, 0)})
	}
	tp.Model.Enqueue(fails...)
	res = b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("this one fails")})
	require.True(t, endsWithError(res), "the upstream failure ends the turn with an error event: %s", res.Body)
	require.Zero(t, tp.Model.Pending(), "every scripted failure was used")
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/tasks", ""},
		{http.MethodPost, "/api/v1/tasks", `{"title":"REST"}`},
		{http.MethodGet, "/api/v1/tasks/999999", ""},
	} {
		_, _, _, err := b.rest(ctx, r.method, r.path, r.body)
		require.NoError(t, err)
	}
	limit := tp.Pods("session-service")[0].Spec.Env["RATE_LIMIT_PER_MINUTE"]
	limited := false
	for i := 0; i < 200 && !limited; i++ {
		err := b.mint(ctx)
		limited = err != nil && strings.Contains(err.Error(), "429")
	}
	require.True(t, limited, "one browser goes over RATE_LIMIT_PER_MINUTE=%s", limit)
}

// Every query of every shipped Grafana dashboard, with its template
// variables filled in from this Prometheus as Grafana fills them, returns
// at least one series after a short mixed load; on this healthy system the
// 5xx-ratio panels show 0 (not "No data"); and the chart's alert rules are
// loaded by Prometheus and evaluate without error.
func TestDashboardsAndRulesOnRealPrometheus(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	mixedLoad(t, tp)

	files, err := filepath.Glob(filepath.Join(repoRoot(), "charts", "taskpilot", "dashboards", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	type query struct{ dash, panel, expr string }
	var queries []query
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var d dashboard
		require.NoError(t, json.Unmarshal(raw, &d))
		vars := map[string]string{"__rate_interval": rateInterval}
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			m := labelValuesRE.FindStringSubmatch(v.Definition)
			require.NotNil(t, m, "%s: variable %s: a label_values query", d.UID, v.Name)
			var values []string
			eventually(t, time.Minute, func() error {
				var out struct {
					Data []string `json:"data"`
				}
				match := strings.TrimSpace(m[1])
				for k, val := range vars {
					match = strings.ReplaceAll(match, "$"+k, val)
				}
				if err := promGet(ctx, tp.PrometheusURL+"/api/v1/label/"+m[2]+"/values?match[]="+url.QueryEscape(match), &out); err != nil {
					return err
				}
				if len(out.Data) == 0 {
					return fmt.Errorf("%s: no values for $%s yet", d.UID, v.Name)
				}
				values = out.Data
				return nil
			})
			if v.Multi || v.IncludeAll {
				vars[v.Name] = strings.Join(values, "|")
			} else {
				vars[v.Name] = values[0]
			}
		}
		names := make([]string, 0, len(vars))
		for k := range vars {
			names = append(names, k)
		}
		// Longest first, so $service is not cut by a shorter name.
		sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		for _, p := range flatten(d.Panels) {
			for _, tg := range p.Targets {
				expr := tg.Expr
				for _, k := range names {
					expr = strings.ReplaceAll(expr, "$"+k, vars[k])
				}
				require.NotContains(t, expr, "$", "%s/%s: a variable left unfilled: %s", d.UID, p.Title, expr)
				queries = append(queries, query{d.UID, p.Title, expr})
			}
		}
	}
	require.NotEmpty(t, queries)

	var empty []string
	eventually(t, 90*time.Second, func() error {
		empty = empty[:0]
		for _, q := range queries {
			res, err := promQuery(ctx, tp.PrometheusURL, q.expr)
			if err != nil {
				return err
			}
			if len(res) == 0 {
				empty = append(empty, q.dash+" / "+q.panel+": "+q.expr)
			}
		}
		if len(empty) > 0 {
			return fmt.Errorf("%d of %d queries return no series:\n%s", len(empty), len(queries), strings.Join(empty, "\n"))
		}
		return nil
	})
	t.Logf("all %d dashboard queries return data", len(queries))

	// Healthy (no 5xx so far): once the load is in the rate window, the
	// 5xx ratio panels read 0 (NaN would be 0/0: no traffic yet).
	eventually(t, time.Minute, func() error {
		for _, q := range queries {
			if !strings.Contains(q.panel, "5xx") {
				continue
			}
			res, err := promQuery(ctx, tp.PrometheusURL, q.expr)
			if err != nil {
				return err
			}
			for _, r := range res {
				var s struct {
					Value [2]any `json:"value"`
				}
				if err := json.Unmarshal(r, &s); err != nil {
					return err
				}
				if s.Value[1] != "0" {
					return fmt.Errorf("%s / %s on a healthy system reads %v, want 0", q.dash, q.panel, s.Value[1])
				}
			}
		}
		return nil
	})

	// The rules: every group and rule of the chart's file is loaded, and
	// each has been evaluated without error.
	raw, err := os.ReadFile(tp.RulesFile())
	require.NoError(t, err)
	var file struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert  string `json:"alert"`
				Record string `json:"record"`
			} `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &file))
	eventually(t, time.Minute, func() error {
		var out struct {
			Data struct {
				Groups []struct {
					Name  string `json:"name"`
					Rules []struct {
						Name           string `json:"name"`
						Health         string `json:"health"`
						LastError      string `json:"lastError"`
						LastEvaluation string `json:"lastEvaluation"`
					} `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		if err := promGet(ctx, tp.PrometheusURL+"/api/v1/rules", &out); err != nil {
			return err
		}
		loaded := map[string]string{}
		for _, g := range out.Data.Groups {
			for _, r := range g.Rules {
				if r.Health != "ok" || strings.HasPrefix(r.LastEvaluation, "0001-") {
					loaded[g.Name+"/"+r.Name] = "health " + r.Health + " " + r.LastError
					continue
				}
				loaded[g.Name+"/"+r.Name] = "ok"
			}
		}
		var problems []string
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				name := g.Name + "/" + r.Alert + r.Record
				if st := loaded[name]; st != "ok" {
					problems = append(problems, fmt.Sprintf("%s: %q", name, st))
				}
			}
		}
		slices.Sort(problems)
		if len(problems) > 0 {
			return fmt.Errorf("rules not loaded or not evaluated: %v", problems)
		}
		return nil
	})
}
