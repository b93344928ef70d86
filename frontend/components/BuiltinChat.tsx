"use client";

// TaskPilot's own ChatKit client: used when the official web component cannot be
// loaded (CDN blocked, offline) or NEXT_PUBLIC_CHATKIT_UI=builtin. It speaks the
// same protocol to /api/v1/chatkit.

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { COMPOSER_PLACEHOLDER, GREETING, START_PROMPTS } from "@/lib/chatkit-config";
import type { ChatKitProtocolClient } from "@/lib/chatkit-protocol/client";
import { assistantText } from "@/lib/chatkit-protocol/thread-state";
import type { ThreadItem, ThreadMeta, WorkflowItem } from "@/lib/chatkit-protocol/types";
import { Markdown } from "./Markdown";
import { useBuiltinChat } from "./useBuiltinChat";
import { WidgetView } from "./WidgetView";

const PROMPT_ICONS: Record<string, string> = { write: "✎", search: "🔍", check: "✓" };

export function BuiltinChat({
  client,
  onEffect,
}: {
  client: ChatKitProtocolClient;
  onEffect: (e: { name: string; data?: Record<string, unknown> }) => void;
}) {
  const chat = useBuiltinChat(client, onEffect);
  const [draft, setDraft] = useState("");
  const [pendingAction, setPendingAction] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const { thread, items } = chat.state;
  const status = thread?.status;
  const locked = status?.type === "locked" || status?.type === "closed";

  // Keep the newest message in view while streaming.
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [items, chat.progress]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (chat.streaming || !draft.trim() || locked) return;
    const text = draft;
    setDraft("");
    void chat.send(text);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
  };

  const visible = items.filter((i) => i.type !== "end_of_turn" && i.type !== "client_tool_call");

  return (
    <div className="bk">
      <HistoryPanel
        threads={chat.threads}
        error={chat.threadsError}
        currentId={thread?.id ?? null}
        busy={chat.streaming}
        onNew={() => {
          chat.newThread();
          inputRef.current?.focus();
        }}
        onOpen={(id) => void chat.openThread(id)}
        onRename={(id, title) => void chat.renameThread(id, title)}
        onDelete={(id) => void chat.deleteThread(id)}
      />
      <section className="bk-main" aria-label="Conversation">
        <div className="bk-title">
          <h2>{thread ? thread.title || "New conversation" : "New conversation"}</h2>
        </div>
        <div ref={logRef} className="bk-log" role="log" aria-live="polite" aria-relevant="additions text" aria-busy={chat.streaming} aria-label="Messages">
          {chat.loadingThread && <p className="muted">Loading conversation…</p>}
          {!thread && visible.length === 0 && !chat.loadingThread && !chat.pendingText && (
            <div className="bk-start">
              <h3>{GREETING}</h3>
              <ul className="bk-prompts" aria-label="Suggested prompts">
                {START_PROMPTS.map((p) => (
                  <li key={p.label}>
                    <button type="button" disabled={chat.streaming} onClick={() => void chat.send(p.prompt)}>
                      <span aria-hidden="true">{PROMPT_ICONS[p.icon]}</span> {p.label}
                      <span className="muted bk-prompt-text">{p.prompt}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {visible.map((item) => (
            <Item
              key={item.id}
              item={item}
              busy={chat.streaming || pendingAction !== null}
              onAction={async (config, values) => {
                setPendingAction(item.id);
                try {
                  await chat.action(item.id, config, values);
                } finally {
                  setPendingAction(null);
                }
              }}
            />
          ))}
          {chat.pendingText && (
            <div className="msg msg-user msg-pending" aria-hidden="true">
              <p>{chat.pendingText}</p>
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
              <button type="button" onClick={() => void chat.retry()} disabled={chat.streaming}>
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
            rows={2}
            value={draft}
            placeholder={locked ? (status && "reason" in status && status.reason) || "This conversation is closed." : COMPOSER_PLACEHOLDER}
            disabled={locked}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
          />
          {chat.streaming && chat.allowCancel ? (
            <button type="button" className="secondary" onClick={chat.stop}>
              Stop
            </button>
          ) : (
            <button type="submit" disabled={chat.streaming || !draft.trim() || locked}>
              Send
            </button>
          )}
        </form>
      </section>
    </div>
  );
}

function Item({
  item,
  busy,
  onAction,
}: {
  item: ThreadItem;
  busy: boolean;
  onAction: (config: import("@/lib/chatkit-protocol/types").ActionConfig, values?: Record<string, unknown>) => Promise<void>;
}) {
  switch (item.type) {
    case "user_message":
      return (
        <div className="msg msg-user" data-item-id={item.id}>
          <span className="sr-only">You said: </span>
          {item.quoted_text && <blockquote>{item.quoted_text}</blockquote>}
          <p>{item.content.map((c) => c.text).join("")}</p>
        </div>
      );
    case "assistant_message":
      return (
        <div className="msg msg-assistant" data-item-id={item.id}>
          <span className="sr-only">Assistant: </span>
          <Markdown text={assistantText(item)} />
        </div>
      );
    case "widget":
      return (
        <div className="msg msg-widget" data-item-id={item.id}>
          <WidgetView widget={item.widget} disabled={busy} onAction={(config, values) => void onAction(config, values)} />
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
                {t.status_indicator === "loading" ? "… " : t.status_indicator === "complete" ? "✓ " : ""}
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
  onNew,
  onOpen,
  onRename,
  onDelete,
}: {
  threads: ThreadMeta[];
  error: string | null;
  currentId: string | null;
  busy: boolean;
  onNew: () => void;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  return (
    <nav className="bk-history" aria-label="Conversation history">
      <button type="button" className="bk-new" onClick={onNew} disabled={busy}>
        + New conversation
      </button>
      {error && (
        <p className="task-error" role="alert">
          {error}
        </p>
      )}
      {threads.length === 0 && !error && <p className="muted">No conversations yet.</p>}
      <ul className="bk-threads">
        {threads.map((t) => {
          const label = t.title || "Untitled conversation";
          return (
            <li key={t.id} className={t.id === currentId ? "current" : undefined}>
              {editing === t.id ? (
                <form
                  className="bk-rename"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (title.trim()) onRename(t.id, title.trim());
                    setEditing(null);
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
                    onKeyDown={(e) => e.key === "Escape" && setEditing(null)}
                  />
                  <button type="submit">Save</button>
                  <button type="button" className="secondary" onClick={() => setEditing(null)}>
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
                  <button type="button" className="secondary" onClick={() => setConfirming(null)}>
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
                    onClick={() => onOpen(t.id)}
                  >
                    <span className="bk-thread-title">{label}</span>
                    <time className="muted" dateTime={t.created_at}>
                      {formatWhen(t.created_at)}
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
                      ✎
                    </button>
                    <button type="button" className="icon-button" aria-label={`Delete ${label}`} title="Delete" onClick={() => setConfirming(t.id)}>
                      ✕
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

function formatWhen(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}
