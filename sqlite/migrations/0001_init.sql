-- hookd's SQLite schema, version 1.
--
-- Times are INTEGER Unix microseconds (UTC). Ids are prefixed ULIDs from
-- hookd.NewID, so ORDER BY id is creation order. Lists, maps and settings are
-- JSON TEXT; a NULL JSON column stands for a nil Go slice (a webhook's NULL
-- channels means "all channels"). Payloads and examples are BLOBs holding the
-- exact bytes given: signatures cover them.

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

CREATE TABLE event_types (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    example     BLOB,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    url             TEXT NOT NULL,
    method          TEXT NOT NULL,
    events          TEXT,             -- JSON list of patterns
    channels        TEXT,             -- JSON list; NULL = every channel
    headers         TEXT,             -- JSON object
    timeout_seconds INTEGER NOT NULL,
    retry_schedule  TEXT,             -- JSON list of durations ("5s")
    signature_scheme TEXT NOT NULL,
    header_prefix   TEXT NOT NULL,
    tls_verify      INTEGER NOT NULL,
    rate_limit      REAL,             -- NULL = no limit
    status          TEXT NOT NULL,    -- 'active' | 'disabled'
    disabled_reason TEXT NOT NULL,
    secrets         TEXT NOT NULL,    -- JSON list of {value, expires_at}
    failing_since   INTEGER,          -- NULL = not failing
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_workspace ON webhooks (workspace_id, id);
-- The active set, read by every claim.
CREATE INDEX webhooks_active ON webhooks (id) WHERE status = 'active';

CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    payload         BLOB,
    channels        TEXT,             -- JSON list; NULL = none given
    idempotency_key TEXT NOT NULL,    -- '' = none
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX events_workspace ON events (workspace_id, id);
CREATE INDEX events_created ON events (created_at, id);
CREATE UNIQUE INDEX events_idempotency ON events (workspace_id, idempotency_key)
    WHERE idempotency_key <> '';

CREATE TABLE deliveries (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL,
    event_id           TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    webhook_id         TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type         TEXT NOT NULL,
    status             TEXT NOT NULL, -- 'pending' | 'succeeded' | 'failed'
    attempts           INTEGER NOT NULL,
    scheduled_attempts INTEGER NOT NULL,
    manual             INTEGER NOT NULL,
    once               INTEGER NOT NULL,
    next_attempt_at    INTEGER,       -- NULL when finished
    lease_expires_at   INTEGER NOT NULL, -- 0 = not leased
    last_status_code   INTEGER,       -- NULL = no answer yet
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The claim index: only pending rows, per webhook, in due order. Its size
-- follows the backlog, but a claim reads only the due head of each webhook.
CREATE INDEX deliveries_due ON deliveries (webhook_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event ON deliveries (event_id);

CREATE TABLE attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    trigger     TEXT NOT NULL,        -- 'scheduled' | 'manual' | 'test'
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    request     TEXT NOT NULL,        -- JSON {method, url, headers}
    response    TEXT,                 -- JSON {status, headers, body}; NULL = none
    error       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB,
    done        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
