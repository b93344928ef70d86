"use client";

// TaskPilot's own ChatKit client: used when the official web component cannot be
// loaded (CDN blocked, offline) or NEXT_PUBLIC_CHATKIT_UI=builtin. It speaks the
// same protocol to /api/v1/chatkit.

import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import { COMPOSER_PLACEHOLDER, GREETING, START_PROMPTS } from "@/lib/chatkit-config";
import type { ChatKitProtocolClient } from "@/lib/chatkit-protocol/client";
import { assistantText } from "@/lib/chatkit-protocol/thread-state";
import type { ActionConfig, ThreadItem, ThreadMeta, WorkflowItem } from "@/lib/chatkit-protocol/types";
import { formatMessageTime } from "@/lib/dates";
import type { TaskStatus } from "@/lib/tasks-api";
import { Icon } from "./Icon";
import { Markdown } from "./Markdown";
import { UNSENT_KEY, useBuiltinChat } from "./useBuiltinChat";
import { WidgetView } from "./WidgetView";

/** The composer's text, kept across reloads until it is sent. */
const DRAFT_KEY = "taskpilot.draft";

function store(key: string, value: string | null) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // storage unavailable
  }
}

export function BuiltinChat({
  client,
  onEffect,
  onShowChat,
  taskStatus,
}: {
  client: ChatKitProtocolClient;
  onEffect: (e: { name: string; data?: Record<string, unknown> }) => void;
  /** Called when a thread is opened or started (on a phone, the history gives way to the chat). */
  onShowChat?: () => void;
  /** Task statuses the task pane knows, so older list widgets don't offer stale actions. */
  taskStatus?: ReadonlyMap<number, TaskStatus> | null;
}) {
  const chat = useBuiltinChat(client, onEffect);
  const [draft, setDraftState] = useState("");
  const [pendingAction, setPendingAction] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const newRef = useRef<HTMLButtonElement>(null);
  const follow = useRef(true);
  const { thread, items } = chat.state;
  const status = thread?.status;
  const locked = status?.type === "locked" || status?.type === "closed";

  const setDraft = (text: string) => {
    setDraftState(text);
    store(DRAFT_KEY, text);
  };

  // A draft, or a message that could not be sent before the tab closed, comes back.
  useEffect(() => {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(DRAFT_KEY) || localStorage.getItem(UNSENT_KEY);
      localStorage.removeItem(UNSENT_KEY);
    } catch {
      // storage unavailable
    }
    if (saved) setDraft(saved);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Stop before the server took the message, or "Edit" on an unsent one: back into the composer.
  useEffect(() => {
    if (!chat.restored) return;
    setDraft(chat.restored.text);
    inputRef.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chat.restored]);

  // Follow the conversation while the user is at its end (always right after sending).
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [items, chat.progress, chat.pendingText, chat.unsent, chat.streaming, chat.error, chat.stoppedAfter]);

  const sendText = (text: string) => {
    follow.current = true;
    void chat.send(text);
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (chat.streaming || !draft.trim() || locked) return;
    const text = draft;
    setDraft("");
    sendText(text);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
  };

  const visible = items.filter((i) => i.type !== "end_of_turn" && i.type !== "client_tool_call");
  const title = thread ? thread.title || "New conversation" : "New conversation";

  return (
    <div className="bk">
      <HistoryPanel
        threads={chat.threads}
        error={chat.threadsError}
        currentId={thread?.id ?? null}
        busy={chat.streaming}
        newRef={newRef}
        onNew={() => {
          chat.newThread();
          onShowChat?.();
          inputRef.current?.focus();
        }}
        onOpen={(id) => {
          follow.current = true;
          onShowChat?.();
          void chat.openThread(id).then(() => inputRef.current?.focus());
        }}
        onRename={(id, t) => void chat.renameThread(id, t)}
        onDelete={(id) => {
          void chat.deleteThread(id);
          newRef.current?.focus();
        }}
      />
      <section className="bk-main" aria-labelledby="bk-title">
        <div className="bk-title">
          <h2 id="bk-title" title={title}>
            {title}
          </h2>
        </div>
        <div
          ref={logRef}
          className="bk-log"
          role="log"
          aria-live="polite"
          aria-relevant="additions text"
          aria-busy={chat.streaming}
          aria-label="Messages"
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
          }}
        >
          {chat.loadingThread && <p className="muted">Loading conversation…</p>}
          {!thread && visible.length === 0 && !chat.loadingThread && !chat.pendingText && !chat.unsent && (
            <div className="bk-start">
              <h3>{GREETING}</h3>
              <ul className="bk-prompts" aria-label="Suggested prompts">
                {START_PROMPTS.map((p) => (
                  <li key={p.label}>
                    <button
                      type="button"
                      disabled={chat.streaming}
                      onClick={() => {
                        sendText(p.prompt);
                        inputRef.current?.focus();
                      }}
                    >
                      <span className="bk-prompt-label">
                        <Icon name={p.icon} /> {p.label}
                      </span>
                      <span className="bk-prompt-text">{p.prompt}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {visible.map((item) => (
            <div key={item.id} className="msg-row" data-role={item.type}>
              <Item
                item={item}
                busy={chat.streaming || pendingAction !== null}
                taskStatus={taskStatus ?? null}
                onAction={async (config, values) => {
                  // Which of the widget's buttons had focus: the widget is replaced by the
                  // answer, and focus goes back to the same place rather than to the page.
                  const box = logRef.current?.querySelector(`[data-item-id="${item.id}"]`);
                  const buttons = () => Array.from(box?.querySelectorAll<HTMLElement>("button") ?? []);
                  const at = buttons().indexOf(document.activeElement as HTMLElement);
                  setPendingAction(item.id);
                  try {
                    await chat.action(item.id, config, values);
                  } finally {
                    setPendingAction(null);
                  }
                  requestAnimationFrame(() => {
                    if (at < 0 || (document.activeElement && document.activeElement !== document.body)) return;
                    const list = buttons().filter((b) => !b.hasAttribute("disabled"));
                    (list[Math.min(at, list.length - 1)] ?? inputRef.current)?.focus();
                  });
                }}
              />
              {chat.stoppedAfter === item.id && !chat.streaming && (
                <p className="msg-stopped">
                  <Icon name="stop" size={14} /> Stopped. The reply so far is kept.
                </p>
              )}
            </div>
          ))}
          {chat.pendingText && (
            <div className="msg-row" data-role="user_message">
              <div className="msg msg-user msg-pending" aria-hidden="true">
                <p>{chat.pendingText}</p>
                <span className="msg-time">Sending…</span>
              </div>
            </div>
          )}
          {chat.unsent && (
            <div className="msg-row" data-role="user_message">
              <div className="msg msg-user msg-unsent">
                <span className="sr-only">You said: </span>
                <p>{chat.unsent.text}</p>
              </div>
              <div className="msg-unsent-note" role="alert">
                <Icon name="alert" size={16} />
                <span>
                  <strong>Not sent.</strong> {chat.unsent.reason}
                </span>
                <span className="msg-unsent-actions">
                  <button type="button" onClick={() => sendText(chat.unsent!.text)} disabled={chat.streaming}>
                    Retry
                  </button>
                  <button type="button" className="secondary" onClick={chat.discardUnsent}>
                    Edit
                  </button>
                </span>
              </div>
            </div>
          )}
          {chat.streaming && (
            <p className="bk-progress" role="status">
              <span className="spinner" aria-hidden="true" /> {chat.progress ?? "Thinking…"}
            </p>
          )}
        </div>
        {chat.notice && (
          <div className={`notice notice-${chat.notice.level}`} role={chat.notice.level === "danger" ? "alert" : "status"}>
            {chat.notice.title && <strong>{chat.notice.title} </strong>}
            <Markdown text={chat.notice.message} className="markdown inline-md" />
            <button type="button" className="link-button" onClick={chat.dismissNotice}>
              Dismiss
            </button>
          </div>
        )}
        {chat.error && (
          <div className="notice notice-danger bk-error" role="alert">
            <span>{chat.error.message}</span>
            {chat.error.allowRetry && (
              <button
                type="button"
                onClick={() => {
                  follow.current = true;
                  void chat.retry();
                }}
                disabled={chat.streaming}
              >
                Retry
              </button>
            )}
          </div>
        )}
        <form className="bk-composer" onSubmit={submit}>
          <label htmlFor="bk-input" className="sr-only">
            Message
          </label>
          <textarea
            id="bk-input"
            ref={inputRef}
            rows={1}
            value={draft}
            placeholder={locked ? (status && "reason" in status && status.reason) || "This conversation is closed." : COMPOSER_PLACEHOLDER}
            disabled={locked}
            enterKeyHint="send"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
          />
          {chat.streaming && chat.allowCancel ? (
            <button
              type="button"
              className="secondary composer-button"
              onClick={() => {
                chat.stop();
                inputRef.current?.focus();
              }}
            >
              <Icon name="stop" /> Stop
            </button>
          ) : (
            <button type="submit" className="composer-button" disabled={chat.streaming || !draft.trim() || locked}>
              <Icon name="send" /> Send
            </button>
          )}
        </form>
      </section>
    </div>
  );
}

function Time({ iso }: { iso: string }) {
  const text = formatMessageTime(iso);
  return text ? (
    <time className="msg-time" dateTime={iso}>
      {text}
    </time>
  ) : null;
}

function Item({
  item,
  busy,
  taskStatus,
  onAction,
}: {
  item: ThreadItem;
  busy: boolean;
  taskStatus: ReadonlyMap<number, TaskStatus> | null;
  onAction: (config: ActionConfig, values?: Record<string, unknown>) => Promise<void>;
}) {
  switch (item.type) {
    case "user_message":
      return (
        <div className="msg msg-user" data-item-id={item.id}>
          <span className="sr-only">You said: </span>
          {item.quoted_text && <blockquote>{item.quoted_text}</blockquote>}
          <p>{item.content.map((c) => c.text).join("")}</p>
          <Time iso={item.created_at} />
        </div>
      );
    case "assistant_message":
      return (
        <div className="msg msg-assistant" data-item-id={item.id}>
          <span className="sr-only">Assistant: </span>
          <Markdown text={assistantText(item)} />
          <Time iso={item.created_at} />
        </div>
      );
    case "widget":
      return (
        <div className="msg msg-widget" data-item-id={item.id}>
          <WidgetView widget={item.widget} disabled={busy} taskStatus={taskStatus} onAction={(config, values) => void onAction(config, values)} />
        </div>
      );
    case "workflow": {
      const wf = (item as WorkflowItem).workflow;
      return (
        <details className="msg msg-workflow" open={wf.expanded}>
          <summary>{wf.type === "reasoning" ? "Reasoning" : "Steps"}</summary>
          <ul>
            {wf.tasks.map((t, i) => (
              <li key={i}>
                {t.status_indicator === "loading" ? "… " : t.status_indicator === "complete" ? <Icon name="check" size={14} /> : null}
                {t.title ?? t.content ?? t.type}
              </li>
            ))}
          </ul>
        </details>
      );
    }
    case "task": {
      const t = (item as { task?: { title?: string; content?: string } }).task;
      return <div className="msg msg-task muted">{t?.title ?? t?.content ?? "Task"}</div>;
    }
    case "generated_image": {
      const img = (item as { image?: { url?: string } }).image;
      return img?.url && /^(https?:|data:image\/)/.test(img.url) ? (
        <img className="msg msg-image" src={img.url} alt="Generated image" />
      ) : (
        <p className="muted">Generating an image…</p>
      );
    }
    default:
      return null;
  }
}

function HistoryPanel({
  threads,
  error,
  currentId,
  busy,
  newRef,
  onNew,
  onOpen,
  onRename,
  onDelete,
}: {
  threads: ThreadMeta[];
  error: string | null;
  currentId: string | null;
  busy: boolean;
  newRef: RefObject<HTMLButtonElement | null>;
  onNew: () => void;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const listRef = useRef<HTMLUListElement>(null);
  /** Puts focus back on a thread's own button once its row shows it again. */
  const refocus = (id: string) =>
    requestAnimationFrame(() => listRef.current?.querySelector<HTMLElement>(`[data-thread-id="${id}"] .bk-thread`)?.focus());
  return (
    <nav className="bk-history" id="history" aria-label="Conversation history">
      <button type="button" className="bk-new" ref={newRef} onClick={onNew} disabled={busy}>
        <Icon name="plus" /> New conversation
      </button>
      {error && (
        <p className="task-error" role="alert">
          {error}
        </p>
      )}
      {threads.length === 0 && !error && <p className="muted">No conversations yet.</p>}
      <ul className="bk-threads" ref={listRef}>
        {threads.map((t) => {
          const label = t.title || "Untitled conversation";
          return (
            <li key={t.id} className={t.id === currentId ? "current" : undefined} data-thread-id={t.id}>
              {editing === t.id ? (
                <form
                  className="bk-rename"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (title.trim()) onRename(t.id, title.trim());
                    setEditing(null);
                    refocus(t.id);
                  }}
                >
                  <label htmlFor={`rename-${t.id}`} className="sr-only">
                    New title for {label}
                  </label>
                  <input
                    id={`rename-${t.id}`}
                    value={title}
                    autoFocus
                    onChange={(e) => setTitle(e.target.value)}
                    onKeyDown={(e) => {
                      if (e.key === "Escape") {
                        setEditing(null);
                        refocus(t.id);
                      }
                    }}
                  />
                  <button type="submit">Save</button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setEditing(null);
                      refocus(t.id);
                    }}
                  >
                    Cancel
                  </button>
                </form>
              ) : confirming === t.id ? (
                <div className="bk-confirm" role="group" aria-label={`Delete ${label}?`}>
                  <span>Delete “{label}”?</span>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      setConfirming(null);
                      onDelete(t.id);
                    }}
                  >
                    Delete
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    autoFocus
                    onClick={() => {
                      setConfirming(null);
                      refocus(t.id);
                    }}
                  >
                    Keep
                  </button>
                </div>
              ) : (
                <>
                  <button
                    type="button"
                    className="bk-thread"
                    aria-current={t.id === currentId ? "true" : undefined}
                    disabled={busy}
                    title={label}
                    onClick={() => onOpen(t.id)}
                  >
                    <span className="bk-thread-title">{label}</span>
                    <time className="muted" dateTime={t.created_at}>
                      {formatMessageTime(t.created_at)}
                    </time>
                  </button>
                  <span className="bk-thread-actions">
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Rename ${label}`}
                      title="Rename"
                      onClick={() => {
                        setTitle(t.title ?? "");
                        setEditing(t.id);
                      }}
                    >
                      <Icon name="write" />
                    </button>
                    <button type="button" className="icon-button" aria-label={`Delete ${label}`} title="Delete" onClick={() => setConfirming(t.id)}>
                      <Icon name="trash" />
                    </button>
                  </span>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
