-- hookd's PostgreSQL schema, version 1.
--
-- It holds what the SQLite schema holds, in PostgreSQL's own types: times
-- are timestamptz (microseconds, UTC), flags boolean, payloads and examples
-- bytea (the exact bytes given: signatures cover them). Lists and maps are
-- json, the text Go wrote (json, unlike jsonb, takes any string, "\u0000"
-- included); a NULL json column stands for a nil Go slice (a webhook's NULL
-- channels means "all channels"). Ids are prefixed ULIDs from hookd.NewID,
-- compared byte by byte (COLLATE "C"), so ORDER BY id is creation order
-- whatever the database's collation.

CREATE TABLE workspaces (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    settings   json NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL
);

CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

CREATE TABLE event_types (
    name        text COLLATE "C" PRIMARY KEY,
    description text NOT NULL,
    example     bytea,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE webhooks (
    id               text COLLATE "C" PRIMARY KEY,
    workspace_id     text COLLATE "C" NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             text NOT NULL,
    description      text NOT NULL,
    url              text NOT NULL,
    method           text NOT NULL,
    events           json,            -- list of patterns
    channels         json,            -- list; NULL = every channel
    headers          json,            -- object
    timeout_seconds  integer NOT NULL,
    retry_schedule   json,            -- list of durations ("5s")
    signature_scheme text NOT NULL,
    header_prefix    text NOT NULL,
    tls_verify       boolean NOT NULL,
    rate_limit       double precision, -- requests per second; NULL = no limit
    status           text NOT NULL,    -- 'active' | 'disabled'
    disabled_reason  text NOT NULL,
    secrets          json NOT NULL,    -- list of {value, expires_at}
    failing_since    timestamptz,      -- NULL = not failing
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX webhooks_workspace ON webhooks (workspace_id, id);
-- The active set, read by every claim.
CREATE INDEX webhooks_active ON webhooks (id) WHERE status = 'active';

-- The rate limit of a webhook, shared by every hookd process: the claim of
-- a rate-limited webhook's deliveries reserves their send slots here, under
-- the row's lock. A webhook without a rate limit has no row.
CREATE TABLE webhook_send_slots (
    webhook_id   text COLLATE "C" PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    next_send_at timestamptz NOT NULL -- the first slot nobody has reserved
);

CREATE TABLE events (
    id              text COLLATE "C" PRIMARY KEY,
    workspace_id    text COLLATE "C" NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type            text NOT NULL,
    payload         bytea,
    channels        json,            -- list; NULL = none given
    idempotency_key text NOT NULL,    -- '' = none
    created_at      timestamptz NOT NULL
);

CREATE INDEX events_workspace ON events (workspace_id, id);
CREATE INDEX events_created ON events (created_at, id);
CREATE UNIQUE INDEX events_idempotency ON events (workspace_id, idempotency_key)
    WHERE idempotency_key <> '';

CREATE TABLE deliveries (
    id                 text COLLATE "C" PRIMARY KEY,
    workspace_id       text COLLATE "C" NOT NULL,
    event_id           text COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    webhook_id         text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type         text NOT NULL,
    status             text NOT NULL, -- 'pending' | 'succeeded' | 'failed'
    attempts           integer NOT NULL,
    scheduled_attempts integer NOT NULL,
    manual             boolean NOT NULL,
    once               boolean NOT NULL,
    next_attempt_at    timestamptz,   -- NULL when finished
    lease_expires_at   timestamptz,   -- NULL = not leased
    leased_by          text,          -- the instance that holds the lease, for operators
    last_status_code   integer,       -- NULL = no answer yet
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- The claim index: only pending rows, per webhook, in due order. A claim
-- reads only the due head of each webhook.
CREATE INDEX deliveries_due ON deliveries (webhook_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event ON deliveries (event_id);

CREATE TABLE attempts (
    delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number      integer NOT NULL,
    trigger     text NOT NULL,        -- 'scheduled' | 'manual' | 'test'
    started_at  timestamptz NOT NULL,
    duration_ms bigint NOT NULL,
    request     json NOT NULL,        -- {method, url, headers}
    response    json,                -- {status, headers, body}; NULL = none
    error       text NOT NULL,
    PRIMARY KEY (delivery_id, number)
);

CREATE TABLE idempotency_keys (
    scope       text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    fingerprint text NOT NULL,
    status      integer NOT NULL,
    body        bytea,
    done        boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
