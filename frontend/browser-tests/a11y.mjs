// axe-core (from npm) run inside the page, in light and dark. The source is
// evaluated through the DevTools protocol (page.evaluate), not a <script> tag,
// so a Content-Security-Policy on the page does not block it.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** WCAG 2.x A and AA (2.0, 2.1, 2.2), colour contrast included. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

async function axeRun(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    (tags) =>
      window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }).then((r) =>
        r.violations.map((v) => ({
          id: v.id,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
        })),
      ),
    TAGS,
  );
}

/** Fails with every WCAG A/AA violation axe finds, in the light and the dark scheme. */
export async function assertAccessible(page, where) {
  const found = [];
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    // Two frames, so styles of the new scheme are applied before axe reads them.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    for (const v of await axeRun(page)) found.push({ scheme, ...v });
  }
  await page.emulateMedia({ colorScheme: "light" });
  assert.deepEqual(found, [], `axe found WCAG A/AA violations (${where}):\n${JSON.stringify(found, null, 2)}`);
}

function luminance([r, g, b]) {
  const f = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * The focused element's focus indicator: outline width and colour, and the
 * colour behind it (the nearest ancestor with an opaque background).
 */
export async function focusRing(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const rgb = (s) => (s.match(/[\d.]+/g) || []).slice(0, 4).map(Number);
    const cs = getComputedStyle(el);
    let bg = [255, 255, 255];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0.99)) {
        bg = c.slice(0, 3);
        break;
      }
    }
    return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: rgb(cs.outlineColor).slice(0, 3), behind: bg };
  });
}
