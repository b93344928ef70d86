package storage_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// The SQLite pools cache prepared statements per connection; these check the
// cases where reuse could go wrong.
func TestSQLiteStatementCache(t *testing.T) {
	db := storagetest.SQLite(t)
	ctx := t.Context()
	_, err := db.SQL.ExecContext(ctx, `CREATE TABLE cache_probe (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(t, err)
	insert := `INSERT INTO cache_probe (k, v) VALUES (?, ?)`
	for i := range 5 {
		_, err := db.SQL.ExecContext(ctx, insert, i, "v"+string(rune('a'+i)))
		require.NoError(t, err, "same statement, new arguments")
	}

	t.Run("a failed execution leaves the statement usable", func(t *testing.T) {
		_, err := db.SQL.ExecContext(ctx, insert, 1, "duplicate")
		require.Error(t, err)
		assert.True(t, storage.IsUniqueViolation(err), "got %v", err)
		_, err = db.SQL.ExecContext(ctx, insert, 10, "after")
		require.NoError(t, err)
	})

	t.Run("the same query nested inside its own iteration", func(t *testing.T) {
		q := `SELECT k, v FROM cache_probe WHERE k < ? ORDER BY k`
		err := db.WithTx(ctx, func(tx *sql.Tx) error {
			outer, err := tx.QueryContext(ctx, q, 3)
			if err != nil {
				return err
			}
			defer outer.Close()
			var got []int
			for outer.Next() {
				var k int
				var v string
				require.NoError(t, outer.Scan(&k, &v))
				got = append(got, k)
				// The outer rows hold the cached statement: this one must not
				// reset it.
				var n int
				require.NoError(t, tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`, 10).Scan(&n))
				inner, err := tx.QueryContext(ctx, q, 2)
				require.NoError(t, err)
				cnt := 0
				for inner.Next() {
					cnt++
				}
				require.NoError(t, inner.Close())
				assert.Equal(t, 2, cnt)
			}
			assert.Equal(t, []int{0, 1, 2}, got)
			return outer.Err()
		})
		require.NoError(t, err)
	})

	t.Run("empty results and rows left early", func(t *testing.T) {
		q := `SELECT v FROM cache_probe WHERE k = ?`
		for range 3 {
			var v string
			err := db.Read.QueryRowContext(ctx, q, 999).Scan(&v)
			require.ErrorIs(t, err, sql.ErrNoRows)
			require.NoError(t, db.Read.QueryRowContext(ctx, q, 2).Scan(&v))
			assert.Equal(t, "vc", v)
		}
	})

	t.Run("a cancelled query leaves the statement usable", func(t *testing.T) {
		q := `SELECT k FROM cache_probe ORDER BY k`
		cctx, cancel := context.WithCancel(ctx)
		rows, err := db.Read.QueryContext(cctx, q)
		require.NoError(t, err)
		require.True(t, rows.Next())
		cancel()
		_ = rows.Close()
		rows, err = db.Read.QueryContext(ctx, q)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			n++
		}
		require.NoError(t, rows.Close())
		assert.Equal(t, 6, n)
	})

	t.Run("schema changes are picked up", func(t *testing.T) {
		q := `SELECT * FROM cache_probe WHERE k = ?`
		rows, err := db.SQL.QueryContext(ctx, q, 0)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		require.NoError(t, rows.Close())
		assert.Len(t, cols, 2)
		_, err = db.SQL.ExecContext(ctx, `ALTER TABLE cache_probe ADD COLUMN extra TEXT`)
		require.NoError(t, err)
		rows, err = db.SQL.QueryContext(ctx, q, 0)
		require.NoError(t, err)
		cols, err = rows.Columns()
		require.NoError(t, err)
		require.NoError(t, rows.Close())
		assert.Len(t, cols, 3)
	})
}
