import type { ChatKitMode } from "@/lib/session";

export type ClientKind =
  | "starting"
  | "failed"
  | "loading-official"
  | "official"
  | "official-missing"
  | "builtin-offline"
  | "builtin-selected"
  | "hosted-needs-official";

const LABELS: Record<ClientKind, string> = {
  starting: "Connecting…",
  failed: "Not connected",
  "loading-official": "Loading ChatKit…",
  official: "Official ChatKit",
  "official-missing": "ChatKit unavailable",
  "builtin-offline": "Built-in client (offline)",
  "builtin-selected": "Built-in client",
  "hosted-needs-official": "ChatKit unavailable",
};

const HINTS: Partial<Record<ClientKind, string>> = {
  official: "The ChatKit component from OpenAI's CDN is in use.",
  "builtin-offline": "OpenAI's ChatKit component could not be loaded, so TaskPilot's own client is used.",
  "builtin-selected": "TaskPilot's own ChatKit client was selected.",
};

/** Says which chat client is in use. */
export function ClientBanner({
  kind,
  mode,
  onUseBuiltin,
}: {
  kind: ClientKind;
  mode?: ChatKitMode;
  onUseBuiltin?: () => void;
}) {
  const builtin = kind === "builtin-offline" || kind === "builtin-selected";
  return (
    <div className={`client-banner ${builtin ? "client-banner-builtin" : ""}`} role="status" data-client={kind}>
      <strong>{LABELS[kind]}</strong>
      {HINTS[kind] && <span className="client-banner-hint">{HINTS[kind]}</span>}
      {mode && <span className="client-banner-mode">Mode: {mode}</span>}
      {onUseBuiltin && (
        <button type="button" className="link-button" onClick={onUseBuiltin}>
          Use the built-in client
        </button>
      )}
    </div>
  );
}
