-- Task store (owned by pkg/tasks). Every row carries its owner's user_id and
-- every key starts with it, so no query can reach another user's tasks.
-- Ids are small integers per user, handed out by task_counters (the counter
-- only grows, so an id is never reused after a delete). Tags are kept as
-- ',a,b,' so one tag matches with LIKE '%,a,%'. search is
-- lower(title || '\n' || description), computed by the application.

-- +goose Up
CREATE TABLE task_counters (
    user_id TEXT   NOT NULL PRIMARY KEY,
    last_id BIGINT NOT NULL
);

CREATE TABLE tasks (
    user_id      TEXT        NOT NULL,
    id           BIGINT      NOT NULL,
    title        TEXT        NOT NULL,
    description  TEXT        NOT NULL DEFAULT '',
    status       TEXT        NOT NULL CHECK (status IN ('pending', 'completed')),
    priority     TEXT        NOT NULL CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_at       TIMESTAMPTZ,
    tags         TEXT        NOT NULL DEFAULT '',
    search       TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX tasks_user_due ON tasks (user_id, due_at);

-- +goose Down
DROP TABLE tasks;
DROP TABLE task_counters;
