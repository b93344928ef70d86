// Wire types of the ChatKit server protocol, as much as the built-in client uses.
// Unknown fields are kept (objects are passed through), unknown item and widget
// types are rendered generically.

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

export type ThreadStatus =
  | { type: "active" }
  | { type: "locked"; reason?: string }
  | { type: "closed"; reason?: string };

export interface ThreadMeta {
  id: string;
  title?: string | null;
  created_at: string;
  status?: ThreadStatus;
  metadata?: Record<string, unknown>;
}

export interface Thread extends ThreadMeta {
  items: Page<ThreadItem>;
}

export interface InputText {
  type: "input_text";
  text: string;
}
export interface InputTag {
  type: "input_tag";
  id: string;
  text: string;
  data?: Record<string, unknown>;
  group?: string;
  interactive?: boolean;
}
export type UserContent = InputText | InputTag;

export interface Annotation {
  type: "annotation";
  source: { type: string; title?: string; url?: string; filename?: string; [k: string]: unknown };
  index?: number | null;
}

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: Annotation[];
}

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface UserMessageItem extends ItemBase {
  type: "user_message";
  content: UserContent[];
  attachments?: unknown[];
  quoted_text?: string | null;
  inference_options?: Record<string, unknown>;
}

export interface AssistantMessageItem extends ItemBase {
  type: "assistant_message";
  content: OutputText[];
}

export interface WidgetNode {
  type: string;
  id?: string;
  key?: string;
  children?: WidgetNode[] | WidgetNode;
  [prop: string]: unknown;
}

export interface WidgetItem extends ItemBase {
  type: "widget";
  widget: WidgetNode;
  copy_text?: string | null;
}

export interface WorkflowTask {
  type: string;
  title?: string;
  content?: string;
  status_indicator?: "none" | "loading" | "complete";
  [k: string]: unknown;
}

export interface WorkflowItem extends ItemBase {
  type: "workflow";
  workflow: { type: string; tasks: WorkflowTask[]; summary?: unknown; expanded?: boolean };
}

export interface OtherItem extends ItemBase {
  type:
    | "client_tool_call"
    | "generated_image"
    | "structured_input"
    | "task"
    | "end_of_turn"
    | "hidden_context_item"
    | "sdk_hidden_context";
  [k: string]: unknown;
}

export type ThreadItem = UserMessageItem | AssistantMessageItem | WidgetItem | WorkflowItem | OtherItem;

export type ItemUpdate =
  | { type: "assistant_message.content_part.added"; content_index: number; content: OutputText }
  | { type: "assistant_message.content_part.text_delta"; content_index: number; delta: string }
  | {
      type: "assistant_message.content_part.annotation_added";
      content_index: number;
      annotation_index: number;
      annotation: Annotation;
    }
  | { type: "assistant_message.content_part.done"; content_index: number; content: OutputText }
  | { type: "widget.streaming_text.value_delta"; component_id: string; delta: string; done: boolean }
  | { type: "widget.component.updated"; component_id: string; component: WidgetNode }
  | { type: "widget.root.updated"; widget: WidgetNode }
  | { type: "workflow.task.added"; task_index: number; task: WorkflowTask }
  | { type: "workflow.task.updated"; task_index: number; task: WorkflowTask }
  | { type: "generated_image.updated"; image: { id: string; url: string }; progress?: number };

export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ItemUpdate }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: { allow_cancel: boolean } }
  | { type: "progress_update"; text: string; icon?: string }
  | { type: "client_effect"; name: string; data?: Record<string, unknown> }
  | { type: "notice"; level: "info" | "warning" | "danger"; message: string; title?: string }
  | { type: "error"; code: string; message?: string; allow_retry: boolean };

export interface UserMessageInput {
  content: UserContent[];
  attachments: string[];
  quoted_text?: string | null;
  inference_options: Record<string, unknown>;
}

export interface WidgetAction {
  type: string;
  payload?: Record<string, unknown>;
}

/** The action config a widget component carries (onClickAction, onSubmitAction…). */
export interface ActionConfig extends WidgetAction {
  handler?: "server" | "client";
  loadingBehavior?: "auto" | "none" | "self" | "container";
  streaming?: boolean;
}

export const HIDDEN_ITEM_TYPES = new Set(["hidden_context_item", "sdk_hidden_context"]);
