-- Task store (owned by pkg/tasks). Every row carries its owner's user_id and
-- every key starts with it, so no query can reach another user's tasks.
-- Ids are small integers per user, handed out by task_counters (the counter
-- only grows, so an id is never reused after a delete).
-- Times are RFC 3339 UTC text with whole seconds ('2026-11-29T17:00:00Z'):
-- fixed width, so text order is time order. Tags are kept as ',a,b,' so one
-- tag matches with LIKE '%,a,%'. search is lower(title || '\n' || description),
-- computed by the application (Unicode-aware on both dialects).

-- +goose Up
CREATE TABLE task_counters (
    user_id TEXT    NOT NULL PRIMARY KEY,
    last_id INTEGER NOT NULL
);

CREATE TABLE tasks (
    user_id      TEXT    NOT NULL,
    id           INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'completed')),
    priority     TEXT    NOT NULL CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_at       TEXT,
    tags         TEXT    NOT NULL DEFAULT '',
    search       TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (user_id, id)
) WITHOUT ROWID;
CREATE INDEX tasks_user_due ON tasks (user_id, due_at);

-- +goose Down
DROP TABLE tasks;
DROP TABLE task_counters;
