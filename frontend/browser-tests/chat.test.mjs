// End-to-end: the static export served by the real all-in-one binary (offline
// agent, temporary SQLite), driven in Debian's Chromium with the ChatKit CDN
// unreachable. Run: make test-frontend-browser (or `node --test browser-tests/`
// in frontend/ after `npx next build`).

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { assertAccessible } from "./a11y.mjs";
import {
  CI,
  launchBrowser,
  missingPrerequisite,
  offlineContext,
  screenshotDir,
  startBackend,
} from "./harness.mjs";

const missing = missingPrerequisite();
if (missing && CI) {
  // Under CI a missing browser or binary is a failure, never a skip.
  throw new Error(`browser tests cannot run: ${missing}`);
}

const TIMEOUT = 20_000;

describe("task chat in a real browser (CDN blocked, offline agent)", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let backend;
  let browser;
  let shots;
  let userA; // { context, page, blocked }
  let firstReply = "";
  let threadId = "";

  const shot = async (page, name) => {
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };

  /** Text of the locator once it matches `re`. */
  const waitForText = async (locator, re, timeout = TIMEOUT) => {
    const deadline = Date.now() + timeout;
    let last = "";
    while (Date.now() < deadline) {
      last = (await locator.allInnerTexts().catch(() => [])).join("\n");
      if (re.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${re} in: ${JSON.stringify(last.slice(0, 500))}`);
  };

  const openChat = async (ctx) => {
    const page = await ctx.context.newPage();
    const consoleErrors = [];
    page.on("pageerror", (err) => consoleErrors.push(String(err)));
    await page.goto("/chatkit/");
    await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
    await page.getByRole("textbox", { name: "Message" }).waitFor({ timeout: TIMEOUT });
    return { page, consoleErrors };
  };

  const taskItem = (page, title) => page.getByRole("complementary", { name: /^Tasks/ }).getByRole("listitem").filter({ hasText: title });

  before(async () => {
    shots = screenshotDir();
    console.log(`screenshots: ${shots}`);
    backend = await startBackend();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it("/ leads to the chat, and the built-in client replaces the unreachable ChatKit CDN", async () => {
    userA = await offlineContext(browser, backend.baseURL);
    const page = await userA.context.newPage();
    await page.goto("/");
    await page.waitForURL(/\/chatkit\/?$/, { timeout: TIMEOUT });
    // The built-in client took over; the page does not bother the user with which client runs.
    await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
    assert.equal(await page.getByText(/Built-in client|offline|Mode:/).count(), 0, "no developer note in the page");
    assert.ok(
      userA.blocked.some((u) => u.startsWith("https://cdn.platform.openai.com/deployments/chatkit/chatkit.js")),
      `the page tried to load the ChatKit script (blocked: ${userA.blocked.join(", ")})`,
    );
    assert.equal(await page.locator("openai-chatkit").count(), 0, "no official element is rendered");
    assert.equal(await page.evaluate(() => window.__chatkitScript), "failed", "the script failure was noticed (no wait for the timeout)");
    // Start screen: greeting and the three prompts.
    await page.getByText("Welcome to TaskPilot AI Chat").waitFor();
    for (const label of ["Create a task", "List my tasks", "Complete a task"]) {
      await page.getByRole("button", { name: new RegExp(label) }).waitFor();
    }
    assert.equal(await page.getByRole("textbox", { name: "Message" }).getAttribute("placeholder"), "Ask me to manage your tasks...");
    await page.getByText("No tasks yet").waitFor({ timeout: TIMEOUT });
    await shot(page, "01-builtin-start");
    // What the page really cost over the wire from the binary (first visit, empty cache).
    const sizes = await page.evaluate(() => {
      const local = performance.getEntriesByType("resource").filter((e) => e.name.startsWith(location.origin));
      const sum = (list) => list.reduce((n, e) => n + e.transferSize, 0);
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        html: nav ? nav.transferSize : 0,
        js: sum(local.filter((e) => /\.js(\?|$)/.test(e.name))),
        css: sum(local.filter((e) => /\.css(\?|$)/.test(e.name))),
      };
    });
    console.log(
      `/chatkit/ transfer: JS ${(sizes.js / 1024).toFixed(1)} KiB + CSS ${(sizes.css / 1024).toFixed(1)} KiB + HTML ${(sizes.html / 1024).toFixed(1)} KiB`,
    );
    assert.ok(sizes.js > 0, "scripts were fetched from the binary");
    userA.page = page;
  });

  it('"add a task to buy milk tomorrow" streams a confirmation and the task appears in the pane', async () => {
    const page = userA.page;
    const input = page.getByRole("textbox", { name: "Message" });
    await input.fill("add a task to buy milk tomorrow");
    await input.press("Enter");

    const { events } = await streamEvents(page, "threads.create");
    const types = events.map((e) => e.type);
    const deltas = events.filter((e) => e.type === "thread.item.updated" && e.update.type === "assistant_message.content_part.text_delta");
    assert.ok(types.includes("thread.created"), `stream has thread.created: ${types}`);
    assert.ok(types.includes("thread.item.added"), `the reply is streamed (item.added): ${types}`);
    assert.ok(deltas.length >= 1, `the reply arrives as text deltas: ${types}`);
    assert.ok(
      events.some((e) => e.type === "client_effect" && e.name === "tasks_changed"),
      `the stream reports tasks_changed: ${types}`,
    );
    const done = events.filter((e) => e.type === "thread.item.done" && e.item.type === "assistant_message").at(-1);
    firstReply = done.item.content.map((c) => c.text).join("");
    threadId = events.find((e) => e.type === "thread.created").thread.id;
    assert.match(firstReply, /milk/i);
    assert.equal(deltas.map((d) => d.update.delta).join(""), firstReply, "the deltas add up to the final text");

    // The page shows the user's message and the full reply in the live log.
    const log = page.getByRole("log", { name: "Messages" });
    await waitForText(log, /add a task to buy milk tomorrow/);
    await waitForText(log, new RegExp(escapeRe(firstReply)));
    assert.equal(await log.getAttribute("aria-live"), "polite");

    // The pane refreshed on the client effect: the task is there, pending, with a due date.
    const item = taskItem(page, /buy milk/i);
    await item.waitFor({ timeout: TIMEOUT });
    const text = await item.innerText();
    assert.match(text, /Due tomorrow/);
    assert.equal(await item.getByRole("checkbox", { name: /^Done: buy milk/i, checked: false }).count(), 1, "pending: not ticked");
    await shot(page, "02-task-added");
  });

  it("the task-list widget's Complete button completes the task", async () => {
    const page = userA.page;
    const input = page.getByRole("textbox", { name: "Message" });
    await page.getByRole("button", { name: "Send" }).waitFor();
    await input.fill("show my tasks");
    await input.press("Enter");
    const widget = page.locator(".msg-widget").filter({ hasText: /buy milk/i }).last();
    await widget.waitFor({ timeout: TIMEOUT });
    await shot(page, "03-task-list-widget");

    await widget.getByRole("button", { name: /complete/i }).first().click();
    const { request: body, events } = await streamEvents(page, "threads.custom_action");
    assert.equal(body.params.thread_id, threadId);
    assert.ok(body.params.item_id, "the action names its widget item");
    assert.match(body.params.action.type, /complete/);
    assert.ok(
      events.some((e) => e.type === "thread.item.replaced" || (e.type === "thread.item.updated" && e.update.type === "widget.root.updated")),
      `the widget is updated in place: ${events.map((e) => e.type)}`,
    );

    // The pane shows it completed (refreshed by tasks_changed), the widget no longer offers Complete.
    await taskItem(page, /buy milk/i).getByRole("checkbox", { checked: true }).waitFor({ timeout: TIMEOUT });
    await waitForText(widget, /^(?![\s\S]*\bComplete\b)[\s\S]*$/);
    await shot(page, "04-task-completed");
  });

  it("after a reload the thread is in the history with the full reply", async () => {
    const page = userA.page;
    await page.reload();
    await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
    const history = page.getByRole("navigation", { name: "Conversation history" });
    const entry = history.getByRole("button", { name: /buy milk/i }).first();
    await entry.waitFor({ timeout: TIMEOUT });
    await entry.click();
    const log = page.getByRole("log", { name: "Messages" });
    await waitForText(log, new RegExp(escapeRe(firstReply)));
    await waitForText(log, /add a task to buy milk tomorrow/);
    await waitForText(log, /show my tasks/);
    assert.equal(await entry.getAttribute("aria-current"), "true");
    await shot(page, "05-history-after-reload");
  });

  it("history rename survives a reload", async () => {
    const page = userA.page;
    const history = page.getByRole("navigation", { name: "Conversation history" });
    await history.getByRole("button", { name: /^Rename / }).first().click();
    const field = history.getByRole("textbox", { name: /New title for/ });
    await field.fill("Groceries");
    await field.press("Enter");
    await history.getByRole("button", { name: /^Groceries/ }).waitFor({ timeout: TIMEOUT });
    await page.reload();
    await page.getByRole("navigation", { name: "Conversation history" }).getByRole("button", { name: /^Groceries/ }).waitFor({ timeout: TIMEOUT });
  });

  it("a second browser context (another user) sees none of it", async () => {
    const userB = await offlineContext(browser, backend.baseURL);
    try {
      const { page } = await openChat(userB);
      await page.getByText("No conversations yet.").waitFor({ timeout: TIMEOUT });
      await page.getByText("No tasks yet").waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByText(/buy milk/i).count(), 0);
      // Even asking for user A's thread by id answers as if it did not exist.
      const status = await page.evaluate(async (id) => {
        const s = await fetch("/api/chatkit/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
        const { client_secret } = await s.json();
        const r = await fetch("/api/v1/chatkit", {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${client_secret}` },
          body: JSON.stringify({ type: "threads.get_by_id", params: { thread_id: id } }),
        });
        return r.status;
      }, threadId);
      assert.equal(status, 404);
      await shot(page, "06-second-user-empty");
    } finally {
      await userB.context.close();
    }
  });

  it("the pane's delete (from the task's edit form) removes the task, and the history delete removes the thread", async () => {
    const page = userA.page;
    await taskItem(page, /buy milk/i).getByRole("button", { name: /^Edit: / }).click();
    await page.getByRole("complementary", { name: /^Tasks/ }).getByRole("form", { name: /^Edit buy milk/i }).getByRole("button", { name: "Delete task" }).click();
    await page.getByText("No tasks yet").waitFor({ timeout: TIMEOUT });
    const history = page.getByRole("navigation", { name: "Conversation history" });
    await history.getByRole("button", { name: "Delete Groceries" }).click();
    await history.getByRole("group", { name: /Delete Groceries\?/ }).getByRole("button", { name: "Delete" }).click();
    await history.getByText("No conversations yet.").waitFor({ timeout: TIMEOUT });
    await page.getByText("Welcome to TaskPilot AI Chat").waitFor();
    await shot(page, "07-deleted");
  });

  it("uses the official component when the ChatKit script loads, with self-hosted options", async () => {
    // Stand-in for the CDN script (the real one cannot be reached here): it defines
    // <openai-chatkit>, records the options it is given and makes one protocol call
    // through the page's fetch, as the real component does.
    const fakeRuntime = `
      customElements.define("openai-chatkit", class extends HTMLElement {
        setOptions(options) {
          const api = options.api;
          window.__officialOptions = {
            url: api.url, domainKey: api.domainKey, hasFetch: typeof api.fetch === "function",
            hosted: typeof api.getClientSecret === "function",
            greeting: options.startScreen && options.startScreen.greeting,
            prompts: (options.startScreen && options.startScreen.prompts || []).map((p) => p.label),
            placeholder: options.composer && options.composer.placeholder,
            theme: options.theme, history: options.history,
          };
          api.fetch(api.url, { method: "POST", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ type: "threads.list", params: {} }) })
            .then((r) => r.json().then((b) => { window.__officialCall = { status: r.status, body: b }; }));
          this.textContent = "official component stand-in";
        }
      });`;
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      await ctx.context.route("https://cdn.platform.openai.com/deployments/chatkit/chatkit.js", (route) =>
        route.fulfill({ status: 200, contentType: "application/javascript", body: fakeRuntime }),
      );
      const page = await ctx.context.newPage();
      await page.goto("/chatkit/");
      await page.locator('.app[data-client="official"]').waitFor({ timeout: TIMEOUT });
      await page.locator("openai-chatkit").waitFor({ timeout: TIMEOUT });
      const opts = await (await page.waitForFunction(() => window.__officialOptions, null, { timeout: TIMEOUT })).jsonValue();
      assert.deepEqual(opts, {
        url: "/api/v1/chatkit",
        domainKey: "domain_pk_localhost_dev",
        hasFetch: true,
        hosted: false,
        greeting: "Welcome to TaskPilot AI Chat",
        prompts: ["Create a task", "List my tasks", "Complete a task"],
        placeholder: "Ask me to manage your tasks...",
        theme: "light",
        history: { enabled: true, showDelete: true, showRename: true },
      });
      const call = await (await page.waitForFunction(() => window.__officialCall, null, { timeout: TIMEOUT })).jsonValue();
      assert.equal(call.status, 200, "the custom fetch authenticates the component's requests");
      assert.deepEqual(call.body.data, []);
      assert.equal(await page.getByRole("textbox", { name: "Message" }).count(), 0, "the built-in client is not shown");
      await shot(page, "08-official-component");
      // ChatKit's theme follows the page's colour scheme.
      const dark = await ctx.context.newPage();
      await dark.emulateMedia({ colorScheme: "dark" });
      await dark.goto("/chatkit/");
      await dark.waitForFunction(() => window.__officialOptions && window.__officialOptions.theme === "dark", null, { timeout: TIMEOUT });

      // On a phone the official component gets the screen, the task list one tap away.
      const phone = await ctx.context.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto("/chatkit/");
      await phone.locator('.app[data-client="official"]').waitFor({ timeout: TIMEOUT });
      const tabs = phone.getByRole("navigation", { name: "Sections" });
      assert.deepEqual(await tabs.getByRole("button").allInnerTexts(), ["Chat", "Tasks"], "no History tab: the component has its own");
      await tabs.getByRole("button", { name: /^Tasks/ }).click();
      await phone.getByRole("complementary", { name: /^Tasks/ }).getByRole("textbox", { name: "New task" }).waitFor();
      assert.equal(await phone.locator("openai-chatkit").isVisible(), false);
      await assertAccessible(phone, "official component, phone, tasks");
      await tabs.getByRole("button", { name: /^Chat/ }).click();
      await phone.locator("openai-chatkit").waitFor({ state: "visible" });
      await phone.screenshot({ path: path.join(shots, "08-official-component-phone.png") });
    } finally {
      await ctx.context.close();
    }
  });

  it("in hosted mode the official component gets fresh secrets from getClientSecret", async () => {
    // A hosted session service stand-in (the real one needs OpenAI): it mints s1, s2…
    const fakeRuntime = `
      customElements.define("openai-chatkit", class extends HTMLElement {
        async setOptions(options) {
          const first = await options.api.getClientSecret(null);
          const second = await options.api.getClientSecret(first); // "first has expired"
          window.__hosted = { hasUrl: "url" in options.api, first, second };
        }
      });`;
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      await ctx.context.route("https://cdn.platform.openai.com/deployments/chatkit/chatkit.js", (route) =>
        route.fulfill({ status: 200, contentType: "application/javascript", body: fakeRuntime }),
      );
      const bodies = [];
      await ctx.context.route("**/api/chatkit/sessions", (route) => {
        bodies.push(JSON.parse(route.request().postData() || "{}"));
        const secret = `ek_test_${bodies.length}`;
        return route.fulfill({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({ client_secret: secret, session_id: `cksess_${bodies.length}`, expires_at: Math.floor(Date.now() / 1000) + 600, mode: "hosted" }),
        });
      });
      const page = await ctx.context.newPage();
      await page.goto("/chatkit/");
      await page.locator('.app[data-client="official"]').waitFor({ timeout: TIMEOUT });
      const got = await (await page.waitForFunction(() => window.__hosted, null, { timeout: TIMEOUT })).jsonValue();
      assert.deepEqual(got, { hasUrl: false, first: "ek_test_1", second: "ek_test_2" });
      // The start-up request, then the refresh naming the expired secret; never the old one handed back.
      assert.deepEqual(bodies, [{ existing: null }, { existing: "ek_test_1" }]);
      await page.getByRole("note").filter({ hasText: "your tasks live in the chat" }).waitFor();
      assert.equal(bodies.length, 2, "the task pane does not spend hosted secrets on the task API");
    } finally {
      await ctx.context.close();
    }
  });

  it("start-screen prompts work from the keyboard", async () => {
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      const { page } = await openChat(ctx);
      const prompt = page.getByRole("button", { name: /List my tasks/ });
      await prompt.focus();
      await page.keyboard.press("Enter");
      const log = page.getByRole("log", { name: "Messages" });
      await waitForText(log, /Show me all my tasks[\s\S]*Assistant:/);
      const { events } = await streamEvents(page, "threads.create");
      assert.ok(events.some((e) => e.type === "thread.item.done" && e.item.type === "assistant_message"));
    } finally {
      await ctx.context.close();
    }
  });

  it("retries a message whose request failed", async () => {
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      const { page } = await openChat(ctx);
      await page.route("**/api/v1/chatkit", async (route) => {
        if ((route.request().postData() ?? "").includes('"threads.create"')) return route.abort("connectionreset");
        return route.fallback();
      });
      const input = page.getByRole("textbox", { name: "Message" });
      await input.fill("add a task to call mom");
      await input.press("Enter");
      const alert = page.getByRole("alert").filter({ hasText: "Not sent." });
      await alert.waitFor({ timeout: TIMEOUT });
      await shot(page, "09-send-failed");
      await page.unroute("**/api/v1/chatkit");
      await alert.getByRole("button", { name: "Retry" }).click();
      await waitForText(page.getByRole("log", { name: "Messages" }), /call mom[\s\S]*Assistant:[\s\S]*call mom/i);
      await taskItem(page, /call mom/i).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByRole("alert").filter({ hasText: "Not sent" }).count(), 0);
    } finally {
      await ctx.context.close();
    }
  });

  it("an error event offers Retry, which re-runs the answer with threads.retry_after_item", async () => {
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      const { page } = await openChat(ctx);
      const input = page.getByRole("textbox", { name: "Message" });
      await input.fill("add a task to water the plants");
      await input.press("Enter");
      await taskItem(page, /water the plants/i).waitFor({ timeout: TIMEOUT });

      // The next turn really runs on the server, but the page only gets the stored
      // user message and then an error event, as when the answer fails mid-way.
      let userItemId = "";
      await page.route("**/api/v1/chatkit", async (route) => {
        if (!(route.request().postData() ?? "").includes('"threads.add_user_message"')) return route.fallback();
        const real = await route.fetch();
        const events = parseSSE((await real.body()).toString("utf8"));
        const kept = events.filter((e) => (e.type === "thread.item.done" && e.item.type === "user_message") || e.type === "stream_options");
        userItemId = kept.find((e) => e.type === "thread.item.done").item.id;
        kept.push({ type: "error", code: "stream.error", allow_retry: true });
        return route.fulfill({
          status: 200,
          headers: { "Content-Type": "text/event-stream; charset=utf-8" },
          body: kept.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(""),
        });
      });
      await input.fill("show my pending tasks");
      await input.press("Enter");
      const alert = page.getByRole("alert").filter({ hasText: "Something went wrong" });
      await alert.waitFor({ timeout: TIMEOUT });
      await shot(page, "10-error-event");
      await page.unroute("**/api/v1/chatkit");

      await alert.getByRole("button", { name: "Retry" }).click();
      const { request, events } = await streamEvents(page, "threads.retry_after_item");
      assert.equal(request.params.item_id, userItemId, "retry names the stored user message");
      assert.ok(events.some((e) => e.type === "thread.item.done" && e.item.type !== "user_message"), "the answer is produced again");
      const log = page.getByRole("log", { name: "Messages" });
      await waitForText(log, /show my pending tasks[\s\S]*water the plants[\s\S]*$/i);
      assert.equal(await page.getByRole("alert").filter({ hasText: "Something went wrong" }).count(), 0);
      // The retried question is not duplicated.
      assert.equal((await log.innerText()).match(/show my pending tasks/g)?.length, 1);
    } finally {
      await ctx.context.close();
    }
  });

  it("explains a misconfigured backend (hosted mode without OPENAI_API_KEY)", async () => {
    const hosted = await startBackend({ CHATKIT_MODE: "hosted" });
    const ctx = await offlineContext(browser, hosted.baseURL);
    try {
      const page = await ctx.context.newPage();
      await page.goto("/chatkit/");
      const alert = page.getByRole("alert").filter({ hasText: "The chat is not configured" });
      await alert.waitFor({ timeout: TIMEOUT });
      assert.match(await alert.innerText(), /OPENAI_API_KEY/);
      await page.locator('.app[data-client="failed"]').waitFor();
      await shot(page, "11-not-configured");
    } finally {
      await ctx.context.close();
      await hosted.stop();
    }
  });

  it("shows clear errors when the session endpoint fails", async () => {
    const ctx = await offlineContext(browser, backend.baseURL);
    try {
      const page = await ctx.context.newPage();
      await page.route("**/api/chatkit/sessions", (route) =>
        route.fulfill({
          status: 429,
          headers: { "Content-Type": "application/json", "Retry-After": "7" },
          body: JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }),
        }),
      );
      await page.goto("/chatkit/");
      const alert = page.getByRole("alert").filter({ hasText: "Too many requests" });
      await alert.waitFor({ timeout: TIMEOUT });
      assert.match(await alert.innerText(), /Try again in 7 seconds\./);
      assert.ok(await alert.getByRole("button", { name: /Retry in \d+ s/ }).isDisabled());
      await shot(page, "12-rate-limited");

      await page.unroute("**/api/chatkit/sessions");
      await page.route("**/api/chatkit/sessions", (route) => route.abort("connectionrefused"));
      await page.reload();
      await page.getByRole("alert").filter({ hasText: "The chat service is unreachable" }).waitFor({ timeout: TIMEOUT });
      await page.getByRole("button", { name: "Retry" }).waitFor();

      // Once the service is back, Retry starts the chat.
      await page.unroute("**/api/chatkit/sessions");
      await page.getByRole("button", { name: "Retry" }).click();
      await page.getByRole("textbox", { name: "Message" }).waitFor({ timeout: TIMEOUT });
    } finally {
      await ctx.context.close();
    }
  });
});

/** Events of the finished stream whose request has the given type (recorded in the page). */
async function streamEvents(page, type, nth = 0) {
  const handle = await page.waitForFunction(
    ([t, n]) => {
      const hits = window.__chatkitStreams.filter((s) => s.request.includes(`"type":"${t}"`));
      const rec = hits.at(-1 - n);
      return rec && rec.done ? rec : null;
    },
    [type, nth],
    { timeout: 20_000 },
  );
  const rec = await handle.jsonValue();
  return { request: JSON.parse(rec.request), events: parseSSE(rec.text) };
}

/** Splits an SSE body into its JSON events (one `data:` field per event here). */
function parseSSE(text) {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n"))
    .filter((data) => data !== "")
    .map((data) => JSON.parse(data));
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
