package deploytest

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every ci/*-values.yaml renders, and every object decodes strictly into its
// Kubernetes API type.
func TestChartRendersStrictly(t *testing.T) {
	for _, file := range ciValueFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := mustRender(t, readValues(t, file))
			dumpOnFailure(t, r)
			objs := r.objects(t)
			require.NotEmpty(t, objs)
			t.Logf("%d objects: %v", len(objs), keys(objs))
		})
	}
}
