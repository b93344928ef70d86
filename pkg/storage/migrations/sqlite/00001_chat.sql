-- Chat store: threads, items, attachments, feedback. Every row carries its
-- owner's user_id and every query filters on it, so no query can reach
-- another user's rows. Thread and attachment ids are unique in the store (an
-- upsert of another user's id matches no row); item ids are unique per
-- thread. seq is the insertion order that breaks created_at ties.
-- Timestamps are unix microseconds (exact, sortable).

-- +goose Up
CREATE TABLE chat_threads (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id               TEXT    NOT NULL,
    id                    TEXT    NOT NULL,
    title                 TEXT,
    status                TEXT    NOT NULL DEFAULT '{"type":"active"}',
    metadata              TEXT    NOT NULL DEFAULT '{}',
    allowed_image_domains TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    UNIQUE (id),
    UNIQUE (user_id, id)
);
CREATE INDEX chat_threads_user_created ON chat_threads (user_id, created_at, seq);

CREATE TABLE chat_items (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    thread_id  TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    hidden     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    UNIQUE (user_id, thread_id, id),
    FOREIGN KEY (user_id, thread_id) REFERENCES chat_threads (user_id, id) ON DELETE CASCADE
);
CREATE INDEX chat_items_thread_created ON chat_items (user_id, thread_id, created_at, seq);

CREATE TABLE chat_attachments (
    user_id    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    thread_id  TEXT,
    created_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX chat_attachments_user_thread ON chat_attachments (user_id, thread_id);

CREATE TABLE chat_feedback (
    user_id    TEXT    NOT NULL,
    thread_id  TEXT    NOT NULL,
    item_id    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, thread_id, item_id),
    FOREIGN KEY (user_id, thread_id) REFERENCES chat_threads (user_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE chat_feedback;
DROP TABLE chat_attachments;
DROP TABLE chat_items;
DROP TABLE chat_threads;
