// The REST task list (/api/v1/tasks) the task pane shows.

import { TASKS_ENDPOINT } from "./chatkit-config";

export type TaskStatus = "pending" | "completed";
export type TaskPriority = "none" | "low" | "medium" | "high" | "urgent";

export interface Task {
  id: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  due_at: string | null;
  /** due_at is a date-only due date (the end of that day), shown without a time. */
  due_all_day?: boolean;
  tags: string[];
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** Set for recurring tasks (optional: backends without recurrence omit it). */
  recurrence?: { rule?: string; text?: string } | null;
}

/** The fields the pane edits (PATCH is a JSON merge patch: null clears due_at). */
export interface TaskPatch {
  title?: string;
  due_at?: string | null;
  due_all_day?: boolean;
  status?: TaskStatus;
}

export interface NewTask {
  title: string;
  due_at?: string | null;
  due_all_day?: boolean;
  description?: string;
  priority?: TaskPriority;
  tags?: string[];
}

export class TasksError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "TasksError";
    this.status = status;
  }
}

async function check(res: Response, what: string): Promise<Response> {
  if (res.ok) return res;
  let message = "";
  try {
    const body = (await res.json()) as { error?: { message?: unknown } };
    if (typeof body?.error?.message === "string") message = body.error.message;
  } catch {
    // not JSON
  }
  throw new TasksError(res.status, message || `Could not ${what} (HTTP ${res.status}).`);
}

export class TasksApi {
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly endpoint: string = TASKS_ENDPOINT,
  ) {}

  async list(signal?: AbortSignal): Promise<Task[]> {
    const res = await check(
      await this.fetchImpl(this.endpoint, { headers: { Accept: "application/json" }, signal }),
      "load your tasks",
    );
    const body = (await res.json()) as { tasks?: Task[] };
    return Array.isArray(body.tasks) ? body.tasks : [];
  }

  setStatus(id: number, status: TaskStatus): Promise<Task> {
    return this.update(id, { status }, status === "completed" ? "complete the task" : "reopen the task");
  }

  async update(id: number, patch: TaskPatch, what = "save the task"): Promise<Task> {
    const res = await check(
      await this.fetchImpl(`${this.endpoint}/${id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(patch),
      }),
      what,
    );
    return (await res.json()) as Task;
  }

  async create(task: NewTask): Promise<Task> {
    const body: Record<string, unknown> = { title: task.title };
    if (task.due_at) body.due_at = task.due_at;
    if (task.due_at && task.due_all_day) body.due_all_day = true;
    if (task.description) body.description = task.description;
    if (task.priority && task.priority !== "none") body.priority = task.priority;
    if (task.tags?.length) body.tags = task.tags;
    const res = await check(
      await this.fetchImpl(this.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      }),
      "add the task",
    );
    return (await res.json()) as Task;
  }

  async remove(id: number): Promise<void> {
    await check(await this.fetchImpl(`${this.endpoint}/${id}`, { method: "DELETE" }), "delete the task");
  }
}

/** Pending first (by due date, undated last), then completed (newest first). */
export function sortTasks(tasks: Task[]): Task[] {
  const due = (t: Task) => (t.due_at ? Date.parse(t.due_at) : Number.POSITIVE_INFINITY);
  return tasks.slice().sort((a, b) => {
    if (a.status !== b.status) return a.status === "pending" ? -1 : 1;
    if (a.status === "pending") return due(a) - due(b) || a.id - b.id;
    return (Date.parse(b.completed_at ?? b.updated_at) || 0) - (Date.parse(a.completed_at ?? a.updated_at) || 0) || b.id - a.id;
  });
}

/** What to tell the user when a task request failed: never a raw "Failed to fetch". */
export function describeTaskError(err: unknown, what: string): string {
  if (err instanceof TasksError) {
    if (err.status === 401 || err.status === 403) return `Could not ${what}: your session ended. Reload the page.`;
    if (err.status >= 500) return `Could not ${what}: TaskPilot is having trouble. Try again in a moment.`;
    return err.message;
  }
  return `Could not ${what}: TaskPilot can't be reached. Check your connection and try again.`;
}

export type TaskGroup = "overdue" | "today" | "upcoming" | "nodate" | "completed";

export const GROUP_TITLES: Record<TaskGroup, string> = {
  overdue: "Overdue",
  today: "Today",
  upcoming: "Upcoming",
  nodate: "No date",
  completed: "Completed",
};

/** The pane's group of a task: pending ones by due date (in the zone), then completed. */
export function groupOf(t: Task, now: Date, daysFrom: (due: Date, now: Date) => number): TaskGroup {
  if (t.status === "completed") return "completed";
  if (!t.due_at) return "nodate";
  const due = new Date(t.due_at);
  if (Number.isNaN(due.getTime())) return "nodate";
  if (due.getTime() < now.getTime()) return "overdue";
  return daysFrom(due, now) <= 0 ? "today" : "upcoming";
}

/** Sorted tasks split into the pane's groups, in display order (empty groups left out). */
export function groupTasks(tasks: Task[], now: Date, daysFrom: (due: Date, now: Date) => number): [TaskGroup, Task[]][] {
  const order: TaskGroup[] = ["overdue", "today", "upcoming", "nodate", "completed"];
  const by = new Map<TaskGroup, Task[]>(order.map((g) => [g, []]));
  for (const t of sortTasks(tasks)) by.get(groupOf(t, now, daysFrom))!.push(t);
  return order.filter((g) => by.get(g)!.length > 0).map((g) => [g, by.get(g)!]);
}
