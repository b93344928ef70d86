// Transfer size of a page of the static export: the HTML plus every script and
// stylesheet it references, raw and compressed (gzip, brotli), as a static server
// would send them. Usage: node scripts/page-size.mjs [route]   (default /chatkit/)

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "out");
const route = process.argv[2] ?? "/chatkit/";
const htmlFile = path.join(root, route, "index.html");
if (!existsSync(htmlFile)) {
  console.error(`no ${htmlFile}: build the export first (npx next build)`);
  process.exit(1);
}

const html = readFileSync(htmlFile);
// Every script and stylesheet the page references, except noModule polyfills,
// which browsers that run modules (all current ones) never download.
const assets = new Set();
const skipped = [];
for (const m of html.toString("utf8").matchAll(/<(?:script|link)\b([^>]*?)(?:src|href)="(\/_next\/[^"]+\.(?:js|css))"([^>]*)>/g)) {
  if (/nomodule/i.test(m[1] + m[3])) skipped.push(m[2]);
  else assets.add(m[2]);
}

const rows = [["(html) " + route, html]];
for (const a of [...assets].sort()) rows.push([a, readFileSync(path.join(root, a))]);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
let raw = 0;
let gz = 0;
let br = 0;
let jsCssGz = 0;
let jsCssRaw = 0;
for (const [name, buf] of rows) {
  const g = gzipSync(buf, { level: 9 }).length;
  const b = brotliCompressSync(buf).length;
  raw += buf.length;
  gz += g;
  br += b;
  if (!name.startsWith("(html)")) {
    jsCssGz += g;
    jsCssRaw += buf.length;
  }
  console.log(`${name.padEnd(60)} ${kb(buf.length).padStart(10)} ${kb(g).padStart(10)} gzip ${kb(b).padStart(10)} br`);
}
console.log(`JS+CSS for ${route}: ${kb(jsCssRaw)} raw, ${kb(jsCssGz)} gzip (${assets.size} files)`);
if (skipped.length) console.log(`not counted (noModule, legacy browsers only): ${skipped.join(", ")}`);
console.log(`total with HTML: ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`);
