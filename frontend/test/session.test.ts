import { describe, expect, it } from "vitest";
import { parseRetryAfter, SessionClient, SessionError } from "@/lib/session";
import { clock, json, recordingFetch, sessionBody } from "./helpers";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

async function failure(res: () => Response | Promise<Response>): Promise<SessionError> {
  const { fetch } = recordingFetch(() => res());
  const client = new SessionClient({ endpoint: "/api/chatkit/sessions", fetch, now: () => T0 });
  try {
    await client.secret();
  } catch (err) {
    expect(err).toBeInstanceOf(SessionError);
    return err as SessionError;
  }
  throw new Error("expected the session request to fail");
}

describe("SessionClient", () => {
  it("POSTs {existing: null} with credentials and parses the answer", async () => {
    const { fetch, calls } = recordingFetch(() => json(sessionBody("s1", T0 / 1000 + 600)));
    const client = new SessionClient({ endpoint: "http://api.test/api/chatkit/sessions", fetch, now: () => T0 });
    const info = await client.ensure();
    expect(info).toEqual({
      clientSecret: "s1",
      sessionId: "cks_s1",
      expiresAtMs: T0 + 600_000,
      issuedAtMs: T0,
      mode: "self-hosted",
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("http://api.test/api/chatkit/sessions");
    expect(calls[0].method).toBe("POST");
    expect(JSON.parse(calls[0].body ?? "")).toEqual({ existing: null });
  });

  it("reuses a fresh secret and renews it inside the margin with {existing}", async () => {
    const c = clock(T0);
    let n = 0;
    const { fetch, calls } = recordingFetch(() => json(sessionBody(`s${++n}`, c.now() / 1000 + 600)));
    const client = new SessionClient({ endpoint: "/s", fetch, now: c.now });
    expect(await client.secret()).toBe("s1");
    c.advance(500_000); // 100 s left: still outside the 60 s margin
    expect(await client.secret()).toBe("s1");
    expect(calls).toHaveLength(1);
    c.advance(50_000); // 50 s left
    expect(await client.secret()).toBe("s2");
    expect(JSON.parse(calls[1].body ?? "")).toEqual({ existing: "s1" });
  });

  it("does not send an expired secret as existing", async () => {
    const c = clock(T0);
    let n = 0;
    const { fetch, calls } = recordingFetch(() => json(sessionBody(`s${++n}`, c.now() / 1000 + 600)));
    const client = new SessionClient({ endpoint: "/s", fetch, now: c.now });
    await client.secret();
    c.advance(601_000);
    expect(await client.secret()).toBe("s2");
    expect(JSON.parse(calls[1].body ?? "")).toEqual({ existing: null });
  });

  it("starts a fresh session when the server refuses to renew the old secret", async () => {
    const c = clock(T0);
    let n = 0;
    const { fetch, calls } = recordingFetch((req) => {
      const body = JSON.parse(req.body ?? "{}");
      if (body.existing) return json({ error: { code: "unauthorized", message: "existing secret is invalid" } }, 401);
      return json(sessionBody(`s${++n}`, c.now() / 1000 + 600));
    });
    const client = new SessionClient({ endpoint: "/s", fetch, now: c.now });
    await client.secret();
    c.advance(560_000);
    expect(await client.secret()).toBe("s2");
    expect(calls.map((r) => JSON.parse(r.body ?? "").existing)).toEqual([null, "s1", null]);
  });

  it("shares one request between concurrent callers", async () => {
    const { fetch, calls } = recordingFetch(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return json(sessionBody("s1", T0 / 1000 + 600));
    });
    const client = new SessionClient({ endpoint: "/s", fetch, now: () => T0 });
    const got = await Promise.all([client.secret(), client.secret(), client.ensure()]);
    expect(got.slice(0, 2)).toEqual(["s1", "s1"]);
    expect(calls).toHaveLength(1);
  });

  it("reports 429 with the Retry-After seconds", async () => {
    const err = await failure(() =>
      json({ error: { code: "rate_limited", message: "slow down" } }, 429, { "Retry-After": "7" }),
    );
    expect(err.kind).toBe("rate_limited");
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.message).toBe("Too many chat sessions were requested. Try again in 7 seconds.");
  });

  it("reports a misconfigured server with its message", async () => {
    const err = await failure(() =>
      json({ error: { code: "not_configured", message: "CHATKIT_WORKFLOW_ID is not set." } }, 503),
    );
    expect(err.kind).toBe("not_configured");
    expect(err.message).toBe("Chat is not configured on the server. CHATKIT_WORKFLOW_ID is not set.");
  });

  it("reports an unreachable endpoint", async () => {
    const err = await failure(() => {
      throw new TypeError("Failed to fetch");
    });
    expect(err.kind).toBe("unreachable");
    expect(err.message).toContain("could not be reached");
  });

  it("rejects a 200 without a client_secret (no error hidden inside a 200)", async () => {
    const err = await failure(() => json({ error: "boom", message: "Failed to create ChatKit session" }));
    expect(err.kind).toBe("bad_response");
    expect(err.message).toContain("client_secret");
  });

  it("rejects an unknown mode", async () => {
    const err = await failure(() => json({ ...sessionBody("s", T0 / 1000 + 60), mode: "cloud" }));
    expect(err.kind).toBe("bad_response");
    expect(err.message).toContain('unknown mode "cloud"');
  });

  it("maps upstream failures and non-JSON error bodies", async () => {
    const upstream = await failure(() => json({ error: { code: "upstream_timeout", message: "OpenAI timed out." } }, 504));
    expect(upstream.kind).toBe("upstream");
    expect(upstream.code).toBe("upstream_timeout");
    const other = await failure(() => new Response("oops", { status: 500 }));
    expect(other.kind).toBe("http");
    expect(other.message).toBe("The session service failed with HTTP 500.");
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["12", 12],
    [" 3 ", 3],
    ["", null],
    ["soon", null],
    [new Date(T0 + 90_500).toUTCString(), 90],
    [new Date(T0 - 5_000).toUTCString(), 0],
  ])("%j → %j", (value, want) => {
    expect(parseRetryAfter(value, T0)).toBe(want);
  });
  it("null header", () => expect(parseRetryAfter(null, T0)).toBeNull());
});
