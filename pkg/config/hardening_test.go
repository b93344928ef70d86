package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
)

func TestConnectionSettings(t *testing.T) {
	c, err := config.Load(config.MapLookup(nil), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, c.HTTPReadTimeout)
	assert.Equal(t, 120*time.Second, c.HTTPIdleTimeout)
	assert.Equal(t, 30*time.Second, c.HTTPWriteStallTimeout)
	assert.Equal(t, 128, c.MaxConnsPerIP)
	assert.Equal(t, "127.0.0.1:9090", c.MetricsAddr, "the all-in-one's metrics are not reachable from other hosts")
	assert.False(t, c.AnonAdoptLegacy)

	svc, err := config.Load(config.MapLookup(map[string]string{"SESSION_SIGNING_KEY": strings.Repeat("k", 32)}), config.ChatService)
	require.NoError(t, err)
	assert.Equal(t, 0, svc.MaxConnsPerIP, "behind an ingress the peer is the proxy")
	assert.Equal(t, ":9090", svc.MetricsAddr)

	off, err := config.Load(config.MapLookup(map[string]string{
		"HTTP_READ_TIMEOUT": "0", "HTTP_IDLE_TIMEOUT": "0s", "HTTP_WRITE_STALL_TIMEOUT": "0s",
		"MAX_CONNS_PER_IP": "0", "METRICS_ADDR": "off", "AUTH_ANON_ADOPT_LEGACY": "true",
	}), config.AllInOne)
	require.NoError(t, err, "every limit can be switched off")
	assert.Zero(t, off.HTTPReadTimeout)
	assert.Zero(t, off.HTTPWriteStallTimeout)
	assert.Zero(t, off.MaxConnsPerIP)
	assert.Equal(t, config.MetricsOff, off.MetricsAddr)
	assert.True(t, off.AnonAdoptLegacy)

	for name, env := range map[string]map[string]string{
		"HTTP_READ_TIMEOUT":        {"HTTP_READ_TIMEOUT": "-1s"},
		"HTTP_WRITE_STALL_TIMEOUT": {"HTTP_WRITE_STALL_TIMEOUT": "soon"},
		"MAX_CONNS_PER_IP":         {"MAX_CONNS_PER_IP": "-3"},
		"METRICS_ADDR":             {"METRICS_ADDR": "nowhere"},
		"PPROF_ADDR":               {"PPROF_ADDR": "0.0.0.0:6060"},
		"AUTH_ANON_ADOPT_LEGACY":   {"AUTH_ANON_ADOPT_LEGACY": "maybe"},
	} {
		_, err := config.Load(config.MapLookup(env), config.AllInOne)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
	_, err = config.Load(config.MapLookup(map[string]string{"LISTEN_ADDR": ":8000", "METRICS_ADDR": ":8000"}), config.AllInOne)
	require.ErrorContains(t, err, "must differ from LISTEN_ADDR")

	c, err = config.Load(config.MapLookup(map[string]string{"PPROF_ADDR": "127.0.0.1:6060"}), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:6060", c.PprofAddr)
}

func TestWarnsAboutStateOthersCanRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
	db := filepath.Join(dir, "taskpilot.db")
	require.NoError(t, os.WriteFile(db, nil, 0o644))
	require.NoError(t, os.Chmod(db, 0o644))
	c, err := config.Load(config.MapLookup(map[string]string{"DATABASE_URL": "sqlite://" + db}), config.AllInOne)
	require.NoError(t, err)
	w := strings.Join(c.Warnings(), "\n")
	assert.Contains(t, w, dir+" is accessible to other users (mode 0755): chmod 0700")
	assert.Contains(t, w, db+" is accessible to other users (mode 0644): chmod 0600")

	require.NoError(t, os.Chmod(dir, 0o700))
	require.NoError(t, os.Chmod(db, 0o600))
	assert.NotContains(t, strings.Join(c.Warnings(), "\n"), "accessible to other users")
}
