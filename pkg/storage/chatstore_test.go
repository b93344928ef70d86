package storage_test

import (
	"testing"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/storage/storetest"
)

func TestChatStoreContractSQLite(t *testing.T) {
	storetest.RunChatStore(t, func(t *testing.T) chatkit.Store {
		return storage.NewChatStore(storagetest.SQLite(t))
	})
}

func TestChatStoreContractPostgres(t *testing.T) {
	storetest.RunChatStore(t, func(t *testing.T) chatkit.Store {
		return storage.NewChatStore(storagetest.Postgres(t))
	})
}
