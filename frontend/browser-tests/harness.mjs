// Browser-test harness: builds and starts the real all-in-one binary
// (cmd/taskpilot) on a free port with a temporary SQLite database, serving the
// static export (frontend/out), and launches Debian's Chromium via playwright-core.
//
// Environment:
//   CI=true               missing Chromium, Go, the binary or the export fail the run (never skip)
//   TASKPILOT_BIN         use this prebuilt binary instead of `go build ./cmd/taskpilot`
//   TASKPILOT_URL         use an already running server (nothing is built or started)
//   CHROMIUM_PATH         browser executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR        where screenshots go (default frontend/screenshots/<timestamp>)

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const frontendDir = path.resolve(here, "..");
export const repoRoot = path.resolve(frontendDir, "..");
export const CI = process.env.CI === "true" || process.env.CI === "1";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the browser tests cannot run here, or null. Under CI the caller fails instead of skipping. */
export function missingPrerequisite() {
  const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(chromium)) return `Chromium not found at ${chromium} (apt-get install chromium)`;
  if (!existsSync(path.join(frontendDir, "out", "chatkit", "index.html"))) {
    return "frontend/out is missing: run `make frontend-build` (npx next build) first";
  }
  if (process.env.TASKPILOT_BIN) {
    return existsSync(process.env.TASKPILOT_BIN) ? null : `TASKPILOT_BIN=${process.env.TASKPILOT_BIN} does not exist`;
  }
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) return "the go tool is not on PATH (needed to build cmd/taskpilot)";
  if (!existsSync(path.join(repoRoot, "cmd", "taskpilot", "main.go"))) return "cmd/taskpilot/main.go does not exist yet";
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHTTP(url, proc, logs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = "";
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) {
      throw new Error(`taskpilot exited with code ${proc.exitCode} before it answered:\n${logs.join("")}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastErr = `HTTP ${res.status}`;
    } catch (err) {
      lastErr = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`taskpilot did not answer ${url} within ${timeoutMs} ms (${lastErr}):\n${logs.join("")}`);
}

/**
 * Starts the backend. Returns {baseURL, stop, logs}. The binary runs with the
 * offline agent: OPENAI_API_KEY is removed from its environment.
 */
let builtBinary = null;

/** The binary to run: TASKPILOT_BIN, or cmd/taskpilot built once per process. */
function binary() {
  if (process.env.TASKPILOT_BIN) return process.env.TASKPILOT_BIN;
  if (builtBinary) return builtBinary;
  const dir = mkdtempSync(path.join(tmpdir(), "taskpilot-bin-"));
  const bin = path.join(dir, "taskpilot");
  const build = spawnSync("go", ["build", "-o", bin, "./cmd/taskpilot"], { cwd: repoRoot, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`go build ./cmd/taskpilot failed:\n${build.stdout}${build.stderr}`);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  builtBinary = bin;
  return bin;
}

export async function startBackend(extraEnv = {}) {
  if (process.env.TASKPILOT_URL && Object.keys(extraEnv).length === 0) {
    return { baseURL: process.env.TASKPILOT_URL.replace(/\/+$/, ""), stop: async () => undefined, logs: [] };
  }
  const bin = binary();
  const work = mkdtempSync(path.join(tmpdir(), "taskpilot-browser-"));
  const port = await freePort();
  const env = {
    ...process.env,
    LISTEN_ADDR: `127.0.0.1:${port}`,
    DATABASE_URL: `sqlite://${path.join(work, "t.db")}`,
    STATIC_DIR: path.join(frontendDir, "out"),
    DATA_DIR: work,
    CHATKIT_MODE: "self-hosted",
    AUTH_MODE: "anonymous",
    LOG_LEVEL: process.env.LOG_LEVEL || "warn",
    METRICS_ADDR: "127.0.0.1:0", // the default 127.0.0.1:9090 may be taken by another server
    // Many browsers on one loopback address, many turns in a few seconds:
    // the abuse limits (README "Limits and abuse protection") are off here.
    CHAT_TURNS_PER_MINUTE: "0",
    CHAT_STREAMS_PER_USER: "0",
    CHAT_TURNS_PER_IP_PER_MINUTE: "0",
    SESSIONS_PER_IP_PER_MINUTE: "0",
    API_REQUESTS_PER_MINUTE: "0",
  };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  delete env.REDIS_URL;
  delete env.SESSION_SIGNING_KEY;
  Object.assign(env, extraEnv);
  const logs = [];
  const proc = spawn(bin, [], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk) => {
    logs.push(chunk.toString());
    if (logs.length > 400) logs.splice(0, logs.length - 400);
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  const baseURL = `http://127.0.0.1:${port}`;
  try {
    await waitForHTTP(`${baseURL}/chatkit/`, proc, logs, 60_000);
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
  return {
    baseURL,
    logs,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * A fresh context (its own cookies, so its own anonymous user) in which every
 * request leaving this machine fails, as when offline: the ChatKit CDN
 * (cdn.platform.openai.com) is aborted. `options` go to browser.newContext
 * (viewport, isMobile, hasTouch…).
 */
export async function offlineContext(browser, baseURL, options = {}) {
  const context = await browser.newContext({
    baseURL,
    locale: "en-US",
    timezoneId: "Europe/Paris",
    viewport: { width: 1280, height: 860 },
    ...options,
  });
  // Record the ChatKit event streams the page receives (decoded as UTF-8 in the
  // page, as the client does), so tests can check what was streamed.
  await context.addInitScript(() => {
    const original = window.fetch;
    window.__chatkitStreams = [];
    window.fetch = async (input, init) => {
      const res = await original(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("/api/v1/chatkit") && (res.headers.get("content-type") || "").includes("text/event-stream")) {
        const rec = { request: typeof init?.body === "string" ? init.body : "", text: "", done: false };
        window.__chatkitStreams.push(rec);
        res
          .clone()
          .text()
          .then((t) => Object.assign(rec, { text: t, done: true }), () => Object.assign(rec, { done: true }));
      }
      return res;
    };
  });
  const blocked = [];
  await context.route(
    (url) => url.hostname !== "127.0.0.1" && url.hostname !== "localhost",
    (route) => {
      blocked.push(route.request().url());
      return route.abort("internetdisconnected");
    },
  );
  return { context, blocked };
}

export function screenshotDir() {
  const dir =
    process.env.SCREENSHOT_DIR ||
    path.join(frontendDir, "screenshots", new Date().toISOString().replace(/[:.]/g, "-").replace(/Z$/, ""));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The two screens every user-facing test runs on. */
export const SCREENS = [
  { name: "desktop", options: { viewport: { width: 1280, height: 720 } } },
  { name: "phone", options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
];

/**
 * A stand-in for the OpenAI Chat Completions API that streams the start of an
 * answer and then one word every 300 ms for a minute, so a test can press Stop
 * mid-answer against the real backend. Returns {url, close, requests}.
 */
export async function slowOpenAI(partial) {
  const http = await import("node:http");
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push(req.url);
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({
          id: "chatcmpl-slow",
          object: "chat.completion.chunk",
          created: Math.floor(Date.now() / 1000),
          model: "gpt-test",
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`;
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.write(chunk({ role: "assistant", content: "" }));
      for (const word of partial.split(/(?<= )/)) res.write(chunk({ content: word }));
      // …then a word now and then, as a slow model would, until the backend
      // hangs up (it notices a client that left on its next write).
      const more = setInterval(() => res.write(chunk({ content: "more " })), 300);
      const end = setTimeout(() => {
        clearInterval(more);
        res.end(chunk({}, "stop"));
      }, 60_000);
      res.on("close", () => {
        clearInterval(more);
        clearTimeout(end);
      });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}
