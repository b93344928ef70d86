package storage

// LockKey exposes the advisory lock key of a (user, thread) for tests.
func LockKey(userID, threadID string) int64 { return lockKey(userID + "\x00" + threadID) }
