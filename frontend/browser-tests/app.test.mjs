// The app as people use it, on a desktop (1280×720) and a phone (390×844,
// touch): a conversation, the task pane (complete/undo, edit, quick add,
// delete/undo, groups and dates), a send while the server is down then Retry,
// Stop, and a keyboard-only flow. axe-core checks WCAG A/AA (colour contrast
// included) in light and dark at each step; screenshots of each state go to
// the screenshot folder as app-<screen>-<state>.png.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { assertAccessible, contrast, focusRing } from "./a11y.mjs";
import { CI, SCREENS, launchBrowser, missingPrerequisite, offlineContext, screenshotDir, slowOpenAI, startBackend } from "./harness.mjs";

const missing = missingPrerequisite();
if (missing && CI) throw new Error(`browser tests cannot run: ${missing}`);

const TIMEOUT = 20_000;

/** Text of the locator once it matches `re` (waits for the state, no fixed sleeps). */
async function waitForText(locator, re, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.allInnerTexts().catch(() => [])).join("\n");
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} in: ${JSON.stringify(last.slice(0, 500))}`);
}

/** Waits until fn() (run in node) returns a truthy value. */
async function until(fn, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Texts of the page's alerts (Next's route announcer is an empty alert: left out). */
const alerts = async (page) => (await page.getByRole("alert").allInnerTexts()).map((t) => t.trim()).filter((t) => t !== "");

/** Whether the element is entirely inside its scrolling log (what the user sees). */
const inLogView = (locator) =>
  locator.evaluate((el) => {
    const log = el.closest('[role="log"]');
    if (!log) return false; // replaced meanwhile (the sent message, once stored)
    const a = el.getBoundingClientRect();
    const b = log.getBoundingClientRect();
    return a.top >= b.top - 1 && a.bottom <= b.bottom + 1 && a.height > 0;
  });

/** The focused element's accessible-ish name (aria-label, else its text). */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? { id: el.id, name: el.getAttribute("aria-label") || el.textContent.trim(), tag: el.tagName, checked: el.getAttribute("aria-checked") } : null;
  });

/** Presses Tab (or Shift+Tab) until the focused element's name matches re. */
async function tabTo(page, re, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const f = await focused(page);
    if (f && re.test(f.name)) return f;
  }
  throw new Error(`no element named ${re} reachable with ${back ? "Shift+Tab" : "Tab"}`);
}

/** Requests the task API directly with a session of the page's own user (its cookie). */
function api(page, method, url, body) {
  return page.evaluate(
    async ([m, u, b]) => {
      const s = await fetch("/api/chatkit/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      const { client_secret } = await s.json();
      const r = await fetch(u, {
        method: m,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${client_secret}` },
        body: b === undefined ? undefined : JSON.stringify(b),
      });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    },
    [method, url, body],
  );
}

/** "YYYY-MM-DD" of today + n days in the page's zone. */
const localDate = (page, n) =>
  page.evaluate((d) => {
    const t = new Date();
    t.setDate(t.getDate() + d);
    return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, "0")}-${String(t.getDate()).padStart(2, "0")}`;
  }, n);

describe("the app for people (desktop and phone, light and dark)", { skip: missing ? `skipped: ${missing}` : false }, () => {
  let backend;
  let browser;
  let shots;

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

  for (const screen of SCREENS) {
    const phone = screen.name === "phone";
    const shot = (page, state) => page.screenshot({ path: path.join(shots, `app-${screen.name}-${state}.png`) });

    const open = async (baseURL = backend.baseURL) => {
      const ctx = await offlineContext(browser, baseURL, screen.options);
      const page = await ctx.context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto("/chatkit/");
      await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
      await page.getByRole("textbox", { name: "Message" }).waitFor({ timeout: TIMEOUT });
      return { ctx, page, errors };
    };

    /** On a phone, taps the section's tab; on a desktop every section is already shown. */
    const show = async (page, section) => {
      const tabs = page.getByRole("navigation", { name: "Sections" });
      if (!phone) {
        assert.equal(await tabs.isVisible(), false, "a desktop shows the three columns, no tabs");
        return;
      }
      const tab = tabs.getByRole("button", { name: new RegExp(`^${section}`) });
      await tab.click();
      assert.equal(await tab.getAttribute("aria-pressed"), "true");
    };
    const pane = (page) => page.locator("#tasks");
    const row = (page, title) => pane(page).getByRole("listitem").filter({ hasText: title });

    /** No horizontal overflow: nothing clipped, nothing needs sideways scrolling. */
    const assertNoOverflow = async (page) => {
      const bad = await page.evaluate(() => {
        const out = [];
        if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`page ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
        for (const el of document.querySelectorAll(".msg, .widget, .task, .task-title, .w-list-item, button")) {
          const r = el.getBoundingClientRect();
          if (r.width === 0) continue;
          if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "auto") out.push(`${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
          if (r.right > window.innerWidth + 1) out.push(`${el.className || el.tagName} ends at ${r.right} > ${window.innerWidth}`);
        }
        return out;
      });
      assert.deepEqual(bad, [], "nothing overflows the screen");
    };

    /** Every visible control is a big enough target (24 px; 44 px on touch). */
    const assertTargets = async (page) => {
      const min = phone ? 44 : 24;
      const small = await page.evaluate((m) => {
        const out = [];
        for (const el of document.querySelectorAll("button, a[href], input, textarea, select, [role=button]")) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0 || el.classList.contains("skip-link")) continue;
          if (r.width < m - 0.5 || r.height < m - 0.5) out.push(`${el.getAttribute("aria-label") || el.textContent.trim() || el.id} ${Math.round(r.width)}×${Math.round(r.height)}`);
        }
        return out;
      }, min);
      assert.deepEqual(small, [], `targets are at least ${min} px`);
    };

    describe(screen.name, () => {
      it("a conversation: the view follows, dates in words, long words wrap, widget buttons named with their task", async () => {
        const { ctx, page, errors } = await open();
        try {
          await show(page, "Chat");
          await shot(page, "01-start");
          await assertAccessible(page, `${screen.name} start`);
          await assertTargets(page);
          const input = page.getByRole("textbox", { name: "Message" });
          const log = page.getByRole("log", { name: "Messages" });

          // Enough messages to scroll: after each send the newest message, then the reply, is in view.
          const texts = ["add a task to pay the electricity bill tomorrow", "add a task to call grandma tomorrow at 6pm", "show my tasks", "show my tasks", "show my tasks", "show my tasks"];
          for (const [i, text] of texts.entries()) {
            await input.fill(text);
            await input.press("Enter");
            const mine = log.locator(".msg-user").filter({ hasText: text }).nth(texts.slice(0, i).filter((t) => t === text).length);
            await until(() => inLogView(mine), `"${text}" in view once sent`);
            await page.getByRole("button", { name: "Send" }).waitFor({ timeout: TIMEOUT });
            assert.ok(await inLogView(log.locator(".msg-row").last().locator(".msg").last()), "the newest reply is in view");
            if (await log.evaluate((el) => el.scrollHeight > el.clientHeight * 1.5)) break;
          }
          assert.ok(await log.evaluate((el) => el.scrollHeight > el.clientHeight), "the conversation is longer than the screen and scrolls");
          if (phone) {
            // A swipe scrolls the conversation (not the page) back up.
            const cdp = await ctx.context.newCDPSession(page);
            const box = await log.boundingBox();
            const before = await log.evaluate((el) => el.scrollTop);
            const x = Math.round(box.x + box.width / 2);
            const y0 = Math.round(box.y + box.height / 3);
            await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y: y0 }] });
            for (let dy = 10; dy <= 150; dy += 10) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x, y: y0 + dy }] });
            await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
            await until(async () => (await log.evaluate((el) => el.scrollTop)) < before, `the swipe scrolling the conversation back from ${before}`);
            assert.equal(await page.evaluate(() => window.scrollY), 0, "the page itself does not move");
            await log.evaluate((el) => el.scrollTo(0, el.scrollHeight));
          }
          // Timestamps on messages.
          assert.match(await log.locator(".msg-user time").first().innerText(), /^\d{1,2}:\d{2} (AM|PM)$/);

          // Long words wrap, in bubbles, the widget and the pane.
          const long = "supercalifragilisticexpialidocious".repeat(3);
          await input.fill(`add a task to learn ${long}`);
          await input.press("Enter");
          await log.locator(".msg-assistant").filter({ hasText: long }).waitFor({ timeout: TIMEOUT });
          await page.getByRole("button", { name: "Send" }).waitFor({ timeout: TIMEOUT });
          await input.fill("show my tasks");
          await input.press("Enter");
          const widget = log.locator(".msg-widget").filter({ hasText: long }).last();
          await widget.waitFor({ timeout: TIMEOUT });
          const complete = widget.getByRole("button", { name: /^Complete #\d+: Learn super/i });
          await complete.waitFor();
          assert.equal(await widget.getByRole("button", { name: /^Complete$/ }).count(), 0, "widget buttons carry their task's name");
          assert.match(await complete.innerText(), /^Complete #\d+$/, "on the official component too: the visible label names the task");
          const box = await complete.boundingBox();
          assert.ok(box && box.x + box.width <= screen.options.viewport.width, "the widget's buttons stay on screen");
          await assertNoOverflow(page);
          await shot(page, "02-conversation");
          const widgetText = await widget.innerText();

          // The pane: dates in words, the widget's wording, date-only without a clock time.
          await show(page, "Tasks");
          const bill = row(page, /electricity bill/i);
          await bill.waitFor({ timeout: TIMEOUT });
          assert.match(await bill.innerText(), /Due tomorrow(?! at)/, "a date-only task shows no clock time");
          assert.doesNotMatch(await bill.innerText(), /11:59/);
          // One wording: the pane says what the server's widget says.
          const grandma = await row(page, /grandma/i).innerText();
          const due = grandma.match(/(Due|Overdue · due) [^\n#]+/)[0].trim();
          assert.match(due, /tomorrow at 6:00 PM/);
          assert.ok(widgetText.includes(due), `the widget says "${due}" too: ${widgetText}`);
          await assertNoOverflow(page);
          await shot(page, "03-pane");

          // An older list widget follows the pane: ticked here, the widget offers Reopen, not Complete.
          await row(page, /electricity bill/i).getByRole("checkbox", { checked: false }).click();
          await row(page, /electricity bill/i).getByRole("checkbox", { checked: true }).waitFor({ timeout: TIMEOUT });
          await show(page, "Chat");
          await widget.getByRole("button", { name: /^Reopen #\d+: Pay the electricity bill/i }).waitFor({ timeout: TIMEOUT });
          assert.equal(await widget.getByRole("button", { name: /^Complete #\d+: Pay the electricity bill/i }).count(), 0);
          await page.emulateMedia({ colorScheme: "dark" });
          await shot(page, "02-conversation-dark");
          await page.emulateMedia({ colorScheme: "light" });
          await show(page, "Tasks");
          await assertAccessible(page, `${screen.name} conversation`);
          await assertTargets(page);
          assert.deepEqual(errors, []);
        } finally {
          await ctx.context.close();
        }
      });

      it("the task pane: quick add, tick with undo, inline edit, delete with undo, groups", async () => {
        const { ctx, page } = await open();
        try {
          await show(page, "Tasks");
          // Other tasks, through the same API: overdue, another year.
          const yesterdayNoon = await page.evaluate(() => {
            const d = new Date();
            d.setDate(d.getDate() - 1);
            d.setHours(12, 0, 0, 0);
            return d.toISOString();
          });
          const nextYear = new Date().getFullYear() + 1;
          assert.equal((await api(page, "POST", "/api/v1/tasks", { title: "Renew passport", due_at: yesterdayNoon })).status, 201);
          assert.equal((await api(page, "POST", "/api/v1/tasks", { title: "File taxes", due_at: `${nextYear}-01-03T16:00:00Z` })).status, 201);
          await pane(page).getByRole("button", { name: "Refresh tasks" }).click();
          const overdue = pane(page).getByRole("region", { name: /^Overdue/ });
          await overdue.getByRole("listitem").filter({ hasText: "Renew passport" }).waitFor({ timeout: TIMEOUT });
          assert.match(await row(page, "Renew passport").innerText(), /Overdue · due yesterday at 12:00 PM/);
          const overdueColour = await row(page, "Renew passport").locator(".task-due").evaluate((el) => getComputedStyle(el).color);
          const plainColour = await pane(page).locator(".task-count").first().evaluate((el) => getComputedStyle(el).color);
          assert.notEqual(overdueColour, plainColour, "overdue is in a warning colour");
          assert.match(await row(page, "File taxes").innerText(), new RegExp(`Due Jan 3, ${nextYear} at 5:00 PM`), "another year's date shows the year");

          // Quick add goes through the task API; focus stays in the field for the next one.
          const add = pane(page).getByRole("textbox", { name: "New task" });
          await add.fill("Water the plants");
          await add.press("Enter");
          const noDate = pane(page).getByRole("region", { name: /^No date/ });
          await noDate.getByRole("listitem").filter({ hasText: "Water the plants" }).waitFor({ timeout: TIMEOUT });
          assert.equal(await add.inputValue(), "");
          assert.equal((await focused(page)).id, "quick-add-title");
          const listed = await api(page, "GET", "/api/v1/tasks");
          assert.ok(listed.body.tasks.some((t) => t.title === "Water the plants"), "the server has the new task");

          // Tick: completed, with Undo; focus stays on the task's tick.
          await row(page, "Water the plants").getByRole("checkbox", { name: "Done: Water the plants" }).click();
          const completed = pane(page).getByRole("region", { name: /^Completed/ });
          await completed.getByRole("checkbox", { name: "Done: Water the plants", checked: true }).waitFor({ timeout: TIMEOUT });
          const toast = pane(page).getByRole("status").filter({ hasText: "Completed “Water the plants”." });
          await toast.waitFor();
          assert.deepEqual(await focused(page), { id: "", name: "Done: Water the plants", tag: "BUTTON", checked: "true" });
          await shot(page, "04-pane-completed");
          await assertAccessible(page, `${screen.name} pane completed + toast`);
          await toast.getByRole("button", { name: "Undo" }).click();
          await noDate.getByRole("checkbox", { name: "Done: Water the plants", checked: false }).waitFor({ timeout: TIMEOUT });

          // Inline edit: title and due date (with a time), saved through PATCH.
          await row(page, "Water the plants").getByRole("button", { name: "Edit: Water the plants" }).click();
          const form = pane(page).getByRole("form", { name: "Edit Water the plants" });
          assert.equal((await focused(page)).tag, "INPUT", "the title field takes focus");
          await form.getByRole("textbox", { name: "Title" }).fill("Water the ferns");
          await form.getByLabel("Due date").fill(await localDate(page, 1));
          await form.getByLabel("Time (optional)").fill("17:00");
          await shot(page, "05-pane-edit");
          await assertAccessible(page, `${screen.name} pane edit form`);
          await form.getByRole("button", { name: "Save" }).click();
          const ferns = row(page, "Water the ferns");
          await waitForText(ferns, /Due tomorrow at 5:00 PM/);
          assert.equal((await focused(page)).name, "Edit: Water the ferns", "focus returns to the task's Edit button");
          const saved = (await api(page, "GET", "/api/v1/tasks")).body.tasks.find((t) => t.title === "Water the ferns");
          assert.ok(saved?.due_at, "the server has the new title and due date");

          // Delete is in the edit form (not next to the tick) and can be undone.
          await ferns.getByRole("button", { name: "Edit: Water the ferns" }).click();
          await pane(page).getByRole("form", { name: "Edit Water the ferns" }).getByRole("button", { name: "Delete task" }).click();
          await ferns.waitFor({ state: "detached" });
          const deleted = pane(page).getByRole("status").filter({ hasText: "Deleted “Water the ferns”." });
          await deleted.waitFor();
          assert.match((await focused(page)).name, /^Done: /, "focus moves to a neighbouring task");
          await shot(page, "06-pane-deleted-undo");
          await deleted.getByRole("button", { name: "Undo" }).click();
          await ferns.waitFor({ timeout: TIMEOUT });
          assert.equal((await focused(page)).name, "Done: Water the ferns");
          assert.ok((await api(page, "GET", "/api/v1/tasks")).body.tasks.some((t) => t.title === "Water the ferns"), "undone: still on the server");

          // Deleted for good once the undo window closes.
          await ferns.getByRole("button", { name: "Edit: Water the ferns" }).click();
          await pane(page).getByRole("button", { name: "Delete task" }).click();
          await ferns.waitFor({ state: "detached" });
          await pane(page).getByRole("status").filter({ hasText: "Deleted" }).waitFor({ state: "detached", timeout: TIMEOUT });
          await until(
            async () => {
              await new Promise((r) => setTimeout(r, 400));
              return !(await api(page, "GET", "/api/v1/tasks")).body.tasks.some((t) => t.title === "Water the ferns");
            },
            "the deletion on the server",
          );
          await assertNoOverflow(page);
          await assertTargets(page);
        } finally {
          await ctx.context.close();
        }
      });

      it("a recurring task shows its repeat rule when the backend sends one", async () => {
        const { ctx, page } = await open();
        try {
          await show(page, "Tasks");
          assert.equal((await api(page, "POST", "/api/v1/tasks", { title: "Team sync" })).status, 201);
          // The recurrence field is optional in the task JSON: add it as a backend with recurrence would.
          await page.route("**/api/v1/tasks", async (route) => {
            if (route.request().method() !== "GET") return route.fallback();
            const res = await route.fetch();
            const body = await res.json();
            for (const t of body.tasks) if (t.title === "Team sync") t.recurrence = { rule: "FREQ=WEEKLY;BYDAY=MO", text: "repeats every Monday" };
            return route.fulfill({ response: res, json: body });
          });
          await pane(page).getByRole("button", { name: "Refresh tasks" }).click();
          await waitForText(row(page, "Team sync"), /repeats every Monday/);
          await assertAccessible(page, `${screen.name} recurring`);
        } finally {
          await ctx.context.close();
        }
      });

      it("a message sent while the server is unreachable stays, marked not sent, with Retry (and survives a reload)", async () => {
        const { ctx, page } = await open();
        try {
          await show(page, "Chat");
          const input = page.getByRole("textbox", { name: "Message" });
          const log = page.getByRole("log", { name: "Messages" });
          await page.route("**/api/v1/chatkit", (route) => route.abort("connectionrefused"));
          await input.fill("add a task to call the plumber");
          await input.press("Enter");
          const note = log.getByRole("alert").filter({ hasText: "Not sent." });
          await note.waitFor({ timeout: TIMEOUT });
          assert.match(await note.innerText(), /can't be reached/);
          assert.deepEqual(await alerts(page), [(await note.innerText()).trim()], "one error message for one failure");
          assert.ok(await log.locator(".msg-unsent").filter({ hasText: "add a task to call the plumber" }).isVisible(), "the message stays in the thread");
          assert.ok(await inLogView(note), "the error and its Retry are in view");
          await shot(page, "07-not-sent");
          await assertAccessible(page, `${screen.name} not sent`);

          // Back online: Retry sends it.
          await page.unroute("**/api/v1/chatkit");
          await note.getByRole("button", { name: "Retry" }).click();
          await waitForText(log, /call the plumber[\s\S]*Assistant:[\s\S]*plumber/i);
          assert.deepEqual(await alerts(page), []);
          assert.equal(await log.locator(".msg-user").filter({ hasText: "add a task to call the plumber" }).count(), 1, "sent once");
          await show(page, "Tasks");
          await row(page, /plumber/i).waitFor({ timeout: TIMEOUT });

          // Down again, and the tab reloads: the message is back in the composer.
          await show(page, "Chat");
          await page.route("**/api/v1/chatkit", (route) => route.abort("connectionrefused"));
          await input.fill("add a task to fix the sink");
          await input.press("Enter");
          await log.getByRole("alert").filter({ hasText: "Not sent." }).waitFor({ timeout: TIMEOUT });
          await page.unroute("**/api/v1/chatkit");
          await page.reload();
          await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
          await until(async () => (await page.getByRole("textbox", { name: "Message" }).inputValue()) === "add a task to fix the sink", "the unsent text in the composer");
          await page.getByRole("textbox", { name: "Message" }).press("Enter");
          await waitForText(page.getByRole("log", { name: "Messages" }), /fix the sink[\s\S]*Assistant:/i);

          // The pane never shows a raw "Failed to fetch".
          await show(page, "Tasks");
          await page.route("**/api/v1/tasks", (route) => route.abort("connectionrefused"));
          await pane(page).getByRole("button", { name: "Refresh tasks" }).click();
          const paneError = pane(page).getByRole("alert");
          await paneError.waitFor({ timeout: TIMEOUT });
          assert.match(await paneError.innerText(), /TaskPilot can't be reached/);
          assert.doesNotMatch(await paneError.innerText(), /Failed to fetch/);
          await shot(page, "08-pane-unreachable");
          await assertAccessible(page, `${screen.name} pane unreachable`);
        } finally {
          await ctx.context.close();
        }
      });

      it("Stop keeps the partial reply, as the server stores it", async () => {
        const partial = "Here is the first part of a long answer, ";
        const openai = await slowOpenAI(partial);
        const slow = await startBackend({ OPENAI_API_KEY: "sk-test-not-real", OPENAI_BASE_URL: openai.url, OPENAI_API_STYLE: "chat_completions" });
        const { ctx, page } = await open(slow.baseURL);
        try {
          const input = page.getByRole("textbox", { name: "Message" });
          const log = page.getByRole("log", { name: "Messages" });
          await input.fill("plan my week in detail");
          await input.press("Enter");
          await waitForText(log, /first part of a long answer/);
          await page.getByRole("button", { name: "Stop" }).click();
          await log.getByText("Stopped. The reply so far is kept.").waitFor({ timeout: TIMEOUT });
          assert.match(await log.innerText(), /plan my week in detail[\s\S]*first part of a long answer/);
          assert.equal((await focused(page)).id, "bk-input", "focus goes back to the composer");
          assert.ok(await inLogView(log.getByText("Stopped. The reply so far is kept.")));
          await shot(page, "09-stopped");
          await assertAccessible(page, `${screen.name} stopped`);

          // The server kept the message and the partial reply (it saves them, and the thread's
          // title, once it notices the client left: on its next write after the browser closes
          // the connection, which Chromium may delay while it drains the aborted response).
          // Reload until the history lists the thread under its title, then open it.
          await until(async () => {
            await page.reload();
            await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
            await show(page, "History");
            const entry = page.getByRole("navigation", { name: "Conversation history" }).getByRole("button", { name: /^plan my week/i });
            try {
              await entry.waitFor({ timeout: 1000 });
            } catch {
              return false;
            }
            await entry.click();
            return until(async () => {
              const text = await page.getByRole("log", { name: "Messages" }).innerText();
              return /Loading/.test(text) ? false : /plan my week in detail[\s\S]*Assistant:[\s\S]*first part of a long answer/.test(text);
            }, "the stored partial reply", 10_000);
          }, "the stopped thread under its title");
        } finally {
          await ctx.context.close();
          await slow.stop();
          await openai.close();
        }
      });

      it("keyboard only: skip link, prompts, ticking, editing, renaming and deleting keep focus somewhere sensible", async () => {
        const { ctx, page } = await open();
        try {
          // The skip link is the first stop and leads to the composer.
          await page.keyboard.press("Tab");
          assert.equal((await focused(page)).name, "Skip to the chat");
          await page.keyboard.press("Enter");
          assert.equal((await focused(page)).id, "bk-input");

          // A start prompt, from the keyboard: focus lands in the composer.
          await tabTo(page, /List my tasks/, { back: true });
          const ring = await focusRing(page);
          assert.ok(ring && ring.style !== "none" && ring.width >= 2, `a visible focus ring: ${JSON.stringify(ring)}`);
          assert.ok(contrast(ring.color, ring.behind) >= 3, `focus ring contrast ${contrast(ring.color, ring.behind).toFixed(2)} ≥ 3`);
          await page.keyboard.press("Enter");
          assert.equal((await focused(page)).id, "bk-input");
          const log = page.getByRole("log", { name: "Messages" });
          await waitForText(log, /Show me all my tasks[\s\S]*Assistant:/);
          await page.getByRole("button", { name: "Send" }).waitFor({ timeout: TIMEOUT });
          await page.keyboard.type("add a task to book the dentist");
          await page.keyboard.press("Enter");
          await waitForText(log, /book the dentist[\s\S]*Assistant:[\s\S]*dentist/i);

          // The pane, by keyboard (on a phone through its tab).
          if (phone) {
            await tabTo(page, /^Tasks/);
            await page.keyboard.press("Enter");
          }
          await row(page, /dentist/i).waitFor({ timeout: TIMEOUT });
          await tabTo(page, /^Done: Book the dentist/i);
          for (const scheme of ["light", "dark"]) {
            await page.emulateMedia({ colorScheme: scheme });
            const r = await focusRing(page);
            assert.ok(contrast(r.color, r.behind) >= 3, `${scheme}: focus ring ${contrast(r.color, r.behind).toFixed(2)}:1`);
          }
          await page.emulateMedia({ colorScheme: "light" });
          await page.keyboard.press("Space");
          await until(async () => (await focused(page))?.checked === "true", "the ticked task keeping focus");
          assert.match((await focused(page)).name, /^Done: Book the dentist/i);
          await page.keyboard.press("Space");
          await until(async () => (await focused(page))?.checked === "false", "the reopened task keeping focus");

          await tabTo(page, /^Edit: Book the dentist/i);
          await page.keyboard.press("Enter");
          assert.equal((await focused(page)).tag, "INPUT");
          await page.keyboard.press("Control+a");
          await page.keyboard.type("Book the dentist for Tuesday");
          await page.keyboard.press("Enter");
          await until(async () => (await focused(page))?.name === "Edit: Book the dentist for Tuesday", "focus back on the Edit button");
          await page.keyboard.press("Enter");
          await page.keyboard.press("Escape");
          await until(async () => (await focused(page))?.name === "Edit: Book the dentist for Tuesday", "Escape cancels the edit, focus back on Edit");

          // The widget by keyboard: its action keeps focus in the widget; its Delete asks first (the server
          // redraws the row as a question, the same on the official component).
          await tabTo(page, /^Skip to the chat/, { back: true });
          await page.keyboard.press("Enter");
          assert.equal((await focused(page)).id, "bk-input");
          await page.keyboard.type("show my tasks");
          await page.keyboard.press("Enter");
          const widget = log.locator(".msg-widget").filter({ hasText: /for Tuesday/ }).last();
          await widget.waitFor({ timeout: TIMEOUT });
          await page.getByRole("button", { name: "Send" }).waitFor({ timeout: TIMEOUT });
          await tabTo(page, /^Complete #\d+: Book the dentist for Tuesday/i, { back: true });
          await page.keyboard.press("Enter");
          await until(async () => /^Reopen #\d+: Book the dentist for Tuesday/i.test((await focused(page))?.name ?? ""), "focus on the widget's updated button");
          await tabTo(page, /^Delete #\d+: Book the dentist for Tuesday/i);
          await page.keyboard.press("Enter");
          await widget.getByText("Delete this task?").waitFor({ timeout: TIMEOUT });
          await until(async () => /^Keep #\d+: Book the dentist for Tuesday/i.test((await focused(page))?.name ?? ""), "the question's Keep takes focus");
          await page.keyboard.press("Shift+Tab");
          assert.match((await focused(page)).name, /^Delete #\d+: Book the dentist for Tuesday/i);
          await page.keyboard.press("Enter");
          await widget.getByText("Deleted").waitFor({ timeout: TIMEOUT });
          await until(async () => (await focused(page))?.tag !== "BODY", "focus not dropped to the page body");
          await pane(page).locator("li.task").filter({ hasText: /dentist/i }).waitFor({ state: "detached", timeout: TIMEOUT });

          // History: rename and delete keep focus in place.
          if (phone) {
            await tabTo(page, /^History/, { back: true });
            await page.keyboard.press("Enter");
          }
          const history = page.getByRole("navigation", { name: "Conversation history" });
          await history.getByRole("button", { name: /^Rename / }).first().waitFor();
          await tabTo(page, /^Rename /, { back: !phone });
          await page.keyboard.press("Enter");
          assert.equal((await focused(page)).tag, "INPUT");
          await page.keyboard.press("Control+a");
          await page.keyboard.type("Dentist");
          await page.keyboard.press("Enter");
          await until(async () => /^Dentist/.test((await focused(page))?.name ?? ""), "focus on the renamed thread");
          await tabTo(page, /^Delete Dentist$/);
          await page.keyboard.press("Enter");
          const confirm = history.getByRole("group", { name: /Delete Dentist\?/ });
          await confirm.waitFor();
          assert.equal((await focused(page)).name, "Keep", "the confirmation takes focus (on the safe choice)");
          await shot(page, "10-keyboard-confirm");
          await assertAccessible(page, `${screen.name} delete confirmation`);
          await page.keyboard.press("Shift+Tab");
          assert.equal((await focused(page)).name, "Delete");
          await page.keyboard.press("Enter");
          await history.getByText("No conversations yet.").waitFor({ timeout: TIMEOUT });
          assert.match((await focused(page)).name, /New conversation/, "focus moves to New conversation");
          await assertTargets(page);
        } finally {
          await ctx.context.close();
        }
      });
    });
  }

  it("at 200% zoom (1280×720 at 2×) the chat keeps a usable height and nothing is clipped", async () => {
    const ctx = await offlineContext(browser, backend.baseURL, { viewport: { width: 640, height: 360 }, deviceScaleFactor: 2 });
    try {
      const page = await ctx.context.newPage();
      await page.goto("/chatkit/");
      await page.locator('.app[data-client="builtin-offline"]').waitFor({ timeout: TIMEOUT });
      const input = page.getByRole("textbox", { name: "Message" });
      await input.fill("add a task to stretch every hour");
      await input.press("Enter");
      const log = page.getByRole("log", { name: "Messages" });
      await waitForText(log, /stretch[\s\S]*Assistant:/);
      const h = await log.evaluate((el) => el.getBoundingClientRect().height);
      assert.ok(h >= 150, `the conversation is ${h} px tall`);
      const send = await page.getByRole("button", { name: "Send" }).boundingBox();
      assert.ok(send && send.y + send.height <= 360 && send.x + send.width <= 640, "Send is on screen");
      await page.screenshot({ path: path.join(shots, "app-zoom200-chat.png") });
    } finally {
      await ctx.context.close();
    }
  });
});
