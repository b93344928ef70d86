import { describe, expect, it } from "vitest";
import { createAuthFetch } from "@/lib/auth-fetch";
import { SessionClient } from "@/lib/session";
import { clock, json, recordingFetch, sessionBody } from "./helpers";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

/** A backend: the session endpoint mints s1, s2…; the API accepts only the secrets in `valid`. */
function backend(now: () => number, valid: (secret: string) => boolean) {
  let minted = 0;
  return recordingFetch((req) => {
    if (req.url.endsWith("/api/chatkit/sessions")) {
      return json(sessionBody(`s${++minted}`, now() / 1000 + 600));
    }
    const auth = req.headers.get("Authorization") ?? "";
    const secret = auth.replace(/^Bearer /, "");
    if (!valid(secret)) return json({ error: { code: "unauthorized", message: "bad secret" } }, 401);
    return json({ ok: true, secret, tz: req.headers.get("X-Timezone"), body: req.body });
  });
}

function setup(valid: (s: string) => boolean) {
  const c = clock(T0);
  const be = backend(c.now, valid);
  const session = new SessionClient({ endpoint: "/api/chatkit/sessions", fetch: be.fetch, now: c.now });
  const authFetch = createAuthFetch({ session, fetch: be.fetch, timeZone: () => "Europe/Paris" });
  const apiCalls = () => be.calls.filter((r) => r.url.endsWith("/api/v1/chatkit"));
  const sessionCalls = () => be.calls.filter((r) => r.url.endsWith("/api/chatkit/sessions"));
  return { c, be, session, authFetch, apiCalls, sessionCalls };
}

describe("createAuthFetch", () => {
  it("adds the bearer secret and X-Timezone, keeping the caller's headers and body", async () => {
    const { authFetch, apiCalls, sessionCalls } = setup(() => true);
    const res = await authFetch("/api/v1/chatkit", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": "fr-FR" },
      body: '{"type":"threads.list","params":{}}',
    });
    expect(await res.json()).toEqual({ ok: true, secret: "s1", tz: "Europe/Paris", body: '{"type":"threads.list","params":{}}' });
    const h = apiCalls()[0].headers;
    expect(h.get("Authorization")).toBe("Bearer s1");
    expect(h.get("Content-Type")).toBe("application/json");
    expect(h.get("Accept-Language")).toBe("fr-FR");
    await authFetch("/api/v1/chatkit", { method: "POST", body: "{}" });
    expect(sessionCalls()).toHaveLength(1); // the secret is cached
  });

  it("refreshes the secret shortly before it expires", async () => {
    const { c, authFetch, apiCalls, sessionCalls } = setup(() => true);
    await authFetch("/api/v1/chatkit", { method: "POST", body: "{}" });
    c.advance(570_000); // 30 s before expiry
    await authFetch("/api/v1/chatkit", { method: "POST", body: "{}" });
    expect(sessionCalls()).toHaveLength(2);
    expect(JSON.parse(sessionCalls()[1].body ?? "")).toEqual({ existing: "s1" });
    expect(apiCalls()[1].headers.get("Authorization")).toBe("Bearer s2");
  });

  it("retries once with a new secret after a 401", async () => {
    const { authFetch, apiCalls, sessionCalls } = setup((s) => s !== "s1");
    const res = await authFetch("/api/v1/chatkit", { method: "POST", body: '{"x":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ secret: "s2", body: '{"x":1}' });
    expect(apiCalls().map((r) => r.headers.get("Authorization"))).toEqual(["Bearer s1", "Bearer s2"]);
    // The rejected secret is not offered for renewal.
    expect(JSON.parse(sessionCalls()[1].body ?? "")).toEqual({ existing: null });
  });

  it("retries only once: a second 401 reaches the caller", async () => {
    const { authFetch, apiCalls, sessionCalls } = setup(() => false);
    const res = await authFetch("/api/v1/chatkit", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(apiCalls()).toHaveLength(2);
    expect(sessionCalls()).toHaveLength(2);
  });

  it("replays a Request body on the retry", async () => {
    const { authFetch, apiCalls } = setup((s) => s !== "s1");
    const req = new Request("http://x.test/api/v1/chatkit", { method: "POST", body: '{"type":"threads.list"}' });
    const res = await authFetch(req);
    expect(res.status).toBe(200);
    expect(apiCalls().map((r) => r.body)).toEqual(['{"type":"threads.list"}', '{"type":"threads.list"}']);
  });

  it("renews once for concurrent 401s", async () => {
    const { authFetch, sessionCalls } = setup((s) => s !== "s1");
    const results = await Promise.all([1, 2, 3].map(() => authFetch("/api/v1/chatkit", { method: "POST", body: "{}" })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sessionCalls()).toHaveLength(2);
  });

  it("does not retry other errors", async () => {
    const c = clock(T0);
    const { fetch, calls } = recordingFetch((req) =>
      req.url.endsWith("/sessions") ? json(sessionBody("s1", c.now() / 1000 + 600)) : json({ error: { code: "x", message: "y" } }, 500),
    );
    const session = new SessionClient({ endpoint: "/api/chatkit/sessions", fetch, now: c.now });
    const res = await createAuthFetch({ session, fetch })("/api/v1/tasks");
    expect(res.status).toBe(500);
    expect(calls).toHaveLength(2);
  });
});
