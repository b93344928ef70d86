import { describe, expect, it } from "vitest";
import { ChatKitProtocolClient, ProtocolError, textInput } from "@/lib/chatkit-protocol/client";
import type { ThreadStreamEvent } from "@/lib/chatkit-protocol/types";
import { json, recordingFetch, sseResponse } from "./helpers";

async function collect(gen: AsyncGenerator<ThreadStreamEvent>) {
  const out: ThreadStreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe("ChatKitProtocolClient", () => {
  it("sends {type, params, metadata} and reads JSON answers", async () => {
    const { fetch, calls } = recordingFetch(() => json({ data: [], has_more: false }));
    const client = new ChatKitProtocolClient({ url: "/api/v1/chatkit", fetch, locale: "en-GB" });
    expect(await client.listThreads({ limit: 5 })).toEqual({ data: [], has_more: false });
    expect(calls[0].method).toBe("POST");
    expect(calls[0].headers.get("Accept-Language")).toBe("en-GB");
    expect(JSON.parse(calls[0].body ?? "")).toEqual({ type: "threads.list", params: { limit: 5, order: "desc" }, metadata: {} });
  });

  it("streams events from a body split at awkward places", async () => {
    const body =
      'data: {"type":"thread.created","thread":{"id":"thr_1","created_at":"x","items":{"data":[],"has_more":false}}}\n\n' +
      ": ping\n\n" +
      'data: {"type":"stream_options","stream_options":{"allow_cancel":true}}\r\n\r\n' +
      'data: {"type":"client_effect","name":"tasks_changed","data":{}}\n\n';
    const chunks = [body.slice(0, 7), body.slice(7, 120), body.slice(120, 121), body.slice(121)];
    const { fetch, calls } = recordingFetch(() => sseResponse(chunks));
    const client = new ChatKitProtocolClient({ url: "/api/v1/chatkit", fetch });
    const events = await collect(client.createThread(textInput("add a task to buy milk tomorrow")));
    expect(events.map((e) => e.type)).toEqual(["thread.created", "stream_options", "client_effect"]);
    expect(JSON.parse(calls[0].body ?? "")).toEqual({
      type: "threads.create",
      params: {
        input: {
          content: [{ type: "input_text", text: "add a task to buy milk tomorrow" }],
          attachments: [],
          quoted_text: null,
          inference_options: {},
        },
      },
      metadata: {},
    });
  });

  it("sends custom actions with the widget item id", async () => {
    const { fetch, calls } = recordingFetch(() => sseResponse([]));
    const client = new ChatKitProtocolClient({ url: "/c", fetch });
    await collect(client.customAction("thr_1", "msg_w", { type: "task.complete", payload: { task_id: 3 } }));
    expect(JSON.parse(calls[0].body ?? "").params).toEqual({
      thread_id: "thr_1",
      item_id: "msg_w",
      action: { type: "task.complete", payload: { task_id: 3 } },
    });
  });

  it("turns error answers into ProtocolError with the server's code and message", async () => {
    const { fetch } = recordingFetch(() => json({ error: { code: "not_found", message: "thread thr_x not found" } }, 404));
    const client = new ChatKitProtocolClient({ url: "/c", fetch });
    const err = await client.getThread("thr_x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "thread thr_x not found" });
    const streamErr = await collect(client.addUserMessage("thr_x", textInput("hi"))).catch((e: unknown) => e);
    expect(streamErr).toMatchObject({ status: 404, code: "not_found" });
  });

  it("rejects a stream answered with JSON and events that are not JSON", async () => {
    const client1 = new ChatKitProtocolClient({ url: "/c", fetch: recordingFetch(() => json({})).fetch });
    await expect(collect(client1.createThread(textInput("x")))).rejects.toThrow(/Expected an event stream/);
    const client2 = new ChatKitProtocolClient({ url: "/c", fetch: recordingFetch(() => sseResponse(["data: {oops\n\n"])).fetch });
    await expect(collect(client2.createThread(textInput("x")))).rejects.toThrow(/not JSON/);
  });
});
