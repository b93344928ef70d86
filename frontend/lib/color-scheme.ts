"use client";

import { useEffect, useState } from "react";

export type ColorScheme = "light" | "dark";

/** The page's colour scheme (prefers-color-scheme), following changes. */
export function useColorScheme(): ColorScheme {
  // Read at once where it can be (the chat renders client-side only, after the session).
  const [scheme, setScheme] = useState<ColorScheme>(() =>
    typeof window !== "undefined" && window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light",
  );
  useEffect(() => {
    const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!mq) return;
    const update = () => setScheme(mq.matches ? "dark" : "light");
    update();
    mq.addEventListener("change", update);
    return () => mq.removeEventListener("change", update);
  }, []);
  return scheme;
}
