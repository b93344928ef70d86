"use client";

// State and protocol calls behind the built-in chat panel.

import { useCallback, useEffect, useRef, useState } from "react";
import { ChatKitProtocolClient, ProtocolError, textInput } from "@/lib/chatkit-protocol/client";
import {
  applyEvent,
  emptyThreadState,
  lastUserMessageId,
  threadStateFrom,
  truncateAfter,
  type ThreadState,
} from "@/lib/chatkit-protocol/thread-state";
import type { ActionConfig, Thread, ThreadMeta, ThreadStreamEvent } from "@/lib/chatkit-protocol/types";
import { SessionError } from "@/lib/session";

export interface ChatError {
  message: string;
  allowRetry: boolean;
}

export interface Notice {
  level: "info" | "warning" | "danger";
  title?: string;
  message: string;
}

/** A message the server never stored: kept in the thread, marked "not sent", with Retry. */
export interface Unsent {
  text: string;
  reason: string;
  at: string;
}

const MAX_EXTRA_PAGES = 20;

/** Where a message that could not be sent is kept across reloads (the composer shows it again). */
export const UNSENT_KEY = "taskpilot.unsent";

const unreachable = (err: unknown) =>
  err instanceof TypeError || (err instanceof SessionError && err.kind === "unreachable");

function describe(err: unknown): string {
  if (unreachable(err)) return "TaskPilot can't be reached. Check your connection and try again.";
  if (err instanceof ProtocolError || err instanceof SessionError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

function remember(text: string | null) {
  try {
    if (text) localStorage.setItem(UNSENT_KEY, text);
    else localStorage.removeItem(UNSENT_KEY);
  } catch {
    // storage unavailable (private mode): the message still stays in the thread
  }
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === "AbortError";

export function useBuiltinChat(client: ChatKitProtocolClient, onEffect: (e: { name: string; data?: Record<string, unknown> }) => void) {
  const [threads, setThreads] = useState<ThreadMeta[]>([]);
  const [threadsError, setThreadsError] = useState<string | null>(null);
  const [state, setState] = useState<ThreadState>(emptyThreadState);
  const [streaming, setStreaming] = useState(false);
  const [loadingThread, setLoadingThread] = useState(false);
  const [allowCancel, setAllowCancel] = useState(true);
  const [progress, setProgress] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [error, setError] = useState<ChatError | null>(null);
  /** The message being sent, shown until the server echoes it as a stored item. */
  const [pendingText, setPendingText] = useState<string | null>(null);
  const [unsent, setUnsent] = useState<Unsent | null>(null);
  /** Text Stop gave back to the composer (the server had not stored it yet). */
  const [restored, setRestored] = useState<{ text: string } | null>(null);
  /** The item after which the user pressed Stop (shown as "Stopped"). */
  const [stoppedAfter, setStoppedAfter] = useState<string | null>(null);
  const stopRequested = useRef(false);
  const abortRef = useRef<AbortController | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const lastTextRef = useRef<string | null>(null);
  const onEffectRef = useRef(onEffect);
  onEffectRef.current = onEffect;

  /** Reloads the history; a background refresh after a turn stays quiet (the turn reports its own failure). */
  const refreshThreads = useCallback(
    async (quiet = false) => {
      try {
        const page = await client.listThreads({ limit: 50, order: "desc" });
        setThreads(page.data.map(({ items: _items, ...meta }: Thread) => meta));
        setThreadsError(null);
      } catch (err) {
        if (!quiet) setThreadsError(describe(err));
      }
    },
    [client],
  );

  useEffect(() => {
    void refreshThreads();
    return () => abortRef.current?.abort();
  }, [refreshThreads]);

  /** Runs one streamed request, applying its events as they arrive. */
  const run = useCallback(
    async (open: (signal: AbortSignal) => AsyncGenerator<ThreadStreamEvent>, sentText: string | null = null) => {
      abortRef.current?.abort();
      const ctrl = new AbortController();
      abortRef.current = ctrl;
      stopRequested.current = false;
      setStreaming(true);
      setAllowCancel(true);
      setError(null);
      setNotice(null);
      setProgress(null);
      setStoppedAfter(null);
      let sawError = false;
      let stored = sentText === null;
      try {
        for await (const ev of open(ctrl.signal)) {
          switch (ev.type) {
            case "stream_options":
              setAllowCancel(ev.stream_options.allow_cancel !== false);
              break;
            case "progress_update":
              setProgress(ev.text);
              break;
            case "client_effect":
              onEffectRef.current({ name: ev.name, data: ev.data });
              break;
            case "notice":
              setNotice({ level: ev.level, title: ev.title, message: ev.message });
              break;
            case "error":
              sawError = true;
              setError({
                message: ev.message || "Something went wrong while answering. You can retry.",
                allowRetry: ev.allow_retry !== false,
              });
              break;
            case "thread.created":
              setThreads((ts) => [{ ...ev.thread, items: undefined } as ThreadMeta, ...ts.filter((t) => t.id !== ev.thread.id)]);
              setState((s) => applyEvent(s, ev));
              break;
            case "thread.updated":
              setThreads((ts) => ts.map((t) => (t.id === ev.thread.id ? { ...t, title: ev.thread.title } : t)));
              setState((s) => applyEvent(s, ev));
              break;
            default:
              if (ev.type === "thread.item.done" && ev.item.type === "user_message") {
                // The server stored this turn's message: a retry now re-runs it.
                lastTextRef.current = null;
                stored = true;
                remember(null);
                setPendingText(null);
              }
              if (ev.type === "thread.item.added" || ev.type === "thread.item.done") setProgress(null);
              setState((s) => applyEvent(s, ev));
          }
        }
      } catch (err) {
        if (isAbort(err) || (ctrl.signal.aborted && stopRequested.current)) {
          if (stopRequested.current) {
            if (!stored && sentText !== null) {
              // Stopped before the server took the message: it goes back to the composer.
              lastTextRef.current = null;
              remember(null);
              setRestored({ text: sentText });
            } else {
              const items = stateRef.current.items;
              setStoppedAfter(items.length ? items[items.length - 1].id : null);
            }
          }
        } else if (!stored && sentText !== null) {
          // Never stored: the message stays in the thread, marked "not sent", with Retry.
          sawError = true;
          remember(sentText);
          setUnsent({ text: sentText, reason: describe(err), at: new Date().toISOString() });
        } else {
          sawError = true;
          setError({ message: describe(err), allowRetry: true });
        }
      } finally {
        if (abortRef.current === ctrl) abortRef.current = null;
        setStreaming(false);
        setProgress(null);
        setPendingText(null);
      }
      if (!sawError) lastTextRef.current = null;
      void refreshThreads(true);
    },
    [refreshThreads],
  );

  const send = useCallback(
    async (text: string) => {
      const trimmed = text.trim();
      if (!trimmed) return;
      lastTextRef.current = trimmed;
      remember(trimmed);
      setUnsent(null);
      setRestored(null);
      setPendingText(trimmed);
      const threadId = stateRef.current.thread?.id;
      await run(
        (signal) =>
          threadId ? client.addUserMessage(threadId, textInput(trimmed), signal) : client.createThread(textInput(trimmed), signal),
        trimmed,
      );
    },
    [client, run],
  );

  const retry = useCallback(async () => {
    // A message the server never stored is simply sent again; otherwise the
    // server re-runs the answer to the newest user message.
    if (lastTextRef.current) {
      await send(lastTextRef.current);
      return;
    }
    setError(null);
    const { thread, items } = stateRef.current;
    const userId = lastUserMessageId(items);
    if (thread && userId) {
      setState((s) => ({ ...s, items: truncateAfter(s.items, userId) }));
      await run((signal) => client.retryAfterItem(thread.id, userId, signal));
    }
  }, [client, run, send]);

  const stop = useCallback(() => {
    stopRequested.current = true;
    abortRef.current?.abort();
  }, []);

  /** Drops a message that was not sent (its text goes back to the composer). */
  const discardUnsent = useCallback(() => {
    setUnsent((u) => {
      if (u) setRestored({ text: u.text });
      return null;
    });
    lastTextRef.current = null;
  }, []);

  const action = useCallback(
    async (itemId: string, config: ActionConfig, values?: Record<string, unknown>) => {
      const thread = stateRef.current.thread;
      if (!thread) return;
      const payload = values ? { ...(config.payload ?? {}), ...values } : config.payload;
      const wire = payload === undefined ? { type: config.type } : { type: config.type, payload };
      if (config.streaming === false) {
        try {
          setError(null);
          const res = await client.syncCustomAction(thread.id, itemId, wire);
          if (res.updated_item) setState((s) => applyEvent(s, { type: "thread.item.replaced", item: res.updated_item! }));
        } catch (err) {
          setError({ message: describe(err), allowRetry: false });
        }
        return;
      }
      await run((signal) => client.customAction(thread.id, itemId, wire, signal));
    },
    [client, run],
  );

  const openThread = useCallback(
    async (threadId: string) => {
      abortRef.current?.abort();
      setLoadingThread(true);
      setError(null);
      setNotice(null);
      setStoppedAfter(null);
      setUnsent((u) => {
        if (u) setRestored({ text: u.text });
        return null;
      });
      lastTextRef.current = null;
      try {
        const thread = await client.getThread(threadId);
        let next = threadStateFrom(thread);
        let page = thread.items;
        for (let i = 0; page.has_more && page.after && i < MAX_EXTRA_PAGES; i++) {
          page = await client.listItems(threadId, { order: "asc", after: page.after, limit: 50 });
          next = { ...next, items: [...next.items, ...page.data.filter((it) => !next.items.some((x) => x.id === it.id))] };
        }
        setState(next);
      } catch (err) {
        setError({ message: describe(err), allowRetry: false });
        if (err instanceof ProtocolError && err.status === 404) void refreshThreads();
      } finally {
        setLoadingThread(false);
      }
    },
    [client, refreshThreads],
  );

  const newThread = useCallback(() => {
    abortRef.current?.abort();
    setState(emptyThreadState);
    setError(null);
    setNotice(null);
    setStoppedAfter(null);
    setUnsent((u) => {
      if (u) setRestored({ text: u.text });
      return null;
    });
    lastTextRef.current = null;
  }, []);

  const renameThread = useCallback(
    async (threadId: string, title: string) => {
      try {
        await client.renameThread(threadId, title);
        setThreads((ts) => ts.map((t) => (t.id === threadId ? { ...t, title } : t)));
        setState((s) => (s.thread?.id === threadId ? { ...s, thread: { ...s.thread, title } } : s));
      } catch (err) {
        setThreadsError(describe(err));
      }
    },
    [client],
  );

  const deleteThread = useCallback(
    async (threadId: string) => {
      try {
        await client.deleteThread(threadId);
        setThreads((ts) => ts.filter((t) => t.id !== threadId));
        if (stateRef.current.thread?.id === threadId) newThread();
      } catch (err) {
        setThreadsError(describe(err));
      }
    },
    [client, newThread],
  );

  return {
    threads,
    threadsError,
    state,
    streaming,
    loadingThread,
    allowCancel,
    progress,
    notice,
    error,
    pendingText,
    unsent,
    restored,
    stoppedAfter,
    discardUnsent,
    dismissNotice: () => setNotice(null),
    send,
    retry,
    stop,
    action,
    openThread,
    newThread,
    renameThread,
    deleteThread,
    refreshThreads,
  };
}
