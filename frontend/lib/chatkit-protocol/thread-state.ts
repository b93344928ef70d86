// Applying stream events to the client's copy of a thread. Pure functions: every
// change returns new objects, so React sees what changed.

import {
  HIDDEN_ITEM_TYPES,
  type AssistantMessageItem,
  type ItemUpdate,
  type OutputText,
  type Thread,
  type ThreadItem,
  type ThreadMeta,
  type ThreadStreamEvent,
  type WidgetItem,
  type WidgetNode,
  type WorkflowItem,
} from "./types";

export interface ThreadState {
  thread: ThreadMeta | null;
  items: ThreadItem[];
}

export const emptyThreadState: ThreadState = { thread: null, items: [] };

/** State for a thread loaded with threads.get_by_id. */
export function threadStateFrom(thread: Thread): ThreadState {
  const { items, ...meta } = thread;
  return { thread: meta, items: (items?.data ?? []).filter((i) => !HIDDEN_ITEM_TYPES.has(i.type)) };
}

/** Events that change the thread; the others (progress, effects, errors…) return state unchanged. */
export function applyEvent(state: ThreadState, event: ThreadStreamEvent): ThreadState {
  switch (event.type) {
    case "thread.created":
    case "thread.updated": {
      const { items: _items, ...meta } = event.thread;
      return { ...state, thread: { ...state.thread, ...meta } };
    }
    case "thread.item.added":
    case "thread.item.done":
    case "thread.item.replaced":
      if (HIDDEN_ITEM_TYPES.has(event.item.type)) return state;
      return { ...state, items: upsertItem(state.items, event.item) };
    case "thread.item.removed":
      return { ...state, items: state.items.filter((i) => i.id !== event.item_id) };
    case "thread.item.updated": {
      const idx = state.items.findIndex((i) => i.id === event.item_id);
      if (idx === -1) return state;
      const updated = applyItemUpdate(state.items[idx], event.update);
      if (updated === state.items[idx]) return state;
      const items = state.items.slice();
      items[idx] = updated;
      return { ...state, items };
    }
    default:
      return state;
  }
}

function upsertItem(items: ThreadItem[], item: ThreadItem): ThreadItem[] {
  const idx = items.findIndex((i) => i.id === item.id);
  if (idx === -1) return [...items, item];
  const next = items.slice();
  next[idx] = item;
  return next;
}

const emptyText = (): OutputText => ({ type: "output_text", text: "", annotations: [] });

/** Applies one `thread.item.updated` update to an item; unknown updates leave it as is. */
export function applyItemUpdate(item: ThreadItem, update: ItemUpdate): ThreadItem {
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
    case "assistant_message.content_part.text_delta":
    case "assistant_message.content_part.annotation_added": {
      if (item.type !== "assistant_message") return item;
      return applyAssistantUpdate(item, update);
    }
    case "widget.root.updated":
      if (item.type !== "widget") return item;
      return { ...item, widget: update.widget };
    case "widget.component.updated":
      if (item.type !== "widget") return item;
      return withWidget(item, replaceComponent(item.widget, update.component_id, () => update.component));
    case "widget.streaming_text.value_delta":
      if (item.type !== "widget") return item;
      return withWidget(
        item,
        replaceComponent(item.widget, update.component_id, (node) => ({
          ...node,
          value: String(node.value ?? "") + update.delta,
          streaming: !update.done,
        })),
      );
    case "workflow.task.added":
    case "workflow.task.updated": {
      if (item.type !== "workflow") return item;
      const wf = item as WorkflowItem;
      const tasks = wf.workflow.tasks.slice();
      if (update.type === "workflow.task.added" && update.task_index >= tasks.length) tasks.push(update.task);
      else tasks[update.task_index] = update.task;
      return { ...wf, workflow: { ...wf.workflow, tasks } };
    }
    case "generated_image.updated":
      if (item.type !== "generated_image") return item;
      return { ...item, image: update.image, progress: update.progress };
    default:
      return item;
  }
}

function applyAssistantUpdate(
  item: AssistantMessageItem,
  update: Extract<ItemUpdate, { content_index: number }>,
): AssistantMessageItem {
  const content = item.content.slice();
  const i = update.content_index;
  while (content.length <= i) content.push(emptyText());
  const part = content[i];
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      content[i] = { ...update.content, annotations: update.content.annotations ?? part.annotations ?? [] };
      break;
    case "assistant_message.content_part.text_delta":
      content[i] = { ...part, text: part.text + update.delta };
      break;
    case "assistant_message.content_part.annotation_added": {
      const annotations = (part.annotations ?? []).slice();
      if (update.annotation_index >= annotations.length) annotations.push(update.annotation);
      else annotations.splice(update.annotation_index, 0, update.annotation);
      content[i] = { ...part, annotations };
      break;
    }
  }
  return { ...item, content };
}

function withWidget(item: WidgetItem, widget: WidgetNode): WidgetItem {
  return widget === item.widget ? item : { ...item, widget };
}

/** Returns a copy of the tree with the node of the given id replaced (same tree if absent). */
export function replaceComponent(node: WidgetNode, id: string, fn: (n: WidgetNode) => WidgetNode): WidgetNode {
  if (node.id === id) return fn(node);
  const children = node.children;
  if (Array.isArray(children)) {
    let changed = false;
    const next = children.map((c) => {
      const r = replaceComponent(c, id, fn);
      if (r !== c) changed = true;
      return r;
    });
    return changed ? { ...node, children: next } : node;
  }
  if (children && typeof children === "object") {
    const r = replaceComponent(children, id, fn);
    return r === children ? node : { ...node, children: r };
  }
  return node;
}

/** Plain text of an assistant message. */
export function assistantText(item: AssistantMessageItem): string {
  return item.content.map((c) => c.text).join("");
}

/** The id of the newest user message, if any (the retry target). */
export function lastUserMessageId(items: ThreadItem[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) if (items[i].type === "user_message") return items[i].id;
  return null;
}

/** Drops every item after the given one (what retry_after_item does on the server). */
export function truncateAfter(items: ThreadItem[], itemId: string): ThreadItem[] {
  const idx = items.findIndex((i) => i.id === itemId);
  return idx === -1 ? items : items.slice(0, idx + 1);
}
