"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ChatKitMode } from "@/lib/session";
import { formatDue, sortTasks, TasksApi, type Task } from "@/lib/tasks-api";

/** The user's tasks beside the chat, refreshed whenever `refreshKey` changes. */
export function TaskPane({
  fetch,
  enabled,
  refreshKey,
  mode,
}: {
  fetch: typeof globalThis.fetch;
  enabled: boolean;
  refreshKey: number;
  mode?: ChatKitMode;
}) {
  const api = useMemo(() => new TasksApi(fetch), [fetch]);
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [announce, setAnnounce] = useState("");
  const loadSeq = useRef(0);

  const load = useCallback(async () => {
    const seq = ++loadSeq.current;
    try {
      const list = await api.list();
      if (seq !== loadSeq.current) return;
      setTasks(list);
      setError(null);
    } catch (err) {
      if (seq !== loadSeq.current) return;
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api]);

  // Hosted secrets are OpenAI's: the task API only accepts our own session secrets.
  const hosted = mode === "hosted";
  useEffect(() => {
    if (enabled && !hosted) void load();
  }, [enabled, hosted, refreshKey, load]);

  if (hosted) {
    return (
      <aside className="task-pane" aria-labelledby="task-pane-title">
        <h2 id="task-pane-title">Your tasks</h2>
        <p className="muted" role="note">
          The task list is not available while the backend runs in hosted mode (CHATKIT_MODE=hosted): the hosted
          workflow manages your tasks through the MCP endpoint.
        </p>
      </aside>
    );
  }

  const act = async (task: Task, what: "complete" | "reopen" | "delete") => {
    setBusy(task.id);
    try {
      if (what === "delete") await api.remove(task.id);
      else await api.setStatus(task.id, what === "complete" ? "completed" : "pending");
      setAnnounce(`${what === "delete" ? "Deleted" : what === "complete" ? "Completed" : "Reopened"} “${task.title}”.`);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  };

  const sorted = tasks ? sortTasks(tasks) : [];
  const pending = sorted.filter((t) => t.status === "pending").length;

  return (
    <aside className="task-pane" aria-labelledby="task-pane-title">
      <div className="task-pane-head">
        <h2 id="task-pane-title">Your tasks</h2>
        <button type="button" onClick={() => void load()} disabled={!enabled} aria-label="Refresh tasks">
          Refresh
        </button>
      </div>
      <p className="sr-only" aria-live="polite">
        {announce}
      </p>
      {error && (
        <p className="task-error" role="alert">
          {error}
        </p>
      )}
      {!enabled && tasks === null && !error && <p className="muted">Your tasks appear here once the chat is connected.</p>}
      {enabled && tasks === null && !error && <p className="muted">Loading tasks…</p>}
      {tasks !== null && tasks.length === 0 && <p className="muted">No tasks yet. Ask the assistant to add one.</p>}
      {tasks !== null && tasks.length > 0 && (
        <>
          <p className="muted">
            {pending} pending, {tasks.length - pending} completed
          </p>
          <ul className="task-list" aria-label="Tasks">
            {sorted.map((t) => (
              <li key={t.id} className={`task task-${t.status}`} data-task-id={t.id}>
                <div className="task-main">
                  <span className="task-title">
                    <span className="task-id">#{t.id}</span> {t.title}
                  </span>
                  <span className="task-meta">
                    <span className={`badge badge-${t.status === "completed" ? "success" : "secondary"}`}>{t.status}</span>
                    {t.priority !== "none" && <span className={`badge badge-priority-${t.priority}`}>{t.priority}</span>}
                    {t.due_at && <span className="task-due">due {formatDue(t.due_at)}</span>}
                    {t.tags.map((tag) => (
                      <span key={tag} className="badge badge-tag">
                        #{tag}
                      </span>
                    ))}
                  </span>
                </div>
                <div className="task-actions">
                  {t.status === "pending" ? (
                    <button type="button" onClick={() => void act(t, "complete")} disabled={busy === t.id} aria-label={`Complete task ${t.id}: ${t.title}`}>
                      Complete
                    </button>
                  ) : (
                    <button type="button" onClick={() => void act(t, "reopen")} disabled={busy === t.id} aria-label={`Reopen task ${t.id}: ${t.title}`}>
                      Reopen
                    </button>
                  )}
                  <button type="button" className="danger" onClick={() => void act(t, "delete")} disabled={busy === t.id} aria-label={`Delete task ${t.id}: ${t.title}`}>
                    Delete
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
