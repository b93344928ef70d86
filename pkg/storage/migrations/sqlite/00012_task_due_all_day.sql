-- Date-only due dates (owned by pkg/tasks). due_all_day is 1 when the task
-- is due on a day rather than at a time ("tomorrow", "on Friday"): due_at
-- then holds the end of that day (23:59 in the user's zone), so sorting and
-- "overdue" work as for any due time, and the clock time is not shown.
--
-- Existing rows followed the earlier convention that a date without a time
-- is 23:59 local. The zone is not stored, so rows due at minute 59 or 29
-- (23:59 in a zone with a whole- or half-hour offset) with no seconds are
-- marked date-only; a time people name ("at 5pm") rarely ends in :59 or :29.

-- +goose Up
ALTER TABLE tasks ADD COLUMN due_all_day INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET due_all_day = 1
WHERE due_at IS NOT NULL AND substr(due_at, 15, 2) IN ('59', '29') AND substr(due_at, 18, 2) = '00';

-- +goose Down
ALTER TABLE tasks DROP COLUMN due_all_day;
