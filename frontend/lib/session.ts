// Client for the session endpoint (POST /api/chatkit/sessions): mints, caches and
// refreshes the short-lived client secret both ChatKit modes need.

export type ChatKitMode = "hosted" | "self-hosted";

export interface SessionInfo {
  clientSecret: string;
  sessionId: string;
  /** Expiry as Unix milliseconds. */
  expiresAtMs: number;
  /** When this client received the secret, Unix milliseconds. */
  issuedAtMs: number;
  mode: ChatKitMode;
}

export type SessionErrorKind =
  | "unreachable"
  | "rate_limited"
  | "not_configured"
  | "unauthorized"
  | "upstream"
  | "http"
  | "bad_response";

/** A failure to obtain a client secret, with a message fit to show on the page. */
export class SessionError extends Error {
  readonly kind: SessionErrorKind;
  readonly status: number;
  readonly code: string;
  /** Seconds to wait before retrying (429 only). */
  readonly retryAfterSeconds: number | null;

  constructor(
    kind: SessionErrorKind,
    message: string,
    opts: { status?: number; code?: string; retryAfterSeconds?: number | null; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "SessionError";
    this.kind = kind;
    this.status = opts.status ?? 0;
    this.code = opts.code ?? kind;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
  }
}

export interface SessionClientOptions {
  /** Full URL (or path) of the session endpoint. */
  endpoint: string;
  fetch?: typeof fetch;
  /** Clock in Unix milliseconds (tests inject one). */
  now?: () => number;
  /** Refresh this long before expiry; capped at half the secret's lifetime. Default 60 s. */
  refreshMarginMs?: number;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; fields?: unknown };
}

/**
 * SessionClient keeps the current secret. `secret()` returns it while it is fresh
 * and asks for a new one shortly before it expires; concurrent callers share one
 * request. `create(existing)` always asks the server (the refresh call).
 */
export class SessionClient {
  private readonly endpoint: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private info: SessionInfo | null = null;
  private inflight: Promise<SessionInfo> | null = null;

  constructor(opts: SessionClientOptions) {
    this.endpoint = opts.endpoint;
    const f = opts.fetch;
    this.fetchImpl = f ?? ((input, init) => globalThis.fetch(input, init));
    this.now = opts.now ?? Date.now;
    this.refreshMarginMs = opts.refreshMarginMs ?? 60_000;
  }

  /** The last session received, if any. */
  current(): SessionInfo | null {
    return this.info;
  }

  /** True when the current secret is missing or inside the refresh margin. */
  needsRefresh(): boolean {
    const info = this.info;
    if (!info) return true;
    const lifetime = Math.max(0, info.expiresAtMs - info.issuedAtMs);
    const margin = Math.min(this.refreshMarginMs, lifetime / 2);
    return this.now() >= info.expiresAtMs - margin;
  }

  /** A usable secret: the cached one while fresh, else a refreshed one. */
  async secret(): Promise<string> {
    if (!this.needsRefresh() && this.info) return this.info.clientSecret;
    const info = await this.refresh();
    return info.clientSecret;
  }

  /** The current session, creating one when there is none or it is about to expire. */
  async ensure(): Promise<SessionInfo> {
    if (!this.needsRefresh() && this.info) return this.info;
    return this.refresh();
  }

  /**
   * Asks for a new secret, passing the current one as `existing` while it is still
   * valid (the server then renews the same user's session). Concurrent calls share
   * one request.
   */
  refresh(): Promise<SessionInfo> {
    if (this.inflight) return this.inflight;
    const info = this.info;
    const existing = info && this.now() < info.expiresAtMs ? info.clientSecret : null;
    return this.startRequest(existing);
  }

  /** Drops the cached secret (it was rejected) and asks for a brand-new one. */
  renewAfterRejection(rejected: string): Promise<SessionInfo> {
    if (this.inflight) return this.inflight;
    if (this.info && this.info.clientSecret !== rejected) {
      // Someone already replaced the rejected secret.
      return Promise.resolve(this.info);
    }
    this.info = null;
    return this.startRequest(null);
  }

  /** POSTs `{existing}` and stores the answer; used directly by hosted getClientSecret. */
  async create(existing: string | null): Promise<SessionInfo> {
    if (this.inflight) {
      // A refresh is under way; its result is at least as new as what we would get.
      return this.inflight;
    }
    return this.startRequest(existing);
  }

  private startRequest(existing: string | null): Promise<SessionInfo> {
    const attempt = this.request(existing).catch((err: unknown) => {
      // The server refuses to renew a secret it no longer recognises (signing key
      // rotated, cookie now names another user): start a fresh session instead.
      if (existing !== null && err instanceof SessionError && err.kind === "unauthorized") {
        return this.request(null);
      }
      throw err;
    });
    const p = attempt.then(
      (info) => {
        this.info = info;
        this.inflight = null;
        return info;
      },
      (err: unknown) => {
        this.inflight = null;
        throw err;
      },
    );
    this.inflight = p;
    return p;
  }

  private async request(existing: string | null): Promise<SessionInfo> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "include",
        body: JSON.stringify({ existing }),
      });
    } catch (err) {
      throw new SessionError(
        "unreachable",
        `The session service (${this.endpoint}) could not be reached. Is the TaskPilot backend running?`,
        { cause: err },
      );
    }
    if (!res.ok) throw await sessionErrorFromResponse(res, this.now());
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new SessionError("bad_response", "The session service answered with something that is not JSON.", {
        status: res.status,
        cause: err,
      });
    }
    return parseSessionBody(body, this.now());
  }
}

/** Validates a 200 body of the session endpoint. */
export function parseSessionBody(body: unknown, nowMs: number): SessionInfo {
  if (!body || typeof body !== "object") {
    throw new SessionError("bad_response", "The session service answered with an empty body.");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.client_secret !== "string" || b.client_secret === "") {
    throw new SessionError("bad_response", "The session service answered without a client_secret.");
  }
  const mode = b.mode ?? "self-hosted";
  if (mode !== "hosted" && mode !== "self-hosted") {
    throw new SessionError(
      "bad_response",
      `The session service reported an unknown mode "${String(mode)}" (expected "hosted" or "self-hosted").`,
    );
  }
  let expiresAtMs: number;
  if (typeof b.expires_at === "number" && Number.isFinite(b.expires_at) && b.expires_at > 0) {
    expiresAtMs = b.expires_at * 1000;
  } else {
    // No expiry given: assume the documented default lifetime of 10 minutes.
    expiresAtMs = nowMs + 10 * 60_000;
  }
  return {
    clientSecret: b.client_secret,
    sessionId: typeof b.session_id === "string" ? b.session_id : "",
    expiresAtMs,
    issuedAtMs: nowMs,
    mode,
  };
}

/** Reads `{"error":{"code","message"}}` and Retry-After into a SessionError. */
export async function sessionErrorFromResponse(res: Response, nowMs: number): Promise<SessionError> {
  let code = "";
  let serverMessage = "";
  try {
    const body = (await res.json()) as ErrorBody;
    if (body && typeof body.error === "object" && body.error) {
      if (typeof body.error.code === "string") code = body.error.code;
      if (typeof body.error.message === "string") serverMessage = body.error.message;
    }
  } catch {
    // Not JSON: keep the status-based message.
  }
  const status = res.status;
  const detail = serverMessage ? ` ${serverMessage}` : "";
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(res.headers.get("Retry-After"), nowMs);
    const when =
      retryAfterSeconds !== null
        ? `Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}.`
        : "Try again in a moment.";
    return new SessionError("rate_limited", `Too many chat sessions were requested. ${when}`, {
      status,
      code: code || "rate_limited",
      retryAfterSeconds,
    });
  }
  if (status === 503 || code === "not_configured") {
    return new SessionError(
      "not_configured",
      `Chat is not configured on the server.${detail || " Check the backend's environment."}`,
      { status, code: code || "not_configured" },
    );
  }
  if (status === 401 || status === 403) {
    return new SessionError("unauthorized", `The session service refused to identify you (HTTP ${status}).${detail}`, {
      status,
      code: code || "unauthorized",
    });
  }
  if (status === 502 || status === 504) {
    return new SessionError(
      "upstream",
      `The session service could not reach its upstream (HTTP ${status}).${detail} Try again shortly.`,
      { status, code: code || (status === 504 ? "upstream_timeout" : "upstream_error") },
    );
  }
  return new SessionError("http", `The session service failed with HTTP ${status}.${detail}`, {
    status,
    code: code || `http_${status}`,
  });
}

/** Retry-After as whole seconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+$/.test(v)) return Number.parseInt(v, 10);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
