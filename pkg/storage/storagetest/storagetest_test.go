package storagetest_test

import (
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// An unreachable server skips the test with a reason and a redacted URL, or
// fails it under CI=true. Runs the helper in a child test process.
func TestPostgresUnreachableSkipsOrFailsInCI(t *testing.T) {
	if os.Getenv("STORAGETEST_CHILD") == "1" {
		storagetest.Postgres(t)
		t.Log("reached the server")
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{ci: "", wantFail: false, want: "--- SKIP"},
		{ci: "false", wantFail: false, want: "--- SKIP"},
		{ci: "true", wantFail: true, want: "--- FAIL"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestPostgresUnreachableSkipsOrFailsInCI$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "STORAGETEST_CHILD=1", "CI="+tc.ci,
				"DATABASE_URL_TEST=postgres://postgres:hunter2@127.0.0.1:1/test?connect_timeout=2")
			out, err := cmd.CombinedOutput()
			text := string(out)
			if tc.wantFail {
				require.Error(t, err, text)
			} else {
				require.NoError(t, err, text)
			}
			assert.Contains(t, text, tc.want)
			assert.Contains(t, text, "PostgreSQL not reachable at postgres://postgres:xxxxx@127.0.0.1:1/test")
			assert.NotContains(t, text, "hunter2", "the password is redacted")
			assert.NotContains(t, text, "reached the server")
		})
	}
}

func TestPostgresSchemaIsPrivateAndDropped(t *testing.T) {
	var schemas []string
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			db := storagetest.Postgres(t)
			var schema string
			require.NoError(t, db.SQL.QueryRowContext(t.Context(), "SELECT current_schema()").Scan(&schema))
			assert.True(t, strings.HasPrefix(schema, "taskpilot_test_"), schema)
			schemas = append(schemas, schema)
			_, err := db.SQL.ExecContext(t.Context(), "INSERT INTO chat_threads (user_id, id, created_at, updated_at) VALUES ('u', 'thr_same', 1, 1)")
			require.NoError(t, err, "each test has its own tables: the same id never collides")
		})
	}
	require.Len(t, schemas, 2)
	assert.NotEqual(t, schemas[0], schemas[1])
	admin, err := sql.Open("pgx", storagetest.PostgresURL())
	require.NoError(t, err)
	defer func() { _ = admin.Close() }()
	for _, s := range schemas {
		var n int
		require.NoError(t, admin.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", s).Scan(&n))
		assert.Zero(t, n, "schema %s is dropped after its test", s)
	}
}

func TestEachRunsBothBackends(t *testing.T) {
	var seen []storage.Dialect
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		require.NoError(t, db.Ping(t.Context()))
		seen = append(seen, db.Dialect)
	})
	assert.Equal(t, []storage.Dialect{storage.SQLite, storage.Postgres}, seen)
}
