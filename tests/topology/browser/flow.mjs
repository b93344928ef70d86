// The browser flow through the topology's ingress (tests/topology, case 1):
// Debian's Chromium, driven by the front end's playwright-core and its
// browser-test harness (frontend/browser-tests/harness.mjs: launch flags,
// the ChatKit CDN blocked so the built-in client runs), opens the app at
// BASE_URL, asks for a task, sees it in the task pane, completes it there,
// and reloads: the completed task is still listed. Elements are found by
// role and accessible name only.
//
// Usage: node flow.mjs <BASE_URL> <TASK_TITLE>; prints one JSON line with
// what it saw, exits non-zero on failure.

import { launchBrowser, offlineContext } from "../../../frontend/browser-tests/harness.mjs";

const [baseURL, title] = process.argv.slice(2);
if (!baseURL || !title) {
  console.error("usage: node flow.mjs <BASE_URL> <TASK_TITLE>");
  process.exit(2);
}
const TIMEOUT = 30_000;

const browser = await launchBrowser();
const seen = {};
try {
  const ctx = await offlineContext(browser, baseURL);
  const page = await ctx.context.newPage();
  await page.goto("/chatkit/");
  const input = page.getByRole("textbox", { name: "Message" });
  await input.waitFor({ timeout: TIMEOUT });

  await input.fill(`add a task to ${title.toLowerCase()}`);
  await input.press("Enter");
  const tasks = page.getByRole("list", { name: "Tasks" });
  const item = tasks.getByRole("listitem").filter({ hasText: title });
  await item.waitFor({ timeout: TIMEOUT });
  seen.added = (await item.innerText()).replace(/\s+/g, " ").trim();
  const log = page.getByRole("log", { name: "Messages" });
  await log.filter({ hasText: title }).waitFor({ timeout: TIMEOUT });
  seen.log = (await log.innerText()).replace(/\s+/g, " ").trim();

  await item.getByRole("button", { name: new RegExp(`^Complete task \\d+: ${title}$`) }).click();
  await item.getByRole("button", { name: new RegExp(`^Reopen task \\d+: ${title}$`) }).waitFor({ timeout: TIMEOUT });
  seen.completed = (await item.innerText()).replace(/\s+/g, " ").trim();

  await page.reload();
  const again = page.getByRole("list", { name: "Tasks" }).getByRole("listitem").filter({ hasText: title });
  await again.getByRole("button", { name: new RegExp(`^Reopen task \\d+: ${title}$`) }).waitFor({ timeout: TIMEOUT });
  seen.reloaded = (await again.innerText()).replace(/\s+/g, " ").trim();
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
