// Due dates in words, with the server's rules (pkg/agent/widgets.FormatDue), so
// the task pane and the task-list widget say the same thing: "today at
// 5:00 PM", "tomorrow", "Friday at 9:30 AM", "Mon, Dec 14", "Jan 5, 2028".
//
// Date-only tasks: the task JSON has no date-only flag; the backend's
// convention is that a date without a time means 23:59 that day (in the
// user's zone). Such a due date is shown without a clock time.

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

/** Whether a due instant is date-only (23:59 in the zone, the backend's convention). */
export function isDateOnly(due: Date, timeZone?: string): boolean {
  const p = partsIn(due, timeZone);
  return p.hour === 23 && p.minute === 59;
}

/** Calendar days from now's day to due's day in the zone (0 today, 1 tomorrow, -1 yesterday). */
export function daysFrom(due: Date, now: Date, timeZone?: string): number {
  return dayIndex(partsIn(due, timeZone)) - dayIndex(partsIn(now, timeZone));
}

/** "5:00 PM" */
export function clock(p: Pick<Parts, "hour" | "minute">): string {
  const h = p.hour % 12 === 0 ? 12 : p.hour % 12;
  return `${h}:${String(p.minute).padStart(2, "0")} ${p.hour < 12 ? "AM" : "PM"}`;
}

/** A due instant relative to now, as the server words it (lower case: "tomorrow at 5:00 PM"). */
export function formatDue(due: Date | string, now: Date = new Date(), timeZone?: string): string {
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
  if (p.hour === 23 && p.minute === 59) return day;
  return `${day} at ${clock(p)}`;
}

/** The widget's caption for a task's due date: "Due tomorrow", "Overdue · due yesterday". */
export function dueCaption(due: Date | string, overdue: boolean, now: Date = new Date(), timeZone?: string): string {
  const words = formatDue(due, now, timeZone);
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

/** "YYYY-MM-DD" and "HH:MM" (empty for a date-only due) of an instant in the browser's zone, for date/time inputs. */
export function toInputs(iso: string | null): { date: string; time: string } {
  if (!iso) return { date: "", time: "" };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { date: "", time: "" };
  const p = partsIn(d);
  const date = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
  const time = p.hour === 23 && p.minute === 59 ? "" : `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
  return { date, time };
}

/** The due instant (RFC 3339, UTC) for a date input and an optional time input in the browser's zone; 23:59 without a time. */
export function fromInputs(date: string, time: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const t = /^(\d{2}):(\d{2})/.exec(time);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), t ? Number(t[1]) : 23, t ? Number(t[2]) : 59);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
