import type { ReactNode } from "react";

/** A visible, announced error in place of the chat (never a blank widget). */
export function ErrorPanel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="error-panel" role="alert">
      <h2>{title}</h2>
      {children}
    </div>
  );
}
