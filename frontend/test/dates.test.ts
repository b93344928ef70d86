import { describe, expect, it } from "vitest";
import { daysFrom, dueCaption, formatDue, formatMessageTime, fromInputs, isDateOnly, toInputs } from "@/lib/dates";

// The server's cases (pkg/agent/widgets TestFormatDue): the pane must word dates as the widget does.
const now = new Date(Date.UTC(2026, 10, 25, 15, 0)); // Wed 10:00 in New York
const nyc = "America/New_York";

describe("formatDue (same rules as widgets.FormatDue)", () => {
  const cases: [Date, string, string][] = [
    [new Date(Date.UTC(2026, 10, 26, 22, 0)), nyc, "tomorrow at 5:00 PM"],
    [new Date(Date.UTC(2026, 10, 26, 22, 0)), "UTC", "tomorrow at 10:00 PM"],
    [new Date(Date.UTC(2026, 10, 26, 4, 59)), nyc, "today"], // 23:59 local: a date without a time
    [new Date(Date.UTC(2026, 10, 25, 4, 59)), nyc, "yesterday"],
    [new Date(Date.UTC(2026, 10, 28, 14, 30)), nyc, "Saturday at 9:30 AM"],
    [new Date(Date.UTC(2026, 11, 8, 4, 59)), nyc, "Mon, Dec 7"],
    [new Date(Date.UTC(2028, 0, 6, 4, 59)), nyc, "Jan 5, 2028"],
    [new Date(Date.UTC(2026, 10, 25, 17, 0)), nyc, "today at 12:00 PM"],
    [new Date(Date.UTC(2026, 10, 25, 5, 5)), nyc, "today at 12:05 AM"],
    [new Date(Date.UTC(2025, 11, 31, 12, 0)), nyc, "Dec 31, 2025 at 7:00 AM"],
  ];
  for (const [due, zone, want] of cases) {
    it(want, () => expect(formatDue(due, now, zone)).toBe(want));
  }
  it("keeps an unparseable value as it is", () => expect(formatDue("soon", now)).toBe("soon"));
});

describe("dueCaption", () => {
  it("matches the widget's captions", () => {
    expect(dueCaption(new Date(Date.UTC(2026, 10, 26, 4, 59)), false, now, nyc)).toBe("Due today");
    expect(dueCaption(new Date(Date.UTC(2026, 10, 25, 4, 59)), true, now, nyc)).toBe("Overdue · due yesterday");
  });
});

describe("date-only and day distance", () => {
  it("23:59 in the zone is date-only, other times are not", () => {
    expect(isDateOnly(new Date(Date.UTC(2026, 10, 26, 4, 59)), nyc)).toBe(true);
    expect(isDateOnly(new Date(Date.UTC(2026, 10, 26, 4, 59)), "UTC")).toBe(false);
  });
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
  it("a date without a time is 23:59 that day and round-trips without a time", () => {
    const iso = fromInputs("2026-12-07", "");
    expect(iso).not.toBeNull();
    expect(toInputs(iso)).toEqual({ date: "2026-12-07", time: "" });
  });
  it("a date and a time round-trip", () => {
    const iso = fromInputs("2027-01-03", "17:30");
    expect(toInputs(iso)).toEqual({ date: "2027-01-03", time: "17:30" });
    expect(new Date(iso!).getHours()).toBe(17);
  });
  it("rejects a malformed date", () => {
    expect(fromInputs("07/12/2026", "")).toBeNull();
    expect(toInputs(null)).toEqual({ date: "", time: "" });
  });
});
