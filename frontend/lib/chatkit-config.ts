// ChatKit options for TaskPilot AI, for both backend modes.
//
// The backend's session endpoint says which mode it runs (`mode` in its answer):
//   hosted      → api.getClientSecret(current): OpenAI runs the conversation; we only
//                 hand it fresh client secrets from POST /api/chatkit/sessions.
//   self-hosted → api.{url, domainKey, fetch}: the protocol goes to our own
//                 /api/v1/chatkit with an Authorization: Bearer secret (auth-fetch.ts).

import type { UseChatKitOptions } from "@openai/chatkit-react";
import { createAuthFetch } from "./auth-fetch";
import { LOCALHOST_DOMAIN_KEY, publicEnv, type ChatKitUIPreference, type PublicEnv } from "./public-env";
import type { ChatKitMode, SessionClient } from "./session";

export const CHATKIT_SCRIPT_URL = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";
export const DEFAULT_LOAD_TIMEOUT_MS = 4000;

/** Backend base URL without a trailing slash; "" = same origin. */
export function normalizeApiUrl(raw: string | undefined): string {
  const v = (raw ?? "").trim();
  return v.replace(/\/+$/, "");
}

export const API_URL = normalizeApiUrl(publicEnv.apiUrl);
export const SESSION_ENDPOINT = `${API_URL}/api/chatkit/sessions`;
export const CHATKIT_ENDPOINT = `${API_URL}/api/v1/chatkit`;
export const TASKS_ENDPOINT = `${API_URL}/api/v1/tasks`;

export const GREETING = "Welcome to TaskPilot AI Chat";
export const COMPOSER_PLACEHOLDER = "Ask me to manage your tasks...";

/** Start-screen prompts (the seed's, with `label` as the ChatKit type names it). */
export const START_PROMPTS = [
  { label: "Create a task", prompt: "Create a task to buy groceries", icon: "write" },
  { label: "List my tasks", prompt: "Show me all my tasks", icon: "search" },
  { label: "Complete a task", prompt: "Mark my first task as complete", icon: "check" },
] as const satisfies ReadonlyArray<{ label: string; prompt: string; icon: "write" | "search" | "check" }>;

/** The options shared by both modes (the seed's, kept). */
export const baseOptions = {
  theme: "light",
  header: { enabled: true },
  history: { enabled: true, showDelete: true, showRename: true },
  startScreen: {
    greeting: GREETING,
    prompts: START_PROMPTS.map((p) => ({ ...p })),
  },
  composer: { placeholder: COMPOSER_PLACEHOLDER },
} satisfies Partial<UseChatKitOptions>;

export interface ChatKitCallbacks {
  onReady?: () => void;
  onError?: (error: Error) => void;
  onEffect?: (effect: { name: string; data?: Record<string, unknown> }) => void;
}

export interface CreateOptionsInput extends ChatKitCallbacks {
  mode: ChatKitMode;
  session: SessionClient;
  /** Underlying fetch (tests inject one). */
  fetch?: typeof fetch;
  timeZone?: () => string;
  /** The page's colour scheme (prefers-color-scheme): ChatKit's theme follows it. */
  colorScheme?: "light" | "dark";
  chatkitUrl?: string;
  domainKey?: string;
}

/** Builds the full ChatKit options for the mode the backend reported. */
export function createChatKitOptions(input: CreateOptionsInput): UseChatKitOptions {
  const { session } = input;
  const handlers = {
    onReady: () => {
      console.info("ChatKit is ready");
      input.onReady?.();
    },
    onError: ({ error }: { error: Error }) => {
      console.error("ChatKit error:", error);
      input.onError?.(error);
    },
    onEffect: (effect: { name: string; data?: Record<string, unknown> }) => {
      input.onEffect?.(effect);
    },
  };

  const theme = input.colorScheme ?? baseOptions.theme;
  if (input.mode === "hosted") {
    return {
      ...baseOptions,
      theme,
      ...handlers,
      api: {
        // ChatKit calls this with null first, then with the current secret each time
        // that secret has expired or is about to. Never hand the old one back (the
        // seed did): always ask the server for a new one.
        async getClientSecret(current: string | null): Promise<string> {
          if (current === null) {
            return session.secret();
          }
          const info = await session.create(current);
          return info.clientSecret;
        },
      },
    };
  }

  return {
    ...baseOptions,
    theme,
    ...handlers,
    api: {
      url: input.chatkitUrl ?? CHATKIT_ENDPOINT,
      domainKey: input.domainKey ?? resolveDomainKey(publicEnv),
      fetch: createAuthFetch({ session, fetch: input.fetch, timeZone: input.timeZone }),
    },
  };
}

export function resolveDomainKey(env: Pick<PublicEnv, "domainKey">): string {
  const v = env.domainKey.trim();
  return v === "" ? LOCALHOST_DOMAIN_KEY : v;
}

export function parseUIPreference(raw: string): ChatKitUIPreference | null {
  const v = raw.trim().toLowerCase();
  if (v === "" || v === "auto") return "auto";
  if (v === "official" || v === "builtin") return v;
  return null;
}

export function loadTimeoutMs(env: Pick<PublicEnv, "loadTimeoutMs">): number {
  const n = Number.parseInt(env.loadTimeoutMs, 10);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LOAD_TIMEOUT_MS;
}

export interface ValidationContext {
  /** Mode reported by the session endpoint, once known. */
  mode?: string;
  /** The page's location, once in the browser. */
  location?: { protocol: string; hostname: string };
}

export interface ValidationResult {
  valid: boolean;
  errors: string[];
  warnings: string[];
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Checks the public build settings (and, when given, the backend's mode and the
 * page's location). Every problem is reported at once, each naming its variable.
 */
export function validateChatKitConfig(env: PublicEnv = publicEnv, ctx: ValidationContext = {}): ValidationResult {
  const errors: string[] = [];
  const warnings: string[] = [];

  const apiUrl = normalizeApiUrl(env.apiUrl);
  if (apiUrl !== "") {
    let parsed: URL | null = null;
    try {
      parsed = new URL(apiUrl);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      errors.push(
        `NEXT_PUBLIC_API_URL must be an absolute http(s) URL such as http://localhost:8000, or empty for the page's own origin (got "${env.apiUrl}").`,
      );
    } else if (ctx.location?.protocol === "https:" && parsed.protocol === "http:") {
      errors.push(
        `NEXT_PUBLIC_API_URL is http (${apiUrl}) but the page is served over https: the browser will block those requests.`,
      );
    }
  }

  const ui = parseUIPreference(env.ui);
  if (ui === null) {
    errors.push(`NEXT_PUBLIC_CHATKIT_UI must be "auto", "official" or "builtin" (got "${env.ui}").`);
  }

  if (env.loadTimeoutMs.trim() !== "") {
    const n = Number(env.loadTimeoutMs);
    if (!Number.isInteger(n) || n <= 0) {
      errors.push(
        `NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS must be a positive number of milliseconds (got "${env.loadTimeoutMs}").`,
      );
    }
  }

  if (ctx.mode !== undefined) {
    if (ctx.mode !== "hosted" && ctx.mode !== "self-hosted") {
      errors.push(`The backend reported an unknown ChatKit mode "${ctx.mode}" (expected "hosted" or "self-hosted").`);
    } else if (ctx.mode === "hosted" && ui === "builtin") {
      errors.push(
        'NEXT_PUBLIC_CHATKIT_UI is "builtin" but the backend runs in hosted mode (CHATKIT_MODE=hosted): hosted conversations run on OpenAI and need the official ChatKit component. Unset NEXT_PUBLIC_CHATKIT_UI or switch the backend to self-hosted.',
      );
    } else if (
      ctx.mode === "self-hosted" &&
      ui !== "builtin" &&
      env.domainKey.trim() === "" &&
      ctx.location &&
      !LOCAL_HOSTS.has(ctx.location.hostname)
    ) {
      warnings.push(
        `NEXT_PUBLIC_CHATKIT_DOMAIN_KEY is not set: the official ChatKit component only starts on a domain registered with OpenAI (${ctx.location.hostname} is not localhost). The built-in client is used if it refuses.`,
      );
    }
  }

  return { valid: errors.length === 0, errors, warnings };
}
