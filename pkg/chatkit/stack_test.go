package chatkit

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOnFreshStackRunsBeforeReturning(t *testing.T) {
	var got int
	OnFreshStack(func() { got = 42 })
	assert.Equal(t, 42, got)
}

func TestOnFreshStackRaisesPanicsOnTheCaller(t *testing.T) {
	defer func() {
		r := recover()
		require.NotNil(t, r, "the panic reaches the caller")
		err, ok := r.(error)
		require.True(t, ok, "%T", r)
		assert.Contains(t, err.Error(), "boom")
		assert.Contains(t, err.Error(), "stack_test.go", "with the stack where it happened")
		var p *freshStackPanic
		require.True(t, errors.As(err, &p))
		assert.Equal(t, "boom", p.value)
	}()
	OnFreshStack(func() { panic("boom") })
	t.Fatal("not reached")
}
