// Peer server for the benchmarks: the npm port of the official Python ChatKit
// SDK (chatkit-node-backend-sdk) behind Node's http server, with a responder
// that streams a fixed reply word by word (the same length as TaskPilotAI's
// offline reply, set with REPLY). No auth.
//
// STORE=memory (default): everything in memory, no disk.
// STORE=sqlite: a durable store like chatkit-python's SQLite example, in the
// file DB_PATH (default ./peer.db): WAL, synchronous=NORMAL, one JSON row per
// thread and per item, and every store call is one statement committed on its
// own (a turn makes four: the thread, the user message, the reply, the
// title). better-sqlite3 (synchronous, like Python's sqlite3 module).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { ChatKitServer, Store, StoreNotFoundError } from 'chatkit-node-backend-sdk';

const REPLY = process.env.REPLY ?? 'Added task 1: Buy milk, due tomorrow at 5:00 PM. Anything else?';
const PORT = Number(process.env.PORT ?? 8093);
const STORE = process.env.STORE ?? 'memory';
const DB_PATH = process.env.DB_PATH ?? './peer.db';
const USER = 'anonymous'; // no auth: one user

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

class SQLiteStore extends Store {
  constructor(path, Database) {
    super();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS threads (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS items_thread ON items (thread_id, created_at, id);
      CREATE INDEX IF NOT EXISTS threads_user ON threads (user_id, created_at, id);
      CREATE TABLE IF NOT EXISTS attachments (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, data TEXT NOT NULL);
    `);
    this.db = db;
    const q = (sql) => db.prepare(sql);
    this.s = {
      loadThread: q('SELECT data FROM threads WHERE id = ? AND user_id = ?'),
      saveThread: q('INSERT INTO threads (id, user_id, created_at, data) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data'),
      deleteThread: q('DELETE FROM threads WHERE id = ? AND user_id = ?'),
      deleteItems: q('DELETE FROM items WHERE thread_id = ? AND user_id = ?'),
      threadKey: q('SELECT created_at, id FROM threads WHERE id = ? AND user_id = ?'),
      itemKey: q('SELECT created_at, id FROM items WHERE id = ? AND thread_id = ? AND user_id = ?'),
      threadsAsc: q('SELECT data FROM threads WHERE user_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?'),
      threadsDesc: q('SELECT data FROM threads WHERE user_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?'),
      itemsAsc: q('SELECT data FROM items WHERE thread_id = ? AND user_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?'),
      itemsDesc: q('SELECT data FROM items WHERE thread_id = ? AND user_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?'),
      addItem: q('INSERT INTO items (id, thread_id, user_id, created_at, data) VALUES (?, ?, ?, ?, ?)'),
      saveItem: q('INSERT INTO items (id, thread_id, user_id, created_at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data'),
      loadItem: q('SELECT data FROM items WHERE id = ? AND thread_id = ? AND user_id = ?'),
      deleteItem: q('DELETE FROM items WHERE id = ? AND thread_id = ? AND user_id = ?'),
      saveAttachment: q('INSERT INTO attachments (id, user_id, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data'),
      loadAttachment: q('SELECT data FROM attachments WHERE id = ? AND user_id = ?'),
      deleteAttachment: q('DELETE FROM attachments WHERE id = ? AND user_id = ?'),
    };
  }

  // The SDK's ids are a prefix and 8 hex digits: in a store that keeps
  // every turn, two of 100k items share one more often than not (a primary
  // key violation). 16 hex digits here.
  generateThreadId() { return `thr_${randomBytes(8).toString('hex')}`; }
  generateItemId(type) {
    const prefix = { message: 'msg', tool_call: 'tc', task: 'task', workflow: 'wf', attachment: 'atc' }[type] ?? type;
    return `${prefix}_${randomBytes(8).toString('hex')}`;
  }

  // A page of rows after the cursor row (whose key query is keyStmt).
  page(asc, desc, keyStmt, keyArgs, args, after, limit, order) {
    let key = order === 'desc' ? ['\uffff', '\uffff'] : ['', ''];
    if (after) {
      const k = keyStmt.get(...keyArgs(after));
      if (k) key = [k.created_at, k.id];
    }
    const rows = (order === 'desc' ? desc : asc).all(...args, ...key, limit + 1);
    const hasMore = rows.length > limit;
    const data = rows.slice(0, limit).map((r) => JSON.parse(r.data));
    return { data, has_more: hasMore, after: hasMore ? data[data.length - 1]?.id : undefined };
  }

  async loadThread(id) {
    const r = this.s.loadThread.get(id, USER);
    if (!r) throw new StoreNotFoundError(`thread ${id} not found`);
    return JSON.parse(r.data);
  }
  async saveThread(thread) {
    const { items: _items, ...meta } = thread;
    this.s.saveThread.run(thread.id, USER, String(thread.created_at), JSON.stringify(meta));
  }
  async deleteThread(id) {
    this.s.deleteItems.run(id, USER);
    this.s.deleteThread.run(id, USER);
  }
  async loadThreads(limit, after, order) {
    return this.page(this.s.threadsAsc, this.s.threadsDesc, this.s.threadKey, (a) => [a, USER], [USER], after, limit, order);
  }
  async loadThreadItems(threadId, after, limit, order) {
    return this.page(this.s.itemsAsc, this.s.itemsDesc, this.s.itemKey, (a) => [a, threadId, USER], [threadId, USER], after, limit, order);
  }
  async addThreadItem(threadId, item) {
    this.s.addItem.run(item.id, threadId, USER, String(item.created_at), JSON.stringify(item));
  }
  async saveItem(threadId, item) {
    this.s.saveItem.run(item.id, threadId, USER, String(item.created_at), JSON.stringify(item));
  }
  async loadItem(threadId, itemId) {
    const r = this.s.loadItem.get(itemId, threadId, USER);
    if (!r) throw new StoreNotFoundError(`item ${itemId} not found`);
    return JSON.parse(r.data);
  }
  async deleteThreadItem(threadId, itemId) { this.s.deleteItem.run(itemId, threadId, USER); }
  async saveAttachment(a) { this.s.saveAttachment.run(a.id, USER, JSON.stringify(a)); }
  async loadAttachment(id) {
    const r = this.s.loadAttachment.get(id, USER);
    if (!r) throw new StoreNotFoundError(`attachment ${id} not found`);
    return JSON.parse(r.data);
  }
  async deleteAttachment(id) { this.s.deleteAttachment.run(id, USER); }
}

async function openStore() {
  if (STORE === 'memory') return new MemoryStore();
  if (STORE === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    return new SQLiteStore(DB_PATH, Database);
  }
  throw new Error(`STORE must be memory or sqlite, not ${STORE}`);
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
const server = new PeerServer(await openStore(), undefined, quiet);

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
    if (res.headersSent) { // failed mid-stream: end this response, not the process
      console.error(err);
      res.destroy();
      return;
    }
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'internal_error', message: String(err?.message ?? err) } }));
  }
}).listen(PORT, '127.0.0.1', () => console.log(`node peer (${STORE} store) on http://127.0.0.1:${PORT}`));
