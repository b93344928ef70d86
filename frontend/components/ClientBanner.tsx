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

/**
 * A note about the chat, only where it helps the user: the way back to the basic chat if OpenAI's component misbehaves. Which client
 * runs is otherwise not the user's concern; it is in `data-client` on the page.
 */
export function ClientBanner({
  kind,
  onUseBuiltin,
}: {
  kind: ClientKind;
  mode?: ChatKitMode;
  onUseBuiltin?: () => void;
}) {
  if (onUseBuiltin) {
    return (
      <p className="client-banner">
        <button type="button" className="link-button" onClick={onUseBuiltin}>
          Chat not working? Use the basic chat
        </button>
      </p>
    );
  }
  return null;
}
