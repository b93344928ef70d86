// Incremental parser for text/event-stream (the WHATWG "server-sent events" format).
// Chunks may split anywhere: inside a field, between "\r" and "\n", or inside a
// multi-byte UTF-8 sequence (readSSE decodes with a streaming TextDecoder).

export interface SSEMessage {
  /** The `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined by "\n". */
  data: string;
  /** The last `id:` seen, if any. */
  id?: string;
}

export class SSEParser {
  private buffer = "";
  private dataLines: string[] = [];
  private hasData = false;
  private eventType = "";
  private lastId: string | undefined;
  private sawCR = false;
  private started = false;

  /** Feeds decoded text; returns the messages completed by it. */
  push(chunk: string): SSEMessage[] {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const out: SSEMessage[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 /* \n */) {
        if (this.sawCR && i === start && this.buffer === "") {
          // The "\n" of a "\r\n" whose "\r" ended the previous line.
          this.sawCR = false;
          start = i + 1;
          continue;
        }
        this.sawCR = false;
        this.line(this.buffer + chunk.slice(start, i), out);
        this.buffer = "";
        start = i + 1;
      } else if (c === 13 /* \r */) {
        this.line(this.buffer + chunk.slice(start, i), out);
        this.buffer = "";
        this.sawCR = true;
        start = i + 1;
      } else if (this.sawCR) {
        this.sawCR = false;
      }
    }
    if (start < chunk.length) {
      this.buffer += chunk.slice(start);
      this.sawCR = false;
    }
    return out;
  }

  /**
   * Ends the stream. Per the specification an event not closed by a blank line is
   * dropped; `flushIncomplete` dispatches it instead (for lenient callers).
   */
  end(flushIncomplete = false): SSEMessage[] {
    const out: SSEMessage[] = [];
    if (this.buffer !== "") {
      this.line(this.buffer, out);
      this.buffer = "";
    }
    if (flushIncomplete) this.dispatch(out);
    this.reset();
    return out;
  }

  private line(line: string, out: SSEMessage[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // comment / heartbeat
    const colon = line.indexOf(":");
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    }
    switch (field) {
      case "data":
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case "event":
        this.eventType = value;
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastId = value;
        break;
      default:
        // "retry" and unknown fields are ignored.
        break;
    }
  }

  private dispatch(out: SSEMessage[]): void {
    if (this.hasData) {
      const msg: SSEMessage = { event: this.eventType || "message", data: this.dataLines.join("\n") };
      if (this.lastId !== undefined) msg.id = this.lastId;
      out.push(msg);
    }
    this.reset();
  }

  private reset(): void {
    this.dataLines = [];
    this.hasData = false;
    this.eventType = "";
  }
}

/** Reads a byte stream as SSE messages. */
export async function* readSSE(body: ReadableStream<Uint8Array>): AsyncGenerator<SSEMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const parser = new SSEParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const msg of parser.push(decoder.decode(value, { stream: true }))) yield msg;
    }
    for (const msg of parser.push(decoder.decode())) yield msg;
    for (const msg of parser.end()) yield msg;
  } finally {
    reader.releaseLock();
  }
}
