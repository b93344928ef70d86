// Stop: aborting a streamed request ends the stream on both sides (real HTTP).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChatKitProtocolClient, textInput } from "@/lib/chatkit-protocol/client";

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r())));

describe("stopping a stream", () => {
  it("aborts the request and the server sees the client leave", async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((r) => (serverSawClose = r));
    server = createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write('data: {"type":"stream_options","stream_options":{"allow_cancel":true}}\n\n');
      res.write(': keep-alive\n\ndata: {"type":"progress_update","text":"Working"}\n\n');
      // ...and never ends on its own.
      res.on("close", () => serverSawClose());
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    const client = new ChatKitProtocolClient({ url: `http://127.0.0.1:${port}/api/v1/chatkit`, fetch: (i, init) => fetch(i, init) });

    const ctrl = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const ev of client.createThread(textInput("hi"), ctrl.signal)) {
        seen.push(ev.type);
        if (ev.type === "progress_update") ctrl.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toEqual(["stream_options", "progress_update"]);
    await closed;
  });
});
