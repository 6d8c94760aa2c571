-- Portal links (hookd.PortalLink): single-use links that sign a browser
-- into one workspace's portal. Only the SHA-256 of a link's token is kept.
-- used_at is when the link was redeemed (NULL: not yet); a redemption sets
-- it where it is NULL, so that of several only one succeeds. A workspace's
-- links go with it. Purge deletes links that expired long ago.

CREATE TABLE portal_links (
    token_hash   BLOB PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    read_only    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    used_at      INTEGER
) STRICT;

CREATE INDEX portal_links_workspace ON portal_links (workspace_id);
CREATE INDEX portal_links_expires ON portal_links (expires_at);
