"use client";

import { ChatKit, useChatKit } from "@openai/chatkit-react";
import { useMemo } from "react";
import { createChatKitOptions } from "@/lib/chatkit-config";
import { useColorScheme } from "@/lib/color-scheme";
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
  const colorScheme = useColorScheme();
  const options = useMemo(
    () => createChatKitOptions({ mode, session, onEffect, onError, colorScheme }),
    [mode, session, onEffect, onError, colorScheme],
  );
  const { control } = useChatKit(options);
  return <ChatKit control={control} className="official-chatkit" />;
}
