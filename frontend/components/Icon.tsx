// A handful of inline SVG icons (24×24 grid, stroked with currentColor), so no
// glyph depends on the font having an emoji. Always decorative: the control
// that holds one carries the name.

const PATHS = {
  check: "M5 12.5l4.5 4.5L19 7.5",
  circle: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z",
  "check-circle": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM8 12.5l3 3l5-6",
  calendar: "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
  clock: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3 2",
  search: "M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13zM15.5 15.5L20 20",
  write: "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
  plus: "M12 5v14M5 12h14",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6",
  reload: "M20 12a8 8 0 1 1-2.3-5.7M20 4v4h-4",
  repeat: "M4 11V9a3 3 0 0 1 3-3h12M16 3l3 3l-3 3M20 13v2a3 3 0 0 1-3 3H5M8 21l-3-3l3-3",
  x: "M6 6l12 12M18 6L6 18",
  chat: "M4 5h16v11H9l-5 4z",
  list: "M9 6h11M9 12h11M9 18h11M4 6h1M4 12h1M4 18h1",
  history: "M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4M12 8v4l3 2",
  send: "M4 12l16-8l-6 16l-2-7z",
  stop: "M7 7h10v10H7z",
  alert: "M12 4l9 16H3zM12 10v4M12 17v.5",
  "chevron-right": "M9 6l6 6l-6 6",
  "chevron-left": "M15 6l-6 6l6 6",
  star: "M12 4l2.5 5l5.5.8l-4 3.9l1 5.5L12 16.6l-5 2.6l1-5.5l-4-3.9l5.5-.8z",
  info: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 11v5M12 8v.5",
  bolt: "M13 3L5 14h6l-1 7l8-11h-6z",
  document: "M6 3h8l4 4v14H6zM14 3v4h4",
  mail: "M3 6h18v12H3zM3 6l9 7l9-7",
  user: "M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8zM4 21a8 8 0 0 1 16 0",
  globe: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18",
  sparkle: "M12 3v6M12 15v6M3 12h6M15 12h6",
} as const;

export type IconName = keyof typeof PATHS;

/** Widget icon names (ChatKit's) mapped onto ours; unknown names draw nothing. */
const ALIASES: Record<string, IconName> = {
  "check-circle-filled": "check-circle",
  "empty-circle": "circle",
  "write-alt": "write",
  "star-filled": "star",
  notebook: "document",
};

export function iconFor(name: string | undefined): IconName | null {
  if (!name) return null;
  if (name in PATHS) return name as IconName;
  return ALIASES[name] ?? null;
}

export function Icon({ name, size = 18, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : "icon"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
