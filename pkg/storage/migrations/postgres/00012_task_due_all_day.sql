-- Date-only due dates (owned by pkg/tasks). due_all_day is true when the
-- task is due on a day rather than at a time ("tomorrow", "on Friday"):
-- due_at then holds the end of that day (23:59 in the user's zone), so
-- sorting and "overdue" work as for any due time, and the clock time is not
-- shown.
--
-- Existing rows followed the earlier convention that a date without a time
-- is 23:59 local. The zone is not stored, so rows due at minute 59 or 29
-- (23:59 in a zone with a whole- or half-hour offset) with no seconds are
-- marked date-only; a time people name ("at 5pm") rarely ends in :59 or :29.

-- +goose Up
ALTER TABLE tasks ADD COLUMN due_all_day BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tasks SET due_all_day = TRUE
WHERE due_at IS NOT NULL
  AND EXTRACT(MINUTE FROM due_at AT TIME ZONE 'UTC') IN (59, 29)
  AND EXTRACT(SECOND FROM due_at AT TIME ZONE 'UTC') = 0;

-- +goose Down
ALTER TABLE tasks DROP COLUMN due_all_day;
