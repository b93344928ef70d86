import { Fragment, type ReactNode } from "react";

// A small, safe Markdown subset for assistant text: paragraphs, line breaks,
// "-"/"*"/"1." lists, "#" headings, **bold**, *italic*, `code` and [links](https://…).
// Everything becomes React elements; no HTML is ever injected.

const INLINE = /(\*\*[^*]+\*\*|`[^`]+`|\[[^\]]+\]\((?:https?:\/\/|mailto:)[^)\s]+\)|\*[^*\s][^*]*\*|_[^_\s][^_]*_)/g;

function inline(text: string, keyBase: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (const m of text.matchAll(INLINE)) {
    const tok = m[0];
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    const key = `${keyBase}-${n++}`;
    if (tok.startsWith("**")) out.push(<strong key={key}>{tok.slice(2, -2)}</strong>);
    else if (tok.startsWith("`")) out.push(<code key={key}>{tok.slice(1, -1)}</code>);
    else if (tok.startsWith("[")) {
      const close = tok.indexOf("](");
      out.push(
        <a key={key} href={tok.slice(close + 2, -1)} target="_blank" rel="noreferrer noopener">
          {tok.slice(1, close)}
        </a>,
      );
    } else out.push(<em key={key}>{tok.slice(1, -1)}</em>);
    last = at + tok.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function lines(text: string, keyBase: string): ReactNode[] {
  const parts = text.split("\n");
  return parts.map((p, i) => (
    <Fragment key={`${keyBase}-l${i}`}>
      {inline(p, `${keyBase}-l${i}`)}
      {i < parts.length - 1 && <br />}
    </Fragment>
  ));
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  const blocks: ReactNode[] = [];
  const rows = text.replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flushPara = () => {
    if (para.length) blocks.push(<p key={`p${blocks.length}`}>{lines(para.join("\n"), `p${blocks.length}`)}</p>);
    para = [];
  };
  const flushList = () => {
    if (!list) return;
    const key = `list${blocks.length}`;
    const items = list.items.map((it, i) => <li key={`${key}-${i}`}>{inline(it, `${key}-${i}`)}</li>);
    blocks.push(list.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>);
    list = null;
  };
  for (const row of rows) {
    const bullet = /^\s*[-*•]\s+(.*)$/.exec(row);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(row);
    const heading = /^(#{1,6})\s+(.*)$/.exec(row);
    if (bullet || numbered) {
      flushPara();
      const ordered = !bullet;
      if (list && list.ordered !== ordered) flushList();
      if (!list) list = { ordered, items: [] };
      list.items.push((bullet ?? numbered)![1]);
    } else if (heading) {
      flushPara();
      flushList();
      blocks.push(
        <p key={`h${blocks.length}`} className="md-heading">
          <strong>{inline(heading[2], `h${blocks.length}`)}</strong>
        </p>,
      );
    } else if (row.trim() === "") {
      flushPara();
      flushList();
    } else {
      flushList();
      para.push(row);
    }
  }
  flushPara();
  flushList();
  return <div className={className ?? "markdown"}>{blocks}</div>;
}
