package offline

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every example the help text gives is one the parser understands.
func TestHelpTextExamplesAreUnderstood(t *testing.T) {
	p := NewParser()
	examples := regexp.MustCompile(`“([^”]+)”`).FindAllStringSubmatch(helpText, -1)
	require.Greater(t, len(examples), 15)
	for _, m := range examples {
		say := m[1]
		if say == "undo" {
			continue // answered before parsing
		}
		t.Run(say, func(t *testing.T) {
			assert.NotEqual(t, KindUnknown, p.Parse(say, now, nyc).Kind)
		})
	}
}
