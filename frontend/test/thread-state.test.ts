import { describe, expect, it } from "vitest";
import {
  applyEvent,
  assistantText,
  emptyThreadState,
  lastUserMessageId,
  threadStateFrom,
  truncateAfter,
  type ThreadState,
} from "@/lib/chatkit-protocol/thread-state";
import type { AssistantMessageItem, ThreadStreamEvent, WidgetItem } from "@/lib/chatkit-protocol/types";

const thread = { id: "thr_1", created_at: "2026-11-28T16:48:49Z", status: { type: "active" as const }, metadata: {}, items: { data: [], has_more: false } };
const user = {
  id: "msg_u",
  thread_id: "thr_1",
  created_at: "2026-11-28T16:48:49Z",
  type: "user_message" as const,
  content: [{ type: "input_text" as const, text: "Hi there" }],
  attachments: [],
  inference_options: {},
};
const asst = (content: AssistantMessageItem["content"] = []): AssistantMessageItem => ({
  id: "msg_a",
  thread_id: "thr_1",
  created_at: "2026-11-28T16:48:50Z",
  type: "assistant_message",
  content,
});
const text = (t: string) => ({ type: "output_text" as const, text: t, annotations: [] });
const upd = (update: unknown): ThreadStreamEvent => ({ type: "thread.item.updated", item_id: "msg_a", update } as ThreadStreamEvent);

function run(events: ThreadStreamEvent[], start: ThreadState = emptyThreadState): ThreadState {
  return events.reduce(applyEvent, start);
}

describe("applyEvent", () => {
  it("plays the protocol's minimal turn (§13) into the final thread", () => {
    const s = run([
      { type: "thread.created", thread },
      { type: "thread.item.done", item: user },
      { type: "stream_options", stream_options: { allow_cancel: true } },
      { type: "thread.item.added", item: asst() },
      upd({ type: "assistant_message.content_part.added", content_index: 0, content: text("") }),
      upd({ type: "assistant_message.content_part.text_delta", content_index: 0, delta: "Hello" }),
      upd({ type: "assistant_message.content_part.text_delta", content_index: 0, delta: "! How can" }),
      upd({ type: "assistant_message.content_part.text_delta", content_index: 0, delta: " I help?" }),
      upd({ type: "assistant_message.content_part.done", content_index: 0, content: text("Hello! How can I help?") }),
      { type: "thread.item.done", item: asst([text("Hello! How can I help?")]) },
      { type: "thread.updated", thread: { ...thread, title: "Greeting" } },
    ]);
    expect(s.thread).toEqual({ id: "thr_1", created_at: thread.created_at, status: { type: "active" }, metadata: {}, title: "Greeting" });
    expect(s.items.map((i) => i.id)).toEqual(["msg_u", "msg_a"]);
    expect(assistantText(s.items[1] as AssistantMessageItem)).toBe("Hello! How can I help?");
  });

  it("shows streamed text before done, and pads a missing content index", () => {
    const s = run([
      { type: "thread.item.added", item: asst() },
      upd({ type: "assistant_message.content_part.text_delta", content_index: 1, delta: "second" }),
      upd({ type: "assistant_message.content_part.text_delta", content_index: 0, delta: "first " }),
    ]);
    expect((s.items[0] as AssistantMessageItem).content).toEqual([text("first "), text("second")]);
  });

  it("inserts annotations at their index", () => {
    const a = (t: string) => ({ type: "annotation" as const, source: { type: "url", title: t, url: `https://${t}` }, index: 1 });
    const s = run([
      { type: "thread.item.added", item: asst([text("ab")]) },
      upd({ type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index: 0, annotation: a("x") }),
      upd({ type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index: 0, annotation: a("y") }),
      upd({ type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index: 9, annotation: a("z") }),
    ]);
    expect((s.items[0] as AssistantMessageItem).content[0].annotations.map((x) => x.source.title)).toEqual(["y", "x", "z"]);
  });

  it("replaces an item in place and removes items", () => {
    const widget: WidgetItem = {
      id: "msg_w",
      thread_id: "thr_1",
      created_at: "2026-11-28T16:48:51Z",
      type: "widget",
      widget: { type: "Card", children: [{ type: "Text", value: "Buy milk" }, { type: "Badge", label: "pending" }] },
    };
    const done: WidgetItem = { ...widget, widget: { type: "Card", children: [{ type: "Text", value: "Buy milk" }, { type: "Badge", label: "completed" }] } };
    let s = run([{ type: "thread.item.done", item: user }, { type: "thread.item.done", item: widget }, { type: "thread.item.done", item: asst([text("ok")]) }]);
    s = applyEvent(s, { type: "thread.item.replaced", item: done });
    expect(s.items.map((i) => i.id)).toEqual(["msg_u", "msg_w", "msg_a"]);
    expect((s.items[1] as WidgetItem).widget).toEqual(done.widget);
    s = applyEvent(s, { type: "thread.item.removed", item_id: "msg_w" });
    expect(s.items.map((i) => i.id)).toEqual(["msg_u", "msg_a"]);
    // Replacing an unknown id appends it (upsert), removing an unknown id is a no-op.
    s = applyEvent(s, { type: "thread.item.replaced", item: widget });
    expect(s.items.map((i) => i.id)).toEqual(["msg_u", "msg_a", "msg_w"]);
    expect(applyEvent(s, { type: "thread.item.removed", item_id: "nope" })).toEqual(s);
  });

  it("applies widget root, component and streaming-text updates", () => {
    const widget: WidgetItem = {
      id: "msg_w",
      thread_id: "thr_1",
      created_at: "x",
      type: "widget",
      widget: { type: "Card", children: [{ type: "Row", children: [{ type: "Text", id: "t", value: "Hel", streaming: true }] }, { type: "Badge", id: "b", label: "old" }] },
    };
    const w = (u: unknown): ThreadStreamEvent => ({ type: "thread.item.updated", item_id: "msg_w", update: u } as ThreadStreamEvent);
    let s = run([
      { type: "thread.item.added", item: widget },
      w({ type: "widget.streaming_text.value_delta", component_id: "t", delta: "lo", done: true }),
      w({ type: "widget.component.updated", component_id: "b", component: { type: "Badge", id: "b", label: "new" } }),
    ]);
    expect((s.items[0] as WidgetItem).widget).toEqual({
      type: "Card",
      children: [{ type: "Row", children: [{ type: "Text", id: "t", value: "Hello", streaming: false }] }, { type: "Badge", id: "b", label: "new" }],
    });
    s = applyEvent(s, w({ type: "widget.root.updated", widget: { type: "Card", children: [] } }));
    expect((s.items[0] as WidgetItem).widget).toEqual({ type: "Card", children: [] });
  });

  it("ignores updates for unknown items, hidden items and non-state events", () => {
    const s = run([{ type: "thread.item.done", item: user }]);
    expect(applyEvent(s, upd({ type: "assistant_message.content_part.text_delta", content_index: 0, delta: "x" }))).toBe(s);
    expect(applyEvent(s, { type: "progress_update", text: "Working" })).toBe(s);
    expect(applyEvent(s, { type: "client_effect", name: "tasks_changed", data: {} })).toBe(s);
    expect(applyEvent(s, { type: "error", code: "stream.error", allow_retry: true })).toBe(s);
    const hidden = { id: "h", thread_id: "thr_1", created_at: "x", type: "sdk_hidden_context" as const, content: "secret" };
    expect(applyEvent(s, { type: "thread.item.done", item: hidden })).toBe(s);
  });
});

describe("helpers", () => {
  it("loads a thread, finds the retry target and truncates after it", () => {
    const s = threadStateFrom({ ...thread, title: "T", items: { data: [user, asst([text("a")])], has_more: false } });
    expect(s.thread?.title).toBe("T");
    expect(s.thread).not.toHaveProperty("items");
    expect(lastUserMessageId(s.items)).toBe("msg_u");
    expect(truncateAfter(s.items, "msg_u").map((i) => i.id)).toEqual(["msg_u"]);
    expect(lastUserMessageId([])).toBeNull();
  });
});
