-- Recurring tasks (owned by pkg/tasks). A task repeats by an RFC 5545 RRULE
-- without DTSTART (recur_rule, '' for a task that does not repeat), computed
-- in the IANA zone recur_zone, anchored at recur_start (the DTSTART).
-- task_occurrences records each completed occurrence: its due time and when
-- it was done. A task's occurrences go with it when it is deleted (Delete
-- removes them in the same transaction).

-- +goose Up
ALTER TABLE tasks ADD COLUMN recur_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN recur_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN recur_start TIMESTAMPTZ;

CREATE TABLE task_occurrences (
    user_id      TEXT        NOT NULL,
    task_id      BIGINT      NOT NULL,
    due_at       TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, task_id, due_at)
);

-- +goose Down
DROP TABLE task_occurrences;
ALTER TABLE tasks DROP COLUMN recur_start;
ALTER TABLE tasks DROP COLUMN recur_zone;
ALTER TABLE tasks DROP COLUMN recur_rule;
