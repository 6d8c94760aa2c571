-- Deliveries are written when first attempted. Publishing writes the event
-- alone, with the webhooks it fans out to (fanout): one row instead of one
-- per webhook. A delivery not yet attempted is "queued": pending, its id
-- made from its event's id and its place in fanout (see queue.go). Each
-- webhook keeps a cursor, an event seq (AUTOINCREMENT, so never reused or
-- renumbered) at or below which every event it is in the fanout of has its
-- delivery row. Events published before this migration have a row for
-- every delivery (fanout NULL); every webhook's cursor starts past them.
--
-- The events table is rebuilt to get its seq; migrations run with foreign
-- keys off (migrate.go), so dropping the old table deletes no delivery.

CREATE TABLE events_new (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    payload         BLOB,
    channels        TEXT,             -- JSON list; NULL = none given
    idempotency_key TEXT NOT NULL,    -- '' = none
    fanout          TEXT,             -- webhook ids, space-separated; NULL = every delivery has its row
    created_at      INTEGER NOT NULL
) STRICT;

INSERT INTO events_new (id, workspace_id, type, payload, channels, idempotency_key, fanout, created_at)
    SELECT id, workspace_id, type, payload, channels, idempotency_key, NULL, created_at FROM events ORDER BY rowid;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE INDEX events_workspace ON events (workspace_id, id);
CREATE INDEX events_created ON events (created_at, id);
CREATE UNIQUE INDEX events_idempotency ON events (workspace_id, idempotency_key)
    WHERE idempotency_key <> '';
-- The queue: a workspace's events with queued deliveries, in seq order.
CREATE INDEX events_queue ON events (workspace_id, seq) WHERE fanout IS NOT NULL;

ALTER TABLE webhooks ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;
UPDATE webhooks SET cursor = (SELECT coalesce(max(seq), 0) FROM events);
