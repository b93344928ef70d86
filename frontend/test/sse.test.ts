import { describe, expect, it } from "vitest";
import { readSSE, SSEParser, type SSEMessage } from "@/lib/chatkit-protocol/sse";
import { sseResponse } from "./helpers";

function parseAll(chunks: string[]): SSEMessage[] {
  const p = new SSEParser();
  const out: SSEMessage[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

/** Every way of cutting `text` into two and three pieces must parse like the whole. */
function expectSplitInvariant(text: string, want: SSEMessage[]) {
  expect(parseAll([text])).toEqual(want);
  for (let i = 0; i <= text.length; i++) {
    expect(parseAll([text.slice(0, i), text.slice(i)]), `split at ${i}`).toEqual(want);
    for (let j = i; j <= text.length; j += 3) {
      expect(parseAll([text.slice(0, i), text.slice(i, j), text.slice(j)]), `split at ${i},${j}`).toEqual(want);
    }
  }
  // One character at a time.
  expect(parseAll([...text])).toEqual(want);
}

const ev = (data: string, extra: Partial<SSEMessage> = {}): SSEMessage => ({ event: "message", data, ...extra });

describe("SSEParser", () => {
  it("parses the ChatKit framing (data: JSON, blank line)", () => {
    const text = 'data: {"type":"stream_options","stream_options":{"allow_cancel":true}}\n\ndata: {"type":"progress_update","text":"…"}\n\n';
    expectSplitInvariant(text, [
      ev('{"type":"stream_options","stream_options":{"allow_cancel":true}}'),
      ev('{"type":"progress_update","text":"…"}'),
    ]);
  });

  it("joins multi-line data with \\n", () => {
    expectSplitInvariant("data: first\ndata:second\ndata:  third\n\n", [ev("first\nsecond\n third")]);
  });

  it("ignores comment and heartbeat lines", () => {
    expectSplitInvariant(": ping\n\ndata: a\n: keep-alive\ndata: b\n\n:\n\n", [ev("a\nb")]);
  });

  it("accepts CRLF and lone CR line endings", () => {
    expectSplitInvariant("data: a\r\n\r\ndata: b\r\rdata: c\r\ndata: d\n\r\n", [ev("a"), ev("b"), ev("c\nd")]);
  });

  it("keeps event names and ids, ignores retry and unknown fields", () => {
    expectSplitInvariant("event: update\nid: 7\nretry: 100\nfoo: bar\ndata\ndata: x\n\ndata: y\n\n", [
      ev("\nx", { event: "update", id: "7" }),
      ev("y", { id: "7" }),
    ]);
  });

  it("skips a leading BOM and blank lines without data", () => {
    expectSplitInvariant("\uFEFF\n\nevent: e\n\ndata: z\n\n", [ev("z")]);
  });

  it("drops an event the stream did not close, unless asked to flush it", () => {
    expect(parseAll(["data: done\n\ndata: half"])).toEqual([ev("done")]);
    const p = new SSEParser();
    expect(p.push("data: half")).toEqual([]);
    expect(p.end(true)).toEqual([ev("half")]);
  });
});

describe("readSSE", () => {
  it("decodes UTF-8 sequences split across network chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"delta":"héllo ✓ 🎉"}\r\n\r\n: ping\n\n');
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.slice(i, i + 3));
    const got: SSEMessage[] = [];
    for await (const m of readSSE(sseResponse(chunks).body!)) got.push(m);
    expect(got).toEqual([ev('{"delta":"héllo ✓ 🎉"}')]);
  });
});
