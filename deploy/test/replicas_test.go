package deploytest

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// Two chat-service replicas of a rollout start at the same moment on one
// empty PostgreSQL database, as the chart runs them (no migration Job): the
// goose migrations at start-up are serialised by the advisory lock, so each
// is applied exactly once and both replicas become ready; then either
// replica serves what the other stored (no state in the pods).
func TestChatServiceReplicasShareOnePostgreSQL(t *testing.T) {
	if os.Getenv(binariesEnv) == "" {
		t.Skipf("builds chat-service: run with %s=1 (make test-deploy-binaries)", binariesEnv)
	}
	schema := storagetest.NewPostgresSchema(t) // skips without PostgreSQL, fails under CI
	dbURL := storagetest.PostgresURL()
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	dbURL += sep + "search_path=" + schema
	bins := builtServices(t)

	objs := mustRender(t, map[string]any{
		"secrets": map[string]any{"databaseURL": dbURL}, "postgresql": map[string]any{"enabled": false},
	}).objects(t)
	envOf := func(svc, podName string) map[string]string {
		d := typed[*appsv1.Deployment](t, objs, "Deployment", "t-taskpilot-"+svc)
		return containerEnv(t, objs, d.Spec.Template.Spec.Containers[0], podName)
	}
	replicas := []*pod{
		launchPod(t, "chat-service-a", bins["chat-service"], newSandbox(t), envOf("chat-service", "t-taskpilot-chat-service-7f-a")),
		launchPod(t, "chat-service-b", bins["chat-service"], newSandbox(t), envOf("chat-service", "t-taskpilot-chat-service-7f-b")),
	}
	for _, p := range replicas {
		waitHealthy(t, p)
		deadline := time.Now().Add(60 * time.Second)
		for {
			code, err := httpGet(p.url + "/readyz")
			if err == nil && code == http.StatusOK {
				break
			}
			require.True(t, time.Now().Before(deadline), "%s not ready: %d %v", p.name, code, err)
			time.Sleep(100 * time.Millisecond)
		}
	}

	// Each migration applied once.
	db, err := sql.Open("pgx", storagetest.PostgresURL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT version_id, count(*) FROM `+schema+`.taskpilot_schema_migrations WHERE version_id > 0 GROUP BY version_id`)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	applied := map[int64]int{}
	for rows.Next() {
		var v int64
		var n int
		require.NoError(t, rows.Scan(&v, &n))
		applied[v] = n
	}
	require.NoError(t, rows.Err())
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "pkg", "storage", "migrations", "postgres", "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	assert.Len(t, applied, len(files), "every embedded migration applied")
	for v, n := range applied {
		assert.Equal(t, 1, n, "migration %d applied %d times", v, n)
	}

	// A session from session-service, a task through replica a, read back
	// through replica b.
	sess := startPod(t, "session-service", bins["session-service"], newSandbox(t), envOf("session-service", "t-taskpilot-session-service-7f-a"))
	res, body := do(t, http.MethodPost, sess.url+"/api/chatkit/sessions", "", http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	var session struct {
		ClientSecret string `json:"client_secret"`
	}
	require.NoError(t, json.Unmarshal(body, &session))
	auth := http.Header{"Authorization": {"Bearer " + session.ClientSecret}, "Content-Type": {"application/json"}}
	res, body = do(t, http.MethodPost, replicas[0].url+"/api/v1/tasks", `{"title":"Water the plants"}`, auth)
	require.Equal(t, http.StatusCreated, res.StatusCode, string(body))
	res, body = do(t, http.MethodGet, replicas[1].url+"/api/v1/tasks", "", auth)
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"title":"Water the plants"`)
}
