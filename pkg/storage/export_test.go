package storage

// QueuedWrites returns how many writes wait for the SQLite group commit (0
// on PostgreSQL), so tests can line writes up behind a job that holds the
// writer.
func QueuedWrites(db *DB) int {
	if db.batch == nil {
		return 0
	}
	return db.batch.queued()
}
