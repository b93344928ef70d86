// A client of the ChatKit server protocol: one POST endpoint, JSON answers for
// reads and updates, SSE streams for everything that runs the assistant.

import { readSSE } from "./sse";
import type {
  Page,
  Thread,
  ThreadItem,
  ThreadMeta,
  ThreadStreamEvent,
  UserMessageInput,
  WidgetAction,
} from "./types";

/** An HTTP-level failure of a protocol request, with the server's error code if any. */
export class ProtocolError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.status = status;
    this.code = code;
  }
}

export interface ProtocolClientOptions {
  /** URL of the ChatKit endpoint, e.g. "/api/v1/chatkit". */
  url: string;
  /** The authenticated fetch (bearer secret, time zone, 401 retry). */
  fetch: typeof fetch;
  /** Sent as Accept-Language, as the official component does. */
  locale?: string;
}

export function textInput(text: string): UserMessageInput {
  return { content: [{ type: "input_text", text }], attachments: [], quoted_text: null, inference_options: {} };
}

export class ChatKitProtocolClient {
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly locale: string | undefined;

  constructor(opts: ProtocolClientOptions) {
    this.url = opts.url;
    this.fetchImpl = opts.fetch;
    this.locale = opts.locale;
  }

  listThreads(params: { limit?: number; order?: "asc" | "desc"; after?: string } = {}): Promise<Page<Thread>> {
    return this.request("threads.list", { limit: 50, order: "desc", ...params });
  }

  getThread(threadId: string): Promise<Thread> {
    return this.request("threads.get_by_id", { thread_id: threadId });
  }

  renameThread(threadId: string, title: string): Promise<ThreadMeta> {
    return this.request("threads.update", { thread_id: threadId, title });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.request("threads.delete", { thread_id: threadId });
  }

  listItems(threadId: string, params: { limit?: number; order?: "asc" | "desc"; after?: string } = {}): Promise<Page<ThreadItem>> {
    return this.request("items.list", { thread_id: threadId, ...params });
  }

  syncCustomAction(threadId: string, itemId: string | null, action: WidgetAction): Promise<{ updated_item?: ThreadItem }> {
    return this.request("threads.sync_custom_action", { thread_id: threadId, item_id: itemId, action });
  }

  createThread(input: UserMessageInput, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.create", { input }, signal);
  }

  addUserMessage(threadId: string, input: UserMessageInput, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.add_user_message", { thread_id: threadId, input }, signal);
  }

  customAction(
    threadId: string,
    itemId: string | null,
    action: WidgetAction,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.custom_action", { thread_id: threadId, item_id: itemId, action }, signal);
  }

  retryAfterItem(threadId: string, itemId: string, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.retry_after_item", { thread_id: threadId, item_id: itemId }, signal);
  }

  /** A non-streaming request; resolves with the JSON body. */
  async request<T>(type: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const res = await this.post(type, params, "application/json", signal);
    return (await res.json()) as T;
  }

  /** A streaming request; yields each event until the body ends. */
  async *stream(type: string, params: Record<string, unknown>, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    const res = await this.post(type, params, "text/event-stream", signal);
    const ctype = res.headers.get("Content-Type") ?? "";
    if (!ctype.includes("text/event-stream")) {
      throw new ProtocolError(res.status, "bad_response", `Expected an event stream for ${type}, got "${ctype}".`);
    }
    if (!res.body) return;
    for await (const msg of readSSE(res.body)) {
      let event: ThreadStreamEvent;
      try {
        event = JSON.parse(msg.data) as ThreadStreamEvent;
      } catch {
        throw new ProtocolError(res.status, "bad_event", `The server sent an event that is not JSON: ${msg.data.slice(0, 80)}`);
      }
      if (event && typeof event === "object" && typeof event.type === "string") yield event;
    }
  }

  private async post(type: string, params: Record<string, unknown>, accept: string, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { "Content-Type": "application/json", Accept: accept };
    if (this.locale) headers["Accept-Language"] = this.locale;
    const res = await this.fetchImpl(this.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ type, params, metadata: {} }),
      signal,
    });
    if (!res.ok) throw await protocolErrorFrom(res, type);
    return res;
  }
}

async function protocolErrorFrom(res: Response, type: string): Promise<ProtocolError> {
  let code = `http_${res.status}`;
  let message = "";
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body?.error?.code === "string") code = body.error.code;
    if (typeof body?.error?.message === "string") message = body.error.message;
  } catch {
    // keep defaults
  }
  if (!message) {
    message =
      res.status === 404
        ? "That conversation no longer exists."
        : res.status === 429
          ? "Too many requests; wait a moment and try again."
          : res.status === 401 || res.status === 403
            ? "Your chat session was not accepted; reload the page."
            : `The chat service failed (${type}, HTTP ${res.status}).`;
  }
  return new ProtocolError(res.status, code, message);
}
