package storage_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// The SQLite database holds every user's data: a new directory is 0700 and
// the files 0600, whatever the umask allows.
func TestSQLiteFilesAreTheOwnersOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	for name, existingDir := range map[string]bool{"new directory": false, "existing directory": true} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if existingDir {
				require.NoError(t, os.Mkdir(dir, 0o700))
			}
			path := filepath.Join(dir, "taskpilot.db")
			db, err := storage.Open(t.Context(), "sqlite://"+path)
			require.NoError(t, err)
			_, err = db.SQL.ExecContext(t.Context(), "CREATE TABLE IF NOT EXISTS perms_probe (x INTEGER)")
			require.NoError(t, err)
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				st, err := os.Stat(f)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
			}
			st, err := os.Stat(dir)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
			require.NoError(t, db.Close())
		})
	}
}
