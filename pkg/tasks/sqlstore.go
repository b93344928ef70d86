package tasks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/textcheck"
)

// SQLStore is the Store on storage.DB (SQLite or PostgreSQL; schema in
// pkg/storage/migrations/*/00010_tasks.sql). One SQL text serves both
// dialects through DB.Rebind; every statement is scoped by user_id.
// Operations are timed into taskpilot_store_operation_duration_seconds
// {store="tasks"} by DB.Observe.
type SQLStore struct {
	db *storage.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore builds the task store on db (already migrated by storage.Open).
func NewSQLStore(db *storage.DB) *SQLStore { return &SQLStore{db: db} }

const taskColumns = "id, title, description, status, priority, due_at, tags, created_at, updated_at, completed_at, " +
	"recur_rule, recur_zone, recur_start, due_all_day"

// insertTask is the INSERT of every column of a task row (rowArgs).
const insertTask = `INSERT INTO tasks
(user_id, id, title, description, status, priority, due_at, tags, search, created_at, updated_at, completed_at,
 recur_rule, recur_zone, recur_start, due_all_day)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

var _ OccurrenceStore = (*SQLStore)(nil)

// storeTimeLayout is fixed width, so on SQLite text order is time order.
const storeTimeLayout = "2006-01-02T15:04:05Z"

// timeArg is how a time is passed to the database: text on SQLite (the
// column is TEXT), time.Time on PostgreSQL (TIMESTAMPTZ).
func (s *SQLStore) timeArg(t time.Time) any {
	t = normalizeTime(t)
	if s.db.Dialect == storage.SQLite {
		return t.Format(storeTimeLayout)
	}
	return t
}

func (s *SQLStore) timePtrArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}

// dbTime scans a time stored as TEXT (SQLite) or TIMESTAMPTZ (PostgreSQL).
type dbTime struct {
	t     time.Time
	valid bool
}

func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.valid = false
		return nil
	case time.Time:
		d.t, d.valid = normalizeTime(x), true
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	}
	return fmt.Errorf("scan time: unsupported type %T", v)
}

func (d *dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", s, err)
	}
	d.t, d.valid = normalizeTime(t), true
	return nil
}

func (d dbTime) ptr() *time.Time {
	if !d.valid {
		return nil
	}
	t := d.t
	return &t
}

// encodeTags stores tags as ",a,b," ("" for none).
func encodeTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "," + strings.Join(tags, ",") + ","
}

func decodeTags(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func searchText(t Task) string { return strings.ToLower(t.Title + "\n" + t.Description) }

// likeEscape escapes LIKE wildcards for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

type rowScanner interface{ Scan(dest ...any) error }

func scanTask(r rowScanner) (Task, error) {
	var (
		t                    Task
		tags                 string
		due, created, update dbTime
		completed, start     dbTime
		status, prio         string
		rule, zone           string
	)
	if err := r.Scan(&t.ID, &t.Title, &t.Description, &status, &prio, &due, &tags,
		&created, &update, &completed, &rule, &zone, &start, &t.DueAllDay); err != nil {
		return Task{}, err
	}
	if rule != "" {
		t.Recurrence = &Recurrence{Rule: rule, TimeZone: zone, Start: start.t}
	}
	t.Status, t.Priority = Status(status), Priority(prio)
	t.DueAt, t.CompletedAt = due.ptr(), completed.ptr()
	t.CreatedAt, t.UpdatedAt = created.t, update.t
	t.Tags = decodeTags(tags)
	return t, nil
}

// observe times one operation (taskpilot_store_operation_duration_seconds
// {store="tasks"}) and traces it; a missing task is a normal outcome, not a
// failed span.
func (s *SQLStore) observe(ctx context.Context, op string) (context.Context, func(error)) {
	ctx, done := s.db.Observe(ctx, "tasks", op)
	return ctx, func(err error) {
		if errors.Is(err, ErrNotFound) {
			err = nil
		}
		done(err)
	}
}

func notFoundIf(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// Create inserts t with the user's next id; the counter bump and the insert
// are one transaction, so concurrent creates get distinct ids. On SQLite it
// shares its commit with the other writes waiting (storage.DB.WriteTx).
func (s *SQLStore) Create(ctx context.Context, user string, t Task) (out Task, err error) {
	ctx, done := s.observe(ctx, "create")
	defer func() { done(err) }()
	if err := checkStored(t); err != nil {
		return Task{}, err
	}
	err = s.db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		row := t // the job may run twice: t stays as given
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO task_counters (user_id, last_id) VALUES (?, 1)
ON CONFLICT (user_id) DO UPDATE SET last_id = task_counters.last_id + 1
RETURNING last_id`), user).Scan(&row.ID); err != nil {
			return fmt.Errorf("allocate task id: %w", err)
		}
		created, err := scanTask(tx.QueryRowContext(ctx, s.db.Rebind(insertTask+`
RETURNING `+taskColumns), s.rowArgs(user, row)...))
		if err != nil {
			return fmt.Errorf("insert task: %w", err)
		}
		out = created
		return nil
	})
	if err != nil {
		return Task{}, err
	}
	return out, nil
}

var _ CappedCreator = (*SQLStore)(nil)

// CreateCapped implements CappedCreator. On PostgreSQL it is one statement
// (one round trip, atomic): the count, the counter bump and the insert, the
// latter two only under the cap. On SQLite it is Count then Create (the
// count stays off the single writer).
func (s *SQLStore) CreateCapped(ctx context.Context, user string, t Task, limit int) (out Task, held int, err error) {
	if s.db.Dialect != storage.Postgres {
		if limit > 0 {
			if held, err = s.Count(ctx, user); err != nil || held >= limit {
				return Task{}, held, err
			}
		}
		out, err = s.Create(ctx, user, t)
		return out, held, err
	}
	ctx, done := s.observe(ctx, "create")
	defer func() { done(err) }()
	if err := checkStored(t); err != nil {
		return Task{}, 0, err
	}
	args := s.rowArgs(user, t)
	// rowArgs: user, id (allocated here instead), then the columns.
	args = append([]any{user, limit}, args[2:]...)
	count, under := `SELECT COUNT(*) AS n FROM tasks WHERE user_id = $1`, `n.n < $2`
	if limit <= 0 {
		// No cap: nothing to count ($2 unused but typed).
		count, under = `SELECT 0::bigint AS n`, `$2::int <= 0`
	}
	var n int64
	var row Task
	err = s.db.WriteStmt(ctx, func(ctx context.Context, tx storage.Tx) error {
		r := tx.QueryRowContext(ctx, `WITH n AS (`+count+`),
c AS (
  INSERT INTO task_counters (user_id, last_id) SELECT $1, 1 FROM n WHERE `+under+`
  ON CONFLICT (user_id) DO UPDATE SET last_id = task_counters.last_id + 1
  RETURNING last_id
),
ins AS (
  INSERT INTO tasks (user_id, id, title, description, status, priority, due_at, tags, search, created_at, updated_at,
    completed_at, recur_rule, recur_zone, recur_start, due_all_day)
  SELECT $1, c.last_id, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10::timestamptz, $11::timestamptz,
    $12::timestamptz, $13, $14, $15::timestamptz, $16::boolean FROM c
  RETURNING `+taskColumns+`
)
SELECT n.n, ins.* FROM n LEFT JOIN ins ON true`, args...)
		var (
			id                                 *int64
			title, desc, status, prio, tags    *string
			rule, zone                         *string
			due, created, updated, done, start dbTime
			allDay                             *bool
		)
		if err := r.Scan(&n, &id, &title, &desc, &status, &prio, &due, &tags, &created, &updated, &done, &rule, &zone, &start, &allDay); err != nil {
			return err
		}
		if id == nil {
			return nil // at the cap: nothing created
		}
		row = Task{ID: *id, Title: *title, Description: *desc, Status: Status(*status), Priority: Priority(*prio),
			DueAt: due.ptr(), Tags: decodeTags(*tags), CreatedAt: created.t, UpdatedAt: updated.t, CompletedAt: done.ptr(), DueAllDay: *allDay}
		if *rule != "" {
			row.Recurrence = &Recurrence{Rule: *rule, TimeZone: *zone, Start: start.t}
		}
		return nil
	})
	if err != nil {
		return Task{}, 0, fmt.Errorf("create task: %w", err)
	}
	return row, int(n), nil
}

// checkStored is the store's backstop of the input-hygiene rule
// (textcheck; Service rejects first with a 422): a control character in a
// stored text field is the same 400 on SQLite and PostgreSQL, where
// PostgreSQL would fail on NUL (SQLSTATE 22021).
func checkStored(t Task) error {
	if err := textcheck.Check("title", t.Title); err != nil {
		return err
	}
	if err := textcheck.Check("description", t.Description); err != nil {
		return err
	}
	for _, tag := range t.Tags {
		if err := textcheck.Check("tags", tag); err != nil {
			return err
		}
	}
	return nil
}

func (s *SQLStore) rowArgs(user string, t Task) []any {
	rule, zone, start := s.recurArgs(t)
	return []any{user, t.ID, t.Title, t.Description, string(t.Status), string(t.Priority),
		s.timePtrArg(t.DueAt), encodeTags(t.Tags), searchText(t),
		s.timeArg(t.CreatedAt), s.timeArg(t.UpdatedAt), s.timePtrArg(t.CompletedAt),
		rule, zone, start, t.DueAllDay}
}

// recurArgs are the recur_rule, recur_zone and recur_start values of t.
func (s *SQLStore) recurArgs(t Task) (rule, zone string, start any) {
	if t.Recurrence == nil {
		return "", "", nil
	}
	return t.Recurrence.Rule, t.Recurrence.TimeZone, s.timeArg(t.Recurrence.Start)
}

// selectTask reads one task of a user.
const selectTask = `SELECT ` + taskColumns + ` FROM tasks WHERE user_id = ? AND id = ?`

// Get returns one task of user.
func (s *SQLStore) Get(ctx context.Context, user string, id int64) (out Task, err error) {
	ctx, done := s.observe(ctx, "get")
	defer func() { done(err) }()
	row := s.db.Read.QueryRowContext(ctx, s.db.Rebind(selectTask), user, id)
	out, err = scanTask(row)
	if err != nil {
		return Task{}, notFoundIf(err)
	}
	return out, nil
}

// List returns the user's tasks matching f (already checked by CheckFilter).
func (s *SQLStore) List(ctx context.Context, user string, f Filter, now time.Time) (out []Task, err error) {
	ctx, done := s.observe(ctx, "list")
	defer func() { done(err) }()
	if err := textcheck.Check("query", f.Query); err != nil {
		return nil, err
	}
	var where strings.Builder
	args := []any{user}
	where.WriteString("user_id = ?")
	switch f.Status {
	case FilterPending:
		where.WriteString(" AND status = 'pending'")
	case FilterCompleted:
		where.WriteString(" AND status = 'completed'")
	}
	if f.Query != "" {
		where.WriteString(` AND search LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(strings.ToLower(f.Query))+"%")
	}
	if f.Tag != "" {
		where.WriteString(` AND tags LIKE ? ESCAPE '\'`)
		args = append(args, "%,"+likeEscape(f.Tag)+",%")
	}
	if f.Priority != "" {
		where.WriteString(" AND priority = ?")
		args = append(args, string(f.Priority))
	}
	if f.DueBefore != nil {
		where.WriteString(" AND due_at < ?")
		args = append(args, s.timeArg(*f.DueBefore))
	}
	if f.DueAfter != nil {
		where.WriteString(" AND due_at >= ?")
		args = append(args, s.timeArg(*f.DueAfter))
	}
	if f.Overdue {
		where.WriteString(" AND status = 'pending' AND due_at < ?")
		args = append(args, s.timeArg(now))
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	args = append(args, limit)
	q := `SELECT ` + taskColumns + ` FROM tasks WHERE ` + where.String() + `
ORDER BY (due_at IS NULL), due_at,
  CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
  id
LIMIT ?`
	rows, err := s.db.Read.QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("query tasks: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out = []Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("scan task: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	return out, nil
}

// Replace overwrites every field of task t.ID but created_at.
func (s *SQLStore) Replace(ctx context.Context, user string, t Task) (out Task, err error) {
	ctx, done := s.observe(ctx, "replace")
	defer func() { done(err) }()
	if err := checkStored(t); err != nil {
		return Task{}, err
	}
	query, args := s.replaceStmt(user, t)
	return s.writeRow(ctx, query, args)
}

func (s *SQLStore) replaceStmt(user string, t Task) (string, []any) {
	query := s.db.Rebind(`UPDATE tasks SET
title = ?, description = ?, status = ?, priority = ?, due_at = ?, tags = ?, search = ?,
updated_at = ?, completed_at = ?, recur_rule = ?, recur_zone = ?, recur_start = ?, due_all_day = ?
WHERE user_id = ? AND id = ?
RETURNING ` + taskColumns)
	rule, zone, start := s.recurArgs(t)
	args := []any{t.Title, t.Description, string(t.Status), string(t.Priority), s.timePtrArg(t.DueAt),
		encodeTags(t.Tags), searchText(t), s.timeArg(t.UpdatedAt), s.timePtrArg(t.CompletedAt),
		rule, zone, start, t.DueAllDay, user, t.ID}
	return query, args
}

// Occurrences returns the recorded occurrences of task id, newest first.
func (s *SQLStore) Occurrences(ctx context.Context, user string, id int64, limit int) (out []Occurrence, err error) {
	ctx, done := s.observe(ctx, "occurrences")
	defer func() { done(err) }()
	rows, err := s.db.Read.QueryContext(ctx, s.db.Rebind(`SELECT due_at, completed_at FROM task_occurrences
WHERE user_id = ? AND task_id = ? ORDER BY due_at DESC LIMIT ?`), user, id, limit)
	if err != nil {
		return nil, fmt.Errorf("query occurrences: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out = []Occurrence{}
	for rows.Next() {
		var due, completed dbTime
		if err := rows.Scan(&due, &completed); err != nil {
			return nil, fmt.Errorf("scan occurrence: %w", err)
		}
		out = append(out, Occurrence{TaskID: id, DueAt: due.t, CompletedAt: completed.t})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read occurrences: %w", err)
	}
	return out, nil
}

// Delete removes one task of user and returns it as it was.
func (s *SQLStore) Delete(ctx context.Context, user string, id int64) (out Task, err error) {
	ctx, done := s.observe(ctx, "delete")
	defer func() { done(err) }()
	if s.db.Dialect == storage.Postgres {
		// One statement, atomic: one round trip.
		return s.writeRow(ctx, `WITH d AS (DELETE FROM tasks WHERE user_id = $1 AND id = $2 RETURNING `+taskColumns+`),
o AS (DELETE FROM task_occurrences WHERE user_id = $1 AND task_id = $2 AND EXISTS (SELECT 1 FROM d))
SELECT `+taskColumns+` FROM d`, []any{user, id})
	}
	err = s.db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		row, err := scanTask(tx.QueryRowContext(ctx, s.db.Rebind(
			`DELETE FROM tasks WHERE user_id = ? AND id = ? RETURNING `+taskColumns), user, id))
		if err != nil {
			return notFoundIf(err)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(
			`DELETE FROM task_occurrences WHERE user_id = ? AND task_id = ?`), user, id); err != nil {
			return fmt.Errorf("delete occurrences: %w", err)
		}
		out = row
		return nil
	})
	if err != nil {
		return Task{}, err
	}
	return out, nil
}

// writeRow runs one write statement that returns a task row (group-committed
// on SQLite); no row is ErrNotFound.
func (s *SQLStore) writeRow(ctx context.Context, query string, args []any) (Task, error) {
	var out Task
	err := s.db.WriteStmt(ctx, func(ctx context.Context, tx storage.Tx) error {
		t, err := scanTask(tx.QueryRowContext(ctx, query, args...))
		if err != nil {
			return notFoundIf(err)
		}
		out = t
		return nil
	})
	if err != nil {
		return Task{}, err
	}
	return out, nil
}

// Put writes t with its own id (insert or overwrite) and raises the user's
// counter to at least t.ID, in one transaction.
func (s *SQLStore) Put(ctx context.Context, user string, t Task) (out Task, err error) {
	ctx, done := s.observe(ctx, "put")
	defer func() { done(err) }()
	if err := checkStored(t); err != nil {
		return Task{}, err
	}
	err = s.db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO task_counters (user_id, last_id) VALUES (?, ?)
ON CONFLICT (user_id) DO UPDATE SET last_id =
  CASE WHEN task_counters.last_id < excluded.last_id THEN excluded.last_id ELSE task_counters.last_id END`),
			user, t.ID); err != nil {
			return fmt.Errorf("raise task counter: %w", err)
		}
		row := tx.QueryRowContext(ctx, s.db.Rebind(insertTask+`
ON CONFLICT (user_id, id) DO UPDATE SET
  title = excluded.title, description = excluded.description, status = excluded.status,
  priority = excluded.priority, due_at = excluded.due_at, tags = excluded.tags, search = excluded.search,
  created_at = excluded.created_at, updated_at = excluded.updated_at, completed_at = excluded.completed_at,
  recur_rule = excluded.recur_rule, recur_zone = excluded.recur_zone, recur_start = excluded.recur_start,
  due_all_day = excluded.due_all_day
RETURNING `+taskColumns), s.rowArgs(user, t)...)
		put, err := scanTask(row)
		if err != nil {
			return fmt.Errorf("put task: %w", err)
		}
		if t.Recurrence != nil && t.DueAt != nil && t.Status == StatusPending {
			// Undo of a completion: the occurrences at or after the restored
			// due time are not done any more.
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM task_occurrences
WHERE user_id = ? AND task_id = ? AND due_at >= ?`), user, t.ID, s.timeArg(*t.DueAt)); err != nil {
				return fmt.Errorf("drop undone occurrences: %w", err)
			}
		}
		out = put
		return nil
	})
	if err != nil {
		return Task{}, err
	}
	return out, nil
}

// Count returns how many tasks user has.
func (s *SQLStore) Count(ctx context.Context, user string) (n int, err error) {
	ctx, done := s.observe(ctx, "count")
	defer func() { done(err) }()
	err = s.db.Read.QueryRowContext(ctx, s.db.Rebind(
		`SELECT COUNT(*) FROM tasks WHERE user_id = ?`), user).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tasks: %w", err)
	}
	return n, nil
}
