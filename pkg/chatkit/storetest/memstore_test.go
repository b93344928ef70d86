package storetest_test

import (
	"testing"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/storetest"
)

// The in-memory store must honour the same contract as the SQL ones.
func TestMemStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) chatkit.Store { return memstore.New() })
}
