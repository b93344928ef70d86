"use client";

// The user's tasks beside the chat, as a to-do list: a tick circle to complete
// (with Undo), inline edit of title and due date, quick add, groups Overdue /
// Today / Upcoming / No date / Completed. Every change goes through the task
// API (/api/v1/tasks), the same one the assistant's tools use.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { daysFrom, dueCaption, dueChanged, fromInputs, toInputs, type Due } from "@/lib/dates";
import type { ChatKitMode } from "@/lib/session";
import { describeTaskError, GROUP_TITLES, groupTasks, TasksApi, type Task, type TaskPatch } from "@/lib/tasks-api";
import { Icon } from "./Icon";

/** How long a deleted task can be restored before it is deleted on the server. */
const DELETE_GRACE_MS = 8000;

interface Toast {
  id: number;
  text: string;
  undo?: () => void;
}

type Focus = { taskId: number; part: "tick" | "edit" } | { el: "add" | "heading" };

export function TaskPane({
  fetch,
  enabled,
  refreshKey,
  mode,
  onTasks,
}: {
  fetch: typeof globalThis.fetch;
  enabled: boolean;
  refreshKey: number;
  mode?: ChatKitMode;
  /** Called with every list loaded (the chat uses it to keep older widgets honest). */
  onTasks?: (tasks: Task[]) => void;
}) {
  const api = useMemo(() => new TasksApi(fetch), [fetch]);
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [toast, setToast] = useState<Toast | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [editing, setEditing] = useState<number | null>(null);
  const [now, setNow] = useState(() => new Date());
  const loadSeq = useRef(0);
  const paneRef = useRef<HTMLElement>(null);
  const focusNext = useRef<Focus | null>(null);
  const pendingDelete = useRef<{ task: Task; timer: ReturnType<typeof setTimeout> } | null>(null);
  const onTasksRef = useRef(onTasks);
  onTasksRef.current = onTasks;

  const load = useCallback(async () => {
    const seq = ++loadSeq.current;
    try {
      const list = await api.list();
      if (seq !== loadSeq.current) return;
      setTasks(list);
      setNow(new Date());
      setError(null);
      onTasksRef.current?.(list);
    } catch (err) {
      if (seq !== loadSeq.current) return;
      setError(describeTaskError(err, "load your tasks"));
    }
  }, [api]);

  // Hosted secrets are OpenAI's: the task API only accepts our own session secrets.
  const hosted = mode === "hosted";
  useEffect(() => {
    if (enabled && !hosted) void load();
  }, [enabled, hosted, refreshKey, load]);

  // "Today" and "Overdue" move with the clock.
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(t);
  }, []);

  /** Deletes on the server the task whose deletion can still be undone. */
  const commitDelete = useCallback(async () => {
    const p = pendingDelete.current;
    if (!p) return;
    pendingDelete.current = null;
    clearTimeout(p.timer);
    try {
      await api.remove(p.task.id);
    } catch (err) {
      setError(describeTaskError(err, `delete “${p.task.title}”`));
    }
    setHidden((h) => {
      const n = new Set(h);
      n.delete(p.task.id);
      return n;
    });
    void load();
  }, [api, load]);

  // A note without Undo goes after 5 s, one with Undo after 15 s (a deletion's after its
  // own grace period); not while focus is on it.
  const toastRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!toast || toast.text.startsWith("Deleted")) return;
    const t = setTimeout(
      () => {
        if (toastRef.current?.contains(document.activeElement)) return;
        setToast((cur) => (cur?.id === toast.id ? null : cur));
      },
      toast.undo ? 15_000 : 5_000,
    );
    return () => clearTimeout(t);
  }, [toast]);

  // Leaving the page does not cancel a deletion the user asked for.
  useEffect(() => {
    const flush = () => void commitDelete();
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  }, [commitDelete]);

  useLayoutEffect(() => {
    const f = focusNext.current;
    const pane = paneRef.current;
    if (!f || !pane) return;
    let el: HTMLElement | null = null;
    if ("taskId" in f) el = pane.querySelector<HTMLElement>(`[data-task-id="${f.taskId}"] [data-focus="${f.part}"]`);
    else if (f.el === "add") el = pane.querySelector<HTMLElement>("[data-focus=add]");
    el ??= pane.querySelector<HTMLElement>("[data-focus=heading]");
    if (el) {
      el.focus();
      // A control still disabled (busy) takes focus on a later render.
      if (document.activeElement === el) focusNext.current = null;
    }
  });

  if (hosted) {
    return (
      <aside className="task-pane" id="tasks" aria-labelledby="task-pane-title">
        <h2 id="task-pane-title">Tasks</h2>
        <p className="muted" role="note">
          In this setup your tasks live in the chat: ask the assistant to list, add or complete them.
        </p>
      </aside>
    );
  }

  const showToast = (text: string, undo?: () => void) => setToast({ id: Date.now(), text, undo });

  const run = async (task: Task, what: string, op: () => Promise<unknown>, focus: Focus | null): Promise<boolean> => {
    setBusy(task.id);
    try {
      await op();
      focusNext.current = focus;
      await load();
      return true;
    } catch (err) {
      setError(describeTaskError(err, what));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const toggle = async (task: Task) => {
    const complete = task.status === "pending";
    const ok = await run(
      task,
      `${complete ? "complete" : "reopen"} “${task.title}”`,
      () => api.setStatus(task.id, complete ? "completed" : "pending"),
      { taskId: task.id, part: "tick" },
    );
    if (ok)
      showToast(`${complete ? "Completed" : "Reopened"} “${task.title}”.`, () => {
        setToast(null);
        void run(task, "undo that", () => api.setStatus(task.id, task.status), { taskId: task.id, part: "tick" });
      });
  };

  const remove = async (task: Task, nextFocus: Focus) => {
    await commitDelete();
    setEditing(null);
    setHidden((h) => new Set(h).add(task.id));
    focusNext.current = nextFocus;
    const timer = setTimeout(() => {
      setToast((t) => (t?.text.startsWith("Deleted") ? null : t));
      void commitDelete();
    }, DELETE_GRACE_MS);
    pendingDelete.current = { task, timer };
    showToast(`Deleted “${task.title}”.`, () => {
      if (pendingDelete.current?.task.id !== task.id) return;
      clearTimeout(pendingDelete.current.timer);
      pendingDelete.current = null;
      setToast(null);
      focusNext.current = { taskId: task.id, part: "tick" };
      setHidden((h) => {
        const n = new Set(h);
        n.delete(task.id);
        return n;
      });
    });
  };

  const save = async (task: Task, title: string, due: Due | null) => {
    const patch: TaskPatch = {};
    if (title !== task.title) patch.title = title;
    if (dueChanged(due, task)) {
      patch.due_at = due?.due_at ?? null;
      if (due) patch.due_all_day = due.due_all_day;
    }
    if (Object.keys(patch).length === 0) {
      focusNext.current = { taskId: task.id, part: "edit" };
      setEditing(null);
      return;
    }
    const ok = await run(task, `save “${task.title}”`, () => api.update(task.id, patch), { taskId: task.id, part: "edit" });
    if (ok) {
      setEditing(null);
      showToast(`Saved “${title}”.`);
    }
  };

  const add = async (title: string, due: Due | null): Promise<boolean> => {
    try {
      const t = await api.create({ title, due_at: due?.due_at ?? null, due_all_day: due?.due_all_day });
      focusNext.current = { el: "add" };
      await load();
      showToast(`Added “${t.title}”.`);
      setError(null);
      return true;
    } catch (err) {
      setError(describeTaskError(err, "add the task"));
      return false;
    }
  };

  const visible = (tasks ?? []).filter((t) => !hidden.has(t.id));
  const groups = groupTasks(visible, now, (due, n) => daysFrom(due, n));
  const flat = groups.flatMap(([, ts]) => ts);
  const pending = visible.filter((t) => t.status === "pending").length;

  return (
    <aside className="task-pane" id="tasks" aria-labelledby="task-pane-title" ref={paneRef}>
      <div className="task-pane-head">
        <h2 id="task-pane-title" tabIndex={-1} data-focus="heading">
          Tasks {tasks !== null && <span className="task-count">{pending} to do</span>}
        </h2>
        <button type="button" className="icon-button" onClick={() => void load()} disabled={!enabled} aria-label="Refresh tasks" title="Refresh">
          <Icon name="reload" />
        </button>
      </div>
      <QuickAdd disabled={!enabled} onAdd={add} />
      {error && (
        <div className="task-error" role="alert">
          <Icon name="alert" />
          <span>{error}</span>
          <button type="button" className="link-button" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      {!enabled && tasks === null && !error && <p className="muted">Your tasks appear here once the chat is connected.</p>}
      {enabled && tasks === null && !error && <p className="muted">Loading tasks…</p>}
      {tasks !== null && visible.length === 0 && <p className="muted">No tasks yet. Add one above or ask the assistant.</p>}
      {groups.map(([group, list]) => (
        <section key={group} className={`task-group task-group-${group}`} aria-labelledby={`group-${group}`}>
          <h3 id={`group-${group}`}>
            {GROUP_TITLES[group]} <span className="task-count">{list.length}</span>
          </h3>
          <ul className="task-list" aria-labelledby={`group-${group}`}>
            {list.map((t) => {
              const i = flat.indexOf(t);
              const neighbour = flat[i + 1] ?? flat[i - 1];
              return (
                <TaskRow
                  key={t.id}
                  task={t}
                  now={now}
                  busy={busy === t.id}
                  editing={editing === t.id}
                  onToggle={() => void toggle(t)}
                  onEdit={() => setEditing(t.id)}
                  onCancel={() => {
                    focusNext.current = { taskId: t.id, part: "edit" };
                    setEditing(null);
                  }}
                  onSave={(title, due) => void save(t, title, due)}
                  onDelete={() => void remove(t, neighbour ? { taskId: neighbour.id, part: "tick" } : { el: "add" })}
                />
              );
            })}
          </ul>
        </section>
      ))}
      <div className="toast-region" role="status" aria-live="polite">
        {toast && (
          <div className="toast" key={toast.id} ref={toastRef}>
            <span>{toast.text}</span>
            {toast.undo && (
              <button type="button" className="link-button" onClick={toast.undo}>
                Undo
              </button>
            )}
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss"
              onClick={() => {
                setToast(null);
                if (toast.text.startsWith("Deleted")) void commitDelete();
              }}
            >
              <Icon name="x" size={16} />
            </button>
          </div>
        )}
      </div>
    </aside>
  );
}

function QuickAdd({ disabled, onAdd }: { disabled: boolean; onAdd: (title: string, due: Due | null) => Promise<boolean> }) {
  const [title, setTitle] = useState("");
  const [date, setDate] = useState("");
  const [sending, setSending] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = title.trim();
    if (!t || sending) return;
    setSending(true);
    // What was typed stays in the fields until the task really exists.
    if (await onAdd(t, date ? fromInputs(date, "") : null)) {
      setTitle("");
      setDate("");
    }
    setSending(false);
  };
  return (
    <form className="quick-add" onSubmit={(e) => void submit(e)}>
      <label htmlFor="quick-add-title" className="sr-only">
        New task
      </label>
      <input
        id="quick-add-title"
        data-focus="add"
        value={title}
        placeholder="Add a task"
        autoComplete="off"
        maxLength={500}
        disabled={disabled}
        onChange={(e) => setTitle(e.target.value)}
      />
      <label htmlFor="quick-add-date" className="sr-only">
        Due date (optional)
      </label>
      <input id="quick-add-date" type="date" value={date} disabled={disabled} onChange={(e) => setDate(e.target.value)} />
      <button type="submit" className="icon-button add-button" disabled={disabled || sending || !title.trim()} aria-label="Add task" title="Add task">
        <Icon name="plus" />
      </button>
    </form>
  );
}

function TaskRow({
  task: t,
  now,
  busy,
  editing,
  onToggle,
  onEdit,
  onCancel,
  onSave,
  onDelete,
}: {
  task: Task;
  now: Date;
  busy: boolean;
  editing: boolean;
  onToggle: () => void;
  onEdit: () => void;
  onCancel: () => void;
  onSave: (title: string, due: Due | null) => void;
  onDelete: () => void;
}) {
  const done = t.status === "completed";
  const overdue = !done && !!t.due_at && Date.parse(t.due_at) < now.getTime();
  return (
    <li className={`task${done ? " task-completed" : ""}${overdue ? " task-overdue" : ""}`} data-task-id={t.id}>
      <button
        type="button"
        className="tick"
        data-focus="tick"
        role="checkbox"
        aria-checked={done}
        aria-label={`Done: ${t.title}`}
        title={done ? "Mark as not done" : "Mark as done"}
        disabled={busy}
        onClick={onToggle}
      >
        <Icon name={done ? "check-circle" : "circle"} size={22} />
      </button>
      {editing ? (
        <EditForm task={t} onCancel={onCancel} onSave={onSave} onDelete={onDelete} busy={busy} />
      ) : (
        <>
          <div className="task-body">
            <span className="task-title">{t.title}</span>
            <span className="task-meta">
              {t.due_at && <span className={overdue ? "task-due task-due-overdue" : "task-due"}>{dueCaption(t.due_at, t.due_all_day === true, overdue, now)}</span>}
              {t.recurrence?.text && (
                <span className="task-repeat">
                  <Icon name="repeat" size={14} /> {t.recurrence.text}
                </span>
              )}
              {t.priority !== "none" && <span className={`badge badge-priority-${t.priority}`}>{t.priority} priority</span>}
              {t.tags.map((tag) => (
                <span key={tag} className="badge badge-tag">
                  #{tag}
                </span>
              ))}
              <span className="task-id">#{t.id}</span>
            </span>
          </div>
          <button type="button" className="icon-button" data-focus="edit" aria-label={`Edit: ${t.title}`} title="Edit" disabled={busy} onClick={onEdit}>
            <Icon name="write" />
          </button>
        </>
      )}
    </li>
  );
}

function EditForm({
  task,
  busy,
  onCancel,
  onSave,
  onDelete,
}: {
  task: Task;
  busy: boolean;
  onCancel: () => void;
  onSave: (title: string, due: Due | null) => void;
  onDelete: () => void;
}) {
  const initial = toInputs(task.due_at, task.due_all_day === true);
  const [title, setTitle] = useState(task.title);
  const [date, setDate] = useState(initial.date);
  const [time, setTime] = useState(initial.time);
  const id = `edit-${task.id}`;
  return (
    <form
      className="task-edit"
      aria-label={`Edit ${task.title}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (title.trim()) onSave(title.trim(), date ? fromInputs(date, time) : null);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <label htmlFor={`${id}-title`}>Title</label>
      <input id={`${id}-title`} value={title} required maxLength={500} autoFocus onChange={(e) => setTitle(e.target.value)} />
      <div className="task-edit-when">
        <span>
          <label htmlFor={`${id}-date`}>Due date</label>
          <input id={`${id}-date`} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </span>
        <span>
          <label htmlFor={`${id}-time`}>Time (optional)</label>
          <input id={`${id}-time`} type="time" value={time} disabled={!date} onChange={(e) => setTime(e.target.value)} />
        </span>
      </div>
      <div className="task-edit-actions">
        <button type="submit" disabled={busy || !title.trim()}>
          Save
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <span className="spacer" />
        <button type="button" className="danger" disabled={busy} onClick={onDelete}>
          <Icon name="trash" size={16} /> Delete task
        </button>
      </div>
    </form>
  );
}
