package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// Modifier is a Store that changes one task in one transaction: it reads
// the task, locked against other writers until the write, lets change
// compute the new row from it, and writes that row (with occ, a completed
// occurrence of a recurring task, when set). When change returns write
// false or an error nothing is written and Modify returns the task as read
// (or the error). Service.Update uses it when the store has it; without
// it a concurrent update of the same task may be lost.
type Modifier interface {
	Modify(ctx context.Context, user string, id int64, change func(before Task) (after Task, occ *Occurrence, write bool, err error)) (Task, error)
}

var _ Modifier = (*SQLStore)(nil)

// occurrenceInsert records a completed occurrence of a repeating task;
// recording the same occurrence again (after an undo) keeps the later
// completion time.
const occurrenceInsert = `INSERT INTO task_occurrences
(user_id, task_id, due_at, completed_at) VALUES (?, ?, ?, ?)
ON CONFLICT (user_id, task_id, due_at) DO UPDATE SET completed_at = excluded.completed_at`

// Modify implements Modifier. On PostgreSQL it is two round trips and one
// transaction on one connection: [BEGIN, the row FOR UPDATE], then
// [UPDATE … RETURNING, the occurrence, COMMIT]. On SQLite it is one job of
// the writer's group commit (the writer is the only one, so the row cannot
// change between the read and the write).
func (s *SQLStore) Modify(ctx context.Context, user string, id int64,
	change func(before Task) (Task, *Occurrence, bool, error)) (out Task, err error) {
	ctx, done := s.observe(ctx, "modify")
	defer func() { done(err) }()
	if s.db.Dialect == storage.Postgres {
		err = s.db.OnConn(ctx, func(c *pgx.Conn) error {
			out, err = s.modifyPostgres(ctx, c, user, id, change)
			return err
		})
		return out, err
	}
	err = s.db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		before, err := scanTask(tx.QueryRowContext(ctx, s.db.Rebind(selectTask), user, id))
		if err != nil {
			return notFoundIf(err)
		}
		after, occ, write, err := change(before)
		if err != nil || !write {
			out = before
			return err
		}
		if err := checkStored(after); err != nil {
			return err
		}
		query, args := s.replaceStmt(user, after)
		if out, err = scanTask(tx.QueryRowContext(ctx, query, args...)); err != nil {
			return notFoundIf(err)
		}
		if occ != nil {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(occurrenceInsert),
				user, occ.TaskID, s.timeArg(occ.DueAt), s.timeArg(occ.CompletedAt)); err != nil {
				return fmt.Errorf("record occurrence: %w", err)
			}
		}
		return nil
	})
	return out, err
}

func (s *SQLStore) modifyPostgres(ctx context.Context, c *pgx.Conn, user string, id int64,
	change func(before Task) (Task, *Occurrence, bool, error)) (Task, error) {
	rollback := func(err error) (Task, error) {
		if _, rerr := c.Exec(ctx, "ROLLBACK"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rerr))
		}
		return Task{}, err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(s.db.Rebind(selectTask+` FOR UPDATE`), user, id)
	br := c.SendBatch(ctx, b)
	_, err := br.Exec()
	var before Task
	if err == nil {
		before, err = scanTask(br.QueryRow())
	}
	if err = errors.Join(err, br.Close()); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			err = ErrNotFound
		}
		return rollback(err)
	}
	after, occ, write, err := change(before)
	if err == nil && write {
		err = checkStored(after)
	}
	if err != nil || !write {
		if _, cerr := c.Exec(ctx, "COMMIT"); cerr != nil && err == nil {
			err = fmt.Errorf("end transaction: %w", cerr)
		}
		return before, err
	}
	b = &pgx.Batch{}
	query, args := s.replaceStmt(user, after)
	b.Queue(query, args...)
	if occ != nil {
		b.Queue(s.db.Rebind(occurrenceInsert), user, occ.TaskID, s.timeArg(occ.DueAt), s.timeArg(occ.CompletedAt))
	}
	b.Queue("COMMIT")
	br = c.SendBatch(ctx, b)
	out, err := scanTask(br.QueryRow())
	if err == nil && occ != nil {
		if _, err = br.Exec(); err != nil {
			err = fmt.Errorf("record occurrence: %w", err)
		}
	}
	if err == nil {
		_, err = br.Exec() // COMMIT
	}
	if err = errors.Join(err, br.Close()); err != nil {
		return rollback(err)
	}
	return out, nil
}
