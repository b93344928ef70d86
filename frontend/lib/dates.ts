// Due dates in words, with the server's rules (pkg/agent/widgets.FormatDueAt), so
// the task pane and the task-list widget say the same thing: "today at
// 5:00 PM", "tomorrow", "Friday at 9:30 AM", "Mon, Dec 14", "Jan 5, 2028".
//
// Date-only tasks: the task JSON's due_all_day is true; due_at is then the end
// of that day (23:59 in the user's zone) and is shown without a clock time.

export interface Parts {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar fields of an instant in a time zone (the browser's when undefined). */
export function partsIn(d: Date, timeZone?: string): Parts {
  const key = timeZone ?? "";
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
      hourCycle: "h23",
    });
    formatters.set(key, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday),
  };
}

/** Calendar days since the epoch of a date's fields (zone-free). */
const dayIndex = (p: Parts) => Math.floor(Date.UTC(p.year, p.month - 1, p.day) / 86_400_000);

/** Calendar days from now's day to due's day in the zone (0 today, 1 tomorrow, -1 yesterday). */
export function daysFrom(due: Date, now: Date, timeZone?: string): number {
  return dayIndex(partsIn(due, timeZone)) - dayIndex(partsIn(now, timeZone));
}

/** "5:00 PM" */
export function clock(p: Pick<Parts, "hour" | "minute">): string {
  const h = p.hour % 12 === 0 ? 12 : p.hour % 12;
  return `${h}:${String(p.minute).padStart(2, "0")} ${p.hour < 12 ? "AM" : "PM"}`;
}

/**
 * A due instant relative to now, as the server words it (lower case: "tomorrow at 5:00 PM");
 * allDay (the task's due_all_day) shows the day alone: "tomorrow".
 */
export function formatDue(due: Date | string, allDay: boolean, now: Date = new Date(), timeZone?: string): string {
  const d = typeof due === "string" ? new Date(due) : due;
  if (Number.isNaN(d.getTime())) return String(due);
  const p = partsIn(d, timeZone);
  const n = partsIn(now, timeZone);
  const days = dayIndex(p) - dayIndex(n);
  let day: string;
  if (days === 0) day = "today";
  else if (days === 1) day = "tomorrow";
  else if (days === -1) day = "yesterday";
  else if (days > 1 && days < 7) day = WEEKDAYS[p.weekday];
  else if (p.year === n.year) day = `${WEEKDAYS[p.weekday].slice(0, 3)}, ${MONTHS[p.month - 1]} ${p.day}`;
  else day = `${MONTHS[p.month - 1]} ${p.day}, ${p.year}`;
  if (allDay) return day;
  return `${day} at ${clock(p)}`;
}

/** The widget's caption for a task's due date: "Due tomorrow", "Overdue · due yesterday". */
export function dueCaption(
  due: Date | string,
  allDay: boolean,
  overdue: boolean,
  now: Date = new Date(),
  timeZone?: string,
): string {
  const words = formatDue(due, allDay, now, timeZone);
  return overdue ? `Overdue · due ${words}` : `Due ${words}`;
}

/** A message time: "5:03 PM" today, "Dec 4, 5:03 PM" earlier this year, with the year otherwise. */
export function formatMessageTime(iso: string, now: Date = new Date(), timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = partsIn(d, timeZone);
  const n = partsIn(now, timeZone);
  const days = dayIndex(n) - dayIndex(p);
  if (days === 0) return clock(p);
  if (days === 1) return `Yesterday, ${clock(p)}`;
  const date = `${MONTHS[p.month - 1]} ${p.day}`;
  return p.year === n.year ? `${date}, ${clock(p)}` : `${date}, ${p.year}, ${clock(p)}`;
}

/** A due date as the task JSON carries it. */
export interface Due {
  due_at: string;
  due_all_day: boolean;
}

/** "YYYY-MM-DD" and "HH:MM" (empty for a date-only due) of an instant in the browser's zone, for date/time inputs. */
export function toInputs(iso: string | null, allDay: boolean): { date: string; time: string } {
  if (!iso) return { date: "", time: "" };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { date: "", time: "" };
  const p = partsIn(d);
  const date = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
  const time = allDay ? "" : `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
  return { date, time };
}

/**
 * The due date for a date input and an optional time input in the browser's zone: at that time,
 * or without one date-only (due_all_day, due_at 23:59 that day, as the agents set it).
 */
export function fromInputs(date: string, time: string): Due | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const t = /^(\d{2}):(\d{2})/.exec(time);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), t ? Number(t[1]) : 23, t ? Number(t[2]) : 59);
  if (Number.isNaN(d.getTime())) return null;
  return { due_at: d.toISOString().replace(/\.\d{3}Z$/, "Z"), due_all_day: !t };
}

/** Whether a due date differs from a task's (the same instant and kind is no change). */
export function dueChanged(due: Due | null, task: { due_at: string | null; due_all_day?: boolean }): boolean {
  if (!due || !task.due_at) return !!due !== !!task.due_at;
  return Date.parse(due.due_at) !== Date.parse(task.due_at) || due.due_all_day !== (task.due_all_day === true);
}
