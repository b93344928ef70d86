"use client";

import { useEffect, useState } from "react";

export type OfficialState = "pending" | "defined" | "unavailable";

declare global {
  interface Window {
    __chatkitScript?: "loading" | "failed";
  }
}

/**
 * Whether the `openai-chatkit` custom element registers: "defined" once it does,
 * "unavailable" when its script failed to load or it did not register within
 * `timeoutMs`. The answer does not flip back once given.
 */
export function useOfficialElement(wanted: boolean, timeoutMs: number): OfficialState {
  const [state, setState] = useState<OfficialState>("pending");
  useEffect(() => {
    if (!wanted) {
      setState("unavailable");
      return;
    }
    if (customElements.get("openai-chatkit")) {
      setState("defined");
      return;
    }
    let settled = false;
    const settle = (s: OfficialState) => {
      if (settled) return;
      settled = true;
      setState(s);
    };
    if (window.__chatkitScript === "failed") settle("unavailable");
    const onFail = () => settle("unavailable");
    window.addEventListener("chatkit-script-failed", onFail);
    customElements.whenDefined("openai-chatkit").then(() => settle("defined"));
    const timer = window.setTimeout(() => settle("unavailable"), timeoutMs);
    return () => {
      settled = true;
      window.clearTimeout(timer);
      window.removeEventListener("chatkit-script-failed", onFail);
    };
  }, [wanted, timeoutMs]);
  return state;
}
