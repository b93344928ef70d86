import { describe, expect, it, vi } from "vitest";
import {
  baseOptions,
  CHATKIT_ENDPOINT,
  createChatKitOptions,
  normalizeApiUrl,
  validateChatKitConfig,
} from "@/lib/chatkit-config";
import type { PublicEnv } from "@/lib/public-env";
import { SessionClient } from "@/lib/session";
import { clock, json, recordingFetch, sessionBody } from "./helpers";

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function mintingBackend(mode: string) {
  const c = clock(T0);
  let n = 0;
  const be = recordingFetch((req) =>
    req.url.endsWith("/api/chatkit/sessions")
      ? json(sessionBody(`s${++n}`, c.now() / 1000 + 600, mode))
      : json({ secret: req.headers.get("Authorization"), tz: req.headers.get("X-Timezone") }),
  );
  const session = new SessionClient({ endpoint: "/api/chatkit/sessions", fetch: be.fetch, now: c.now });
  return { c, be, session };
}

describe("createChatKitOptions", () => {
  it("keeps the seed's options", () => {
    const { session } = mintingBackend("self-hosted");
    const opts = createChatKitOptions({ mode: "self-hosted", session });
    expect(opts.theme).toBe("light");
    expect(opts.header).toEqual({ enabled: true });
    expect(opts.history?.enabled).toBe(true);
    expect(opts.composer).toEqual({ placeholder: "Ask me to manage your tasks..." });
    expect(opts.startScreen).toEqual({
      greeting: "Welcome to TaskPilot AI Chat",
      prompts: [
        { label: "Create a task", prompt: "Create a task to buy groceries", icon: "write" },
        { label: "List my tasks", prompt: "Show me all my tasks", icon: "search" },
        { label: "Complete a task", prompt: "Mark my first task as complete", icon: "check" },
      ],
    });
    expect(typeof opts.onReady).toBe("function");
    expect(typeof opts.onError).toBe("function");
  });

  describe("hosted mode", () => {
    it("uses getClientSecret and never hands the current secret back (the seed's bug)", async () => {
      const { be, session } = mintingBackend("hosted");
      const opts = createChatKitOptions({ mode: "hosted", session });
      expect(opts.api).not.toHaveProperty("url");
      const api = opts.api as { getClientSecret: (c: string | null) => Promise<string> };

      const first = await api.getClientSecret(null);
      expect(first).toBe("s1");
      expect(JSON.parse(be.calls[0].body ?? "")).toEqual({ existing: null });

      // ChatKit asks again exactly when `first` has expired or is about to.
      const second = await api.getClientSecret(first);
      expect(second).toBe("s2");
      expect(second).not.toBe(first);
      expect(be.calls).toHaveLength(2);
      expect(be.calls[1].url).toBe("/api/chatkit/sessions");
      expect(JSON.parse(be.calls[1].body ?? "")).toEqual({ existing: "s1" });
    });

    it("reuses the secret fetched at start-up for the first call", async () => {
      const { be, session } = mintingBackend("hosted");
      await session.ensure(); // the page's start-up request (it learns the mode)
      const opts = createChatKitOptions({ mode: "hosted", session });
      const api = opts.api as { getClientSecret: (c: string | null) => Promise<string> };
      expect(await api.getClientSecret(null)).toBe("s1");
      expect(be.calls).toHaveLength(1);
    });
  });

  describe("self-hosted mode", () => {
    it("points at /api/v1/chatkit with a domain key and an authenticating fetch", async () => {
      const { be, session } = mintingBackend("self-hosted");
      const opts = createChatKitOptions({ mode: "self-hosted", session, fetch: be.fetch, timeZone: () => "Asia/Tokyo" });
      const api = opts.api as { url: string; domainKey: string; fetch: typeof fetch };
      expect(api.url).toBe(CHATKIT_ENDPOINT);
      expect(CHATKIT_ENDPOINT).toBe("/api/v1/chatkit");
      expect(api.domainKey).toBe("domain_pk_localhost_dev");
      const res = await api.fetch(api.url, { method: "POST", body: "{}" });
      expect(await res.json()).toEqual({ secret: "Bearer s1", tz: "Asia/Tokyo" });
    });
  });

  it("forwards errors and effects to the page", () => {
    const { session } = mintingBackend("self-hosted");
    const onError = vi.fn();
    const onEffect = vi.fn();
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const opts = createChatKitOptions({ mode: "self-hosted", session, onError, onEffect });
    const err = new Error("boom");
    opts.onError?.({ error: err });
    opts.onEffect?.({ name: "tasks_changed", data: { ids: [1] } });
    expect(onError).toHaveBeenCalledWith(err);
    expect(onEffect).toHaveBeenCalledWith({ name: "tasks_changed", data: { ids: [1] } });
    spy.mockRestore();
  });

  it("base options are shared by both modes", async () => {
    const { session } = mintingBackend("hosted");
    const hosted = createChatKitOptions({ mode: "hosted", session });
    const self = createChatKitOptions({ mode: "self-hosted", session });
    for (const k of Object.keys(baseOptions) as (keyof typeof baseOptions)[]) {
      expect(hosted[k]).toEqual(baseOptions[k]);
      expect(self[k]).toEqual(baseOptions[k]);
    }
  });
});

describe("normalizeApiUrl", () => {
  it.each([
    [undefined, ""],
    ["", ""],
    ["  ", ""],
    ["http://localhost:8000/", "http://localhost:8000"],
    ["https://api.example.com//", "https://api.example.com"],
  ])("%j → %j", (raw, want) => expect(normalizeApiUrl(raw)).toBe(want));
});

describe("validateChatKitConfig", () => {
  const env = (over: Partial<PublicEnv> = {}): PublicEnv => ({ apiUrl: "", domainKey: "", ui: "", loadTimeoutMs: "", ...over });

  it("accepts the defaults (same origin, auto UI)", () => {
    expect(validateChatKitConfig(env())).toEqual({ valid: true, errors: [], warnings: [] });
    expect(validateChatKitConfig(env({ apiUrl: "http://localhost:8000", ui: "builtin" })).valid).toBe(true);
  });

  it("names each bad variable, all at once", () => {
    const r = validateChatKitConfig(env({ apiUrl: "localhost:8000", ui: "fancy", loadTimeoutMs: "-3" }));
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([
      'NEXT_PUBLIC_API_URL must be an absolute http(s) URL such as http://localhost:8000, or empty for the page\'s own origin (got "localhost:8000").',
      'NEXT_PUBLIC_CHATKIT_UI must be "auto", "official" or "builtin" (got "fancy").',
      'NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS must be a positive number of milliseconds (got "-3").',
    ]);
  });

  it("rejects an http API from an https page", () => {
    const r = validateChatKitConfig(env({ apiUrl: "http://api.example.com" }), {
      location: { protocol: "https:", hostname: "app.example.com" },
    });
    expect(r.errors).toEqual([
      "NEXT_PUBLIC_API_URL is http (http://api.example.com) but the page is served over https: the browser will block those requests.",
    ]);
  });

  it("rejects the built-in UI with a hosted backend, and unknown modes", () => {
    expect(validateChatKitConfig(env({ ui: "builtin" }), { mode: "hosted" }).errors[0]).toMatch(
      /^NEXT_PUBLIC_CHATKIT_UI is "builtin" but the backend runs in hosted mode \(CHATKIT_MODE=hosted\)/,
    );
    expect(validateChatKitConfig(env(), { mode: "weird" }).errors).toEqual([
      'The backend reported an unknown ChatKit mode "weird" (expected "hosted" or "self-hosted").',
    ]);
  });

  it("warns about a missing domain key off localhost only", () => {
    const off = validateChatKitConfig(env(), { mode: "self-hosted", location: { protocol: "https:", hostname: "tasks.example.com" } });
    expect(off.valid).toBe(true);
    expect(off.warnings[0]).toMatch(/^NEXT_PUBLIC_CHATKIT_DOMAIN_KEY is not set/);
    const local = validateChatKitConfig(env(), { mode: "self-hosted", location: { protocol: "http:", hostname: "localhost" } });
    expect(local.warnings).toEqual([]);
    const keyed = validateChatKitConfig(env({ domainKey: "domain_pk_123" }), {
      mode: "self-hosted",
      location: { protocol: "https:", hostname: "tasks.example.com" },
    });
    expect(keyed.warnings).toEqual([]);
  });
});

describe("ChatKit's theme follows the page's colour scheme", () => {
  it("is dark when the page is dark, light otherwise (both modes)", () => {
    const { session } = mintingBackend("self-hosted");
    expect(createChatKitOptions({ mode: "self-hosted", session, colorScheme: "dark" }).theme).toBe("dark");
    expect(createChatKitOptions({ mode: "hosted", session, colorScheme: "dark" }).theme).toBe("dark");
    expect(createChatKitOptions({ mode: "self-hosted", session, colorScheme: "light" }).theme).toBe("light");
  });
});
