import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { CHATKIT_SCRIPT_URL, parseUIPreference } from "@/lib/chatkit-config";
import { publicEnv } from "@/lib/public-env";
import "./globals.css";

export const metadata: Metadata = {
  title: "TaskPilot AI",
  description: "Manage your tasks by chatting with TaskPilot AI.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  // The on-screen keyboard shrinks the layout, so the composer stays above it.
  interactiveWidget: "resizes-content",
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#1d1f23" },
  ],
};

// Notes when the ChatKit runtime script fails to load (blocked, offline), so the
// page can switch to the built-in client at once instead of waiting for the timeout.
// Resource errors do not bubble, but a capturing listener on window sees them.
const WATCH_SCRIPT = `(function(){var w=window;w.__chatkitScript="loading";w.addEventListener("error",function(e){var t=e&&e.target;if(t&&t.tagName==="SCRIPT"&&String(t.src).indexOf("/deployments/chatkit/chatkit.js")!==-1){w.__chatkitScript="failed";w.dispatchEvent(new Event("chatkit-script-failed"))}},true)})();`;

export default function RootLayout({ children }: { children: ReactNode }) {
  // With NEXT_PUBLIC_CHATKIT_UI=builtin the official runtime is never used: don't load it.
  const loadOfficial = parseUIPreference(publicEnv.ui) !== "builtin";
  return (
    <html lang="en">
      <head>
        {loadOfficial && <script id="chatkit-watch" dangerouslySetInnerHTML={{ __html: WATCH_SCRIPT }} />}
        {/* defer, not async: React hoists async scripts above everything else, and the
            watcher must be in place before this one can fail. Neither blocks rendering. */}
        {loadOfficial && <script src={CHATKIT_SCRIPT_URL} defer />}
      </head>
      <body>{children}</body>
    </html>
  );
}
