// Peer server for the benchmarks: the npm port of the official Python ChatKit
// SDK (chatkit-node-backend-sdk) behind Node's http server, with an in-memory
// store and a responder that streams a fixed reply word by word (the same
// length as TaskPilotAI's offline reply, set with REPLY). No auth, no disk.
import http from 'node:http';
import { ChatKitServer, Store, StoreNotFoundError } from 'chatkit-node-backend-sdk';

const REPLY = process.env.REPLY ?? 'Added task 1: Buy milk, due tomorrow at 5:00 PM. Anything else?';
const PORT = Number(process.env.PORT ?? 8093);

class MemoryStore extends Store {
  threads = new Map();
  items = new Map(); // thread id → array in creation order
  attachments = new Map();

  async loadThread(id) {
    const t = this.threads.get(id);
    if (!t) throw new StoreNotFoundError(`thread ${id} not found`);
    return t;
  }
  async saveThread(thread) { this.threads.set(thread.id, thread); }
  async deleteThread(id) { this.threads.delete(id); this.items.delete(id); }
  page(all, after, limit, order) {
    const xs = order === 'desc' ? [...all].reverse() : all;
    let start = 0;
    if (after) start = xs.findIndex((x) => x.id === after) + 1;
    const data = xs.slice(start, start + limit);
    const hasMore = start + limit < xs.length;
    return { data, has_more: hasMore, after: hasMore ? data[data.length - 1]?.id : undefined };
  }
  async loadThreads(limit, after, order) { return this.page([...this.threads.values()], after, limit, order); }
  async loadThreadItems(threadId, after, limit, order) { return this.page(this.items.get(threadId) ?? [], after, limit, order); }
  async addThreadItem(threadId, item) {
    if (!this.items.has(threadId)) this.items.set(threadId, []);
    this.items.get(threadId).push(item);
  }
  async saveItem(threadId, item) {
    const xs = this.items.get(threadId) ?? [];
    const i = xs.findIndex((x) => x.id === item.id);
    if (i >= 0) xs[i] = item; else await this.addThreadItem(threadId, item);
  }
  async loadItem(threadId, itemId) {
    const it = (this.items.get(threadId) ?? []).find((x) => x.id === itemId);
    if (!it) throw new StoreNotFoundError(`item ${itemId} not found`);
    return it;
  }
  async deleteThreadItem(threadId, itemId) {
    const xs = this.items.get(threadId) ?? [];
    this.items.set(threadId, xs.filter((x) => x.id !== itemId));
  }
  async saveAttachment(a) { this.attachments.set(a.id, a); }
  async loadAttachment(id) {
    const a = this.attachments.get(id);
    if (!a) throw new StoreNotFoundError(`attachment ${id} not found`);
    return a;
  }
  async deleteAttachment(id) { this.attachments.delete(id); }
}

class PeerServer extends ChatKitServer {
  async *respond(thread, input, context) {
    const id = this.store.generateItemId('message', thread, context);
    const created_at = new Date().toISOString();
    const base = { id, thread_id: thread.id, created_at, type: 'assistant_message' };
    yield { type: 'thread.item.added', item: { ...base, content: [] } };
    yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.added', content_index: 0, content: { type: 'output_text', text: '', annotations: [] } } };
    const words = REPLY.split(/(?<= )/);
    for (const w of words) {
      yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: w } };
    }
    const part = { type: 'output_text', text: REPLY, annotations: [] };
    yield { type: 'thread.item.updated', item_id: id, update: { type: 'assistant_message.content_part.done', content_index: 0, content: part } };
    yield { type: 'thread.item.done', item: { ...base, content: [part] } };
    if (!thread.title) thread.title = 'Buy milk';
  }
}

// The SDK logs every request by default; a benchmark peer stays quiet.
const quiet = { debug() {}, info() {}, warn() {}, error: console.error };
const server = new PeerServer(new MemoryStore(), undefined, quiet);

http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/v1/chatkit') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const result = await server.process(Buffer.concat(chunks), {});
    if (result.isStreaming) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for await (const chunk of result) res.write(chunk);
      res.end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(result.toJSON()));
    }
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'internal_error', message: String(err?.message ?? err) } }));
  }
}).listen(PORT, '127.0.0.1', () => console.log(`node peer on http://127.0.0.1:${PORT}`));
