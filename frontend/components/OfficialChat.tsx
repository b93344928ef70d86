"use client";

import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { useMemo } from "react";
import { createChatKitOptions } from "@/lib/chatkit-config";
import type { ChatKitMode, SessionClient } from "@/lib/session";

/** The official ChatKit web component, configured for the backend's mode. */
export function OfficialChat({
  mode,
  session,
  onEffect,
  onError,
}: {
  mode: ChatKitMode;
  session: SessionClient;
  onEffect: (effect: { name: string; data?: Record<string, unknown> }) => void;
  onError: (error: Error) => void;
}) {
  const options = useMemo(
    () => createChatKitOptions({ mode, session, onEffect, onError }),
    [mode, session, onEffect, onError],
  );
  const { control } = useChatKit(options);
  return <ChatKit control={control} className="official-chatkit" />;
}
