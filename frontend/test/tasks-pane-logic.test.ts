import { describe, expect, it } from "vitest";
import { daysFrom } from "@/lib/dates";
import { describeTaskError, groupTasks, TasksError, type Task } from "@/lib/tasks-api";

const task = (id: number, over: Partial<Task>): Task => ({
  id,
  title: `t${id}`,
  description: "",
  status: "pending",
  priority: "none",
  due_at: null,
  tags: [],
  created_at: "2026-11-01T00:00:00Z",
  updated_at: "2026-11-01T00:00:00Z",
  completed_at: null,
  ...over,
});

describe("the pane's groups", () => {
  // Wed Nov 25 2026, 10:00 in New York.
  const now = new Date(Date.UTC(2026, 10, 25, 15, 0));
  const days = (due: Date, n: Date) => daysFrom(due, n, "America/New_York");

  it("Overdue, Today, Upcoming, No date, Completed, each sorted, empty groups left out", () => {
    const tasks = [
      task(1, { status: "completed", completed_at: "2026-11-20T00:00:00Z" }),
      task(2, {}),
      task(3, { due_at: "2026-11-26T04:59:00Z" }), // today, date only (23:59 local)
      task(4, { due_at: "2026-11-25T14:00:00Z" }), // today 9:00, already past: overdue
      task(5, { due_at: "2026-11-27T04:59:00Z" }), // tomorrow
      task(6, { due_at: "2026-11-25T20:00:00Z" }), // today 15:00
      task(7, { status: "completed", completed_at: "2026-11-24T00:00:00Z", due_at: "2026-11-01T00:00:00Z" }),
    ];
    const groups = groupTasks(tasks, now, days).map(([g, ts]) => [g, ts.map((t) => t.id)]);
    expect(groups).toEqual([
      ["overdue", [4]],
      ["today", [6, 3]],
      ["upcoming", [5]],
      ["nodate", [2]],
      ["completed", [7, 1]], // newest completion first; a completed task is never overdue
    ]);
    expect(groupTasks([task(2, {})], now, days).map(([g]) => g)).toEqual(["nodate"]);
  });
});

describe("task errors in words a user understands", () => {
  it("never shows a raw network error", () => {
    expect(describeTaskError(new TypeError("Failed to fetch"), "load your tasks")).toBe(
      "Could not load your tasks: TaskPilot can't be reached. Check your connection and try again.",
    );
  });
  it("keeps the server's own message for a refused change, explains sessions and server trouble", () => {
    expect(describeTaskError(new TasksError(422, "title: is required"), "add the task")).toBe("title: is required");
    expect(describeTaskError(new TasksError(401, ""), "add the task")).toMatch(/session ended\. Reload the page\./);
    expect(describeTaskError(new TasksError(503, ""), "add the task")).toMatch(/having trouble/);
  });
});
