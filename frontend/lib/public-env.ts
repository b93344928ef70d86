// Build-time public settings. Next.js inlines `process.env.NEXT_PUBLIC_*` only when
// each variable is written out literally, so they are all read here, once.

export type ChatKitUIPreference = "auto" | "official" | "builtin";

export interface PublicEnv {
  /** Base URL of the backend; "" means the page's own origin (relative URLs). */
  apiUrl: string;
  /** Domain key for the official component (any placeholder works on localhost). */
  domainKey: string;
  /** Which chat UI to use: auto (official, built-in when the CDN fails), official, builtin. */
  ui: string;
  /** How long to wait for the official web component before falling back, in ms. */
  loadTimeoutMs: string;
}

export const LOCALHOST_DOMAIN_KEY = "domain_pk_localhost_dev";

export const publicEnv: PublicEnv = {
  apiUrl: process.env.NEXT_PUBLIC_API_URL ?? "",
  domainKey: process.env.NEXT_PUBLIC_CHATKIT_DOMAIN_KEY ?? "",
  ui: process.env.NEXT_PUBLIC_CHATKIT_UI ?? "",
  loadTimeoutMs: process.env.NEXT_PUBLIC_CHATKIT_LOAD_TIMEOUT_MS ?? "",
};
