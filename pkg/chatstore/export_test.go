package chatstore

import "github.com/taskpilotai/taskpilot/pkg/storage"

// LockKey is the advisory lock key of a (user, thread), for tests.
func LockKey(userID, threadID string) int64 { return storage.LockKey(lockName(userID, threadID)) }
