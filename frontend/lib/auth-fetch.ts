// The fetch used for every backend call after the session: adds the bearer secret
// and the browser's time zone, refreshes the secret before it expires, and retries
// exactly once with a new secret when the server answers 401.

import type { SessionClient } from "./session";
import { browserTimeZone } from "./timezone";

export interface AuthFetchOptions {
  session: SessionClient;
  fetch?: typeof fetch;
  /** IANA zone sent as X-Timezone; defaults to the browser's. */
  timeZone?: () => string;
}

export function createAuthFetch(opts: AuthFetchOptions): typeof fetch {
  const { session } = opts;
  const fetchImpl: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeZone = opts.timeZone ?? browserTimeZone;

  const send = (input: RequestInfo | URL, init: RequestInit | undefined, secret: string) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set("Authorization", `Bearer ${secret}`);
    headers.set("X-Timezone", timeZone());
    return fetchImpl(input, { ...init, headers });
  };

  const authFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A Request body can be read once: keep a pristine copy for the retry.
    const spare = input instanceof Request ? input.clone() : null;
    const secret = await session.secret();
    const res = await send(input, init, secret);
    if (res.status !== 401) return res;
    // The secret was rejected (expired early, server restarted with a new key, ...).
    // Get a fresh one and try once more; a second 401 goes to the caller.
    await res.body?.cancel().catch(() => undefined);
    const fresh = await session.renewAfterRejection(secret);
    return send(spare ?? input, init, fresh.clientSecret);
  };
  return authFetch as typeof fetch;
}
