// Writes the Content-Security-Policy of the static export, derived from the
// build itself, for both servers of the front end:
//   out/csp-policy.txt  the policy on one line (the all-in-one binary reads it
//                       from STATIC_DIR and sends it on every response)
//   out/csp-nginx.conf  the same as an nginx add_header line (the front-end
//                       image includes it: deploy/frontend/nginx.conf)
//
// Run after `next build`:  node scripts/csp.mjs [outDir]   (default: out)
//
// Scripts: the export's pages carry inline bootstrap scripts (Next.js's
// flight data, self.__next_f.push(...)). Each one is allowed by its SHA-256
// hash, collected from every HTML file of the export, so nothing inline that
// the build did not produce can run ('unsafe-inline' would let any injected
// <script> run). Inline event handlers (onclick="...") and javascript: URLs
// cannot be allowed by hash: the script fails the build when it finds one.
// The only external script is the ChatKit runtime (CHATKIT_SCRIPT_URL in
// lib/chatkit-config.ts), whose origin also serves ChatKit's iframe.
//
// Styles: 'unsafe-inline' for style-src. Next.js's pages carry inline <style>
// elements and style="" attributes (the not-found page), and the ChatKit
// runtime styles its element at run time; CSS cannot run script, and the
// script policy above is what stops injected code.
//
// connect-src: the page's own origin, plus NEXT_PUBLIC_API_URL's origin when
// the pages call an API elsewhere (the same build-time setting the pages use).

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const frontendDir = path.resolve(here, "..");

/** Every .html file under dir. */
function htmlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.isFile() && e.name.endsWith(".html")) out.push(p);
  }
  return out;
}

/** The inline scripts' hashes of one HTML document, and the problems CSP hashes cannot fix. */
export function scanHTML(html, name = "page") {
  const hashes = [];
  const problems = [];
  const scriptRe = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  for (const m of html.matchAll(scriptRe)) {
    const attrs = m[1];
    if (/\bsrc\s*=/i.test(attrs)) continue;
    const type = (/\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs) || [])[1];
    if (type && !/^(text|application)\/(javascript|ecmascript)$|^module$/i.test(type)) continue; // data, not code
    hashes.push(`'sha256-${createHash("sha256").update(m[2], "utf8").digest("base64")}'`);
  }
  const tagRe = /<[a-z][^>]*>/gi;
  for (const m of html.matchAll(tagRe)) {
    if (/\son[a-z]+\s*=/i.test(m[0])) problems.push(`${name}: inline event handler in ${m[0].slice(0, 80)}`);
    if (/=\s*["']?\s*javascript:/i.test(m[0])) problems.push(`${name}: javascript: URL in ${m[0].slice(0, 80)}`);
  }
  return { hashes, problems };
}

/** The origin of the ChatKit runtime script, read from the source the pages are built from. */
export function chatkitOrigin(source) {
  const m = /CHATKIT_SCRIPT_URL\s*=\s*["'`](https:\/\/[^"'`]+)["'`]/.exec(source);
  if (!m) throw new Error("lib/chatkit-config.ts: CHATKIT_SCRIPT_URL (an https URL) not found");
  return new URL(m[1]).origin;
}

/** The policy for the given script hashes, ChatKit origin and API URL. */
export function buildPolicy({ hashes, chatkit, apiUrl = "" }) {
  const connect = ["'self'"];
  if (apiUrl.trim()) connect.push(new URL(apiUrl.trim()).origin);
  const directives = [
    ["default-src", "'self'"],
    ["script-src", "'self'", chatkit, ...[...new Set(hashes)].sort()],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'", "data:"],
    ["connect-src", ...connect],
    ["frame-src", chatkit],
    ["worker-src", "'self'", "blob:"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

function main() {
  const outDir = path.resolve(frontendDir, process.argv[2] || "out");
  const files = htmlFiles(outDir);
  if (files.length === 0) throw new Error(`${outDir}: no HTML files (run next build first)`);
  const hashes = [];
  const problems = [];
  for (const f of files) {
    const r = scanHTML(readFileSync(f, "utf8"), path.relative(outDir, f));
    hashes.push(...r.hashes);
    problems.push(...r.problems);
  }
  if (problems.length > 0) {
    throw new Error(`the export has inline code a Content-Security-Policy cannot allow by hash:\n  ${problems.join("\n  ")}`);
  }
  const chatkit = chatkitOrigin(readFileSync(path.join(frontendDir, "lib", "chatkit-config.ts"), "utf8"));
  const policy = buildPolicy({ hashes, chatkit, apiUrl: process.env.NEXT_PUBLIC_API_URL || "" });
  writeFileSync(path.join(outDir, "csp-policy.txt"), policy + "\n");
  writeFileSync(
    path.join(outDir, "csp-nginx.conf"),
    `# Generated by frontend/scripts/csp.mjs from this build: do not edit.\nadd_header Content-Security-Policy "${policy}" always;\n`,
  );
  console.log(`csp: ${new Set(hashes).size} inline script hashes from ${files.length} pages -> ${path.relative(frontendDir, outDir)}/csp-policy.txt, csp-nginx.conf`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`csp: ${err.message}`);
    process.exit(1);
  }
}
