import { describe, expect, it } from "vitest";
import { daysFrom, dueCaption, dueChanged, formatDue, formatMessageTime, fromInputs, toInputs } from "@/lib/dates";

// The server's cases (pkg/agent/widgets TestFormatDueAt): the pane must word dates as the widget does.
// Keep the two lists the same.
const now = new Date(Date.UTC(2026, 10, 25, 15, 0)); // Wed 10:00 in New York
const nyc = "America/New_York";

describe("formatDue (same rules as widgets.FormatDueAt)", () => {
  const cases: [Date, boolean, string, string][] = [
    [new Date(Date.UTC(2026, 10, 26, 22, 0)), false, nyc, "tomorrow at 5:00 PM"],
    [new Date(Date.UTC(2026, 10, 26, 22, 0)), false, "UTC", "tomorrow at 10:00 PM"],
    [new Date(Date.UTC(2026, 10, 26, 4, 59)), true, nyc, "today"],
    [new Date(Date.UTC(2026, 10, 26, 4, 59)), false, nyc, "today at 11:59 PM"], // a time the user chose
    [new Date(Date.UTC(2026, 10, 25, 4, 59)), true, nyc, "yesterday"],
    [new Date(Date.UTC(2026, 10, 28, 14, 30)), false, nyc, "Saturday at 9:30 AM"],
    [new Date(Date.UTC(2026, 10, 29, 4, 59)), true, nyc, "Saturday"],
    [new Date(Date.UTC(2026, 11, 8, 4, 59)), true, nyc, "Mon, Dec 7"],
    [new Date(Date.UTC(2028, 0, 6, 4, 59)), true, nyc, "Jan 5, 2028"],
    [new Date(Date.UTC(2027, 0, 4, 4, 59)), true, nyc, "Jan 3, 2027"],
    [new Date(Date.UTC(2026, 10, 25, 17, 0)), false, nyc, "today at 12:00 PM"],
    [new Date(Date.UTC(2026, 10, 25, 5, 5)), false, nyc, "today at 12:05 AM"],
    [new Date(Date.UTC(2025, 11, 31, 12, 0)), false, nyc, "Dec 31, 2025 at 7:00 AM"],
  ];
  for (const [due, allDay, zone, want] of cases) {
    it(want, () => expect(formatDue(due, allDay, now, zone)).toBe(want));
  }
  it("keeps an unparseable value as it is", () => expect(formatDue("soon", false, now)).toBe("soon"));
});

describe("dueCaption", () => {
  it("matches the widget's captions", () => {
    expect(dueCaption(new Date(Date.UTC(2026, 10, 26, 4, 59)), true, false, now, nyc)).toBe("Due today");
    expect(dueCaption(new Date(Date.UTC(2026, 10, 25, 4, 59)), true, true, now, nyc)).toBe("Overdue · due yesterday");
    expect(dueCaption(new Date(Date.UTC(2026, 10, 25, 14, 0)), false, true, now, nyc)).toBe("Overdue · due today at 9:00 AM");
  });
});

describe("day distance", () => {
  it("counts calendar days in the zone", () => {
    expect(daysFrom(new Date(Date.UTC(2026, 10, 26, 4, 59)), now, nyc)).toBe(0);
    expect(daysFrom(new Date(Date.UTC(2026, 10, 26, 4, 59)), now, "UTC")).toBe(1);
    expect(daysFrom(new Date(Date.UTC(2026, 10, 20, 12, 0)), now, nyc)).toBe(-5);
  });
});

describe("message times", () => {
  it("shows the clock today, the day before that, the year when it differs", () => {
    expect(formatMessageTime("2026-11-25T14:03:00Z", now, nyc)).toBe("9:03 AM");
    expect(formatMessageTime("2026-11-24T14:03:00Z", now, nyc)).toBe("Yesterday, 9:03 AM");
    expect(formatMessageTime("2026-10-02T14:03:00Z", now, nyc)).toBe("Oct 2, 10:03 AM");
    expect(formatMessageTime("2025-10-02T14:03:00Z", now, nyc)).toBe("Oct 2, 2025, 10:03 AM");
    expect(formatMessageTime("nope", now, nyc)).toBe("");
  });
});

describe("date inputs (browser zone)", () => {
  it("a date without a time is date-only, 23:59 that day, and round-trips without a time", () => {
    const due = fromInputs("2026-12-07", "");
    expect(due).not.toBeNull();
    expect(due!.due_all_day).toBe(true);
    const d = new Date(due!.due_at);
    expect([d.getHours(), d.getMinutes()]).toEqual([23, 59]);
    expect(toInputs(due!.due_at, true)).toEqual({ date: "2026-12-07", time: "" });
  });
  it("a date and a time round-trip as a timed due date", () => {
    const due = fromInputs("2027-01-03", "17:30");
    expect(due!.due_all_day).toBe(false);
    expect(toInputs(due!.due_at, false)).toEqual({ date: "2027-01-03", time: "17:30" });
    expect(new Date(due!.due_at).getHours()).toBe(17);
  });
  it("a timed 23:59 keeps its time (only the flag makes a date-only due)", () => {
    const due = fromInputs("2026-12-07", "23:59");
    expect(due!.due_all_day).toBe(false);
    expect(toInputs(due!.due_at, false)).toEqual({ date: "2026-12-07", time: "23:59" });
  });
  it("rejects a malformed date", () => {
    expect(fromInputs("07/12/2026", "")).toBeNull();
    expect(toInputs(null, false)).toEqual({ date: "", time: "" });
  });
  it("tells a changed due date from the same one", () => {
    const due = fromInputs("2026-12-07", "")!;
    expect(dueChanged(due, { due_at: due.due_at, due_all_day: true })).toBe(false);
    expect(dueChanged(due, { due_at: due.due_at, due_all_day: false })).toBe(true);
    expect(dueChanged(due, { due_at: null })).toBe(true);
    expect(dueChanged(null, { due_at: null })).toBe(false);
    expect(dueChanged(null, { due_at: due.due_at, due_all_day: true })).toBe(true);
  });
});
