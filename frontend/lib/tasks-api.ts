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
  tags: string[];
  created_at: string;
  updated_at: string;
  completed_at: string | null;
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

  async setStatus(id: number, status: TaskStatus): Promise<Task> {
    const res = await check(
      await this.fetchImpl(`${this.endpoint}/${id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ status }),
      }),
      status === "completed" ? "complete the task" : "reopen the task",
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

/** A due date in the viewer's own zone, e.g. "Sat, Nov 29, 5:00 PM". */
export function formatDue(iso: string, locale?: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone,
  });
}
