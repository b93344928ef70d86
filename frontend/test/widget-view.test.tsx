// The generic widget renderer, rendered to static HTML.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/components/Markdown";
import { asksFirst, WidgetView } from "@/components/WidgetView";
import type { WidgetNode } from "@/lib/chatkit-protocol/types";

const render = (widget: WidgetNode, disabled = false) =>
  renderToStaticMarkup(<WidgetView widget={widget} disabled={disabled} onAction={() => undefined} />);

describe("WidgetView", () => {
  const taskList: WidgetNode = {
    type: "ListView",
    status: { text: "All tasks · 1", icon: "check-circle" },
    children: [
      {
        type: "ListViewItem",
        key: "task-1",
        children: [
          { type: "Col", children: [{ type: "Text", value: "Buy milk", lineThrough: true }, { type: "Caption", value: "#1" }] },
          { type: "Badge", label: "Done", color: "success" },
          { type: "Button", label: "Reopen #1", iconStart: "reload", onClickAction: { type: "task.reopen", payload: { task_id: 1 } } },
        ],
      },
    ],
  };

  it("renders the task-list widget: list, texts, badge, action button", () => {
    const html = render(taskList);
    expect(html).toMatch(/<div class="w-status"><svg [^>]*aria-hidden="true"[^>]*>.*<\/svg><span>All tasks · 1<\/span><\/div>/);
    expect(html).toContain('<ul class="w-list"><li class="w-list-item">');
    expect(html).toMatch(/<div class="w-text "[^>]*text-decoration:line-through[^>]*>Buy milk<\/div>/);
    expect(html).toContain('<div class="w-caption"');
    expect(html).toContain('<span class="badge badge-success">Done</span>');
    // The button is named with its task, and its icon is an SVG, not a glyph the font may lack.
    expect(html).toMatch(/<button type="button" class="w-button[^"]*" aria-label="Reopen #1: Buy milk"><svg [^>]*aria-hidden="true"[^>]*>.*<\/svg>Reopen #1<\/button>/);
    expect(html).not.toContain("↻");
  });

  it("disables action buttons while a request runs", () => {
    expect(render(taskList, true)).toMatch(/<button type="button" class="w-button[^"]*" disabled="" aria-label="Reopen #1: Buy milk">/);
  });

  it("offers Complete instead of a stale Reopen when the task pane knows the task is open again", () => {
    const html = renderToStaticMarkup(
      <WidgetView widget={taskList} disabled={false} taskStatus={new Map([[1, "pending" as const]])} onAction={() => undefined} />,
    );
    expect(html).toContain('aria-label="Complete #1: Buy milk"');
    expect(html).toContain(">Complete #1</button>");
    expect(html).not.toContain("Reopen");
  });

  it("asks before a widget's Delete runs its action", () => {
    const widget: WidgetNode = {
      type: "ListView",
      children: [
        {
          type: "ListViewItem",
          children: [
            { type: "Text", value: "Pay bills" },
            { type: "Button", label: "Delete", color: "danger", onClickAction: { type: "task.delete", payload: { task_id: 4 } } },
          ],
        },
      ],
    };
    const html = render(widget);
    // The first click only opens the confirmation (a client-side state), so the static
    // markup has a plain button named with its task and no action attached to submit.
    expect(html).toContain('aria-label="Delete: Pay bills"');
    expect(html).not.toContain("data-action");
  });

  it("leaves the server's question to the server: its confirmed Delete runs, an unconfirmed one asks here", () => {
    expect(asksFirst({ type: "task.ask_delete", payload: { task_id: 4 } })).toBe(false);
    expect(asksFirst({ type: "task.delete", payload: { task_id: 4, confirmed: true } })).toBe(false);
    expect(asksFirst({ type: "task.delete", payload: { task_id: 4 } })).toBe(true);
    expect(asksFirst({ type: "task.keep", payload: { task_id: 4 } })).toBe(false);
    expect(asksFirst(null)).toBe(false);
  });

  it("renders unknown components as their children, or their text", () => {
    const html = render({
      type: "Card",
      children: [
        { type: "Sparkline", children: [{ type: "Text", value: "inside" }] },
        { type: "Gizmo", label: "just a label" },
        { type: "Nothing" },
        { type: "Image", src: "javascript:alert(1)", alt: "x" },
      ],
    });
    expect(html).toContain('<div class="w-unknown"><div class="w-text "');
    expect(html).toContain(">inside</div>");
    expect(html).toContain('<div class="w-unknown">just a label</div>');
    expect(html).not.toContain("javascript:");
  });

  it("renders a form card with its fields and submit action", () => {
    const html = render({
      type: "Card",
      asForm: true,
      confirm: { label: "Save", action: { type: "task.create" } },
      children: [{ type: "Input", name: "task.title", placeholder: "Title" }, { type: "Select", name: "priority", options: [{ label: "High", value: "high" }] }],
    });
    expect(html).toMatch(/^<div class="widget" aria-busy="false"><form class="w-card /);
    expect(html).toContain('name="task.title"');
    expect(html).toContain('<option value="high">High</option>');
    expect(html).toContain('<button type="submit" data-action="{&quot;type&quot;:&quot;task.create&quot;}">Save</button>');
  });
});

describe("Markdown", () => {
  it("renders the safe subset without injecting HTML", () => {
    const html = renderToStaticMarkup(
      <Markdown text={"Here are **2** tasks:\n- `#1` Buy milk\n- #2 <b>Call</b> [docs](https://example.com)\n\n_done_"} />,
    );
    expect(html).toBe(
      '<div class="markdown"><p>Here are <strong>2</strong> tasks:</p><ul><li><code>#1</code> Buy milk</li><li>#2 &lt;b&gt;Call&lt;/b&gt; <a href="https://example.com" target="_blank" rel="noreferrer noopener">docs</a></li></ul><p><em>done</em></p></div>',
    );
  });
});
