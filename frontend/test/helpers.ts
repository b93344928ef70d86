// Test helpers: a scripted fetch that records requests, and a settable clock.

export interface Recorded {
  url: string;
  method: string;
  headers: Headers;
  body: string | null;
}

export type Responder = (req: Recorded, n: number) => Response | Promise<Response>;

export function recordingFetch(responder: Responder) {
  const calls: Recorded[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    let url: string;
    let method = init?.method ?? "GET";
    let headers = new Headers(init?.headers);
    let body: string | null = typeof init?.body === "string" ? init.body : null;
    if (input instanceof Request) {
      url = input.url;
      method = init?.method ?? input.method;
      if (!init?.headers) headers = new Headers(input.headers);
      if (body === null && input.body) body = await input.text();
    } else {
      url = String(input);
    }
    const rec = { url, method, headers, body };
    calls.push(rec);
    return responder(rec, calls.length);
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function sessionBody(secret: string, expiresAtSec: number, mode = "self-hosted") {
  return { client_secret: secret, session_id: `cks_${secret}`, expires_at: expiresAtSec, mode };
}

export function clock(startMs: number) {
  let t = startMs;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

/** A Response whose SSE body arrives in the given chunks. */
export function sseResponse(chunks: (string | Uint8Array)[], status = 200): Response {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? enc.encode(c) : c);
      controller.close();
    },
  });
  return new Response(stream, { status, headers: { "Content-Type": "text/event-stream" } });
}
