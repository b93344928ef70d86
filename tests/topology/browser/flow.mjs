// The browser flow through the topology's ingress (tests/topology, case 1):
// Debian's Chromium, driven by the front end's playwright-core and its
// browser-test harness (frontend/browser-tests/harness.mjs: launch flags,
// the ChatKit CDN blocked so the built-in client runs), opens the app at
// BASE_URL, asks for a task in the chat, sees it in the task pane, completes
// it there, and reloads: the task is still there, completed. Elements are
// found by role, accessible name and state only (the pane's complete
// control is a "Complete task N: <title>" button or a "Done: <title>"
// checkbox, whichever this front end has).
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
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, " ").trim();

const row = (page) =>
  page.getByRole("complementary", { name: /tasks/i }).getByRole("listitem").filter({ hasText: title });
const completeControl = (page) =>
  row(page)
    .getByRole("button", { name: new RegExp(`^Complete task \\d+: ${esc(title)}$`) })
    .or(row(page).getByRole("checkbox", { name: `Done: ${title}`, checked: false }));
const completedState = (page) =>
  row(page)
    .getByRole("button", { name: new RegExp(`^Reopen task \\d+: ${esc(title)}$`) })
    .or(row(page).getByRole("checkbox", { name: `Done: ${title}`, checked: true }));

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
  await completeControl(page).waitFor({ timeout: TIMEOUT });
  seen.added = await text(row(page));
  const log = page.getByRole("log", { name: "Messages" });
  await log.filter({ hasText: title }).waitFor({ timeout: TIMEOUT });
  seen.log = await text(log);

  await completeControl(page).click();
  await completedState(page).waitFor({ timeout: TIMEOUT });
  seen.completed = await text(row(page));

  await page.reload();
  await completedState(page).waitFor({ timeout: TIMEOUT });
  seen.reloaded = await text(row(page));
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
