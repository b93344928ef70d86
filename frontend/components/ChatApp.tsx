"use client";

// The chat page: gets a session (which also tells the backend's mode), picks the
// official ChatKit component or the built-in client, and shows the task pane.

import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { createAuthFetch } from "@/lib/auth-fetch";
import {
  CHATKIT_ENDPOINT,
  loadTimeoutMs,
  parseUIPreference,
  SESSION_ENDPOINT,
  validateChatKitConfig,
} from "@/lib/chatkit-config";
import { ChatKitProtocolClient } from "@/lib/chatkit-protocol/client";
import { publicEnv } from "@/lib/public-env";
import { SessionClient, SessionError, type ChatKitMode } from "@/lib/session";
import type { Task, TaskStatus } from "@/lib/tasks-api";
import { BuiltinChat } from "./BuiltinChat";
import { ClientBanner, type ClientKind } from "./ClientBanner";
import { ErrorPanel } from "./ErrorPanel";
import { Icon, type IconName } from "./Icon";
import { OfficialChat } from "./OfficialChat";
import { TaskPane } from "./TaskPane";
import { useOfficialElement } from "./useOfficialElement";

/** What a phone shows (a desktop shows all three side by side). */
type View = "chat" | "threads" | "tasks";

type Start =
  | { phase: "starting" }
  | { phase: "ready"; mode: ChatKitMode }
  | { phase: "failed"; error: SessionError | Error };

export function ChatApp() {
  const session = useMemo(() => new SessionClient({ endpoint: SESSION_ENDPOINT }), []);
  const authFetch = useMemo(() => createAuthFetch({ session }), [session]);
  const protocol = useMemo(
    () =>
      new ChatKitProtocolClient({
        url: CHATKIT_ENDPOINT,
        fetch: authFetch,
        locale: typeof navigator !== "undefined" ? navigator.language : undefined,
      }),
    [authFetch],
  );

  const [start, setStart] = useState<Start>({ phase: "starting" });
  const [attempt, setAttempt] = useState(0);
  const [tasksVersion, setTasksVersion] = useState(0);
  const [chatError, setChatError] = useState<string | null>(null);
  const [forceBuiltin, setForceBuiltin] = useState(false);
  const [location, setLocation] = useState<{ protocol: string; hostname: string } | undefined>(undefined);
  const [view, setView] = useState<View>("chat");
  const [taskStatus, setTaskStatus] = useState<ReadonlyMap<number, TaskStatus> | null>(null);
  const [pendingCount, setPendingCount] = useState<number | null>(null);
  const onTasks = useCallback((tasks: Task[]) => {
    setTaskStatus(new Map(tasks.map((t) => [t.id, t.status])));
    setPendingCount(tasks.filter((t) => t.status === "pending").length);
  }, []);
  const showChat = useCallback(() => setView("chat"), []);

  const preference = parseUIPreference(publicEnv.ui) ?? "auto";
  const official = useOfficialElement(preference !== "builtin", loadTimeoutMs(publicEnv));

  useEffect(() => {
    setLocation({ protocol: window.location.protocol, hostname: window.location.hostname });
  }, []);

  useEffect(() => {
    let live = true;
    setStart({ phase: "starting" });
    session.ensure().then(
      (info) => live && setStart({ phase: "ready", mode: info.mode }),
      (err: unknown) => live && setStart({ phase: "failed", error: err instanceof Error ? err : new Error(String(err)) }),
    );
    return () => {
      live = false;
    };
  }, [session, attempt]);

  const onEffect = useCallback((effect: { name: string }) => {
    if (effect.name === "tasks_changed") setTasksVersion((v) => v + 1);
  }, []);
  const onOfficialError = useCallback((error: Error) => setChatError(error.message || String(error)), []);

  const mode = start.phase === "ready" ? start.mode : undefined;
  const validation = validateChatKitConfig(publicEnv, { mode, location });

  let kind: ClientKind = start.phase === "failed" ? "failed" : "starting";
  if (start.phase === "ready") {
    if (preference === "builtin" || forceBuiltin) kind = "builtin-selected";
    else if (official === "defined") kind = "official";
    else if (official === "unavailable") kind = preference === "official" ? "official-missing" : "builtin-offline";
    else kind = "loading-official";
    if (start.mode === "hosted" && (kind === "builtin-offline" || kind === "builtin-selected")) kind = "hosted-needs-official";
  }

  let chat: ReactNode;
  if (!validation.valid) {
    chat = (
      <ErrorPanel title="The chat is misconfigured">
        <ul>
          {validation.errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      </ErrorPanel>
    );
  } else if (start.phase === "failed") {
    chat = <SessionErrorPanel error={start.error} onRetry={() => setAttempt((a) => a + 1)} />;
  } else if (start.phase === "starting" || kind === "loading-official") {
    chat = (
      <p className="status-line" role="status">
        {start.phase === "starting" ? "Connecting to TaskPilot…" : "Loading ChatKit…"}
      </p>
    );
  } else if (kind === "official" && start.phase === "ready") {
    chat = <OfficialChat mode={start.mode} session={session} onEffect={onEffect} onError={onOfficialError} />;
  } else if (kind === "builtin-offline" || kind === "builtin-selected") {
    chat = <BuiltinChat client={protocol} onEffect={onEffect} onShowChat={showChat} taskStatus={taskStatus} />;
  } else if (kind === "official-missing") {
    chat = (
      <ErrorPanel title="ChatKit could not be loaded">
        <p>
          The ChatKit component did not load from OpenAI&apos;s CDN and NEXT_PUBLIC_CHATKIT_UI is &quot;official&quot;, so
          the built-in client is not used. Check the network, or unset NEXT_PUBLIC_CHATKIT_UI.
        </p>
      </ErrorPanel>
    );
  } else {
    chat = (
      <ErrorPanel title="Hosted mode needs the official ChatKit component">
        <p>
          The backend runs in hosted mode (CHATKIT_MODE=hosted): OpenAI runs the conversation, which needs the ChatKit
          component from OpenAI&apos;s CDN, and it could not be loaded. Check the network, or run the backend in
          self-hosted mode to use the built-in client.
        </p>
      </ErrorPanel>
    );
  }

  const builtin = kind === "builtin-offline" || kind === "builtin-selected";
  const tabs: { id: View; label: string; icon: IconName; target: string }[] = [
    { id: "chat", label: "Chat", icon: "chat", target: "chat" },
    ...(builtin ? [{ id: "threads" as const, label: "History", icon: "history" as const, target: "history" }] : []),
    { id: "tasks", label: "Tasks", icon: "list", target: "tasks" },
  ];
  const current = !builtin && view === "threads" ? "chat" : view;

  return (
    <div className="app" data-client={kind} data-view={current}>
      <a className="skip-link" href={builtin ? "#bk-input" : "#chat"} onClick={() => setView("chat")}>
        Skip to the chat
      </a>
      <header className="app-header">
        <h1>
          <Icon name="check-circle" size={22} /> <span className="brand">TaskPilot AI</span>
        </h1>
        <ClientBanner
          kind={kind}
          mode={mode}
          onUseBuiltin={kind === "official" && mode === "self-hosted" ? () => setForceBuiltin(true) : undefined}
        />
        <nav className="view-tabs" aria-label="Sections">
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              className="view-tab"
              aria-pressed={current === t.id}
              aria-controls={t.target}
              onClick={() => setView(t.id)}
            >
              <Icon name={t.icon} />
              <span>{t.label}</span>
              {t.id === "tasks" && pendingCount ? <span className="tab-count">{pendingCount}</span> : null}
            </button>
          ))}
        </nav>
      </header>
      {validation.warnings.length > 0 && (
        <div className="notice notice-warning" role="note">
          {validation.warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </div>
      )}
      {chatError && kind === "official" && (
        <div className="notice notice-danger" role="alert">
          <p>The chat ran into a problem: {chatError}</p>
          <button type="button" onClick={() => setChatError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <main className="app-main">
        <section className="chat-area" id="chat" aria-label="Chat" tabIndex={-1}>
          {chat}
        </section>
        <TaskPane
          fetch={authFetch}
          enabled={start.phase === "ready" && validation.valid}
          refreshKey={tasksVersion}
          mode={mode}
          onTasks={onTasks}
        />
      </main>
    </div>
  );
}

function SessionErrorPanel({ error, onRetry }: { error: Error; onRetry: () => void }) {
  const rateLimited = error instanceof SessionError && error.kind === "rate_limited";
  const [wait, setWait] = useState(rateLimited ? ((error as SessionError).retryAfterSeconds ?? 0) : 0);
  useEffect(() => {
    if (wait <= 0) return;
    const t = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(t);
  }, [wait]);
  const title =
    error instanceof SessionError
      ? {
          unreachable: "The chat service is unreachable",
          rate_limited: "Too many requests",
          not_configured: "The chat is not configured",
          unauthorized: "You could not be signed in to the chat",
          upstream: "The chat service is having trouble",
          http: "The chat could not start",
          bad_response: "The chat service answered unexpectedly",
        }[error.kind]
      : "The chat could not start";
  return (
    <ErrorPanel title={title}>
      <p>{error.message}</p>
      <button type="button" onClick={onRetry} disabled={wait > 0}>
        {wait > 0 ? `Retry in ${wait} s` : "Retry"}
      </button>
    </ErrorPanel>
  );
}
