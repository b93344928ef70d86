"use client";

// A small generic renderer for ChatKit widget trees (Card, ListView, Row, Text,
// Button, …). Unknown components render their children, or their text.

import { useEffect, useRef, useState, type CSSProperties, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import type { ActionConfig, WidgetNode } from "@/lib/chatkit-protocol/types";
import type { TaskStatus } from "@/lib/tasks-api";
import { Icon, iconFor } from "./Icon";
import { Markdown } from "./Markdown";

export type ActionHandler = (action: ActionConfig, values?: Record<string, unknown>) => void;

interface Ctx {
  onAction: ActionHandler;
  disabled: boolean;
  /** What a control acts on (the list row's title), added to its accessible name. */
  subject?: string;
  taskStatus?: ReadonlyMap<number, TaskStatus> | null;
}

function WIcon({ name }: { name: string | undefined }) {
  const icon = iconFor(name);
  return icon ? <Icon name={icon} size={16} /> : null;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);

function isAction(v: unknown): v is ActionConfig {
  return !!v && typeof v === "object" && typeof (v as { type?: unknown }).type === "string";
}

function childrenOf(node: WidgetNode): WidgetNode[] {
  const c = node.children;
  if (Array.isArray(c)) return c.filter((x) => x && typeof x === "object");
  if (c && typeof c === "object") return [c];
  return [];
}

function renderChildren(node: WidgetNode, ctx: Ctx): ReactNode[] {
  return childrenOf(node).map((c, i) => <Node key={str(c.key) ?? str(c.id) ?? i} node={c} ctx={ctx} />);
}

const SPACE = 4; // px per spacing unit
function space(v: unknown): string | undefined {
  if (typeof v === "number") return `${v * SPACE}px`;
  if (typeof v === "string") return v;
  return undefined;
}

function boxStyle(node: WidgetNode, direction: "row" | "column"): CSSProperties {
  const align = str(node.align);
  const justify = str(node.justify);
  const map: Record<string, string> = { start: "flex-start", end: "flex-end", center: "center", stretch: "stretch", between: "space-between", around: "space-around", evenly: "space-evenly", baseline: "baseline" };
  return {
    display: "flex",
    flexDirection: direction,
    gap: space(node.gap) ?? (direction === "row" ? "8px" : "4px"),
    alignItems: align ? map[align] ?? align : direction === "row" ? "center" : undefined,
    justifyContent: justify ? map[justify] ?? justify : undefined,
    padding: typeof node.padding === "number" || typeof node.padding === "string" ? space(node.padding) : undefined,
    flexWrap: node.wrap === "wrap" ? "wrap" : undefined,
    flex: typeof node.flex === "number" || typeof node.flex === "string" ? node.flex : undefined,
  };
}

function textStyle(node: WidgetNode): CSSProperties {
  return {
    textDecoration: node.lineThrough ? "line-through" : undefined,
    fontStyle: node.italic ? "italic" : undefined,
    fontWeight: node.weight === "semibold" || node.weight === "bold" ? 600 : undefined,
    textAlign: node.textAlign === "center" || node.textAlign === "end" ? (node.textAlign === "end" ? "right" : "center") : undefined,
  };
}

/** Collects named form fields into an object; dotted names nest ("a.b" → {a:{b}}). */
export function formValues(form: HTMLFormElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const data = new FormData(form);
  for (const el of Array.from(form.elements)) {
    const input = el as HTMLInputElement;
    if (input.type === "checkbox" && input.name && !data.has(input.name)) data.append(input.name, "false");
  }
  for (const [name, raw] of data.entries()) {
    const value: unknown = raw === "on" ? true : raw === "false" ? false : raw;
    const path = name.split(".");
    let at = out;
    for (let i = 0; i < path.length - 1; i++) {
      const next = at[path[i]];
      if (!next || typeof next !== "object") at[path[i]] = {};
      at = at[path[i]] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = value;
  }
  return out;
}

/** The header line a Card or ListView may carry: {text, icon?, favicon?}. */
function WidgetStatus({ status }: { status: unknown }) {
  if (!status || typeof status !== "object") return null;
  const s = status as { text?: unknown; icon?: unknown };
  if (typeof s.text !== "string") return null;
  return (
    <div className="w-status">
      {typeof s.icon === "string" && <WIcon name={s.icon} />}
      <span>{s.text}</span>
    </div>
  );
}

function FormShell({ node, ctx, action, className, children }: { node: WidgetNode; ctx: Ctx; action: ActionConfig | null; className: string; children: ReactNode }) {
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const values = formValues(e.currentTarget);
    const fromButton = submitter?.dataset.action ? (JSON.parse(submitter.dataset.action) as ActionConfig) : null;
    const chosen = fromButton ?? action;
    if (chosen) ctx.onAction(chosen, values);
  };
  return (
    <form className={className} onSubmit={onSubmit} style={node.type === "Form" ? boxStyle(node, node.direction === "row" ? "row" : "column") : undefined}>
      {children}
    </form>
  );
}

function Node({ node, ctx }: { node: WidgetNode; ctx: Ctx }): ReactNode {
  switch (node.type) {
    case "Card": {
      const confirm = node.confirm as { label?: string; action?: ActionConfig } | undefined;
      const cancel = node.cancel as { label?: string; action?: ActionConfig } | undefined;
      const body = (
        <>
          <WidgetStatus status={node.status} />
          {renderChildren(node, ctx)}
          {(confirm || cancel) && (
            <div className="w-card-actions">
              {cancel?.action && (
                <button type="button" className="secondary" disabled={ctx.disabled} onClick={() => ctx.onAction(cancel.action!)}>
                  {cancel.label ?? "Cancel"}
                </button>
              )}
              {confirm?.action && (
                <button type={node.asForm ? "submit" : "button"} disabled={ctx.disabled} data-action={JSON.stringify(confirm.action)} onClick={node.asForm ? undefined : () => ctx.onAction(confirm.action!)}>
                  {confirm.label ?? "Confirm"}
                </button>
              )}
            </div>
          )}
        </>
      );
      const cls = `w-card ${node.size ? `w-card-${str(node.size)}` : ""}`;
      return node.asForm ? (
        <FormShell node={node} ctx={ctx} action={confirm?.action ?? null} className={cls}>
          {body}
        </FormShell>
      ) : (
        <div className={cls} style={{ padding: space(node.padding) }}>
          {body}
        </div>
      );
    }
    case "ListView": {
      const limit = typeof node.limit === "number" ? node.limit : undefined;
      const items = childrenOf(node).slice(0, limit);
      return (
        <>
        <WidgetStatus status={node.status} />
        <ul className="w-list">
          {items.map((c, i) => (
            <Node key={str(c.key) ?? str(c.id) ?? i} node={c} ctx={ctx} />
          ))}
        </ul>
        </>
      );
    }
    case "ListViewItem": {
      const action = isAction(node.onClickAction) ? node.onClickAction : null;
      const rowCtx = { ...ctx, subject: firstText(node) ?? ctx.subject };
      const content = (
        <div className="w-row" style={boxStyle(node, "row")}>
          {renderChildren(node, rowCtx)}
        </div>
      );
      if (!action) return <li className="w-list-item">{content}</li>;
      const fire = () => !ctx.disabled && ctx.onAction(action);
      return (
        <li className="w-list-item w-clickable" role="button" tabIndex={0} aria-disabled={ctx.disabled} onClick={fire} onKeyDown={(e: KeyboardEvent) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), fire())}>
          {content}
        </li>
      );
    }
    case "Basic":
    case "Box":
      return <div style={boxStyle(node, node.direction === "row" ? "row" : "column")}>{renderChildren(node, ctx)}</div>;
    case "Row":
      return <div className="w-row" style={boxStyle(node, "row")}>{renderChildren(node, ctx)}</div>;
    case "Col":
      return <div className="w-col" style={boxStyle(node, "column")}>{renderChildren(node, ctx)}</div>;
    case "Form":
      return (
        <FormShell node={node} ctx={ctx} action={isAction(node.onSubmitAction) ? node.onSubmitAction : null} className="w-form">
          {renderChildren(node, ctx)}
        </FormShell>
      );
    case "Text":
      return (
        <div className={`w-text ${node.color === "secondary" ? "muted" : ""}`} style={textStyle(node)}>
          {str(node.value) ?? ""}
        </div>
      );
    case "Title":
      return (
        <div className="w-title" role="heading" aria-level={3} style={textStyle(node)}>
          {str(node.value) ?? ""}
        </div>
      );
    case "Caption":
      return (
        <div className={`w-caption${node.color === "danger" ? " w-danger" : ""}`} style={textStyle(node)}>
          {str(node.value) ?? ""}
        </div>
      );
    case "Markdown":
      return <Markdown text={str(node.value) ?? ""} className="markdown w-markdown" />;
    case "Label":
      return <label className="w-label" htmlFor={str(node.fieldName)}>{str(node.value) ?? ""}</label>;
    case "Badge":
      return <span className={`badge badge-${str(node.color) ?? "secondary"}`}>{str(node.label) ?? ""}</span>;
    case "Icon":
      return <WIcon name={str(node.name)} />;
    case "Image": {
      const src = str(node.src) ?? "";
      if (!/^(https?:|data:image\/)/.test(src)) return null;
      return <img className="w-image" src={src} alt={str(node.alt) ?? ""} />;
    }
    case "Divider":
      return <hr className="w-divider" />;
    case "Spacer":
      return <div className="w-spacer" aria-hidden="true" />;
    case "Button":
      return <WButton node={node} ctx={ctx} />;
    case "Input":
    case "DatePicker":
      return (
        <input
          className="w-input"
          name={str(node.name)}
          id={str(node.name)}
          type={node.type === "DatePicker" ? "date" : str(node.inputType) ?? "text"}
          placeholder={str(node.placeholder)}
          defaultValue={str(node.defaultValue)}
          required={node.required === true}
          disabled={ctx.disabled || node.disabled === true}
          aria-label={str(node.placeholder) ?? str(node.name)}
        />
      );
    case "Textarea":
      return (
        <textarea className="w-input" name={str(node.name)} id={str(node.name)} placeholder={str(node.placeholder)} defaultValue={str(node.defaultValue)} aria-label={str(node.placeholder) ?? str(node.name)} disabled={ctx.disabled} />
      );
    case "Select": {
      const options = Array.isArray(node.options) ? (node.options as { label: string; value: string }[]) : [];
      const change = isAction(node.onChangeAction) ? node.onChangeAction : null;
      return (
        <select
          className="w-input"
          name={str(node.name)}
          id={str(node.name)}
          defaultValue={str(node.defaultValue) ?? ""}
          aria-label={str(node.placeholder) ?? str(node.name)}
          disabled={ctx.disabled}
          onChange={change ? (e) => ctx.onAction({ ...change, payload: { ...change.payload, value: e.currentTarget.value } }) : undefined}
        >
          {str(node.placeholder) && <option value="">{str(node.placeholder)}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    case "Checkbox": {
      const change = isAction(node.onChangeAction) ? node.onChangeAction : null;
      return (
        <label className="w-checkbox">
          <input
            type="checkbox"
            name={str(node.name)}
            defaultChecked={node.defaultChecked === true}
            disabled={ctx.disabled || node.disabled === true}
            onChange={change ? (e) => ctx.onAction({ ...change, payload: { ...change.payload, checked: e.currentTarget.checked } }) : undefined}
          />{" "}
          {str(node.label)}
        </label>
      );
    }
    case "RadioGroup": {
      const options = Array.isArray(node.options) ? (node.options as { label: string; value: string }[]) : [];
      return (
        <fieldset className="w-radio" disabled={ctx.disabled}>
          {options.map((o) => (
            <label key={o.value}>
              <input type="radio" name={str(node.name)} value={o.value} defaultChecked={node.defaultValue === o.value} /> {o.label}
            </label>
          ))}
        </fieldset>
      );
    }
    case "Table":
      return (
        <table className="w-table">
          <tbody>{renderChildren(node, ctx)}</tbody>
        </table>
      );
    case "Table.Row":
    case "TableRow":
      return <tr>{renderChildren(node, ctx)}</tr>;
    case "Table.Cell":
    case "TableCell":
      return <td>{childrenOf(node).length ? renderChildren(node, ctx) : str(node.value)}</td>;
    default: {
      // Unknown (or Transition): show the children, else whatever text it carries.
      const kids = renderChildren(node, ctx);
      if (kids.length) return <div className="w-unknown">{kids}</div>;
      const text = str(node.value) ?? str(node.label) ?? str(node.text) ?? str(node.title);
      return text ? <div className="w-unknown">{text}</div> : null;
    }
  }
}

/** The first Text or Title value in a subtree: what a list row is about. */
function firstText(node: WidgetNode): string | undefined {
  if ((node.type === "Text" || node.type === "Title") && str(node.value)) return str(node.value);
  for (const c of childrenOf(node)) {
    const t = firstText(c);
    if (t) return t;
  }
  return undefined;
}

const taskIdOf = (a: ActionConfig | null): number | undefined => {
  const id = a?.payload?.task_id;
  return typeof id === "number" ? id : typeof id === "string" && /^\d+$/.test(id) ? Number(id) : undefined;
};

/**
 * Whether a button's action is a delete this client asks about first (it sits next to Complete).
 * The server's task list asks itself: its Delete sends task.ask_delete and the question's Delete
 * is confirmed ({confirmed: true}), which runs at once. A delete not yet confirmed (lists drawn
 * before the server asked, other widgets) is asked here.
 */
export function asksFirst(action: ActionConfig | null): boolean {
  return !!action && /(^|\.)delete$/.test(action.type) && action.payload?.confirmed !== true;
}

function WButton({ node, ctx }: { node: WidgetNode; ctx: Ctx }) {
  const [confirming, setConfirming] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keepRef.current?.focus();
  }, [confirming]);
  let action = isAction(node.onClickAction) ? node.onClickAction : null;
  let label = str(node.label);
  let icon = str(node.iconStart);
  // An older list may still offer Complete for a task the pane shows done (or Reopen for an open one).
  const id = taskIdOf(action);
  const known = id !== undefined ? ctx.taskStatus?.get(id) : undefined;
  // The server names its buttons with their task ("Complete #3"): the swap keeps the "#3".
  if (action && known === "completed" && action.type === "task.complete") {
    action = { ...action, type: "task.reopen" };
    label = label?.replace(/^Complete\b/, "Reopen") ?? "Reopen";
    icon = "reload";
  } else if (action && known === "pending" && action.type === "task.reopen") {
    action = { ...action, type: "task.complete" };
    label = label?.replace(/^Reopen\b/, "Complete") ?? "Complete";
    icon = "check";
  }
  const danger = node.color === "danger";
  const cls = `w-button${node.style === "secondary" || node.variant === "outline" || node.variant === "ghost" || node.variant === "soft" ? " secondary" : ""}${danger ? " danger" : ""}`;
  const name = (label ?? iconFor(icon) ?? "Action") + (ctx.subject ? `: ${ctx.subject}` : "");
  const asks = !node.submit && asksFirst(action);
  if (asks && confirming && action) {
    const a = action;
    return (
      <span className="w-confirm" role="group" aria-label={`Delete${ctx.subject ? ` “${ctx.subject}”` : ""}?`}>
        <span>Delete?</span>
        <button
          type="button"
          className="w-button danger"
          disabled={ctx.disabled}
          onClick={() => {
            setConfirming(false);
            ctx.onAction(a);
          }}
        >
          Delete
        </button>
        <button type="button" className="w-button secondary" ref={keepRef} onClick={() => setConfirming(false)}>
          Keep
        </button>
      </span>
    );
  }
  return (
    <button
      type={node.submit ? "submit" : "button"}
      className={cls}
      disabled={ctx.disabled || node.disabled === true || (!action && !node.submit)}
      aria-label={label && !ctx.subject ? undefined : name}
      data-action={node.submit && action ? JSON.stringify(action) : undefined}
      onClick={node.submit || !action ? undefined : asks ? () => setConfirming(true) : () => ctx.onAction(action!)}
    >
      {icon && <WIcon name={icon} />}
      {label}
      {str(node.iconEnd) && <WIcon name={str(node.iconEnd)} />}
    </button>
  );
}

/** Renders a widget root; actions go to `onAction`. */
export function WidgetView({
  widget,
  onAction,
  disabled,
  taskStatus,
}: {
  widget: WidgetNode;
  onAction: ActionHandler;
  disabled: boolean;
  taskStatus?: ReadonlyMap<number, TaskStatus> | null;
}) {
  return (
    <div className="widget" aria-busy={disabled}>
      <Node node={widget} ctx={{ onAction, disabled, taskStatus }} />
    </div>
  );
}
